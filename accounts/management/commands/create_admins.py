"""The first real administrators of a new deployment: the 三员 (system, security, audit), nothing else.

    manage.py create_admins --sysadmin wang.xt --secadmin li.aq --auditadmin zhao.sj

Each account gets a random initial password, printed once, that is already expired: the first log-in must
set a new one, then bind a TOTP app. A role that already has an account is left alone, so the command can
be run again safely. No demo data is involved.
"""

import secrets
import string

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import AdminRole, User
from accounts.services import user_create

ROLES = (("sysadmin", AdminRole.SYSTEM, "系统管理员"), ("secadmin", AdminRole.SECURITY, "安全管理员"),
         ("auditadmin", AdminRole.AUDIT, "审计管理员"))


def initial_password():
    """16 characters from four classes: passes any composition rule the security administrator may set."""
    pools = [string.ascii_uppercase, string.ascii_lowercase, string.digits, "#@%+=_-"]
    chars = [secrets.choice(pool) for pool in pools] + [secrets.choice("".join(pools)) for _ in range(12)]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


class Command(BaseCommand):
    help = "创建首批三员账号（系统管理员、安全管理员、审计管理员），不生成任何演示数据"

    def add_arguments(self, parser):
        for option, _, label in ROLES:
            parser.add_argument(f"--{option}", required=True, metavar="用户名", help=f"{label}的用户名")

    def handle(self, *args, **options):
        names = [options[option].strip() for option, _, _ in ROLES]
        if len(set(names)) != len(names) or not all(names):
            raise CommandError("三员必须是三个不同的、非空的用户名（三员分立）")
        created = []
        with transaction.atomic():
            for (_, role, label), username in zip(ROLES, names, strict=True):
                existing = User.objects.filter(admin_role=role, is_active=True).first()
                if existing is not None:
                    self.stdout.write(f"{label}已有账号 {existing.username}，未改动。")
                    continue
                password = initial_password()
                try:
                    user = user_create(username=username, password=password, admin_role=role)
                except ValidationError as exc:
                    raise CommandError("；".join(m for ms in exc.message_dict.values() for m in ms)) from exc
                # Expired from the start: whoever reads this output is not the one who keeps the password.
                user.password_changed_at = None
                user.save(update_fields=["password_changed_at"])
                created.append((label, username, password))
        for label, username, password in created:
            self.stdout.write(f"{label}  {username}  初始密码：{password}")
        if created:
            self.stdout.write("初始密码只显示这一次；首次登录须修改密码并绑定动态口令（TOTP）。")
