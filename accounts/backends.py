"""Authentication by username or email, both case-insensitive."""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from accounts.selectors import login_account_get


class UsernameOrEmailBackend(ModelBackend):
    """`authenticate(username=<username or email>, password=...)`. An identifier with "@" is an email
    (usernames cannot contain "@"); the lookup is `login_account_get`, which the login throttle shares (so the
    row it read for this identifier in this request is reused, not read again). Unknown accounts cost one
    password hash too, so the time a failed login takes does not tell whether the account exists."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if username is None or password is None:
            return None
        user = login_account_get(identifier=username, request=request).user
        if user is None:
            get_user_model()().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
