"""Account writes: creating users, setting passwords, logging attempts, second factor. Each is audited."""

import datetime as dt

import pyotp
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core import audit, crypto

from .models import AdminRole, LoginAttempt, PasswordHistory, User


def _bound_account(person):
    return User.objects.filter(Q(person=person) | Q(pending_person=person)).first()


def user_create(*, username, password, by=None, person=None, admin_role="", validate=True):
    """Create an account. A person has at most one account. When the system administrator binds the new
    account to a person, the binding waits for the security administrator (三员分立): the person's
    group roles would otherwise open study records to an account the system administrator controls."""
    username = (username or "").strip()
    if not username:
        raise ValidationError({"username": "请填写用户名"})
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": f"用户名“{username}”已存在"})
    if person is not None and admin_role:
        raise ValidationError({"person": "三员分立：管理员账号不绑定人员，不担任中心组角色"})
    if person is not None and (other := _bound_account(person)) is not None:
        raise ValidationError({"person": f"{person.name}已有账号“{other.username}”，一个人只能有一个账号"})
    pending = person is not None and getattr(by, "admin_role", "") == AdminRole.SYSTEM
    with transaction.atomic():
        user = User(username=username, admin_role=admin_role)
        if pending:
            user.pending_person, user.pending_by = person, by
        else:
            user.person = person
        if validate:
            validate_password(password, user)
        user.set_password(password)
        user.password_changed_at = timezone.now()
        user.save()
        audit.record(action="user.create", by=by, obj=user, after={"username": username, "admin_role": admin_role,
                                                                     "person": person.pk if person else None,
                                                                     "pending": pending})
    return user


def binding_decide(*, user, approve, by):
    """The security administrator approves or refuses a binding the system administrator requested."""
    if getattr(by, "admin_role", "") != AdminRole.SECURITY:
        raise ValidationError({"by": "只有安全管理员可以审批"})
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=user.pk, pending_person__isnull=False).first()
        if user is None:
            raise ValidationError({"user": "该申请已处理"})
        person = user.pending_person
        after = {"person": person.pk, "requested_by": user.pending_by_id}
        if approve:
            if User.objects.filter(person=person).exclude(pk=user.pk).exists():
                raise ValidationError({"user": f"{person.name}已有账号，不能再绑定"})
            user.person = person
        user.pending_person = user.pending_by = None
        user.save(update_fields=["person", "pending_person", "pending_by"])
        audit.record(action="user.bind_approve" if approve else "user.bind_refuse", by=by, obj=user, after=after)
    return user


def password_change(*, user, new_password, by=None):
    """Set a new password: checked against the rules and the last five; other sessions end."""
    validate_password(new_password, user)
    with transaction.atomic():
        if user.password:
            PasswordHistory.objects.create(user=user, password=user.password)
            keep = list(user.password_history.values_list("id", flat=True)[: settings.PASSWORD_HISTORY])
            user.password_history.exclude(id__in=keep).delete()
        user.set_password(new_password)
        user.password_changed_at = timezone.now()
        user.save(update_fields=["password", "password_changed_at"])
        # Django ties each session to a hash of the password, so every other session is now invalid.
        audit.record(action="user.password_change", by=by or user, obj=user)
    return user


def password_expired(user):
    if not user.password_changed_at:
        return True
    return timezone.now() - user.password_changed_at > dt.timedelta(days=settings.PASSWORD_MAX_AGE_DAYS)


def is_locked(*, username, address):
    since = timezone.now() - dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
    recent = LoginAttempt.objects.filter(username=username, address=address, ts__gte=since).order_by("-ts")
    failures = 0
    for attempt in recent[: settings.LOGIN_MAX_FAILURES]:
        if attempt.success:
            break
        failures += 1
    return failures >= settings.LOGIN_MAX_FAILURES


def login_attempt_record(*, username, address, success, user=None, reason=""):
    with transaction.atomic():
        LoginAttempt.objects.create(username=username[:150], address=address, ts=timezone.now(), success=success)
        audit.record(
            action="login", by=user, actor_name=username[:150], address=address,
            object_type="accounts.user", object_id=str(user.pk) if user else "",
            result="ok" if success else "fail", after={"reason": reason} if reason else None,
        )


def logout_record(*, user, address):
    audit.record(action="logout", by=user, obj=user, address=address)


def unlock(*, username, by):
    with transaction.atomic():
        n, _ = LoginAttempt.objects.filter(username=username, success=False).delete()
        audit.record(action="login.unlock", by=by, object_type="accounts.user", object_id=username,
                     after={"cleared": n})
    return n


def totp_begin(*, user):
    """Give the user a fresh secret to scan; it only counts once confirmed with a code."""
    secret = pyotp.random_base32()
    user.totp_secret = crypto.encrypt(secret)
    user.totp_confirmed = False
    user.save(update_fields=["totp_secret", "totp_confirmed"])
    return secret


def totp_secret(user):
    return crypto.decrypt(user.totp_secret) if user.totp_secret else ""


def totp_verify(*, user, code):
    secret = totp_secret(user)
    if not secret or not code:
        return False
    return pyotp.TOTP(secret).verify(str(code).strip(), valid_window=1)


def totp_confirm(*, user, code):
    if not totp_verify(user=user, code=code):
        raise ValidationError({"code": "动态口令不正确，请核对手机上的验证器"})
    with transaction.atomic():
        user.totp_confirmed = True
        user.save(update_fields=["totp_confirmed"])
        audit.record(action="user.totp_enable", by=user, obj=user)
