#!/usr/bin/env python
"""Benchmarks at province scale, each reported as a ratio to a baseline measured in the same run.

    ./dev bench                 # seed a province into a fresh SQLite file, then measure
    ./dev bench --db PATH       # reuse a seeded database
    DATABASE_URL=postgres://... ./dev bench   # the same on PostgreSQL (must be empty or seeded)

Pages are served by gunicorn (one sync worker, as in production) on 127.0.0.1 and fetched over
loopback, interleaved with the baseline so that the shared machine's noise hits both alike.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import (  # noqa: E402
    LOGIN_CODE,
    MACHINE_NOTE,
    ROOT,
    env_for,
    gunicorn,
    manage,
    measure,
    page_stats,
    peak_rss_mb,
    print_pages,
    shell_json,
    write_result,
)


def prepare_fixtures(env):
    """A city supervisor and a group secretary with live sessions; returns cookies and ids."""
    code = LOGIN_CODE + r'''
import json
from orgs.models import Unit, Membership
city = Unit.objects.filter(level="city").order_by("id").first()
group_id = Unit.objects.filter(path__startswith=city.path, level="township").order_by("id").first().pk
secretary = Membership.objects.filter(group_id=group_id, role="secretary").first().person
out = {"supervisor": login_cookie(supervisor("bench_city", city)),
       "secretary": login_cookie(bench_user("bench_secretary", secretary)), "group_id": group_id, "city_id": city.pk}
print("JSON" + json.dumps(out))
'''
    return shell_json(env, code)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", help="SQLite file to use (seeded if empty)")
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--no-meetings", action="store_true", help="skip benchmarks/bench_meetings.py")
    parser.add_argument("--no-study", action="store_true", help="skip benchmarks/bench_study.py")
    parser.add_argument("--no-load", action="store_true", help="skip benchmarks/bench_load.py (50 users)")
    args = parser.parse_args()
    report = {"started": time.strftime("%Y-%m-%d %H:%M:%S")}

    db_url = os.environ.get("DATABASE_URL")
    if not db_url:
        db_path = Path(args.db or (ROOT / "var" / "bench-province.sqlite3"))
        db_path.parent.mkdir(parents=True, exist_ok=True)
        db_url = f"sqlite:///{db_path}"
        if not args.db and db_path.exists():
            for suffix in ("", "-wal", "-shm"):
                Path(str(db_path) + suffix).unlink(missing_ok=True)
    env = env_for(db_url)
    report["database"] = db_url.split("://")[0]
    manage(env, "migrate", "--noinput", "-v0")
    print("生成省级规模数据（seed_demo --scale province）…", flush=True)
    # seed_demo refuses a production database (DJANGO_DEBUG=0); this one is a throwaway, so it is asked as development.
    seconds, out = manage(dict(env, DJANGO_DEBUG="1"), "seed_demo", "--scale", "province", "--if-empty")
    report["seed_province_seconds"] = round(seconds, 1)
    report["seed_output"] = out.strip().splitlines()
    print(out.strip(), flush=True)
    counts_code = ("from orgs.models import *; import json; print('JSON'+json.dumps({'units': Unit.objects.count(),"
                   " 'people': Person.objects.count(), 'memberships': Membership.objects.count()}))")
    report["counts"] = json.loads(manage(env, "shell", "-c", counts_code)[1].split("JSON", 1)[1])
    fx = prepare_fixtures(env)

    with gunicorn(env) as (base, worker_pid):
        cases = {
            "baseline": ("/bench/baseline", fx["supervisor"]),
            "unit_tree_city_supervisor": ("/units/", fx["supervisor"]),
            "unit_children_city": (f"/units/{fx['city_id']}/children/", fx["supervisor"]),
            "group_members_page": (f"/groups/{fx['group_id']}/", fx["secretary"]),
            "group_members_api": (f"/api/groups/{fx['group_id']}/members/", fx["secretary"]),
        }
        measure(base, cases, 3)  # warm up caches and the worker
        report["pages"] = page_stats(*measure(base, cases, args.rounds))
        report["worker_peak_rss_mb"] = peak_rss_mb(worker_pid)
    report["machine"] = MACHINE_NOTE
    out_file = write_result("bench", report)
    print(f"\n省级规模：{report['counts']}；生成用时 {report['seed_province_seconds']} 秒")
    print_pages(report["pages"])
    print(f"工作进程内存峰值：{report['worker_peak_rss_mb']} MB\n结果：{out_file}")
    if not args.no_meetings:
        # Issue 4's benchmarks (sessions overview, QR check-in burst) against the same database.
        cmd = [sys.executable, str(ROOT / "benchmarks" / "bench_meetings.py")]
        if not os.environ.get("DATABASE_URL"):
            cmd += ["--db", db_url.split("sqlite:///", 1)[1]]
        subprocess.run(cmd, cwd=ROOT, check=True)
    if not args.no_study:
        # Issue 3's benchmarks (material search, 第一时间 page, copy check against pair-by-pair) on the same data.
        cmd = [sys.executable, str(ROOT / "benchmarks" / "bench_study.py")]
        if not os.environ.get("DATABASE_URL"):
            cmd += ["--db", db_url.split("sqlite:///", 1)[1]]
        subprocess.run(cmd, cwd=ROOT, check=True)
    if not args.no_load:
        # Issue 10's benchmark: 50 logged-in users against gunicorn gthread --preload, on the same data.
        cmd = [sys.executable, str(ROOT / "benchmarks" / "bench_load.py"), "--scale", "region"]
        if not os.environ.get("DATABASE_URL"):
            cmd += ["--db", db_url.split("sqlite:///", 1)[1]]
        subprocess.run(cmd, cwd=ROOT, check=True)


if __name__ == "__main__":
    main()
