import datetime as dt
import time

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts import services
from accounts.models import LoginAttempt
from core.models import AuditEntry
from core.testing import PASSWORD


def post_login(client, username, password, address="10.1.2.3"):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


@pytest.mark.parametrize("password,message", [
    ("Ab1!", "至少 8 位"),
    ("abcdefgh1", "至少 3 类"),
    ("ABCDEFGH", "至少 3 类"),
])
def test_weak_passwords_are_refused(world, password, message):
    with pytest.raises(ValidationError, match=message):
        services.password_change(user=world.member_a, new_password=password)


def test_the_last_five_passwords_cannot_be_reused(world):
    user = world.member_a
    used = [f"Kx{i}#pass-word" for i in range(6)]
    for p in used:
        services.password_change(user=user, new_password=p)
    for p in used[1:]:
        with pytest.raises(ValidationError, match="最近 5 次"):
            services.password_change(user=user, new_password=p)
    services.password_change(user=user, new_password=used[0])  # the sixth-last is allowed again


def test_every_login_attempt_is_logged(world, client):
    post_login(client, "member_a", "wrong")
    post_login(client, "member_a", PASSWORD)
    results = list(AuditEntry.objects.filter(action="login").values_list("result", "address", "actor_name"))
    assert results == [("fail", "10.1.2.3", "member_a"), ("ok", "10.1.2.3", "member_a")]


def test_five_failures_lock_the_username_from_that_address_for_30_minutes(world, client):
    for _ in range(5):
        assert post_login(client, "member_a", "wrong").status_code == 400
    locked = post_login(client, "member_a", PASSWORD)
    assert locked.status_code == 400 and "已锁定" in locked.content.decode()
    # Another address is not locked: an attacker cannot lock a colleague out of their own office.
    assert post_login(client, "member_a", PASSWORD, address="10.9.9.9").status_code == 302
    client.logout()
    LoginAttempt.objects.update(ts=timezone.now() - dt.timedelta(minutes=31))
    assert post_login(client, "member_a", PASSWORD).status_code == 302


def test_the_security_administrator_can_unlock(world, client, as_user):
    for _ in range(5):
        post_login(client, "member_a", "wrong")
    admin = as_user(world.secadmin)
    page = admin.get("/accounts/security/").content.decode()
    assert "member_a" in page
    admin.post("/accounts/security/", {"username": "member_a"})
    admin.logout()
    assert post_login(client, "member_a", PASSWORD).status_code == 302


def test_an_idle_session_ends_after_30_minutes(world, as_user):
    client = as_user(world.member_a)
    assert client.get("/").status_code == 200
    session = client.session
    session["last_seen"] = int(time.time()) - 31 * 60
    session.save()
    response = client.get("/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_session_ends_after_12_hours_even_when_active(world, as_user):
    client = as_user(world.member_a)
    session = client.session
    session["login_at"] = int(time.time()) - 12 * 3600 - 1
    session.save()
    assert client.get("/").status_code == 302


def test_an_old_password_must_be_changed_first(world, as_user):
    type(world.member_a).objects.filter(pk=world.member_a.pk).update(
        password_changed_at=timezone.now() - dt.timedelta(days=91))
    client = as_user(world.member_a)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].endswith("/accounts/password/")


def test_changing_the_password_ends_other_sessions(world, client):
    from django.test import Client

    other = Client()
    assert post_login(other, "member_a", PASSWORD).status_code == 302
    assert post_login(client, "member_a", PASSWORD).status_code == 302
    response = client.post("/accounts/password/", {"old_password": PASSWORD, "new_password1": "New#Pass2026x",
                                                   "new_password2": "New#Pass2026x"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert other.get("/").status_code == 302


def totp_now(secret):
    import base64

    from django_otp.oath import TOTP

    return str(TOTP(base64.b32decode(secret)).token()).zfill(6)


def test_administrators_need_a_second_factor(world, client):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    assert post_login(client, "auditadmin", PASSWORD)["Location"] == "/accounts/otp/"
    assert client.get("/audit/")["Location"] == "/accounts/otp/"
    page = client.get("/accounts/otp/")
    secret = page.context["secret"]
    assert client.post("/accounts/otp/", {"code": "000000"}).status_code == 400
    TOTPDevice.objects.update(throttling_failure_count=0, throttling_failure_timestamp=None)
    bound = client.post("/accounts/otp/", {"code": totp_now(secret)})
    assert bound.status_code == 200 and len(bound.context["codes"]) == 10  # backup codes, shown once
    assert client.get("/audit/").status_code == 200
    assert TOTPDevice.objects.get(user=world.auditadmin).confirmed


def test_an_ordinary_user_needs_no_second_factor(world, client):
    assert post_login(client, "secretary_a", PASSWORD)["Location"] == "/"


def test_a_redirect_after_login_stays_on_this_site(world, client):
    response = client.post("/accounts/login/?next=https://evil.example/", {"username": "member_a",
                                                                          "password": PASSWORD})
    assert response["Location"] == "/"
