"""API tokens: made by their owner on a page, named, read-only or read-write, expiring, revocable.

Use is recorded as a last-used time (at most once a minute) and one audit entry per token per day, so
the audit trail shows which tokens are alive without an entry for every API call."""

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import SAFE_METHODS

from core import audit

from .models import AdminRole, ApiToken, TokenScope

PREFIX = "zxt_"
MAX_DAYS = 365


def digest(secret):
    return hashlib.new("sm3", secret.encode()).hexdigest()


def token_create(*, user, name, scope, days, by=None, otp_code=None):
    """Returns (token, secret); the secret is never stored and cannot be shown again.

    An administrator's token carries their powers without the second factor at each use, so making one
    needs a fresh TOTP code (checked here, not only at log-in)."""
    from . import services

    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "请为令牌起一个名称，说明用在哪里"})
    if scope not in TokenScope.values:
        raise ValidationError({"scope": "权限只能是只读或读写"})
    if not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise ValidationError({"days": f"有效期应为 1 至 {MAX_DAYS} 天"})
    if services.password_expired(user):
        raise ValidationError({"name": "密码已过期，请先修改密码"})
    if user.needs_second_factor:
        services.second_factor_verify(user=user, code=otp_code)
    secret = PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(user=user, name=name[:60], prefix=secret[:10], digest=digest(secret),
                                        scope=scope, expires_at=timezone.now() + dt.timedelta(days=days))
        audit.record(action="token.create", by=by or user, obj=token,
                     after={"user": user.pk, "name": token.name, "scope": scope, "expires_at": token.expires_at})
    return token, secret


def token_revoke(*, token, by):
    """The owner, or the security administrator, revokes a token; it stops working at once."""
    if by.pk != token.user_id and by.admin_role != AdminRole.SECURITY:
        raise ValidationError({"token": "只能吊销自己的令牌"})
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at:
            return token
        token.revoked_at, token.revoked_by = timezone.now(), by
        token.save(update_fields=["revoked_at", "revoked_by"])
        audit.record(action="token.revoke", by=by, obj=token, after={"user": token.user_id, "name": token.name})
    return token


def _note_use(token):
    now = timezone.now()
    last = token.last_used_at
    if last is not None and now - last < dt.timedelta(minutes=1):
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    if last is None or timezone.localdate(last) != timezone.localdate(now):
        audit.record(action="token.use", by=token.user, obj=token, after={"name": token.name, "first_use_today": True})


class ApiTokenAuthentication(BaseAuthentication):
    """`Authorization: Token <secret>` (or Bearer). Refused when revoked, expired, the account is
    disabled, or the account's password is past its maximum age (the same rule as the pages)."""

    keywords = (b"token", b"bearer")

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in self.keywords:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("令牌格式不正确")
        try:
            secret = parts[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed("令牌格式不正确") from None
        token = ApiToken.objects.select_related("user").filter(digest=digest(secret)).first()
        if token is None or token.revoked_at or token.expires_at <= timezone.now() or not token.user.is_active:
            raise exceptions.AuthenticationFailed("令牌无效、已过期或已吊销")
        from .services import password_expired

        if password_expired(token.user):
            raise exceptions.AuthenticationFailed(
                f"账号密码已超过 {settings.PASSWORD_MAX_AGE_DAYS} 天未修改，令牌暂停使用；请登录网页修改密码")
        if request.method not in SAFE_METHODS and token.scope != TokenScope.WRITE:
            raise exceptions.PermissionDenied("只读令牌不能修改数据")
        _note_use(token)
        return token.user, token

    def authenticate_header(self, request):
        return "Token"


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.tokens.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": "在“API 令牌”页面创建；请求头 `Authorization: Token <令牌>`"}
