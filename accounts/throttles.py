"""Login, registration, password-change and account-recovery throttles (429 + Retry-After), on atomic windows
(`api.throttling`).

Login, as OWASP's authentication cheat sheet describes, without letting anyone lock an owner out: every
attempt takes a slot in the client's window (THROTTLE_LOGIN_CLIENT, any account), then in the account's
window for that client (THROTTLE_LOGIN_ACCOUNT_CLIENT, low: stops one machine guessing), then in the
account's window from everywhere (THROTTLE_LOGIN_ACCOUNT, higher: a ceiling on guesses from many machines).
A client that exhausts its own window for an account is refused without touching the ceiling, so one machine
cannot lock the owner out; it takes many. An attempt that logs in gives its account slots back: failures
count, successes do not. The account is the one the identifier reaches (`login_account_key`)."""

from typing import Any

from django.http import HttpRequest
from rest_framework.request import Request

from accounts.selectors import (
    LOGIN_ACCOUNT_KEY_SQL,
    login_account_from_row,
    login_account_get,
    login_account_key,
    login_account_statement,
)
from api.drf import django_request
from api.throttling import (
    DatabaseCounters,
    KeyedByRead,
    Window,
    WindowThrottle,
    client_ident,
    counters,
    give_back,
    give_back_statement,
    take,
    window,
)

# Identifiers the login serializer refuses before any lookup (empty, longer than its max_length, a NUL or a
# lone surrogate, which PostgreSQL cannot take either) take no account window: no password is tried with them.
IDENTIFIER_MAX_LENGTH = 254
_ACCOUNT_WINDOWS = "_login_account_windows"


def _identifier_text(identifier: Any) -> str | None:
    if isinstance(identifier, int | float) and not isinstance(identifier, bool):
        # The login serializer reads a JSON number as its text: count it under the same account.
        identifier = str(identifier)
    if not isinstance(identifier, str):
        return None
    identifier = identifier.strip()  # as the serializer trims it
    if not identifier or len(identifier) > IDENTIFIER_MAX_LENGTH or "\x00" in identifier:
        return None
    if any("\ud800" <= character <= "\udfff" for character in identifier):
        return None  # a lone surrogate (JSON allows one): the serializer refuses it, PostgreSQL cannot take it
    return identifier


def _plain(request: HttpRequest | Request) -> HttpRequest:
    """Where a login attempt's windows are kept: the Django request, which a DRF request reads through, so the
    login service (given the Django request) and the throttle (given DRF's) find the same ones."""
    return django_request(request) if isinstance(request, Request) else request


def login_attempt_take(*, request: HttpRequest | Request, identifier: Any) -> float | None:
    """Take this login attempt's slots: None when it may go on, else the seconds to wait (nothing taken).
    Call `login_attempt_succeeded` with the same request if it logs in. The account looked up stays on the
    request for the login backend (`login_account_get`). With the counters in PostgreSQL the lookup and the
    windows are one statement (the account windows keyed in SQL on the row it reads); in Redis, two round
    trips: the lookup, then the windows."""
    client = client_ident(request)
    windows = [window("login_client", client)]
    text = _identifier_text(identifier)
    account_windows: list[Window] = []
    plain_request = _plain(request)
    store = counters()
    if text is not None and isinstance(store, DatabaseCounters):
        wait, account_windows = _take_with_lookup(store, plain_request, windows[0], text, client)
    else:
        if text is not None:
            account = login_account_get(identifier=text, request=plain_request).key
            account_windows = [window("login_account_client", f"{account}|{client}"), window("login_account", account)]
        wait = take([*windows, *account_windows], store=store)  # in this order always: see `take` on deadlocks
    setattr(plain_request, _ACCOUNT_WINDOWS, account_windows if wait is None else [])
    return wait


def _take_with_lookup(
    store: DatabaseCounters, request: HttpRequest, client_window: Window, identifier: str, client: str
) -> tuple[float | None, list[Window]]:
    """The account lookup and the three windows in one statement: the account windows' idents are made in SQL
    from the row the lookup reads, as `login_account_key` makes them in Python."""
    account = LOGIN_ACCOUNT_KEY_SQL.format(row="read")
    sql, params = login_account_statement(identifier=identifier)
    wait, row, hit = store.take_after_read(
        sql,
        params,
        [
            client_window,
            KeyedByRead("login_account_client", f"{account} || '|' || %s::text", (client,)),
            KeyedByRead("login_account", account),
        ],
    )
    login_account_from_row(identifier=identifier, row=row, request=request)
    return wait, hit[1:]


def login_attempt_succeeded(*, request: HttpRequest | Request) -> None:
    """The attempt logged in: its account slots go back (only failures count against an account)."""
    plain_request = _plain(request)
    give_back(getattr(plain_request, _ACCOUNT_WINDOWS, []))
    setattr(plain_request, _ACCOUNT_WINDOWS, [])


def login_attempt_succeeded_statement(*, request: HttpRequest, after: str) -> tuple[str, list[Any]] | None:
    """`login_attempt_succeeded` as SQL for the login to run within its own write (one round trip fewer; see
    `api.throttling.give_back_statement`, also on `after`), the attempt then counting as given back; None
    when it cannot be SQL (the counters are in Redis) or there is nothing to give back: then call
    `login_attempt_succeeded` once the login is written."""
    statement = give_back_statement(getattr(request, _ACCOUNT_WINDOWS, []), after=after)
    if statement is not None:
        setattr(request, _ACCOUNT_WINDOWS, [])
    return statement


class LoginThrottle(WindowThrottle):
    """Login attempts per client, per account and client, and per account (see the module's docstring)."""

    def allow_request(self, request: Request, view: Any) -> bool:
        identifier = request.data.get("identifier") if hasattr(request.data, "get") else None
        self.wait_seconds = login_attempt_take(request=request, identifier=identifier)
        return self.wait_seconds is None


class RegisterThrottle(WindowThrottle):
    """Account creation per client address (THROTTLE_REGISTER)."""

    scope = "register"


class PasswordChangeThrottle(WindowThrottle):
    """Password changes (each one a full password hash verification) per client address and per user
    (THROTTLE_PASSWORD_CHANGE_CLIENT, THROTTLE_PASSWORD_CHANGE_USER); runs after authentication."""

    def windows(self, request: Request, view: Any) -> list[Window]:
        return [
            window("password_change_client", client_ident(request)),
            window("password_change_user", str(request.user.pk)),
        ]


class NameProbeThrottle(RegisterThrottle):
    """A change of username or email (PATCH auth/me/) tells whether the name is taken, as registering does:
    counted in the register budget of the client address, so that an account cannot probe names unthrottled."""

    def allow_request(self, request: Request, view: Any) -> bool:
        data = request.data if hasattr(request.data, "keys") else {}
        if request.method not in ("PATCH", "PUT") or not {"username", "email"} & set(data.keys()):
            return True
        return super().allow_request(request, view)


class PasswordResetThrottle(WindowThrottle):
    """Reset requests per client (THROTTLE_PASSWORD_RESET_CLIENT) and per address from every client together
    (THROTTLE_PASSWORD_RESET_ADDRESS, which bounds the mail one inbox receives). The address is counted as
    the login counts it (`login_account_key`: every spelling that reaches one account shares a window, and an
    address that reaches none is counted under its folded text with the same limits), so the throttle answers
    alike whether or not the address has an account."""

    def windows(self, request: Request, view: Any) -> list[Window]:
        windows = [window("password_reset_client", client_ident(request))]
        address = _identifier_text(request.data.get("email") if hasattr(request.data, "get") else None)
        if address is not None:
            windows.append(window("password_reset_address", login_account_key(identifier=address)))
        return windows


class AccountLinkThrottle(WindowThrottle):
    """Mailed links followed (reset confirm, email confirm) per client address (THROTTLE_ACCOUNT_LINK)."""

    scope = "account_link"


class EmailVerifyResendThrottle(WindowThrottle):
    """Confirmation mails asked for again, per user (THROTTLE_EMAIL_VERIFY_RESEND); runs after authentication."""

    def windows(self, request: Request, view: Any) -> list[Window]:
        return [window("email_verify_resend", str(request.user.pk))]
