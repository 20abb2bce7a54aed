from django.core.management.base import BaseCommand, CommandError

from core import audit


class Command(BaseCommand):
    help = "删除超过保留期（AUDIT_RETENTION_DAYS，至少 183 天）的审计记录，并以带密钥的锚点保持链可校验"

    def handle(self, *args, **options):
        try:
            result = audit.prune()
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"已清理 {result.deleted} 条 {result.cutoff:%Y-%m-%d} 之前的审计记录；"
                          f"审计链自第 {result.floor_id} 条起校验")
