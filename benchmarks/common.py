"""Helpers shared by the benchmark scripts: run manage.py, start gunicorn on loopback, time requests."""

import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
MACHINE_NOTE = "2 shared, noisy cores; every figure is read as a ratio to a baseline measured in the same run"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def env_for(db_url):
    return dict(os.environ, DATABASE_URL=db_url, DJANGO_SETTINGS_MODULE="benchmarks.settings")


def manage(env, *args):
    started = time.monotonic()
    out = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{out.stderr[-3000:]}")
    return time.monotonic() - started, out.stdout


def shell_json(env, code):
    """Run code in `manage.py shell`; the code prints "JSON" followed by its answer."""
    _, stdout = manage(env, "shell", "-c", code)
    return json.loads(stdout.split("JSON", 1)[1])


# Code run in `manage.py shell` before a script's own fixture code. Users are logged in by writing their
# session rows directly (as a login would), so that timings never include password hashing; last_seen lies
# an hour ahead so the idle-timeout middleware never rewrites the session.
LOGIN_CODE = r'''
import time
from django.contrib.auth import SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from accounts.models import User
from accounts.services import user_create
from orgs import services as org
def login_cookie(u):
    s = SessionStore()
    s[SESSION_KEY] = str(u.pk); s[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    s[HASH_SESSION_KEY] = u.get_session_auth_hash(); s["login_at"] = s["last_seen"] = int(time.time()) + 3600
    s.create()
    return s.session_key
def bench_user(name, person=None):
    # A reused database may already hold an account for the person (the check-in burst makes members' accounts).
    return (User.objects.filter(username=name).first() or (person and User.objects.filter(person=person).first())
            or user_create(username=name, password="Bench#2026pass", person=person, validate=False))
def supervisor(name, unit):
    u = bench_user(name)
    if not u.supervisor_scopes.exists():
        org.supervisor_scope_add(user=u, unit=unit, kind="propaganda",
                                 start=timezone.localdate().replace(month=1, day=1), by=None)
    return u
'''


def default_db_url(db_path=None):
    """DATABASE_URL if set, else the SQLite file given (or the province file `./dev bench` seeds)."""
    return os.environ.get("DATABASE_URL") or \
        f"sqlite:///{Path(db_path or ROOT / 'var' / 'bench-province.sqlite3').resolve()}"


def print_pages(stats, width=30):
    print(f"{'页面':<{width}}{'中位数 ms':>10}{'p95 ms':>10}{'相对基线':>10}")
    for name, s in stats.items():
        print(f"{name:<{width}}{s['median_ms']:>10.1f}{s['p95_ms']:>10.1f}{s['ratio_to_baseline']:>10.2f}")


@contextmanager
def gunicorn(env, *extra):
    """One gunicorn server on 127.0.0.1; yields (base_url, worker_pid)."""
    port = free_port()
    RESULTS.mkdir(exist_ok=True)
    # The server's log goes to a file: an unread pipe fills up with request warnings and stalls the worker.
    log = open(RESULTS / "gunicorn.log", "ab")  # noqa: SIM115 - closed with the server below
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "1", *extra, "--bind", f"127.0.0.1:{port}",
         "--access-logfile", "/dev/null", "--timeout", "300", "benchmarks.wsgi"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(150):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        worker_pid = int(subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True,
                                        text=True).stdout.split()[0])
        yield base, worker_pid
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        log.close()


def peak_rss_mb(pid):
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmHWM")).split()[1]) // 1024


def fetch(url, cookie):
    req = urllib.request.Request(url, headers={"Cookie": f"sessionid={cookie}"})
    started = time.perf_counter()
    with urllib.request.urlopen(req, timeout=120) as resp:
        body = resp.read()
        status = resp.status
    elapsed = time.perf_counter() - started
    if status != 200:
        raise RuntimeError(f"{url} answered {status}")
    return elapsed, len(body)


def measure(base, cases, rounds):
    """Interleave every case with the baseline, round after round."""
    timings = {name: [] for name in cases}
    sizes = {}
    for _ in range(rounds):
        for name, (path, cookie) in cases.items():
            t, size = fetch(base + path, cookie)
            timings[name].append(t)
            sizes[name] = size
    return timings, sizes


def percentile(samples, q):
    samples = sorted(samples)
    return samples[min(len(samples) - 1, int(len(samples) * q))]


def summary(samples):
    return {"median_ms": statistics.median(samples) * 1000, "p95_ms": percentile(samples, 0.95) * 1000,
            "n": len(samples)}


def page_stats(timings, sizes):
    stats = {name: summary(t) for name, t in timings.items()}
    floor = stats["baseline"]["median_ms"]
    for name, s in stats.items():
        s["ratio_to_baseline"] = round(s["median_ms"] / floor, 2)
        s["bytes"] = sizes[name]
    return stats


def write_result(prefix, report):
    RESULTS.mkdir(exist_ok=True)
    out_file = RESULTS / f"{prefix}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out_file.write_text(json.dumps(report, ensure_ascii=False, indent=2))
    return out_file
