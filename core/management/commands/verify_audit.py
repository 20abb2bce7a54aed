from django.core.management.base import BaseCommand, CommandError

from core.audit import verify


class Command(BaseCommand):
    help = "重新计算审计链，报告第一条被篡改的记录"

    def handle(self, *args, **options):
        result = verify()
        if not result.ok:
            raise CommandError(f"审计链校验失败：{result.reason}（已校验 {result.checked} 条）")
        self.stdout.write(f"审计链完整：共 {result.checked} 条，链头 {result.head}")
