"""The first administrators of a real deployment come from a command, not from the demo seed."""

import io
import re

import pytest
from django.core.management import CommandError, call_command

from accounts.models import AdminRole, User
from accounts.services import password_expired
from orgs.models import Unit

pytestmark = pytest.mark.django_db


def run(**names):
    out = io.StringIO()
    call_command("create_admins", stdout=out, **names)
    return out.getvalue()


def test_it_creates_the_three_administrators_and_nothing_else():
    out = run(sysadmin="wang.xt", secadmin="li.aq", auditadmin="zhao.sj")
    users = {u.username: u for u in User.objects.all()}
    assert {u: users[u].admin_role for u in users} == {"wang.xt": AdminRole.SYSTEM, "li.aq": AdminRole.SECURITY,
                                                         "zhao.sj": AdminRole.AUDIT}
    assert not Unit.objects.exists()
    password = re.search(r"wang\.xt\s+初始密码：(\S+)", out).group(1)
    assert users["wang.xt"].check_password(password) and len(password) == 16
    assert all(password_expired(u) for u in users.values())  # the first log-in sets a new password


def test_running_it_again_leaves_existing_administrators_alone():
    run(sysadmin="wang.xt", secadmin="li.aq", auditadmin="zhao.sj")
    out = run(sysadmin="other", secadmin="li.aq", auditadmin="zhao.sj")
    assert "系统管理员已有账号 wang.xt" in out and User.objects.count() == 3


def test_one_person_cannot_hold_two_of_the_three_roles():
    with pytest.raises(CommandError, match="三员"):
        run(sysadmin="wang", secadmin="wang", auditadmin="zhao")
    assert not User.objects.exists()


def test_the_demo_seed_refuses_a_production_database(settings):
    settings.DEMO_DATA_ALLOWED = False  # what DJANGO_DEBUG=0 sets
    with pytest.raises(CommandError, match="生产模式"):
        call_command("seed_demo")
    assert not Unit.objects.exists()
