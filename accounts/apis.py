"""Account endpoints under /api/v1/auth/: register, login, logout, me, password change, CSRF token."""

import re
from datetime import datetime
from typing import Any

from django.conf import settings
from django.middleware.csrf import get_token
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import csrf, selectors, services
from accounts.authentication import authenticated_user
from accounts.serializers import UserSerializer, user_json
from accounts.throttles import (
    IDENTIFIER_MAX_LENGTH,
    LoginThrottle,
    NameProbeThrottle,
    PasswordChangeThrottle,
    RegisterThrottle,
)
from api.drf import django_request
from api.uploads import IMAGE_UPLOAD_REQUEST, uploaded_file

PASSWORD_MAX_LENGTH = 128

COOKIE_HELP = (
    "true: also set the token in the httpOnly auth cookie and leave it out of the body "
    "(browser frontends). Only from an allowed origin (or with the X-CSRFToken header), as every "
    "cookie-authenticated write."
)


class SessionOutputSerializer(serializers.Serializer):
    user = UserSerializer()
    token = serializers.CharField(required=False, help_text="Send as `Authorization: Token <token>`.")
    expiry = serializers.DateTimeField(allow_null=True)


class UserEnvelopeSerializer(serializers.Serializer):
    user = UserSerializer()


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


def _session_response(
    *, request: Request, user: Any, token: str, expiry: datetime | None, use_cookie: bool, status_code: int
) -> Response:
    body: dict[str, Any] = {"user": user_json(user, request=django_request(request)), "expiry": expiry}
    if not use_cookie:
        body["token"] = token
    response = Response(body, status=status_code)
    if use_cookie:
        response.set_cookie(
            settings.AUTH_COOKIE,
            token,
            max_age=int(settings.AUTH_TOKEN_TTL.total_seconds()),
            httponly=True,
            secure=getattr(settings, "AUTH_COOKIE_SECURE", False),
            samesite=settings.AUTH_COOKIE_SAMESITE,
            domain=settings.AUTH_COOKIE_DOMAIN,
        )
        get_token(django_request(request))  # a CSRF cookie for the requests that follow
    return response


class RegisterApi(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [RegisterThrottle]

    class RegisterInputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150)
        email = serializers.EmailField(max_length=254)
        password = serializers.CharField(write_only=True, trim_whitespace=False, max_length=128)
        cookie = serializers.BooleanField(default=False, help_text=COOKIE_HELP)

    @extend_schema(
        request=RegisterInputSerializer, responses={201: SessionOutputSerializer, 403: DetailSerializer}, auth=[]
    )
    def post(self, request: Request) -> Response:
        data = self.RegisterInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        if fields["cookie"]:  # no cross-site page may log a browser in (login CSRF)
            csrf.enforce(django_request(request))
        user = services.user_register(username=fields["username"], email=fields["email"], password=fields["password"])
        token, expiry = services.auth_token_issue(user=user)
        return _session_response(
            request=request,
            user=user,
            token=token,
            expiry=expiry,
            use_cookie=fields["cookie"],
            status_code=status.HTTP_201_CREATED,
        )


# What no login field may hold (DRF's CharField refuses both): NUL, and a lone surrogate.
_REFUSED_CHARACTERS = re.compile("[\x00\ud800-\udfff]")


def plain_login_input(data: Any) -> dict[str, Any] | None:
    """What `LoginApi.LoginInputSerializer` gives for a body it plainly accepts (two strings within their
    lengths, a boolean or no cookie), without building the serializer (~0.5 ms of a login's CPU); None for
    any other body, which the serializer then reads and words the errors of. Never looser than the serializer
    (test_login_input.py compares both)."""
    if not isinstance(data, dict):
        return None
    identifier, password, cookie = data.get("identifier"), data.get("password"), data.get("cookie", False)
    if not (isinstance(identifier, str) and isinstance(password, str) and isinstance(cookie, bool)):
        return None
    identifier = identifier.strip()  # as the serializer trims it (the password is taken as sent)
    if not (0 < len(identifier) <= IDENTIFIER_MAX_LENGTH and 0 < len(password) <= PASSWORD_MAX_LENGTH):
        return None
    if _REFUSED_CHARACTERS.search(identifier) or _REFUSED_CHARACTERS.search(password):
        return None
    return {"identifier": identifier, "password": password, "cookie": cookie}


class LoginApi(APIView):
    # Whoever sends a login is anonymous to it: a token or cookie it carries is neither read nor checked (the
    # cookie login enforces CSRF itself), which spares every login the authenticators.
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    throttle_classes = [LoginThrottle]

    class LoginInputSerializer(serializers.Serializer):
        identifier = serializers.CharField(
            max_length=IDENTIFIER_MAX_LENGTH, help_text="Username or email (case-insensitive)."
        )
        password = serializers.CharField(write_only=True, trim_whitespace=False, max_length=PASSWORD_MAX_LENGTH)
        cookie = serializers.BooleanField(default=False, help_text=COOKIE_HELP)

    @extend_schema(
        request=LoginInputSerializer,
        responses={200: SessionOutputSerializer, 400: DetailSerializer, 403: DetailSerializer},
        auth=[],
    )
    def post(self, request: Request) -> Response:
        fields = plain_login_input(request.data)
        if fields is None:
            data = self.LoginInputSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            fields = data.validated_data
        if fields["cookie"]:  # no cross-site page may log a browser in (login CSRF)
            csrf.enforce(django_request(request))
        user, token, expiry = services.user_login(
            request=django_request(request), identifier=fields["identifier"], password=fields["password"]
        )
        return _session_response(
            request=request, user=user, token=token, expiry=expiry, use_cookie=fields["cookie"], status_code=200
        )


class LogoutApi(APIView):
    """Revokes the token this request used; other sessions stay logged in."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={200: DetailSerializer})
    def post(self, request: Request) -> Response:
        services.auth_token_revoke(token=request.auth)
        response = Response({"detail": "Logged out"})
        response.delete_cookie(
            settings.AUTH_COOKIE, samesite=settings.AUTH_COOKIE_SAMESITE, domain=settings.AUTH_COOKIE_DOMAIN
        )
        return response


class LogoutAllApi(APIView):
    """Revokes every token of the user: logs out every device."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses={
            200: inline_serializer(
                "LogoutAllOutput", {"detail": serializers.CharField(), "revoked": serializers.IntegerField()}
            )
        },
    )
    def post(self, request: Request) -> Response:
        revoked = services.auth_tokens_revoke_all(user=authenticated_user(request))
        response = Response({"detail": "Logged out everywhere", "revoked": revoked})
        response.delete_cookie(
            settings.AUTH_COOKIE, samesite=settings.AUTH_COOKIE_SAMESITE, domain=settings.AUTH_COOKIE_DOMAIN
        )
        return response


class MeApi(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = [NameProbeThrottle]  # a taken username or email is told here too

    class MeInputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150, required=False)
        email = serializers.EmailField(max_length=254, required=False)
        first_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
        last_name = serializers.CharField(max_length=150, required=False, allow_blank=True)

    @extend_schema(responses={200: UserEnvelopeSerializer})
    def get(self, request: Request) -> Response:
        return Response({"user": user_json(authenticated_user(request), request=django_request(request))})

    @extend_schema(request=MeInputSerializer, responses={200: UserEnvelopeSerializer})
    def patch(self, request: Request) -> Response:
        data = self.MeInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        user = services.user_update(user=authenticated_user(request), data=data.validated_data)
        return Response({"user": user_json(user, request=django_request(request))})


class ProfileImageApi(APIView):
    """Upload the profile image (JPEG, PNG, WebP or GIF); the previous one is deleted."""

    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request=IMAGE_UPLOAD_REQUEST, responses={200: UserEnvelopeSerializer, 400: None, 503: None})
    def post(self, request: Request) -> Response:
        upload, field = uploaded_file(request)
        user = services.user_profile_image_set(user=authenticated_user(request), file=upload, field=field)
        return Response({"user": user_json(user, request=django_request(request))})


class PlanApi(APIView):
    """The user's plan, its limits (null = unlimited) and the current usage, for the dashboard's meter."""

    permission_classes = [IsAuthenticated]

    class PlanOutputSerializer(serializers.Serializer):
        plan = serializers.CharField()
        limits = inline_serializer(
            "PlanLimits",
            {
                "max_shops": serializers.IntegerField(allow_null=True),
                "max_products_per_shop": serializers.IntegerField(allow_null=True),
            },
        )
        usage = inline_serializer(
            "PlanUsage",
            {
                "shops": serializers.IntegerField(),
                "products_per_shop": serializers.DictField(child=serializers.IntegerField()),
            },
        )

    @extend_schema(responses={200: PlanOutputSerializer})
    def get(self, request: Request) -> Response:
        return Response(selectors.plan_usage_get(user=authenticated_user(request)))


class PasswordChangeApi(APIView):
    """Sets a new password; every other session (token) is logged out, this one stays."""

    permission_classes = [IsAuthenticated]
    throttle_classes = [PasswordChangeThrottle]

    class PasswordChangeInputSerializer(serializers.Serializer):
        current_password = serializers.CharField(trim_whitespace=False, max_length=128)
        new_password = serializers.CharField(trim_whitespace=False, max_length=128)

    @extend_schema(
        request=PasswordChangeInputSerializer,
        responses={
            200: inline_serializer(
                "PasswordChangeOutput",
                {"detail": serializers.CharField(), "revoked": serializers.IntegerField()},
            )
        },
    )
    def post(self, request: Request) -> Response:
        data = self.PasswordChangeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        revoked = services.user_change_password(
            user=authenticated_user(request),
            current_password=data.validated_data["current_password"],
            new_password=data.validated_data["new_password"],
            current_token=request.auth,
        )
        return Response({"detail": "Password changed", "revoked": revoked})


class CsrfTokenApi(APIView):
    """The CSRF token for cookie-authenticated browser clients: send it back as `X-CSRFToken`."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(
        responses={200: inline_serializer("CsrfTokenOutput", {"csrf_token": serializers.CharField()})},
        auth=[],
    )
    def get(self, request: Request) -> Response:
        return Response({"csrf_token": get_token(django_request(request))})
