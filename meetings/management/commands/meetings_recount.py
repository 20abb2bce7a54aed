import time

from django.core.management.base import BaseCommand

from meetings import services


class Command(BaseCommand):
    help = "重新统计各中心组每次学习的应到、实到人数（督导总览使用的存储计数）"

    def handle(self, *args, **options):
        started = time.monotonic()
        n = services.participation_counts_refresh_all()
        self.stdout.write(f"已重新统计 {n} 个中心组参学记录（用时 {time.monotonic() - started:.1f} 秒）")
