from django.core.management.base import BaseCommand

from meetings import services


class Command(BaseCommand):
    help = "为冻结功能上线前已归档、尚无冻结副本的集体学习记录补存冻结副本（按运行时的内容），可重复运行"

    def handle(self, *args, **options):
        n = services.freeze_archived_unfrozen()
        self.stdout.write(f"已为 {n} 次已归档的集体学习补存冻结副本")
