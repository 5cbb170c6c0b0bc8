from django.urls import path

from accounts import apis, recovery_apis

urlpatterns = [
    path("register/", apis.RegisterApi.as_view(), name="auth-register"),
    path("login/", apis.LoginApi.as_view(), name="auth-login"),
    path("logout/", apis.LogoutApi.as_view(), name="auth-logout"),
    path("logout-all/", apis.LogoutAllApi.as_view(), name="auth-logout-all"),
    path("me/", apis.MeApi.as_view(), name="auth-me"),
    path("me/profile-image/", apis.ProfileImageApi.as_view(), name="auth-me-profile-image"),
    path("plan/", apis.PlanApi.as_view(), name="auth-plan"),
    path("password/change/", apis.PasswordChangeApi.as_view(), name="auth-password-change"),
    path("password/reset/", recovery_apis.PasswordResetApi.as_view(), name="auth-password-reset"),
    path(
        "password/reset/confirm/",
        recovery_apis.PasswordResetConfirmApi.as_view(),
        name="auth-password-reset-confirm",
    ),
    path("email/verify/", recovery_apis.EmailVerifyApi.as_view(), name="auth-email-verify"),
    path("email/verify/resend/", recovery_apis.EmailVerifyResendApi.as_view(), name="auth-email-verify-resend"),
    path("csrf/", apis.CsrfTokenApi.as_view(), name="auth-csrf"),
]
