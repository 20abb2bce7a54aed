import datetime as dt
import random
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from orgs import seed
from orgs.models import Unit


class Command(BaseCommand):
    help = "生成演示数据：一个地级市（默认），或省级规模数据（--scale province，用于性能测试）"

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=["city", "province"], default="city")
        parser.add_argument("--if-empty", action="store_true", help="数据库中已有单位时什么也不做")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, scale, if_empty, **options):
        # The demo accounts share one published password: they must never land in a production database.
        if not getattr(settings, "DEMO_DATA_ALLOWED", True):
            raise CommandError("生产模式（DJANGO_DEBUG=0）下不生成演示数据；演示数据只用于开发和测试数据库")
        if Unit.objects.exists():
            if if_empty:
                self.stdout.write("数据库中已有数据，跳过演示数据生成。")
                return
            raise CommandError("数据库中已有单位；演示数据只能在空数据库中生成（可加 --if-empty 跳过）")
        rng = random.Random(options["seed"])
        today = timezone.localdate()
        year_start = dt.date(today.year, 1, 1)
        started = time.monotonic()
        if scale == "city":
            specs = seed.load(seed.demo_city(rng), rng=rng, year_start=year_start)
            seed.demo_accounts(specs, today=today)
            self.stdout.write(f"已生成演示城市：{len(specs)} 个单位及中心组。")
            self.stdout.write(f"演示账号（密码均为 {seed.DEMO_PASSWORD}；三名管理员首次登录需绑定动态口令）：")
            for username, who in seed.DEMO_ACCOUNTS:
                self.stdout.write(f"  {username:<12} {who}")
        else:
            specs = seed.load(seed.province(rng), rng=rng, year_start=year_start)
            self.stdout.write(f"已生成省级规模数据：{len(specs)} 个单位及中心组。")
        self.stdout.write(f"组织与人员用时 {time.monotonic() - started:.1f} 秒")
        for name, extend in seed.extensions():
            step = time.monotonic()
            summary = extend(specs=specs, rng=rng, today=today, scale=scale)
            self.stdout.write(f"{name}：{summary}（{time.monotonic() - step:.1f} 秒）")
        self.stdout.write(f"共用时 {time.monotonic() - started:.1f} 秒")
