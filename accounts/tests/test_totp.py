"""The second factor through django-otp (issue 9, item 5): one use per code, throttling, backup codes, audit."""

import base64

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from core.models import AuditEntry
from core.testing import PASSWORD


def code_for(device, offset=0):
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + offset * device.step
    return str(totp.token()).zfill(device.digits)


def clear_throttle():
    TOTPDevice.objects.update(throttling_failure_count=0, throttling_failure_timestamp=None)


@pytest.fixture
def bound(world):
    """The audit administrator with a bound authenticator and their backup codes."""
    device = services.totp_begin(user=world.auditadmin)
    device, codes = services.totp_confirm(user=world.auditadmin, code=code_for(device))
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)  # the binding code's window may be used again
    device.refresh_from_db()
    return device, codes


def password_step(client=None):
    client = client or Client()
    response = client.post("/accounts/login/", {"username": "auditadmin", "password": PASSWORD},
                           REMOTE_ADDR="10.1.2.3")
    assert response["Location"] == "/accounts/otp/"
    return client


def test_the_same_code_is_refused_the_second_time(world, bound):
    device, _ = bound
    code = code_for(device)
    first = password_step()
    assert first.post("/accounts/otp/", {"code": code}).status_code == 302
    replay = password_step()
    response = replay.post("/accounts/otp/", {"code": code})
    assert response.status_code == 400 and "只能使用一次" in response.content.decode()
    assert replay.get("/audit/")["Location"] == "/accounts/otp/"


def test_repeated_wrong_codes_are_throttled_so_the_right_one_waits(world, bound):
    device, _ = bound
    client = password_step()
    for _ in range(3):
        client.post("/accounts/otp/", {"code": "000000"})
    response = client.post("/accounts/otp/", {"code": code_for(device)})
    assert response.status_code == 400 and "秒后再试" in response.content.decode()
    assert client.get("/audit/")["Location"] == "/accounts/otp/"
    assert AuditEntry.objects.filter(action="user.totp_fail", actor=world.auditadmin).exists()
    assert AuditEntry.objects.filter(action="user.totp_throttled", actor=world.auditadmin).exists()


def test_the_password_cannot_be_changed_before_the_second_step(world, bound):
    client = password_step()
    response = client.post("/accounts/password/", {"old_password": PASSWORD, "new_password1": "New#Pass2026x",
                                                    "new_password2": "New#Pass2026x"})
    assert response.status_code == 302 and response["Location"] == "/accounts/otp/"
    world.auditadmin.refresh_from_db()
    assert world.auditadmin.check_password(PASSWORD)


def test_a_backup_code_works_once_when_the_phone_is_away(world, bound):
    _, codes = bound
    client = password_step()
    assert client.post("/accounts/otp/", {"code": codes[0]}).status_code == 302
    assert client.get("/audit/").status_code == 200
    again = password_step()
    assert again.post("/accounts/otp/", {"code": codes[0]}).status_code == 400
    assert AuditEntry.objects.filter(action="user.backup_code_used").count() == 1


def test_binding_is_audited_and_the_key_is_not_on_the_user_row(world, client):
    device = services.totp_begin(user=world.secadmin)
    services.totp_confirm(user=world.secadmin, code=code_for(device))
    assert AuditEntry.objects.filter(action="user.totp_enable", actor=world.secadmin).exists()
    assert base64.b32encode(device.bin_key).decode() not in str(AuditEntry.objects.values_list("after"))


def test_a_wrong_backup_code_also_slows_the_next_attempt(world, bound):
    client = password_step()
    client.post("/accounts/otp/", {"code": "notacode"})
    device = TOTPDevice.objects.get(user=world.auditadmin)
    assert device.throttling_failure_count == 1
    clear_throttle()


def test_the_security_administrator_resets_a_lost_authenticator(world, bound):
    from django_otp.plugins.otp_static.models import StaticDevice

    from core.testing import login

    sec = login(Client(), world.secadmin)
    sec.post("/accounts/security/", {"action": "totp_reset", "username": "auditadmin"})
    assert not TOTPDevice.objects.filter(user=world.auditadmin).exists()
    assert not StaticDevice.objects.filter(user=world.auditadmin).exists()
    assert AuditEntry.objects.filter(action="user.totp_reset", actor=world.secadmin).exists()
    page = password_step().get("/accounts/otp/")
    assert page.context["setup"]
