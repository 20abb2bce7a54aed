import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse

# Before the second factor only the way to give it (or to leave) is open: changing the password with a
# stolen password alone would lock the owner out.
OTP_EXEMPT_PREFIXES = ("/static/", "/accounts/login", "/accounts/logout", "/accounts/otp", "/healthz")
EXEMPT_PREFIXES = OTP_EXEMPT_PREFIXES + ("/accounts/password",)


class SessionPolicyMiddleware:
    """Idle and absolute session limits, password expiry and the administrators' second factor."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            session = request.session
            login_at = session.get("login_at", now)
            last_seen = session.get("last_seen", now)
            if now - last_seen > settings.SESSION_IDLE_MINUTES * 60 or now - login_at > settings.SESSION_ABSOLUTE_HOURS * 3600:
                logout(request)
                messages.info(request, "长时间未操作或登录已超过时限，请重新登录")
                return redirect(reverse("accounts:login") + "?next=" + request.path)
            session.setdefault("login_at", login_at)
            if now - last_seen >= 30 or "last_seen" not in session:
                session["last_seen"] = now
            if user.needs_second_factor and not session.get("otp_ok") and not request.path.startswith(
                    OTP_EXEMPT_PREFIXES):
                return redirect("accounts:otp")
            if not request.path.startswith(EXEMPT_PREFIXES):
                from .services import password_expired

                if password_expired(user):
                    messages.warning(request, f"密码已超过 {settings.PASSWORD_MAX_AGE_DAYS} 天未修改，请先修改密码")
                    return redirect("accounts:password_change")
        return self.get_response(request)
