from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("otp/", views.otp_view, name="otp"),
    path("password/", views.password_change, name="password_change"),
    path("security/", views.security, name="security"),
    path("users/", views.users, name="users"),
    path("approvals/", views.approvals, name="approvals"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/all/", views.tokens_all, name="tokens_all"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
]
