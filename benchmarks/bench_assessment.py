"""Issue 13 benchmark: every group's indicators and the ranking of a province from the maintained figures, against
one hand-written SQL aggregate over the same database in the same run (the ratio is the figure to read).

    python benchmarks/bench_assessment.py                       # small: 2 cities × 3 counties × 20 units ≈ 130 groups
    python benchmarks/bench_assessment.py --cities 14 --counties 10 --units 68     # province, ≈10,095 groups

The generator reuses orgs.seed's province shape with 3 people per group, writes each group's stats rows (the year
and four quarters) as the write services would, and gives a third of the groups an observer's scores, a due 整改
and an unexplained integrity signal; every group gets an approved plan linking three of the province's five 规定专题,
four sessions (most archived, one from a mandated topic) and two 报送 submissions, so every source the ranking reads
has rows. It writes a fresh SQLite file.

Timed, interleaved, median and max of --rounds:
- ranking: `assessment.selectors.ranking(province, year, fresh=False)` — every group's 13 indicators, totals,
  bands and the sort (the figures are already fresh: the freshness check belongs to stats' own benchmark);
- page: the province supervisor's ranking page (`/assessment/units/<province>/ranking/`, 50 rows with their
  breakdowns, read from the snapshot, which the first request computes) and a county's (≈70 groups, scored
  live on every view), served by gunicorn (one process, one thread) from the same file, interleaved with
  `GET /bench/baseline` (log-in check, no work);
- sql: one hand-written SELECT joining the same figures and sources with per-group aggregates, sorted in SQL
  (it returns the raw per-group figures; the ranking also turns them into 13 scores, totals and bands).
"""

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup(db_path):
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    # The benchmark settings (DEBUG off, /bench/baseline): the pages are served by gunicorn from the same file.
    os.environ["DJANGO_SETTINGS_MODULE"] = "benchmarks.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def generate(args, year):
    from django.utils import timezone

    from integrity.models import IntegritySignal
    from orgs import seed
    from orgs.models import StudyGroup, Unit
    from stats.models import GroupFigures
    from supervision import services as sup
    from supervision.models import Rectification, Visit, VisitScore

    rng = random.Random(2026)
    spec = seed.province(rng, cities=args.cities, counties_per_city=args.counties, units_per_county=args.units,
                         city_depts=2, size=3)
    specs = seed.load(spec, rng=rng, year_start=dt.date(year, 1, 1))
    root = Unit.objects.get(pk=specs[0].id)
    groups = list(StudyGroup.objects.exclude(unit=root).values_list("pk", flat=True))
    now = timezone.now()
    rows = []
    for g in groups:
        expected = rng.randint(20, 60)
        total = rng.randint(4, 12)
        rows.append(GroupFigures(group_id=g, year=year, period="Y", held=rng.randint(3, 14), expected=expected,
                                 attended=rng.randint(expected // 2, expected), has_plan=rng.random() < 0.9,
                                 topics_total=total, topics_studied=rng.randint(0, total), computed_at=now))
        rows += [GroupFigures(group_id=g, year=year, period=q, seminars=rng.randint(0, 2), computed_at=now)
                 for q in ("Q1", "Q2", "Q3", "Q4")]
    GroupFigures.objects.bulk_create(rows, batch_size=5000)
    plan = sup.plan_create(unit=root, year=year, by=None)
    items = list(plan.checklist.items.all())
    some = rng.sample(groups, len(groups) // 3)
    visits = Visit.objects.bulk_create([Visit(plan=plan, group_id=g, kind="fixed") for g in some], batch_size=2000)
    VisitScore.objects.bulk_create([VisitScore(visit=v, item=i, score=rng.randint(i.max_score // 2, i.max_score))
                                    for v in visits for i in items], batch_size=5000)
    person = {g: p for g, p in StudyGroup.objects.filter(pk__in=some).values_list("pk", "memberships__person_id")}
    Rectification.objects.bulk_create([Rectification(group_id=v.group_id, visit=v, problem="研讨不深", measure="整改",
                                                     responsible_id=person[v.group_id], due=dt.date(year, 3, 1),
                                                     status=rng.choice(["open", "accepted"])) for v in visits],
                                      batch_size=2000)
    IntegritySignal.objects.bulk_create([IntegritySignal(group_id=g, year=year, kind="late_schedule", key=f"b{g}",
                                                         explanation="补录") for g in some], batch_size=2000)
    sources(rng, root, groups, year)
    return root, groups


def sources(rng, root, groups, year):
    """规定专题, 报送 and 五落实 rows: the province publishes 5 mandated topics; every group has an approved plan
    linking 3 of them and holds 4 sessions in the first months (one from a mandated plan topic, most archived);
    two 报送 tasks are past their deadline and most groups submitted, some late."""
    from meetings.models import Participation, StudySession
    from plans.models import Guidance, MandatedTopic, StudyPlan, Topic
    from reports.models import ReportTask, Submission

    now = timezone_now()
    guidance = Guidance.objects.create(unit=root, year=year, report_deadline=dt.date(year, 1, 31), published_at=now)
    mandated = MandatedTopic.objects.bulk_create([MandatedTopic(guidance=guidance, sort=i, title=f"规定专题{i}")
                                                  for i in range(5)])
    plans = StudyPlan.objects.bulk_create([StudyPlan(group_id=g, year=year, status="approved", title="年度学习计划")
                                           for g in groups], batch_size=5000)
    topics = Topic.objects.bulk_create([Topic(plan=p, sort=i, title=m.title, month=1 + i, mandated=m)
                                        for p in plans for i, m in enumerate(mandated[:3])], batch_size=5000)
    first_topic = {t.plan.group_id: t for t in topics if t.sort == 0}
    sessions = []
    for g in groups:
        for k in range(4):
            start = dt.datetime(year, 1 + k, 10, 9, tzinfo=dt.UTC)
            sessions.append(StudySession(group_id=g, title=f"第{k + 1}次集体学习", starts_at=start,
                                         ends_at=start + dt.timedelta(hours=2), day=start.date(), place="会议室",
                                         plan_topic=first_topic[g] if k == 0 and rng.random() < 0.7 else None,
                                         status="archived" if rng.random() < 0.8 else "scheduled"))
    StudySession.objects.bulk_create(sessions, batch_size=5000)
    Participation.objects.bulk_create([Participation(session=s, group_id=s.group_id, is_host=True, state="host")
                                       for s in sessions], batch_size=5000)
    deadline = dt.date(year, 2, 28)
    tasks = [ReportTask.objects.create(unit=root, kind="plan", title=f"报送{i}", year=year, deadline=deadline)
             for i in range(2)]
    submitted = dt.datetime(year, 2, 20, 9, tzinfo=dt.UTC)
    Submission.objects.bulk_create([  # one in six 12 days after the 20th: after the deadline
        Submission(task=t, group_id=g, text="已报送", submitted_at=submitted + dt.timedelta(days=rng.choice([0] * 5 + [12])))
        for t in tasks for g in groups if rng.random() < 0.9], batch_size=5000)


def timezone_now():
    from django.utils import timezone

    return timezone.now()


SQL = """
SELECT g.id,
  COALESCE(y.attended, 0), COALESCE(y.expected, 0), COALESCE(y.has_plan, 0), COALESCE(y.topics_total, 0),
  COALESCE(y.topics_studied, 0), COALESCE(q.n, 0), vs.s, vs.m, COALESCE(r.t, 0), COALESCE(r.c, 0),
  COALESCE(sig.n, 0), COALESCE(fi.n, 0), COALESCE(b.n, 0), COALESCE(md.n, 0), COALESCE(rp.n, 0),
  COALESCE(wl.t, 0), COALESCE(wl.a, 0)
FROM orgs_studygroup g
JOIN orgs_unit u ON u.id = g.unit_id
LEFT JOIN stats_groupfigures y ON y.group_id = g.id AND y.year = %(year)s AND y.period = 'Y'
LEFT JOIN (SELECT group_id, COUNT(*) n FROM stats_groupfigures WHERE year = %(year)s AND period IN ('Q1','Q2','Q3','Q4')
           AND seminars > 0 GROUP BY group_id) q ON q.group_id = g.id
LEFT JOIN (SELECT v.group_id, SUM(s.score) s, SUM(i.max_score) m FROM supervision_visitscore s
           JOIN supervision_visit v ON v.id = s.visit_id JOIN supervision_supervisionplan p ON p.id = v.plan_id
           JOIN supervision_checklistitem i ON i.id = s.item_id WHERE p.year = %(year)s AND NOT v.cancelled
           GROUP BY v.group_id) vs ON vs.group_id = g.id
LEFT JOIN (SELECT group_id, COUNT(*) t, SUM(status = 'accepted') c FROM supervision_rectification
           WHERE due BETWEEN %(start)s AND %(today)s GROUP BY group_id) r ON r.group_id = g.id
LEFT JOIN (SELECT group_id, COUNT(*) n FROM integrity_integritysignal WHERE year = %(year)s AND explained_at IS NULL
           GROUP BY group_id) sig ON sig.group_id = g.id
LEFT JOIN (SELECT f.group_id, COUNT(*) n FROM materials_firstitemmaterial f JOIN materials_material m ON m.id = f.material_id
           WHERE f.meeting_date BETWEEN %(start)s AND %(end)s AND julianday(f.meeting_date) - julianday(m.published_on) > 30
           GROUP BY f.group_id) fi ON fi.group_id = g.id
LEFT JOIN (SELECT e.group_id, COUNT(*) n FROM assessment_ballot b JOIN assessment_evaluation e ON e.id = b.evaluation_id
           WHERE e.year = %(year)s GROUP BY e.group_id) b ON b.group_id = g.id
LEFT JOIN (SELECT p.group_id, COUNT(DISTINCT t.mandated_id) n FROM meetings_participation p
           JOIN meetings_studysession ss ON ss.id = p.session_id JOIN plans_topic t ON t.id = ss.plan_topic_id
           JOIN plans_mandatedtopic mt ON mt.id = t.mandated_id JOIN plans_guidance gd ON gd.id = mt.guidance_id
           WHERE gd.year = %(year)s AND ss.starts_at BETWEEN %(start)s AND %(now)s AND ss.status <> 'cancelled'
           AND p.state IN ('host', 'accepted') GROUP BY p.group_id) md ON md.group_id = g.id
LEFT JOIN (SELECT s.group_id, COUNT(*) n FROM reports_submission s JOIN reports_reporttask t ON t.id = s.task_id
           WHERE t.year = %(year)s AND t.deadline < %(today)s AND date(s.submitted_at) <= t.deadline
           GROUP BY s.group_id) rp ON rp.group_id = g.id
LEFT JOIN (SELECT group_id, COUNT(*) t, SUM(status = 'archived') a FROM meetings_studysession
           WHERE day BETWEEN %(start)s AND %(cutoff)s AND status <> 'cancelled' GROUP BY group_id) wl ON wl.group_id = g.id
WHERE u.path LIKE %(path)s AND u.id <> %(root)s
ORDER BY (CASE WHEN COALESCE(y.expected, 0) > 0 THEN 1.0 * y.attended / y.expected ELSE 0 END)
       + (CASE WHEN COALESCE(y.topics_total, 0) > 0 THEN 1.0 * y.topics_studied / y.topics_total ELSE 0 END) DESC
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cities", type=int, default=2)
    parser.add_argument("--counties", type=int, default=3)
    parser.add_argument("--units", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    db = Path(tempfile.mkdtemp()) / "bench-assessment.sqlite3"
    setup(db)
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from assessment import selectors
    from assessment.selectors import WULUOSHI_WORKDAYS
    from workdays.selectors import add_workdays

    year = dt.date.today().year
    started = time.monotonic()
    root, groups = generate(args, year)
    seeded = time.monotonic() - started
    today = dt.date.today()
    params = {"year": year, "start": dt.date(year, 1, 1), "end": dt.date(year, 12, 31), "today": today,
              "path": root.path + "%", "root": root.pk, "now": timezone_now(),
              "cutoff": add_workdays(today, -WULUOSHI_WORKDAYS)}

    def ranking():
        return selectors.ranking(root, year, fresh=False)

    def sql():
        with connection.cursor() as cur:
            cur.execute(SQL, params)
            return cur.fetchall()

    assert len(ranking().rows) == len(sql()) == len(groups)
    with CaptureQueriesContext(connection) as ctx:
        ranking()
    queries = len(ctx.captured_queries)
    reset_queries()
    times = {"ranking": [], "sql": []}
    for _ in range(args.rounds):
        for name, fn in (("sql", sql), ("ranking", ranking)):
            t = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t)
    med = {k: statistics.median(v) for k, v in times.items()}
    report = {"groups": len(groups), "seed_s": round(seeded, 1), "queries_per_ranking": queries,
              "ranking_ms": {"median": round(med["ranking"] * 1000, 1), "max": round(max(times["ranking"]) * 1000, 1)},
              "sql_ms": {"median": round(med["sql"] * 1000, 1), "max": round(max(times["sql"]) * 1000, 1)},
              "ratio": round(med["ranking"] / med["sql"], 2)}
    report["pages"] = pages(db, root, args.rounds)
    print(json.dumps(report, ensure_ascii=False, indent=2))


def pages(db, root, rounds):
    """The ranking pages through gunicorn, against the no-work view, as the supervisor sees them."""
    from benchmarks.common import LOGIN_CODE, env_for, fetch, gunicorn, measure, page_stats
    from orgs.models import Unit

    helpers = {}
    exec(LOGIN_CODE, helpers)  # the scripts' one way to make a supervisor and a logged-in session (no hashing)
    cookie = helpers["login_cookie"](helpers["supervisor"]("bench_province", root))
    county = Unit.objects.filter(path__startswith=root.path, depth=root.depth + 2).order_by("path").first()
    cases = {"baseline": ("/bench/baseline", cookie),
             "province page (snapshot)": (f"/assessment/units/{root.pk}/ranking/", cookie),
             "county page (live)": (f"/assessment/units/{county.pk}/ranking/", cookie)}
    with gunicorn(env_for(f"sqlite:///{db}"), "--worker-class", "gthread", "--threads", "1") as (base, _):
        started = time.perf_counter()
        fetch(base + cases["province page (snapshot)"][0], cookie)  # the first look computes the snapshot
        first = time.perf_counter() - started
        timings, sizes = measure(base, cases, rounds)
    stats = page_stats(timings, sizes)
    stats["province page (snapshot)"]["first_view_ms"] = round(first * 1000, 1)
    return {name: {k: round(v, 1) if isinstance(v, float) else v for k, v in s.items()} for name, s in stats.items()}


if __name__ == "__main__":
    main()
