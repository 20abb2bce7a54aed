"""Time the 照搬照抄 check of one newly submitted plan against every stored plan.

Run on a database seeded with `seed_demo --scale province` (≈10,000 plans). Each round submits a plan
inside a transaction that is rolled back, so the database is left as it was.
"""

import statistics
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from integrity import engine, reuse
from integrity.models import ReuseBand, ReuseText
from plans import services
from plans.models import Status, StudyPlan, Topic


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "测量一份新计划与全部计划比对（照搬照抄）的耗时"

    def add_arguments(self, parser):
        parser.add_argument("--rounds", type=int, default=20)

    def handle(self, *args, rounds, **options):
        indexed = ReuseText.objects.filter(kind="plan").exclude(signature=None)
        total = indexed.count()
        if total < 2:
            raise CommandError("数据库中没有可比对的计划，请先运行 seed_demo")
        sources = list(indexed.order_by("object_id").values_list("object_id", flat=True)
                       [:: max(total // rounds, 1)][:rounds])
        timings = {"copy": [], "honest": [], "brute": []}
        flagged = {"copy": 0, "honest": 0, "brute": 0}
        for source_id in sources:
            for kind in ("copy", "honest"):
                try:
                    with transaction.atomic():
                        source = StudyPlan.objects.select_related("group__unit").get(pk=source_id)
                        # A group in another place submits: a renamed copy, or a plan of its own words.
                        group = StudyPlan.objects.exclude(group=source.group).order_by("-id").first().group
                        plan = StudyPlan.objects.create(group=group, year=source.year + 1, number=999, title="bench",
                                                        status=Status.SUBMITTED)
                        topics = list(source.topics.all())
                        if kind == "honest":
                            plan.preamble = f"本组围绕第{source_id}号课题开展专题调研，探索适合本地实际的学习方式。"
                            topics = topics[:2]
                        else:
                            plan.preamble, plan.requirements = source.preamble, source.requirements
                        Topic.objects.bulk_create([Topic(plan=plan, sort=t.sort, title=t.title, materials=t.materials,
                                                         notes=t.notes if kind == "copy" else f"第{i}个自选内容")
                                                   for i, t in enumerate(topics)])
                        plan.save()
                        started = time.perf_counter()
                        flags = services.copy_check(plan)
                        timings[kind].append((time.perf_counter() - started) * 1000)
                        flagged[kind] += bool(flags)
                        if kind == "copy":
                            # Baseline in the same run: the same new signature (the one engine's) against every stored plan,
                            # pair by pair, without the LSH index (what the check would cost without it).
                            started = time.perf_counter()
                            row = reuse.find_text(plan, "plan")
                            new = engine.sig_from_bytes(row.signature) if row and row.signature else None
                            hits = [] if new is None else [
                                pk for pk, sig in indexed.exclude(pk=row.pk).values_list("pk", "signature")
                                .iterator(chunk_size=2000)
                                if engine.estimate(new, engine.sig_from_bytes(sig)) >= reuse.threshold("plan")]
                            timings["brute"].append((time.perf_counter() - started) * 1000)
                            flagged["brute"] += bool(hits)
                        raise Rollback
                except Rollback:
                    pass
        self.stdout.write(f"已存储指纹的计划：{total} 份；LSH 分段行：{ReuseBand.objects.filter(text__kind='plan').count()} 行")
        for kind, label in (("copy", "改名照抄"), ("honest", "自行撰写"), ("brute", "逐对比对（基线，无 LSH）")):
            t = sorted(timings[kind])
            self.stdout.write(f"{label}：{len(t)} 次，中位数 {statistics.median(t):.1f} ms，"
                              f"p95 {t[min(len(t) - 1, int(len(t) * 0.95))]:.1f} ms，最大 {t[-1]:.1f} ms；被标记 {flagged[kind]} 次")
        ratio = statistics.median(timings["copy"]) / statistics.median(timings["brute"])
        self.stdout.write(f"LSH 比对 / 逐对比对 中位数之比：{ratio:.2f}")
