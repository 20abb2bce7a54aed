#!/usr/bin/env python
"""Issue 10: N logged-in users at once (default 50, each with their own session) against gunicorn as the
deployment guide recommends for 2 cores: `-c config/gunicorn.conf.py` (4 processes × 2 threads, `--preload`).

    python benchmarks/bench_load.py                       # SQLite, the demo city (seeded into var/ if missing)
    python benchmarks/bench_load.py --scale region        # a reduced province (3 cities, ≈500 groups)
    python benchmarks/bench_load.py --pg                  # the same on a throwaway PostgreSQL cluster
    python benchmarks/bench_load.py --db PATH             # a seeded SQLite file (any scale)

Pages: a secretary's 工作台, their group's latest session, the material search for 研讨, their group's plan,
the city and the province supervisor's overview, the session page of a 联学 of 20 groups, and the QR check-in
(POST; each member's first scan writes, the later ones are replays). Secretaries, check-in members and their
sessions are distinct people; the two supervisors and the 联学's viewers are one account each with N sessions.

Two passes per page, both against GET /bench/baseline (log-in check, no work) measured in the same run:
- saturation: every user requests the page again as soon as the answer arrives, for --seconds; req/s;
- think time: each user waits 2 s (±50 %) between requests, for --think-seconds; p50/p95 latency.
Afterwards the resident memory of the master and each worker (RSS, and PSS: shared pages counted once).
A thread pool of keep-alive `http.client` connections is the client; it runs on the same 2 cores, so ratios are
what count.
"""

import argparse
import http.client
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote, urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import (  # noqa: E402
    LOGIN_CODE,
    MACHINE_NOTE,
    RESULTS,
    ROOT,
    env_for,
    free_port,
    manage,
    percentile,
    shell_json,
    write_result,
)

CSRF = "c" * 32
# The deployment guide's own file (4 processes × 2 threads, preloaded, recycled after ≈2,000 requests), not a copy of
# its options: what is measured is what is deployed. The command line below only adds the address and silences the
# access log.
SERVER = ["-c", "config/gunicorn.conf.py"]

SEED_REGION = r'''
import datetime as dt, random, time
from django.utils import timezone
from orgs import seed
from orgs.models import Unit
if not Unit.objects.exists():
    rng = random.Random(2026)
    today = timezone.localdate()
    specs = seed.load(seed.province(rng, cities=3, counties_per_city=4, units_per_county=38, city_depts=10, size=16),
                      rng=rng, year_start=dt.date(today.year, 1, 1))
    for name, extend in seed.extensions():
        print(name, extend(specs=specs, rng=rng, today=today, scale="province"))
'''

FIXTURES = LOGIN_CODE + r'''
import datetime as dt, json
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from accounts.models import User
from meetings import services
from meetings.models import SessionStatus, StudySession
from orgs.models import Membership, StudyGroup, Unit
from plans.models import StudyPlan
N = USERS
JOINT = "负载测试（联学）"  # the 联学 each run schedules (and the next run calls off)
now = timezone.now()
root = Unit.objects.filter(parent__isnull=True).order_by("id").first()
city = Unit.objects.filter(level="city").order_by("id").first()
groups = list(StudyGroup.objects.filter(unit__path__startswith=city.path, unit__closed_on__isnull=True).order_by("id"))
unusable = make_password(None)
def account(person):
    u = User.objects.filter(person=person).first()
    if u is None:
        u = User.objects.create(username=f"bench_l{person.pk}", person=person, password=unusable,
                                password_changed_at=now)
    return u
# Secretaries of groups that have held sessions and an approved plan: their own 工作台, session and plan.
secretaries = []
for g in groups:
    m = Membership.objects.on(timezone.localdate()).filter(group=g, role="secretary").select_related("person").first()
    # Its own group's session, never the 联学 an earlier run scheduled on the same database (that is the joint page).
    s = StudySession.objects.filter(participations__group=g, starts_at__lte=now).exclude(
        status=SessionStatus.CANCELLED).exclude(title=JOINT).order_by("-starts_at").first()
    plan = StudyPlan.objects.filter(group=g, status="approved").order_by("-year", "-number").first()
    if m and s and plan:
        secretaries.append((login_cookie(account(m.person)), s.pk, plan.pk))
    if len(secretaries) == N:
        break
# A 联学 of 20 groups under way now: its page, and its members' check-ins.
chunk = [g for g in groups if Membership.objects.on(timezone.localdate()).filter(group=g).exists()][:20]
# An earlier run's 联学 (same groups, same hours) would make every member who checked in then "present at two
# overlapping sessions", which the check-in rightly refuses: call those off first (a throwaway database).
StudySession.objects.filter(title=JOINT).exclude(status=SessionStatus.CANCELLED).update(
    status=SessionStatus.CANCELLED, cancel_reason="上一次负载测试")
joint = services.session_schedule(group=chunk[0], joint_groups=chunk[1:], by=None, title=JOINT,
                                  form="joint", starts_at=now - dt.timedelta(minutes=5),
                                  ends_at=now + dt.timedelta(hours=3), place="机关三楼会议室")
host_secretary = Membership.objects.on(joint.day).filter(group=chunk[0]).order_by("role").first().person
# Each invited group's 组长 or 学习秘书 accepts (until then its members cannot check in).
from meetings.access import DECIDING_ROLES
for g in chunk[1:]:
    decider = Membership.objects.on(timezone.localdate()).filter(group=g, role__in=DECIDING_ROLES).first()
    services.partner_decide(session=joint, group=g, accept=True, by=account(decider.person))
viewer = account(host_secretary)
people = []
for g in chunk:
    people += [pid for pid in services.members_on_day(g, joint.day) if pid not in people]
from orgs.models import Person
members = [login_cookie(account(Person.objects.get(pk=pid))) for pid in people[:N]]
prov, cty = supervisor("bench_province", root), supervisor("bench_city", city)
with transaction.atomic():
    out = {"secretaries": secretaries, "joint": joint.pk, "joint_viewers": [login_cookie(viewer) for _ in range(N)],
           "members": members, "province": [login_cookie(prov) for _ in range(N)],
           "city": [login_cookie(cty) for _ in range(N)],
           "groups_under_root": StudyGroup.objects.filter(unit__path__startswith=root.path).count(),
           "groups_under_city": len(groups)}
print("JSON" + json.dumps(out))
'''


def start_server(env, extra):
    port = free_port()
    RESULTS.mkdir(exist_ok=True)
    log = open(RESULTS / "gunicorn-load.log", "ab")  # noqa: SIM115 - closed in stop_server
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", *extra, "--bind", f"127.0.0.1:{port}",
                             "--access-logfile", "/dev/null", "benchmarks.wsgi"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    return proc, base, log


def stop_server(proc, log):
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)
    log.close()


def memory(master_pid):
    """{pid: (rss_mb, pss_mb)} of the master and its workers."""
    pids = [master_pid] + [int(p) for p in subprocess.run(["pgrep", "-P", str(master_pid)], capture_output=True,
                                                           text=True).stdout.split()]
    out = {}
    for pid in pids:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
        field = {line.split(":")[0]: int(line.split()[1]) for line in rollup[1:] if line.split()[-1] == "kB"}
        out[pid] = (field["Rss"] // 1024, field["Pss"] // 1024)
    return out


class User:
    """One logged-in user: their own cookie and keep-alive connection.

    `http.client`, not `requests`: the client shares the server's 2 cores, and `requests` spent 2.5 ms of CPU a
    request (59 % of a core while the minimal view was served), against 0.6 ms here (18 %). The heavier client
    capped the baseline and so flattered every ratio."""

    def __init__(self, base, cookie):
        self.host, port = base.removeprefix("http://").split(":")
        self.port = int(port)
        self.headers = {"Cookie": f"sessionid={cookie}; csrftoken={CSRF}", "X-CSRFToken": CSRF}
        self.conn = None

    def hit(self, method, path, data=None, extra=None):
        started = time.perf_counter()
        for _ in range(2):
            reused = self.conn is not None
            try:
                return self._hit(method, path, data, started, extra)
            except (OSError, http.client.HTTPException) as exc:
                self.conn = None
                # gunicorn closes a keep-alive connection idle for 2 s (its `keepalive`), so after a user's think
                # time the kept connection may be gone. A browser then sends again on a new one; so does this.
                if not (reused and isinstance(exc, ConnectionError)):  # RemoteDisconnected is one too
                    break
        return time.perf_counter() - started, 0, 0, False  # a failure (status 0); the next request connects again

    def _hit(self, method, path, data, started, extra=None):
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
        headers = dict(self.headers, **(extra or {}))
        body = None
        if method == "POST":
            body = urlencode(data or {})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, quote(path, safe="/?=&"), body=body, headers=headers)  # 研讨 → %E7%A0…
        response = self.conn.getresponse()
        content = response.read()
        if response.will_close:
            self.conn = None
        kept = response.getheader("X-Page-Cache") == "hit"  # core/pagecache.py: answered from the kept page
        return time.perf_counter() - started, response.status, len(content), kept


WRITES_PER_S = 5


def run(users, request_for, seconds, think=0.0, writer=None):
    """Every user in its own thread, requesting until `seconds` have passed; returns the samples. `writer`: a
    User who meanwhile writes WRITES_PER_S audit entries a second (/bench/baseline-write), tables no page reads."""
    stop = time.perf_counter() + seconds
    writes = []

    def write():
        while time.perf_counter() < stop:
            t, status, _, _ = writer.hit("POST", "/bench/baseline-write")
            writes.append(status)
            time.sleep(max(0.0, 1 / WRITES_PER_S - t))

    background = threading.Thread(target=write) if writer else None
    if background:
        background.start()
    samples, failures, sizes = [], [], []
    kept, worked, first = [], [], []  # answered from the kept page or worked out; each user's first, worked out
    lock = threading.Lock()

    def loop(i):
        user = users[i]
        rng = random.Random(i)
        if think:
            time.sleep(rng.uniform(0, think))  # users arrive spread out, not in step
        n = 0
        while time.perf_counter() < stop:
            t, status, size, hit = user.hit(*request_for(i))
            with lock:
                (samples if status == 200 else failures).append((t, status))
                sizes.append(size)
                if status == 200:
                    (kept if hit else worked).append(t)
                    if n == 0 and not hit:
                        first.append(t)
            n += 1
            if think:
                time.sleep(think * rng.uniform(0.5, 1.5))

    started = time.perf_counter()
    with ThreadPoolExecutor(len(users)) as pool:
        list(pool.map(loop, range(len(users))))
    wall = time.perf_counter() - started
    if background:
        background.join()
    times = [t for t, _ in samples]
    return {"requests": len(times), "req_per_s": round(len(times) / wall, 1),
            "median_ms": round(statistics.median(times) * 1000, 1) if times else None,
            "p95_ms": round(percentile(times, 0.95) * 1000, 1) if times else None,
            "failed": len(failures), "failed_statuses": sorted({s for _, s in failures}),
            "bytes": int(statistics.median(sizes)) if sizes else 0,
            # Where the p95 comes from: answers worked out (not kept), and among them each user's first request
            # of the pass, which meets no kept page (the pass before wrote, or the page was never asked for).
            "worked_out": len(worked), "first_requests": len(first),
            "kept_p95_ms": round(percentile(kept, 0.95) * 1000, 1) if kept else None,
            "worked_out_p95_ms": round(percentile(worked, 0.95) * 1000, 1) if worked else None,
            "first_p95_ms": round(percentile(first, 0.95) * 1000, 1) if first else None,
            **({"writes": len(writes), "writes_failed": sum(1 for st in writes if st != 200)} if writer else {})}


def cases(fx, base, token):
    n = len(fx["members"])
    sec = fx["secretaries"]

    def users(cookies):
        return [User(base, cookies[i % len(cookies)]) for i in range(n)]

    secretaries = users([c for c, _, _ in sec])
    pages = {
        "工作台 (secretary)": (secretaries, lambda i: ("GET", "/", None)),
        "session detail": (secretaries, lambda i: ("GET", f"/meetings/{sec[i % len(sec)][1]}/", None)),
        "search 研讨": (secretaries, lambda i: ("GET", "/materials/?q=研讨", None)),
        "plan page": (secretaries, lambda i: ("GET", f"/plans/{sec[i % len(sec)][2]}/", None)),
        "overview, city": (users(fx["city"]), lambda i: ("GET", "/meetings/overview/", None)),
        "overview, province": (users(fx["province"]), lambda i: ("GET", "/meetings/overview/", None)),
        "联学 of 20 groups": (users(fx["joint_viewers"]), lambda i: ("GET", f"/meetings/{fx['joint']}/", None)),
    }
    # Each page twice: as its readers mostly get it (kept for their session until anything is written, see
    # core/pagecache.py; nothing is written during a page's pass) and worked out anew every time, as after a
    # write or on a hard reload (Cache-Control: no-cache skips the kept page).
    worked_out = {f"{name}, worked out": (who, lambda i, r=request_for: (*r(i), {"Cache-Control": "no-cache"}))
                  for name, (who, request_for) in pages.items()}
    # And as they are got while the rest of the system writes (WRITES_PER_S audit entries a second, which no page
    # reads): a kept page ends only when a table it read is written (core/dataversion.py).
    writer = User(base, fx["members"][-1])
    elsewhere = {f"{name}, {WRITES_PER_S} writes/s elsewhere": (who, request_for, writer)
                 for name, (who, request_for) in pages.items()}
    return {
        "baseline": (secretaries, lambda i: ("GET", "/bench/baseline", None)),
        **pages, **elsewhere, **worked_out,
        "QR check-in": (users(fx["members"]),
                        lambda i: ("POST", f"/meetings/{fx['joint']}/checkin/", {"t": token(fx["joint"])})),
    }


def _writer(case):
    return case[2] if len(case) > 2 else None


def bench(db_url, args):
    env = env_for(db_url)
    report = {"database": db_url.split("://")[0], "scale": args.scale, "users": args.users, "server": SERVER,
              "started": time.strftime("%Y-%m-%d %H:%M:%S")}
    manage(env, "migrate", "--noinput", "-v0")
    print(f"数据（{args.scale}）…", flush=True)
    if args.scale == "city":
        seconds, out = manage(dict(env, DJANGO_DEBUG="1"), "seed_demo", "--scale", "city", "--if-empty")  # a throwaway database
    else:
        seconds, out = manage(env, "shell", "-c", SEED_REGION)
    report["seed_seconds"] = round(seconds, 1)
    fx = shell_json(env, FIXTURES.replace("USERS", str(args.users)))
    report["groups"] = {"province supervisor": fx["groups_under_root"], "city supervisor": fx["groups_under_city"]}
    print(f"督导范围：全省 {fx['groups_under_root']} 个中心组，一个市 {fx['groups_under_city']} 个；"
          f"秘书 {len(fx['secretaries'])} 人，签到成员 {len(fx['members'])} 人", flush=True)
    os.environ["DATABASE_URL"] = db_url
    from benchmarks.bench_meetings import token_maker

    token = token_maker()
    server = args.server.split() if args.server else SERVER
    report["server"] = server
    proc, base, log = start_server(env, server)
    try:
        all_cases = cases(fx, base, token)
        if args.only:  # a few pages (and the baseline), e.g. to compare server settings quickly
            all_cases = {k: v for k, v in all_cases.items() if k == "baseline" or any(
                o.lower() in k.lower() for o in args.only)}
        for users, request_for, *_ in all_cases.values():  # warm up: imports, caches, figures
            users[0].hit(*request_for(0))
        report["saturation"], report["think"] = {}, {}
        names = list(all_cases)
        bases = []
        for name in names[1:]:  # each page right after a baseline run, so both see the same machine
            bases.append(run(*all_cases["baseline"], args.seconds / 2))
            report["saturation"][name] = run(*all_cases[name][:2], args.seconds, writer=_writer(all_cases[name]))
            print("  饱和", name, report["saturation"][name], flush=True)
        bases.append(run(*all_cases["baseline"], args.seconds / 2))
        floor = statistics.mean(b["req_per_s"] for b in bases)
        report["saturation"] = {"baseline": {"req_per_s": round(floor, 1), "runs": [b["req_per_s"] for b in bases],
                                             "failed": sum(b["failed"] for b in bases)}} | report["saturation"]
        for name in names:
            s = report["saturation"][name]
            s["ratio"] = round(s["req_per_s"] / floor, 3)
        for name in names:
            report["think"][name] = run(*all_cases[name][:2], args.think_seconds, think=args.think,
                                        writer=_writer(all_cases[name]))
            print("  思考", name, report["think"][name], flush=True)
        report["memory_mb"] = {str(pid): {"rss": r, "pss": p} for pid, (r, p) in memory(proc.pid).items()}
    finally:
        stop_server(proc, log)
    mem = list(report["memory_mb"].values())
    report["memory_total_mb"] = {"rss": sum(m["rss"] for m in mem), "pss": sum(m["pss"] for m in mem)}
    report["machine"] = MACHINE_NOTE
    out_file = write_result(f"load-{report['database']}-{args.scale}", report)
    print_table(report)
    print(f"结果：{out_file}")
    return report


def print_table(report):
    print(f"\n{report['database']}, {args_scale(report)}, {report['users']} users, gunicorn {' '.join(report['server'])}")
    print("| page | saturation req/s | ratio | think 2 s: p50 ms | p95 ms | worked out: of n, p95 ms | failed |")
    print("|---|---|---|---|---|---|---|")
    for name, s in report["saturation"].items():
        t = report["think"][name]
        ratio = "1" if name == "baseline" else f"{100 * s['ratio']:.0f}%"
        worked = f"{t.get('worked_out', '–')} of {t['requests']}, {t.get('worked_out_p95_ms')}"
        print(f"| {name} | {s['req_per_s']} | {ratio} | {t['median_ms']} | {t['p95_ms']} | {worked} | "
              f"{s.get('failed', 0)}/{t['failed']} |")
    mem = report["memory_mb"]
    print("memory (MB, RSS/PSS):", ", ".join(f"{pid}: {m['rss']}/{m['pss']}" for pid, m in mem.items()),
          f"— whole server RSS {report['memory_total_mb']['rss']}, PSS {report['memory_total_mb']['pss']}")


def args_scale(report):
    g = report["groups"]
    # --scale seeds an empty database only: a --db already seeded (the province) says what it holds by its counts
    return f"{g['province supervisor']} groups, {g['city supervisor']} in the city"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", choices=["city", "region"], default="city",
                        help="city: the demo city (99 groups); region: a reduced province (3 cities, ≈500 groups)")
    parser.add_argument("--db", help="SQLite file (seeded at --scale if empty)")
    parser.add_argument("--pg", action="store_true", help="a throwaway PostgreSQL cluster, seeded at --scale")
    parser.add_argument("--pg-port", type=int, help="port of the throwaway cluster (default: any free port)")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=8.0, help="per page at saturation")
    parser.add_argument("--think", type=float, default=2.0)
    parser.add_argument("--think-seconds", type=float, default=20.0, help="per page with think time")
    parser.add_argument("--only", nargs="+", help="pages whose name contains one of these (the baseline always runs)")
    parser.add_argument("--server", help=f"gunicorn options instead of the recommended {' '.join(SERVER)!r}")
    args = parser.parse_args()
    if args.pg:
        from benchmarks import bench_meetings
        from benchmarks.bench_meetings import ThrowawayPostgres

        if args.pg_port:  # a port agreed with others sharing the machine, instead of any free one
            bench_meetings.free_port = lambda: args.pg_port

        with ThrowawayPostgres() as db_url:
            return bench(db_url, args)
    if os.environ.get("DATABASE_URL"):
        return bench(os.environ["DATABASE_URL"], args)
    path = Path(args.db or ROOT / "var" / f"bench-load-{args.scale}.sqlite3").resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    return bench(f"sqlite:///{path}", args)


if __name__ == "__main__":
    main()
