from django.core.management.base import BaseCommand, CommandError

from integrity import reuse, services
from orgs.models import Unit


class Command(BaseCommand):
    help = "重新比对一个范围和年度的全部文本（所有两两组合），或用 --reindex 把现有计划、纪要和资料重新编入查重索引"

    def add_arguments(self, parser):
        parser.add_argument("--unit", type=int, help="范围：单位 id（含下级），省略为全部")
        parser.add_argument("--year", type=int, help="年度，省略为全部")
        parser.add_argument("--reindex", action="store_true",
                            help="先把学习资料、已提交的计划、学习纪要/小结/简报和个人学习材料编入索引（迁移旧的计划指纹）")
        parser.add_argument("--stale", action="store_true",
                            help="只复查按旧阈值比对过的文本（修改 INTEGRITY_REUSE_THRESHOLDS 之后运行）")

    def handle(self, *args, unit=None, year=None, reindex=False, stale=False, **opts):
        scope = None
        if unit is not None:
            scope = Unit.objects.filter(pk=unit).first()
            if scope is None:
                raise CommandError(f"没有编号为 {unit} 的单位")
        if reindex:
            counts = reindex_all()
            self.stdout.write("已编入索引：" + "，".join(f"{k} {v}" for k, v in counts.items()))
        result = services.reuse_recheck(unit=scope, year=year, by=None, stale_only=stale)
        resigned = f"（其中 {result['resigned']} 篇按当前语料重新生成了比对指纹）" if result["resigned"] else ""
        self.stdout.write(f"已复查 {result['texts']} 篇文本{resigned}，发现 {result['matches']} 处重复")


def reindex_all():
    """Materials first (so quotes are known), then plans (through their own copy check), then session texts."""
    from django.utils import timezone

    from materials.models import Material
    from meetings.models import StudySession
    from plans.models import StudyPlan
    from plans.services import copy_check
    from writings.models import Writing
    from writings.services import reuse_index

    counts = {"学习资料": 0, "计划": 0, "学习记录": 0, "个人材料": 0}
    for m in Material.objects.select_related("owner_unit").iterator(chunk_size=200):
        reuse.index_material(m)
        counts["学习资料"] += 1
    for plan in StudyPlan.objects.exclude(status="draft").select_related("group__unit").order_by("pk"):
        copy_check(plan)
        counts["计划"] += 1
    for s in StudySession.objects.exclude(minutes="", summary="", briefing="").select_related("group__unit"):
        for field in ("minutes", "summary", "briefing"):
            text = (getattr(s, field) or "").strip()
            if text:
                reuse.index_text(s, kind=field, text=text.replace(s.title, " "), group=s.group, unit=s.group.unit,
                                 written_on=s.day or timezone.localdate(s.starts_at), year=s.starts_at.year,
                                 title=s.title)
                counts["学习记录"] += 1
    # Members' writings (drafts as drafts: indexed, never anyone's source); the re-check below compares them.
    for w in Writing.objects.select_related("person", "group", "unit").order_by("pk").iterator(chunk_size=200):
        reuse_index(w)
        counts["个人材料"] += 1
    return counts
