"""Bound users stay bound when pyotp secrets move into django-otp devices (accounts 0004)."""

import base64

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django_otp.oath import TOTP

pytestmark = pytest.mark.usefixtures("restore_migrations")


@pytest.mark.django_db(transaction=True)
def test_a_confirmed_pyotp_secret_becomes_a_working_totp_device():
    from core import crypto

    before, after = [("accounts", "0003_three_roles_approval")], [("accounts", "0004_totp_to_django_otp")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old_apps = executor.loader.project_state(before).apps
    User = old_apps.get_model("accounts", "User")
    secret = base64.b32encode(b"0123456789abcdefghij").decode()
    User.objects.create(username="bound", totp_secret=crypto.encrypt(secret), totp_confirmed=True)
    User.objects.create(username="halfway", totp_secret=crypto.encrypt(secret), totp_confirmed=False)
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)
    new_apps = executor.loader.project_state(after).apps
    Device = new_apps.get_model("otp_totp", "TOTPDevice")
    device = Device.objects.get(user__username="bound")
    assert device.confirmed and bytes.fromhex(device.key) == base64.b32decode(secret)
    assert not Device.objects.filter(user__username="halfway").exists()  # never finished binding: binds anew
    MigrationExecutor(connection).migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    code = TOTP(base64.b32decode(secret)).token()
    from django_otp.plugins.otp_totp.models import TOTPDevice

    assert TOTPDevice.objects.get(user__username="bound").verify_token(code)
