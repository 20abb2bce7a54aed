"""Account writes: creating users, setting passwords, logging attempts, second factor. Each is audited."""

import base64
import datetime as dt
import re

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core import audit

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


def _since():
    return timezone.now() - dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)


def is_locked(*, username, address):
    """The narrow lock: five failures of this username from this address in a row (STANDARDS.md)."""
    recent = LoginAttempt.objects.filter(username=username, address=address, ts__gte=_since()).order_by("-ts")
    failures = 0
    for attempt in recent[: settings.LOGIN_MAX_FAILURES]:
        if attempt.success:
            break
        failures += 1
    return failures >= settings.LOGIN_MAX_FAILURES


def username_failures(username):
    """Failures of a username from any address since its last success, within the lockout window."""
    since = _since()
    last_ok = LoginAttempt.objects.filter(username=username, success=True, ts__gte=since).order_by("-ts").first()
    if last_ok is not None:
        since = last_ok.ts
    return LoginAttempt.objects.filter(username=username, success=False, ts__gte=since).count()


def address_failures(address):
    """Failures from an address across every username within the lockout window (spraying)."""
    return LoginAttempt.objects.filter(address=address, success=False, ts__gte=_since()).count()


def lock_reason(*, username, address, known_device=False):
    """Why a log-in is refused before the password is checked, or "".

    The broad locks (one address guessing many usernames; one username guessed from many addresses) do
    not apply to a browser that has logged in as this username before (a signed known-device cookie):
    an attacker can slow a victim down from elsewhere but cannot lock them out of their own browser.
    The narrow lock (this username from this address) applies to everyone."""
    if is_locked(username=username, address=address):
        return "pair"
    if known_device:
        return ""
    if address_failures(address) >= settings.LOGIN_ADDRESS_MAX_FAILURES:
        return "address"
    if username_failures(username) >= settings.LOGIN_USERNAME_MAX_FAILURES:
        return "username"
    return ""


def login_attempt_record(*, username, address, success, user=None, reason="", counts=True):
    """Every attempt is audited; `counts=False` (a right password still awaiting the second factor) keeps
    it out of the lockout counts, so only a completed log-in clears them."""
    with transaction.atomic():
        if counts:
            LoginAttempt.objects.create(username=username[:150], address=address, ts=timezone.now(),
                                        success=success)
        audit.record(
            action="login", by=user, actor_name=username[:150], address=address,
            object_type="accounts.user", object_id=str(user.pk) if user else "",
            result="ok" if success else "fail", after={"reason": reason} if reason else None,
        )


def logout_record(*, user, address):
    audit.record(action="logout", by=user, obj=user, address=address)


def unlock(*, username="", address="", by):
    """安全管理员: clear the failures of a username (from every address) or of an address."""
    if not username and not address:
        raise ValidationError({"username": "请指定要解除锁定的用户名或地址"})
    with transaction.atomic():
        failures = LoginAttempt.objects.filter(success=False)
        failures = failures.filter(username=username) if username else failures.filter(address=address)
        n, _ = failures.delete()
        audit.record(action="login.unlock", by=by, object_type="accounts.user", object_id=username or address,
                     after={"cleared": n, "username": username, "address": address})
    return n


# ---- Second factor: django-otp's TOTP device (throttling, refusal of a used code) and static backup codes.

BACKUP_CODES = 10


def totp_device(user, *, confirmed=True):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("id").first()


def totp_begin(*, user):
    """A fresh unconfirmed device to scan; it only counts once a code from it is entered."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = totp_device(user, confirmed=False)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="验证器", confirmed=False)
    return device


def totp_secret(device):
    return base64.b32encode(device.bin_key).decode()


def _throttled_message(data):
    wait = max(1, int((data["locked_until"] - timezone.now()).total_seconds()) + 1) if data.get("locked_until") else 60
    return f"动态口令错误次数过多，请 {wait} 秒后再试"


def second_factor_verify(*, user, code, setup=False):
    """Check a code: a TOTP code (each accepted once) or, once bound, an unused backup code.

    Returns the device that accepted it; raises ValidationError in Chinese otherwise. Every failure and
    every throttled attempt is audited; the devices' own throttling doubles the wait after each failure."""
    code = re.sub(r"\s", "", str(code or ""))
    device = totp_device(user, confirmed=not setup)
    if device is None:
        raise ValidationError({"code": "尚未绑定动态口令"})
    allowed, data = device.verify_is_allowed()
    if not allowed:
        audit.record(action="user.totp_throttled", by=user, obj=user, result="fail",
                     after={"failures": data.get("failure_count")})
        raise ValidationError({"code": _throttled_message(data)})
    if code.isdigit() or setup:
        if device.verify_token(code):  # refuses a code at or before the last accepted one, and throttles
            return device
    else:
        from django_otp.plugins.otp_static.models import StaticDevice

        # The TOTP device's throttle counts backup-code failures too, so they are no way around it.
        for static in StaticDevice.objects.filter(user=user, confirmed=True):
            if static.verify_token(code.lower()):
                audit.record(action="user.backup_code_used", by=user, obj=user,
                             after={"left": static.token_set.count()})
                return static
        device.throttle_increment()
    audit.record(action="user.totp_fail", by=user, obj=user, result="fail",
                 after={"failures": device.throttling_failure_count})
    raise ValidationError({"code": "动态口令不正确（每个口令只能使用一次），请核对手机上的验证器"})


def totp_confirm(*, user, code):
    """Bind the device once the user proves they scanned it; hand out backup codes (shown once)."""
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

    device = second_factor_verify(user=user, code=code, setup=True)
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        StaticDevice.objects.filter(user=user).delete()
        static = StaticDevice.objects.create(user=user, name="备用口令", confirmed=True)
        codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
        StaticToken.objects.bulk_create([StaticToken(device=static, token=c) for c in codes])
        audit.record(action="user.totp_enable", by=user, obj=user, after={"backup_codes": len(codes)})
    return device, codes


def totp_reset(*, user, by):
    """安全管理员: a lost phone. The user binds a new device at the next log-in."""
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        audit.record(action="user.totp_reset", by=by, obj=user)
