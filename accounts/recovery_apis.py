"""Account recovery and verification endpoints under /api/v1/auth/: password reset (request, confirm) and
email confirmation (follow the link, ask for it again)."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services
from accounts.apis import DetailSerializer, UserEnvelopeSerializer
from accounts.authentication import authenticated_user
from accounts.serializers import user_json
from accounts.throttles import AccountLinkThrottle, EmailVerifyResendThrottle, PasswordResetThrottle
from api.drf import django_request

RESET_REQUESTED = "If an account uses this address, a link to reset its password is on its way."
RESET_DONE = "Password reset. Every session was logged out: log in with the new password."


class PasswordResetApi(APIView):
    """Mails a reset link to the account that uses the address, if one does. The answer, and the work done
    before it, are the same whether or not one does."""

    permission_classes = [AllowAny]
    throttle_classes = [PasswordResetThrottle]

    class PasswordResetInputSerializer(serializers.Serializer):
        email = serializers.EmailField(max_length=254, help_text="As for login: compared case-insensitively.")

    @extend_schema(
        request=PasswordResetInputSerializer, responses={202: DetailSerializer, 400: DetailSerializer}, auth=[]
    )
    def post(self, request: Request) -> Response:
        data = self.PasswordResetInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.password_reset_request(email=data.validated_data["email"])
        return Response({"detail": RESET_REQUESTED}, status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirmApi(APIView):
    """Sets the password from a reset link (`uid` and `token` as the link carries them). The link works once
    and expires (PASSWORD_RESET_TIMEOUT_SECONDS); every session of the account is logged out."""

    permission_classes = [AllowAny]
    throttle_classes = [AccountLinkThrottle]

    class PasswordResetConfirmInputSerializer(serializers.Serializer):
        uid = serializers.CharField(max_length=64)
        token = serializers.CharField(max_length=128)
        new_password = serializers.CharField(trim_whitespace=False, max_length=128)

    @extend_schema(
        request=PasswordResetConfirmInputSerializer,
        responses={
            200: inline_serializer(
                "PasswordResetOutput", {"detail": serializers.CharField(), "revoked": serializers.IntegerField()}
            ),
            400: None,
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        data = self.PasswordResetConfirmInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        revoked = services.user_password_reset(**data.validated_data)
        return Response({"detail": RESET_DONE, "revoked": revoked})


class EmailVerifyApi(APIView):
    """Follows a confirmation link: confirms the account's address, or moves the account to the new address
    it was asked to move to (the previous address is told)."""

    permission_classes = [AllowAny]
    throttle_classes = [AccountLinkThrottle]

    class EmailVerifyInputSerializer(serializers.Serializer):
        token = serializers.CharField(max_length=512)

    @extend_schema(
        request=EmailVerifyInputSerializer,
        responses={
            200: inline_serializer(
                "EmailVerifyOutput", {"detail": serializers.CharField(), "email": serializers.EmailField()}
            ),
            400: None,
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        data = self.EmailVerifyInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_email_confirm(token=data.validated_data["token"])
        return Response({"detail": "Email address confirmed.", "email": user.email})


class EmailVerifyResendApi(APIView):
    """Mails the confirmation link again: to the pending new address if there is one, else to the account's
    address if it is not confirmed yet (400 when there is nothing to confirm)."""

    permission_classes = [IsAuthenticated]
    throttle_classes = [EmailVerifyResendThrottle]

    @extend_schema(request=None, responses={202: UserEnvelopeSerializer, 400: DetailSerializer})
    def post(self, request: Request) -> Response:
        user = authenticated_user(request)
        services.email_verify_resend(user=user)
        return Response({"user": user_json(user, request=django_request(request))}, status=status.HTTP_202_ACCEPTED)
