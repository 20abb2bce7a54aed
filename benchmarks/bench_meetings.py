#!/usr/bin/env python
"""Issue 4's benchmarks: the supervisor's sessions overview and a burst of QR check-ins, as ratios to baselines.

    python benchmarks/bench_meetings.py --db var/bench-province.sqlite3      # a seeded SQLite database
    DATABASE_URL=postgres://... python benchmarks/bench_meetings.py          # a seeded PostgreSQL database
    python benchmarks/bench_meetings.py --pg                                 # throwaway PostgreSQL cluster,
                                                                             # one city seeded, then removed

Overview: the province supervisor's and a city supervisor's /meetings/overview/ page (with the 计划专题 column and
the integrity signal counts), and one group's plan page with each topic's progress (/plans/<id>/, seen by the
province supervisor), served by gunicorn (one sync worker, as in production), fetched over loopback interleaved
with GET /bench/baseline.

QR burst: N distinct (session, person) check-ins POSTed to /meetings/<id>/checkin/ by 32 concurrent
keep-alive clients against ONE gunicorn process running the gthread worker (--workers 1 --threads 8): one
process is what the issue asks for, and threads let it overlap request parsing with the database's wait for
the write lock, as a real server would. The sessions are 联学 of 20 groups each, scheduled through the
service and open for check-in now; each token is minted by the client for the current 30-second window, as
the projector does. 5 % of the check-ins are replayed later in the burst: they must create nothing. Afterwards
the database is counted: zero duplicates, zero lost (every 2xx check-in is there), nothing unacknowledged.
Baseline: the same burst shape against POST /bench/baseline-write (log-in check + one audit entry in one
transaction — the smallest write a service makes; each check-in writes one attendance row and one audit entry),
run in ten slices alternating with the check-ins'.
"""

import argparse
import http.client
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import types
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import (  # noqa: E402
    LOGIN_CODE,
    MACHINE_NOTE,
    default_db_url,
    env_for,
    free_port,
    gunicorn,
    manage,
    measure,
    page_stats,
    peak_rss_mb,
    percentile,
    print_pages,
    shell_json,
    write_result,
)

CSRF = "b" * 32  # any well-formed secret: the client sends it as both cookie and header, as a page's form does

OVERVIEW_FIXTURES = LOGIN_CODE + r'''
import json
from orgs.models import Unit
root = Unit.objects.filter(parent__isnull=True).order_by("id").first()
city = Unit.objects.filter(level="city").order_by("id").first()
from django.db.models import Count
from plans.models import StudyPlan
# Issue 8: a group's plan page with each topic's progress, the approved plan whose group held the most sessions.
plan = (StudyPlan.objects.filter(status="approved", group__unit__path__startswith=city.path)
        .annotate(n=Count("group__session_participations")).order_by("-n", "id").first())
out = {"province": login_cookie(supervisor("bench_province", root)), "city": login_cookie(supervisor("bench_city", city)),
       "province_name": root.name, "city_name": city.name, "plan": plan.pk, "plan_topics": plan.topics.count()}
print("JSON" + json.dumps(out))
'''

# Sessions for the burst, scheduled through the service. Members get accounts directly (bulk, unusable
# password: hashing 20,000 passwords would take longer than the benchmark) and are logged in as above.
BURST_FIXTURES = LOGIN_CODE + r'''
import datetime as dt, json
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.models import Session
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.auth import SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from accounts.models import User
from orgs.models import Membership, StudyGroup, Unit
from meetings import services
want, per_session = WANT, 20
now = timezone.now()
from meetings.access import DECIDING_ROLES
from meetings.models import SessionStatus, StudySession
# Groups of the whole province, each in one 联学 only: a member checked in at two overlapping sessions is
# refused (the rule working), so groups never repeat, and an earlier run's 联学 are called off first.
groups = list(StudyGroup.objects.filter(unit__closed_on__isnull=True).order_by("id"))
StudySession.objects.filter(title="扫码签到压力测试（联学）").exclude(status=SessionStatus.CANCELLED).update(
    status=SessionStatus.CANCELLED, cancel_reason="上一次压力测试")
unusable = make_password(None)
def account(person_id):
    u = User.objects.filter(person_id=person_id).first()
    return u or User.objects.create(username=f"bench_p{person_id}", person_id=person_id, password=unusable,
                                    password_changed_at=now)
sessions, pairs, i = [], [], 0
while len(pairs) < want:
    chunk = groups[i:i + per_session]
    i += per_session
    s = services.session_schedule(group=chunk[0], joint_groups=chunk[1:], by=None, title="扫码签到压力测试（联学）",
                                   form="joint", starts_at=now - dt.timedelta(minutes=5),
                                   ends_at=now + dt.timedelta(hours=3), place="机关三楼会议室")
    # Each invited group's 组长 or 学习秘书 accepts: until then its members take no part (and get 404).
    taking_part = [chunk[0]]
    for g in chunk[1:]:
        decider = Membership.objects.on(s.day).filter(group=g, role__in=DECIDING_ROLES).first()
        if decider:
            services.partner_decide(session=s, group=g, accept=True, by=account(decider.person_id))
            taking_part.append(g)
    sessions.append(s.pk)
    people = set()
    for g in taking_part:
        people |= set(services.members_on_day(g, s.day))
    pairs += [(s.pk, pid) for pid in sorted(people)]
pairs = pairs[:want]
pids = {pid for _, pid in pairs}
have = dict(User.objects.filter(person_id__in=pids).values_list("person_id", "id"))
with transaction.atomic():
    User.objects.bulk_create([User(username=f"bench_p{pid}", person_id=pid, password=unusable, password_changed_at=now)
                              for pid in pids if pid not in have], batch_size=2000)
    users = {u.person_id: u for u in User.objects.filter(person_id__in=pids)}
    User.objects.filter(person_id__in=pids, password_changed_at__isnull=True).update(password_changed_at=now)
    cookies, rows = {}, []
    later = int(time.time()) + 3600
    for pid, u in users.items():
        store = SessionStore()
        data = {SESSION_KEY: str(u.pk), BACKEND_SESSION_KEY: settings.AUTHENTICATION_BACKENDS[0],
                HASH_SESSION_KEY: u.get_session_auth_hash(), "login_at": later, "last_seen": later}
        key = store._get_new_session_key()
        rows.append(Session(session_key=key, session_data=store.encode(data), expire_date=now + dt.timedelta(hours=12)))
        cookies[pid] = key
    Session.objects.bulk_create(rows, batch_size=2000)
print("JSON" + json.dumps({"sessions": sessions, "work": [(sid, pid, cookies[pid]) for sid, pid in pairs]}))
'''

COUNT_CODE = r'''
import json
from django.db.models import Count
from meetings.models import Attendance
qs = Attendance.objects.filter(session_id__in=SESSIONS, source="qr")
dups = qs.values("session_id", "group_id", "person_id").annotate(n=Count("id")).filter(n__gt=1).count()
print("JSON" + json.dumps({"rows": qs.count(), "duplicates": dups,
                           "pairs": sorted({(s, p) for s, p in qs.values_list("session_id", "person_id")})}))
'''


def token_maker():
    """Mint check-in tokens as the projector does (same settings, same secret), cached per 30-second window."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")
    import django

    django.setup()
    from meetings import services

    cache = {}

    def token(sid):
        key = (sid, services._window())
        if key not in cache:
            cache[key] = services.checkin_token(types.SimpleNamespace(pk=sid))
        return cache[key]
    return token


def burst(base, jobs, clients, path_for, token):
    """POST every job with `clients` concurrent keep-alive connections; returns per-job (status, seconds)."""
    host, port = base.split("//", 1)[1].split(":")
    local = threading.local()
    results = [None] * len(jobs)
    errors = Counter()  # (status, the page's error message) for every failed request

    def conn():
        if getattr(local, "c", None) is None:
            local.c = http.client.HTTPConnection(host, int(port), timeout=120)
        return local.c

    def one(i):
        sid, _pid, cookie = jobs[i]
        body = f"t={token(sid)}" if token else ""
        headers = {"Cookie": f"sessionid={cookie}; csrftoken={CSRF}", "X-CSRFToken": CSRF,
                   "Content-Type": "application/x-www-form-urlencoded", "Host": f"127.0.0.1:{port}"}
        started = time.perf_counter()
        for attempt in range(2):
            try:
                c = conn()
                c.request("POST", path_for(sid), body=body, headers=headers)
                resp = c.getresponse()
                page = resp.read()
                break
            except (OSError, http.client.HTTPException):
                local.c = None  # the server closed a kept-alive connection: reconnect once
                if attempt:
                    results[i] = (0, time.perf_counter() - started)
                    return
        results[i] = (resp.status, time.perf_counter() - started)
        if not 200 <= resp.status < 300:
            found = re.search(rb'role="alert"[^>]*>([^<]*)<', page)
            errors[(resp.status, found.group(1).decode() if found else page[:80].decode(errors="replace"))] += 1

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(one, range(len(jobs))))
    return results, time.perf_counter() - started, errors


def burst_stats(results, seconds):
    ok = [t for status, t in results if 200 <= status < 300]
    lat = [t for _, t in results]
    codes = {}
    for status, _ in results:
        codes[str(status)] = codes.get(str(status), 0) + 1
    return {"requests": len(results), "seconds": round(seconds, 1), "per_second": round(len(results) / seconds, 1),
            "p50_ms": round(percentile(lat, 0.5) * 1000, 1), "p95_ms": round(percentile(lat, 0.95) * 1000, 1),
            "ok": len(ok), "status_counts": codes}


def with_replays(work, share, rng):
    """Originals in random order; a `share` of them replayed later in the burst (from the first half into the
    second), so each replay comes long after its original was answered."""
    jobs = [(sid, pid, cookie, False) for sid, pid, cookie in work]
    rng.shuffle(jobs)
    half = len(jobs) // 2
    replays = [(sid, pid, cookie, True) for sid, pid, cookie, _ in rng.sample(jobs[:half], int(len(jobs) * share))]
    tail = jobs[half:] + replays
    rng.shuffle(tail)
    return jobs[:half] + tail


def run_overview(env, report, rounds):
    fx = shell_json(env, OVERVIEW_FIXTURES)
    with gunicorn(env) as (base, pid):
        cases = {"baseline": ("/bench/baseline", fx["province"]),
                 "overview_city": ("/meetings/overview/", fx["city"]),
                 "overview_province": ("/meetings/overview/", fx["province"]),
                 "plan_page": (f"/plans/{fx['plan']}/", fx["province"])}
        measure(base, cases, 2)
        report["overview"] = page_stats(*measure(base, cases, rounds))
        report["overview_worker_peak_rss_mb"] = peak_rss_mb(pid)
    report["overview_scopes"] = {"province": fx["province_name"], "city": fx["city_name"],
                                 "plan": fx["plan"], "plan_topics": fx["plan_topics"]}


def run_burst(env, report, n, clients, threads, replay_share, slices=10, workers=1):
    print(f"准备 {n} 人次扫码签到的联学会议与账号…", flush=True)
    fx = shell_json(env, BURST_FIXTURES.replace("WANT", str(int(n * 1.0))))
    rng = random.Random(4)
    jobs = with_replays(fx["work"], replay_share, rng)
    token = token_maker()
    # A later --workers overrides the helper's --workers 1: --burst-workers 2 is the deployment guide's 2 cores.
    with gunicorn(env, "--worker-class", "gthread", "--threads", str(threads), "--workers", str(workers)) as (base, pid):
        warm = [(sid, pid_, cookie) for sid, pid_, cookie, _ in jobs[:50]]
        burst(base, warm, clients, lambda sid: "/bench/baseline-write", None)  # warm up the worker
        # Baseline and check-ins alternate slice by slice, so that the shared machine's noise hits both alike.
        base_results, results, base_s, seconds, errors = [], [], 0.0, 0.0, Counter()
        step = -(-len(jobs) // slices)
        for i in range(0, len(jobs), step):
            part = [j[:3] for j in jobs[i:i + step]]
            r, t, e = burst(base, part, clients, lambda sid: "/bench/baseline-write", None)
            base_results += r
            base_s += t
            errors.update(("baseline",) + k for k in e.elements())
            r, t, e = burst(base, part, clients, lambda sid: f"/meetings/{sid}/checkin/", token)
            results += r
            seconds += t
            errors.update(("checkin",) + k for k in e.elements())
        report["burst_worker_peak_rss_mb"] = peak_rss_mb(pid)
    b, c = burst_stats(base_results, base_s), burst_stats(results, seconds)
    acked = {(sid, p) for (sid, p, _, replay), (status, _) in zip(jobs, results, strict=True) if 200 <= status < 300 and not replay}
    originals = sum(1 for j in jobs if not j[3])
    counted = shell_json(env, COUNT_CODE.replace("SESSIONS", repr(fx["sessions"])))
    in_db = {tuple(x) for x in counted["pairs"]}
    c.update({
        "distinct_checkins": originals, "replays": len(jobs) - originals, "rows_in_db": counted["rows"],
        "duplicates": counted["duplicates"], "lost": len(acked - in_db), "unacknowledged_rows": len(in_db - acked),
        "failed_originals": originals - len(acked),
        "ratio_per_second_to_baseline": round(c["per_second"] / b["per_second"], 2),
        "ratio_p95_to_baseline": round(c["p95_ms"] / b["p95_ms"], 2),
    })
    report["burst"] = {"server": f"gunicorn --workers {workers} --worker-class gthread --threads {threads}",
                       "clients": clients, "sessions": len(fx["sessions"]), "slices": slices, "baseline": b, "checkin": c,
                       "errors": [{"request": w, "status": st, "message": m, "count": n}
                                  for (w, st, m), n in errors.most_common(20)]}


class ThrowawayPostgres:
    """A PostgreSQL cluster in a temporary folder on loopback, owned by the postgres user; removed afterwards."""

    def __enter__(self):
        self.dir = tempfile.mkdtemp(prefix="bench-pg-")
        shutil.chown(self.dir, "postgres")
        self.port = free_port()
        run = ["runuser", "-u", "postgres", "--"]
        bindir = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]
        subprocess.run([*run, str(bindir / "initdb"), "-D", f"{self.dir}/data", "-A", "trust", "-U", "app"],
                       check=True, capture_output=True)
        subprocess.run([*run, str(bindir / "pg_ctl"), "-D", f"{self.dir}/data", "-l", f"{self.dir}/log", "-w", "-o",
                        f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c max_connections=100",
                        "start"], check=True, capture_output=True)
        subprocess.run([*run, str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "app",
                        "bench"], check=True, capture_output=True)
        self.bindir = bindir
        return f"postgres://app@127.0.0.1:{self.port}/bench"

    def __exit__(self, *exc):
        subprocess.run(["runuser", "-u", "postgres", "--", str(self.bindir / "pg_ctl"), "-D", f"{self.dir}/data",
                        "-m", "fast", "stop"], capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)


def bench(db_url, args, report):
    env = env_for(db_url)
    report["database"] = db_url.split("://")[0]
    manage(env, "migrate", "--noinput", "-v0")
    if args.seed:
        print(f"生成数据（seed_demo --scale {args.seed}）…", flush=True)
        seconds, out = manage(dict(env, DJANGO_DEBUG="1"), "seed_demo", "--scale", args.seed, "--if-empty")  # a throwaway database
        report["seed"] = {"scale": args.seed, "seconds": round(seconds, 1), "output": out.strip().splitlines()}
    report["counts"] = shell_json(env, "import json; from meetings.models import *; from orgs.models import StudyGroup;"
                                       " print('JSON'+json.dumps({'groups': StudyGroup.objects.count(),"
                                       " 'sessions': StudySession.objects.count(),"
                                       " 'attendance': Attendance.objects.count()}))")
    print(f"数据量：{report['counts']}", flush=True)
    if not args.no_overview:
        run_overview(env, report, args.rounds)
    if args.burst:
        run_burst(env, report, args.burst, args.clients, args.threads, args.replays, workers=args.burst_workers)


def print_report(report, out_file):
    print(f"\n数据库：{report['database']}；数据量：{report['counts']}")
    if "overview" in report:
        print_pages(report["overview"], width=24)
    if "burst" in report:
        b, c = report["burst"]["baseline"], report["burst"]["checkin"]
        print(f"扫码签到（{report['burst']['server']}，{report['burst']['clients']} 个并发客户端）")
        print(f"  基线写入：{b['per_second']}/s，p50 {b['p50_ms']} ms，p95 {b['p95_ms']} ms")
        print(f"  签到：{c['per_second']}/s（基线的 {c['ratio_per_second_to_baseline']} 倍），p50 {c['p50_ms']} ms，"
              f"p95 {c['p95_ms']} ms；{c['distinct_checkins']} 次签到 + {c['replays']} 次重放，"
              f"库中 {c['rows_in_db']} 行，重复 {c['duplicates']}，丢失 {c['lost']}，失败 {c['failed_originals']}")
        for e in report["burst"]["errors"][:8]:
            print(f"  {e['request']} {e['status']} ×{e['count']}：{e['message'].strip()}")
    print(f"结果：{out_file}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", help="a seeded SQLite file (default: DATABASE_URL)")
    parser.add_argument("--pg", action="store_true", help="throwaway PostgreSQL cluster, seeded with --seed")
    parser.add_argument("--seed", help="seed_demo scale to load first if the database is empty (e.g. city)")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--burst", type=int, default=20000, help="distinct check-ins (0: skip the burst)")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--burst-workers", type=int, default=1,
                        help="gunicorn processes for the burst (1: one process, as issue 4 asked; 2: the 2-core deployment)")
    parser.add_argument("--replays", type=float, default=0.05)
    parser.add_argument("--no-overview", action="store_true")
    args = parser.parse_args()
    report = {"started": time.strftime("%Y-%m-%d %H:%M:%S"), "machine": MACHINE_NOTE}
    if args.pg:
        args.seed = args.seed or "city"
        with ThrowawayPostgres() as url:
            bench(url, args, report)
    else:
        url = default_db_url(args.db)
        os.environ["DATABASE_URL"] = url  # the token minter reads the same settings
        bench(url, args, report)
    print_report(report, write_result(f"meetings-{report['database']}", report))


if __name__ == "__main__":
    main()
