"""Authentication by username or email, both case-insensitive."""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from accounts.selectors import user_login_lookup


class UsernameOrEmailBackend(ModelBackend):
    """`authenticate(username=<username or email>, password=...)`. An identifier with "@" is an email
    (usernames cannot contain "@"); the lookup is `user_login_lookup`, which the login throttle shares.
    Unknown accounts cost one password hash too, so the time a failed login takes does not tell whether the
    account exists."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if username is None or password is None:
            return None
        user = user_login_lookup(identifier=username).first()
        if user is None:
            get_user_model()().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
