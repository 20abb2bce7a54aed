import time

from django.core.management.base import BaseCommand

from stats import services


class Command(BaseCommand):
    help = "重新统计督导数据（各中心组按年、季度、月的学习次数、研讨、计划专题、参学与补录）"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, help="只统计这一年（默认：有学习记录的每一年和今年）")
        parser.add_argument("--due", action="store_true",
                            help="只统计自上次统计以来有学习开始举行的中心组（适合每隔几分钟运行一次）")

    def handle(self, *args, year=None, due=False, **options):
        started = time.monotonic()
        n = services.rebuild(year=year, due_only=due)
        self.stdout.write(f"已统计 {n} 个中心组·年度（用时 {time.monotonic() - started:.1f} 秒）")
