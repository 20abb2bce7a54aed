from django.core.management.base import BaseCommand

from core import audit


class Command(BaseCommand):
    help = "把审计链当前链头追加到链头文件（每日由 cron/systemd 定时运行），可同时写入 syslog"

    def add_arguments(self, parser):
        parser.add_argument("--file", help="链头文件（默认 AUDIT_HEAD_FILE）")
        parser.add_argument("--syslog", action="store_true", help="同时写入系统日志（LOG_AUTH）")

    def handle(self, *args, **options):
        head = audit.publish_head(options.get("file"), syslog=options["syslog"])
        self.stdout.write(f"已发布 {head.text}（{options.get('file') or audit.head_file()}）")
