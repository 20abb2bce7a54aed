"""API tokens with a lifecycle (issue 9, item 5): made on a page, scoped, expiring, revocable, stored hashed."""

import datetime as dt

from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from accounts.models import ApiToken, User
from accounts.tests.test_totp import code_for
from core.models import AuditEntry
from core.testing import login

# DRF answers 403 rather than 401 because session authentication comes first and sends no challenge.
REFUSED = (401, 403)


def make(client, **data):
    fields = {"name": "一表通", "scope": "read", "days": 30}
    fields.update(data)
    return client.post("/accounts/tokens/", fields)


def api(key, method="get", url="/api/groups/"):
    return getattr(Client(), method)(url, HTTP_AUTHORIZATION=f"Token {key}", content_type="application/json")


def test_a_user_makes_a_token_on_a_page_and_it_is_shown_once_and_stored_hashed(world):
    client = login(Client(), world.secretary_a)
    response = make(client)
    assert response.status_code == 200
    key = response.context["created"]["secret"]
    token = ApiToken.objects.get(user=world.secretary_a)
    assert key not in (token.digest, token.prefix) and token.digest != key
    assert api(key).status_code == 200
    page = client.get("/accounts/tokens/").content.decode()
    assert "一表通" in page and key not in page
    assert AuditEntry.objects.filter(action="token.create", actor=world.secretary_a).exists()


def test_a_read_only_token_cannot_write(world):
    client = login(Client(), world.secretary_a)
    key = make(client, scope="read").context["created"]["secret"]
    response = api(key, "post", f"/api/groups/{world.group_a.pk}/members/")
    assert response.status_code == 403
    key = make(client, name="写入", scope="write").context["created"]["secret"]
    assert api(key, "post", f"/api/groups/{world.group_a.pk}/members/").status_code == 400  # validation, not refusal


def test_an_expired_or_revoked_token_is_refused(world):
    client = login(Client(), world.secretary_a)
    key = make(client).context["created"]["secret"]
    token = ApiToken.objects.get(user=world.secretary_a)
    client.post(f"/accounts/tokens/{token.pk}/revoke/")
    assert api(key).status_code in REFUSED
    key = make(client, name="二").context["created"]["secret"]
    ApiToken.objects.filter(name="二").update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert api(key).status_code in REFUSED


def test_a_token_stops_when_the_password_is_past_its_age(world):
    client = login(Client(), world.secretary_a)
    key = make(client).context["created"]["secret"]
    User.objects.filter(pk=world.secretary_a.pk).update(password_changed_at=timezone.now() - dt.timedelta(days=91))
    response = api(key)
    assert response.status_code in REFUSED and "密码" in response.json()["detail"]


def test_use_is_a_last_used_time_and_one_audit_entry_a_day(world):
    client = login(Client(), world.secretary_a)
    key = make(client).context["created"]["secret"]
    for _ in range(3):
        api(key)
    assert ApiToken.objects.get(user=world.secretary_a).last_used_at is not None
    assert AuditEntry.objects.filter(action="token.use").count() == 1


def test_others_cannot_revoke_or_see_my_token_but_the_security_administrator_can(world):
    key = make(login(Client(), world.secretary_a)).context["created"]["secret"]
    token = ApiToken.objects.get(user=world.secretary_a)
    assert login(Client(), world.secretary_b).post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404
    assert login(Client(), world.outsider).post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404
    assert api(key).status_code == 200
    sec = login(Client(), world.secadmin)
    assert "secretary_a" in sec.get("/accounts/tokens/all/").content.decode()
    assert login(Client(), world.sysadmin).get("/accounts/tokens/all/").status_code == 404
    sec.post(f"/accounts/tokens/{token.pk}/revoke/")
    assert api(key).status_code in REFUSED


def test_an_administrator_needs_a_fresh_totp_code_to_make_a_token(world):
    device = services.totp_begin(user=world.auditadmin)
    services.totp_confirm(user=world.auditadmin, code=code_for(device))
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
    device.refresh_from_db()
    client = login(Client(), world.auditadmin)
    refused = make(client, code="000000")
    assert refused.status_code == 400 and not ApiToken.objects.filter(user=world.auditadmin).exists()
    TOTPDevice.objects.update(throttling_failure_count=0, throttling_failure_timestamp=None)
    assert make(client, code=code_for(device)).status_code == 200
    assert ApiToken.objects.filter(user=world.auditadmin).count() == 1


def test_bad_input_gets_a_chinese_message(world):
    client = login(Client(), world.secretary_a)
    assert make(client, name="", days=9999).status_code == 400
    assert api("nonsense").status_code in REFUSED
    assert Client().get("/accounts/tokens/").status_code == 302
