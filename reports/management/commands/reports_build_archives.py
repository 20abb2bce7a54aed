from django.core.management.base import BaseCommand

from reports import services
from reports.models import ArchiveBuild, ArchiveStatus


class Command(BaseCommand):
    help = "生成排队中的档案专卷（并重做服务器重启时中断的生成）"

    def add_arguments(self, parser):
        parser.add_argument("--stale-minutes", type=int, default=30)

    def handle(self, *args, stale_minutes, **options):
        stale = list(services.archive_stale(stale_minutes).values_list("pk", flat=True))
        ArchiveBuild.objects.filter(pk__in=stale).update(status=ArchiveStatus.PENDING, done_steps=0)
        for pk in ArchiveBuild.objects.filter(status=ArchiveStatus.PENDING).values_list("pk", flat=True):
            build = services.archive_build(pk)
            self.stdout.write(f"{build.group} {build.year}: {build.get_status_display()}")
