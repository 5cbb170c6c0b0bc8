"""The admin's login page behind the API login's throttles: the same windows and counters, so guesses made
through the admin and through the API add up, and the admin login waits exactly as the API login does."""

import math
from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse

from accounts.throttles import login_attempt_succeeded, login_attempt_take


def admin_login(request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
    """Django's admin login (`admin.site.login`); a POST first takes its slots, as an API login does (the
    CSRF middleware has already refused a cross-site POST). A redirect after a POST is a login."""
    if request.method != "POST":
        return admin.site.login(request, extra_context)
    wait = login_attempt_take(request=request, identifier=request.POST.get("username"))
    if wait is not None:
        seconds = math.ceil(wait)
        response = HttpResponse(
            f"Too many login attempts. Try again in {seconds} seconds.\n", status=429, content_type="text/plain"
        )
        response["Retry-After"] = str(seconds)
        return response
    response = admin.site.login(request, extra_context)
    if response.status_code == 302:
        login_attempt_succeeded(request=request)
    return response
