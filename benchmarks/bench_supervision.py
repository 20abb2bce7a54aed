"""Issue 12 benchmark: drawing the year's random and focused visits, and the coverage page.

    python benchmarks/bench_supervision.py                       # small: ≈1,000 groups, 200 observers
    python benchmarks/bench_supervision.py --cities 14 --counties 10 --units 68 --observers 2000   # province

The generator reuses orgs.seed's province shape (cities × counties × units per county; 14 × 10 × 68 ≈ 10,095
groups) with few people per unit, puts `--observers` people of county units into the province's 巡听人员库,
lists 1 % of the groups as 重点对象, and gives last year's plan visits with feedback for a third of the groups
(so the draw's weights and the coverage window have something to read). It writes a fresh SQLite file.

Timed (median and max of --rounds, each on a fresh plan so draws do not exclude each other):
- draw: `services.draw_random` of 10 % of the groups (inputs snapshot, weighted pick, one Visit per pick);
- focus: `services.focus_visits_create` (2 visits per focus target);
- coverage: `selectors.coverage(plan)`;
- page: GET /supervision/plan/<id>/ as the province supervisor through Django's test client (the whole page).
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
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def generate(args):
    from accounts.services import user_create
    from orgs import seed
    from orgs import services as org
    from orgs.models import Observer, Person, StudyGroup, Unit, UnitLevel
    from supervision import services
    from supervision.models import Visit

    rng = random.Random(2026)
    today = dt.date.today()
    spec = seed.province(rng, cities=args.cities, counties_per_city=args.counties, units_per_county=args.units,
                         city_depts=3, size=3)
    started = time.monotonic()
    specs = seed.load(spec, rng=rng, year_start=today.replace(month=1, day=1))
    root = Unit.objects.get(pk=specs[0].id)
    # County-level staff first (they make up real pools), then others until the pool is as large as asked.
    people = list(Person.objects.filter(unit__level=UnitLevel.COUNTY).values_list("pk", flat=True))
    rng.shuffle(people)
    others = list(Person.objects.exclude(unit__level=UnitLevel.COUNTY).exclude(unit=root).values_list("pk", flat=True))
    rng.shuffle(others)
    people += others
    Observer.objects.bulk_create([Observer(person_id=p, pool_unit=root) for p in people[:args.observers]])
    user = user_create(username="province_sup", password="x", validate=False)
    org.supervisor_scope_add(user=user, unit=root, kind="propaganda", start=today.replace(month=1, day=1), by=None)
    groups = list(StudyGroup.objects.exclude(unit=root).values_list("pk", flat=True))
    last = services.plan_create(unit=root, year=today.year - 1, coverage_years=2, by=None)
    now = dt.datetime.now(dt.UTC)
    Visit.objects.bulk_create([Visit(plan=last, group_id=g, kind="fixed", feedback_at=now)
                               for g in rng.sample(groups, len(groups) // 3)], batch_size=2000)
    return root, user, groups, time.monotonic() - started


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cities", type=int, default=2)
    parser.add_argument("--counties", type=int, default=5)
    parser.add_argument("--units", type=int, default=100)
    parser.add_argument("--observers", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--db", default="")
    args = parser.parse_args()
    db = args.db or os.path.join(tempfile.mkdtemp(prefix="bench-sup-"), "db.sqlite3")
    setup(db)

    from django.test import Client

    from core.testing import login
    from orgs.models import Observer
    from supervision import selectors, services

    root, user, groups, gen_s = generate(args)
    focus = random.Random(1).sample(groups, max(1, len(groups) // 100))
    results = {"draw": [], "focus": [], "coverage": [], "page": []}
    client = login(Client(), user)
    for r in range(args.rounds):
        plan = services.plan_create(unit=root, year=2090 + r, coverage_years=2, by=user)
        # The focus list is entered in bulk here (the page adds one at a time through the same model).
        from supervision.models import FocusTarget

        FocusTarget.objects.bulk_create([FocusTarget(plan=plan, group_id=g, reason="上年考核不合格") for g in focus])
        t, draw = timed(lambda plan=plan, r=r: services.draw_random(plan=plan, count=len(groups) // 10, by=user,
                                                               seed=f"bench{r}"))
        results["draw"].append(t)
        t, n_focus = timed(lambda plan=plan: services.focus_visits_create(plan=plan, per_group=2, by=user))
        results["focus"].append(t)
        t, cov = timed(lambda plan=plan: selectors.coverage(plan))
        results["coverage"].append(t)
        t, response = timed(lambda plan=plan: client.get(f"/supervision/plan/{plan.pk}/"))
        assert response.status_code == 200, response.status_code
        results["page"].append(t)
        same, _ = services.draw_verify(draw)
        assert same
    summary = {
        "groups": len(groups), "observers": Observer.objects.count(), "focus_targets": len(focus),
        "drawn_per_round": len(groups) // 10, "focus_visits_per_round": n_focus, "generate_s": round(gen_s, 1),
        "coverage_total": cov.total,
        **{k: {"median_ms": round(1000 * statistics.median(v), 1), "max_ms": round(1000 * max(v), 1)}
           for k, v in results.items()},
        "rounds": args.rounds, "database": "SQLite", "note": "2 shared, noisy cores",
    }
    print(json.dumps(summary, ensure_ascii=False, indent=2))
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    (out / "supervision.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
