"""Benchmark: Chinese full-text search over many writings, against a LIKE scan baseline in the same run.

    DATABASE_URL=sqlite:///var/bench-writings.sqlite3 python manage.py migrate
    DATABASE_URL=sqlite:///var/bench-writings.sqlite3 python manage.py bench_writings_search --writings 20000

It generates (once; --writings N more on each run that asks for more than exist) a county of --groups groups
with 10 members each and N writings whose text is built from sentence pools with variation, bulk-inserted with
their index rows, then times writings.search for the county supervisor (sees every submitted writing) and for
one group's secretary, over two-character words and longer phrases, interleaved with the baseline
`text__contains` scan of the same visible rows. Scale it up with --writings / --groups.
"""

import datetime as dt
import random
import statistics
import time

from django.core.management.base import BaseCommand
from django.db import connection, transaction

QUERIES = ["研讨", "全会", "调研", "乡村振兴", "基层治理", "意识形态", "调查研究", "高质量发展", "理论学习", "作风建设"]
OPENINGS = ["通过学习", "认真学习了", "这次集体学习", "深入学习", "反复研读"]
SUBJECTS = ["党的二十届四中全会精神", "习近平文化思想", "《习近平谈治国理政》第五卷", "全面从严治党的新部署",
            "关于调查研究的重要论述", "乡村振兴战略", "基层治理现代化", "意识形态工作责任制"]
INSIGHTS = ["深刻体会到理论学习要联系实际", "要把调查研究作为基本功", "必须坚持以人民为中心的发展思想",
            "推动高质量发展是新时代的硬道理", "作风建设永远在路上", "要增强忧患意识，守住安全底线",
            "基层治理要在精细化上下功夫", "要把学习成果转化为推动工作的具体举措"]
ACTIONS = ["下一步，我将结合分管的{}工作，", "今后要在{}中抓好落实，", "围绕{}，", "聚焦{}这一重点，"]
AREAS = ["安全生产", "招商引资", "民生保障", "生态环境", "社区服务", "项目建设", "应急管理", "营商环境"]
KINDS = ["note", "speech", "reflection", "article", "report"]


def fake_text(rng):
    parts = []
    for _ in range(rng.randint(4, 9)):
        parts.append(f"{rng.choice(OPENINGS)}{rng.choice(SUBJECTS)}，{rng.choice(INSIGHTS)}。"
                     f"{rng.choice(ACTIONS).format(rng.choice(AREAS))}{rng.choice(INSIGHTS)}。")
    return "".join(parts)


class Command(BaseCommand):
    help = "Time writings full-text search against a LIKE scan baseline (generates the writings it needs)."

    def add_arguments(self, parser):
        parser.add_argument("--writings", type=int, default=5000)
        parser.add_argument("--groups", type=int, default=50)
        parser.add_argument("--rounds", type=int, default=5)
        parser.add_argument("--seed", type=int, default=11)

    def handle(self, *args, **opt):
        from writings.models import Writing

        supervisor, secretary = self._world(opt["groups"])
        missing = opt["writings"] - Writing.objects.count()
        if missing > 0:
            started = time.monotonic()
            self._generate(missing, opt["seed"])
            self.stdout.write(f"generated {missing} writings in {time.monotonic() - started:.1f} s")
        n = Writing.objects.count()
        for label, user in (("county supervisor", supervisor), ("group secretary", secretary)):
            fts, like, hits = self._measure(user, opt["rounds"])
            self.stdout.write(
                f"{connection.vendor} · {n} writings · {label}: search p50 {statistics.median(fts):.1f} ms, "
                f"p95 {_p95(fts):.1f} ms; LIKE scan p50 {statistics.median(like):.1f} ms, p95 {_p95(like):.1f} ms; "
                f"mean hits per query {statistics.mean(hits):.0f}")
        self.stdout.write(f"index size: {self._index_size()}")

    def _world(self, groups):
        from accounts.models import User
        from accounts.services import user_create
        from orgs import services as org
        from orgs.models import Membership, Person, Role, Unit

        existing = User.objects.filter(username="bench_w_supervisor").first()
        if existing:
            return existing, User.objects.get(username="bench_w_secretary")
        jan1 = dt.date.today().replace(month=1, day=1)
        county = org.unit_create(name="基准测试县委", level="county")
        people, members = [], []
        for g in range(groups):
            town = org.unit_create(name=f"基准测试第{g + 1}街道党工委", parent=county, kind="working_committee")
            for m in range(10):
                people.append(Person(unit=town, name=f"成员{g + 1}-{m + 1}"))
        with transaction.atomic():
            Person.objects.bulk_create(people, batch_size=2000)
            people = list(Person.objects.filter(unit__parent=county).select_related("unit__group").order_by("id"))
            for i, p in enumerate(people):
                members.append(Membership(group=p.unit.group, person=p, role=Role.SECRETARY if i % 10 == 0 else
                                          Role.MEMBER, start=jan1))
            Membership.objects.bulk_create(members, batch_size=5000)
        sup_person = org.person_create(unit=county, name="县委理论科", by=None)
        supervisor = user_create(username="bench_w_supervisor", password="Bench#2026pw", person=sup_person,
                                 validate=False)
        org.supervisor_scope_add(user=supervisor, unit=county, kind="propaganda", start=jan1, by=None)
        secretary = user_create(username="bench_w_secretary", password="Bench#2026pw", person=people[0],
                                validate=False)
        assert Unit.objects.filter(parent=county).count() == groups
        return supervisor, secretary

    def _generate(self, count, seed):
        from orgs.models import Membership
        from writings import search
        from writings.models import Writing, WritingIndex

        rng = random.Random(seed + count)
        members = list(Membership.objects.filter(group__unit__name__startswith="基准测试")
                       .values_list("person_id", "group_id", "group__unit_id"))
        today = dt.date.today()
        batch = 2000
        for start in range(0, count, batch):
            rows = []
            for _ in range(min(batch, count - start)):
                pid, gid, uid = rng.choice(members)
                day = today - dt.timedelta(days=rng.randint(0, 5 * 365))
                kind = rng.choice(KINDS)
                rows.append(Writing(person_id=pid, group_id=gid, unit_id=uid, kind=kind, day=day, year=day.year,
                                    title=f"学习{rng.choice(SUBJECTS)}的{dict(zip(KINDS, ['笔记', '发言', '体会', '文章', '报告'], strict=True))[kind]}",
                                    text=fake_text(rng), status=rng.choice(["submitted"] * 9 + ["draft"])))
            with transaction.atomic():
                Writing.objects.bulk_create(rows)
                # bulk_create sets ids on SQLite 3.35+ and PostgreSQL (RETURNING)
                WritingIndex.objects.bulk_create(search.index_rows(rows))

    def _measure(self, user, rounds):
        from writings import access, search

        fts, like, hits = [], [], []
        for _ in range(rounds):
            for q in QUERIES:
                visible = access.writings_visible(user)
                t0 = time.perf_counter()
                result = search.search(q, materials=None, writings=visible, limit=20)
                fts.append((time.perf_counter() - t0) * 1000)
                hits.append(result.total)
                t0 = time.perf_counter()
                list(access.writings_visible(user).filter(text__contains=q).order_by("-day", "-id")[:20])
                access.writings_visible(user).filter(text__contains=q).count()
                like.append((time.perf_counter() - t0) * 1000)
        return fts, like, hits

    def _index_size(self):
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('writings_writingindex'))")
                return cursor.fetchone()[0]
            try:
                cursor.execute("SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'writings_fts%' "
                               "OR name = 'writings_writingindex'")
                return f"{(cursor.fetchone()[0] or 0) / 1024 / 1024:.1f} MB (FTS5 tables and the segmented rows)"
            except Exception:  # dbstat is an optional SQLite build option
                return "unknown (SQLite without dbstat)"


def _p95(samples):
    s = sorted(samples)
    return s[min(len(s) - 1, int(len(s) * 0.95))]
