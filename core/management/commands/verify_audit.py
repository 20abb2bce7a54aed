from django.core.management.base import BaseCommand, CommandError

from core.audit import head_file, verify


class Command(BaseCommand):
    help = "重新计算审计链（带密钥），并与已发布的链头核对，报告第一条被篡改的记录"

    def handle(self, *args, **options):
        result = verify()
        if not result.ok:
            raise CommandError(f"审计链校验失败：{result.reason}（已校验 {result.checked} 条）")
        self.stdout.write(f"审计链完整：共 {result.checked} 条，链头 {result.head}；"
                          f"与 {result.published_checked} 个已发布链头相符（{head_file()}）")
