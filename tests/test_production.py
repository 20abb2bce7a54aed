"""The production pass: the site as an operator runs it, not as the test client sees it.

`collectstatic` with the manifest storage into a temporary STATIC_ROOT, then gunicorn with DJANGO_DEBUG=0 and
config/gunicorn.conf.py on a loopback port, with requests carrying the header the TLS-terminating proxy adds
(X-Forwarded-Proto: https). Every persona logs in through the real form (the 三员 with a TOTP code too) and
opens a page; a static file is fetched by its hashed name. All answer 200 and carry the CSP header.

It is a pytest module rather than a shell step so that it runs in both passes of `./dev test` (SQLite, then
the throwaway PostgreSQL cluster, where it makes and drops a database of its own) and reports like every
other test. It talks to subprocesses only, so it needs no pytest-django database.
"""

import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest

ROOT = Path(__file__).resolve().parents[1]
HOST = "study.example.test"
PASSWORD = "Test#Pass2026"  # core.testing.PASSWORD, the personas' password
PERSONA_PAGES = {
    "secretary_a": "/groups/{group_a}/",
    "leader_a": "/plans/",
    "member_a": "/meetings/",
    "secretary_b": "/meetings/",
    "supervisor_a": "/units/",
    "supervisor_b": "/plans/supervise/",
    "city_supervisor": "/plans/supervise/",
    "observer": "/meetings/",
    "outsider": "/",
    "sysadmin": "/accounts/users/",
    "secadmin": "/accounts/security/",
    "auditadmin": "/audit/",
}
ADMINS = ("sysadmin", "secadmin", "auditadmin")

# Run in the production pass's own database: the personas, and a confirmed TOTP secret for each of the 三员
# (printed so that this test can compute codes as an authenticator app would).
SEED = f"""
import json
ADMINS = {ADMINS!r}
from accounts import services
from core.testing import build_world
w = build_world()
secrets = {{}}
for name in ADMINS:
    user = w.user(name)
    begun = services.totp_begin(user=user)
    if isinstance(begun, str):  # the secret kept on the account
        user.totp_confirmed = True
        user.save(update_fields=["totp_confirmed"])
        secrets[name] = begun
    else:  # a django-otp TOTPDevice
        begun.confirmed = True
        begun.save(update_fields=["confirmed"])
        secrets[name] = services.totp_secret(begun)
# A plan with a topic and a submitted 心得: their pages are among those that must not load numpy or python-docx.
from plans.tests.factories import approved_plan, topic
from writings import services as writings
plan = approved_plan(w, topics=[topic("学习党的创新理论", month=1)])
writing = writings.writing_create(person=w.member_a.person, group=w.group_a, kind="reflection", by=w.member_a,
                                  title="学习心得", text="认真学习党的创新理论，结合本单位实际抓好落实。" * 5, submit=True,
                                  plan_topic=plan.topics.first())
lean_pages = [f"/plans/{{plan.pk}}/", f"/writings/{{writing.pk}}/"]
print("SEED" + json.dumps({{"group_a": w.group_a.pk, "totp": secrets, "lean_pages": lean_pages}}))
"""


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Database:
    """A database of its own: a SQLite file, or a fresh PostgreSQL database beside the test cluster's."""

    def __init__(self, tmp_path):
        self.url = os.environ.get("DATABASE_URL", "")
        self.pg = self.url.startswith(("postgres://", "postgresql://"))
        if self.pg:
            self.name = f"prodpass_{os.getpid()}_{secrets.token_hex(3)}"
            self._admin("CREATE DATABASE {}")
            self.url = self.url.rsplit("/", 1)[0] + "/" + self.name
        else:
            self.url = f"sqlite:///{tmp_path / 'prod.sqlite3'}"

    def _admin(self, sql):
        import psycopg

        with psycopg.connect(os.environ["DATABASE_URL"].replace("postgres://", "postgresql://"), autocommit=True) as c:
            c.execute(sql.format(self.name))

    def drop(self):
        if self.pg:
            self._admin("DROP DATABASE IF EXISTS {} WITH (FORCE)")


class _Browser:
    """Just enough of a browser over http.client: cookies, CSRF token, and the proxy's headers."""

    def __init__(self, port):
        self.port = port
        self.cookies = {}

    def request(self, method, path, form=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Host": HOST, "X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"https://{HOST}{path}"  # Django checks it on HTTPS posts
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        content = response.read()
        for value in response.headers.get_all("Set-Cookie") or []:
            for key, morsel in SimpleCookie(value).items():
                self.cookies[key] = morsel.value
        conn.close()
        return response, content.decode("utf-8", "replace")

    def get(self, path, follow=True):
        """GET like a person's browser: follow the site's own redirects (a menu entry that leads on)."""
        response, content = self.request("GET", path)
        for _ in range(3):
            if not follow or response.status not in (301, 302) or not response.headers["Location"].startswith("/"):
                break
            response, content = self.request("GET", response.headers["Location"])
        return response, content

    def post_form(self, path, fields):
        _, page = self.get(path, follow=False)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        return self.request("POST", path, {"csrfmiddlewaretoken": token, **fields})


def _run(args, env, timeout=120):
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=timeout)
    assert result.returncode == 0, f"manage.py {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def _wait_until_listening(port, process, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, "gunicorn stopped:\n" + process.stdout.read()
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise AssertionError("gunicorn did not start listening")


@pytest.fixture(scope="module")
def production_site(tmp_path_factory):
    import pyotp  # noqa: F401  (fail early and clearly if the OTP library is missing)

    tmp = tmp_path_factory.mktemp("production")
    db = _Database(tmp)
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST", "SQLITE_TEST"))}
    base.update(DATABASE_URL=db.url, DJANGO_STATIC_ROOT=str(tmp / "static"), DJANGO_MEDIA_ROOT=str(tmp / "media"),
                DJANGO_SECRET_KEY="prod-pass-" + secrets.token_hex(32), DJANGO_ALLOWED_HOSTS=HOST,
                FIELD_ENCRYPTION_KEY=secrets.token_hex(16), DJANGO_LOG_LEVEL="WARNING",
                AUDIT_HMAC_KEY=secrets.token_hex(32), AUDIT_HEAD_FILE=str(tmp / "audit-heads.log"),
                PAGE_CACHE_DIR=str(tmp / "pages"))
    # The demo world is made explicitly, in development mode, into this pass's own database only.
    dev_env = {**base, "DJANGO_DEBUG": "1"}
    prod_env = {**base, "DJANGO_DEBUG": "0"}
    started = time.monotonic()
    # collectstatic needs no database: it runs while the database is built.
    collect = subprocess.Popen([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT,
                               env=prod_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    _run(["migrate", "--noinput", "-v0"], dev_env)
    seeded = _run(["shell", "-c", SEED], dev_env)
    facts = json.loads(seeded.split("SEED", 1)[1])
    output, _ = collect.communicate(timeout=180)
    assert collect.returncode == 0, f"collectstatic failed:\n{output}"
    port = _free_port()
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "-c", "config/gunicorn.conf.py", "config.wsgi"],
        cwd=ROOT, env={**prod_env, "HOST": "127.0.0.1", "PORT": str(port), "GUNICORN_ACCESS_LOG": "/dev/null"},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        _wait_until_listening(port, process)
        print(f"production site ready in {time.monotonic() - started:.1f} s")
        facts["server_pid"] = process.pid
        facts["page_cache_dir"] = tmp / "pages"
        yield port, facts
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        db.drop()
        shutil.rmtree(tmp, ignore_errors=True)


def _assert_served(response, content, what):
    assert response.status == 200, f"{what}: {response.status}\n{content[:2000]}"
    policy = response.headers.get("Content-Security-Policy", "")
    assert "script-src 'self'" in policy, f"{what}: no CSP header"


def test_the_log_in_page_is_served_with_its_policy(production_site):
    port, _ = production_site
    response, page = _Browser(port).get("/accounts/login/")
    _assert_served(response, page, "login page")
    assert "登录" in page
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_a_plain_http_request_is_sent_to_https(production_site):
    port, _ = production_site
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/accounts/login/", headers={"Host": HOST})
    response = conn.getresponse()
    assert response.status == 301 and response.headers["Location"].startswith("https://")


def test_a_static_file_is_served_by_its_hashed_name(production_site):
    port, _ = production_site
    browser = _Browser(port)
    _, page = browser.get("/accounts/login/")
    css = re.search(r'href="(/static/vendor/bootstrap/bootstrap\.min\.[0-9a-f]{12}\.css)"', page).group(1)
    response, content = browser.get(css)
    assert response.status == 200 and "Bootstrap" in content
    assert "max-age=315360000" in response.headers["Cache-Control"]  # immutable: the name changes with the file


def test_an_unknown_page_is_a_404_page_not_a_500(production_site):
    port, _ = production_site
    response, page = _Browser(port).get("/no-such-page/")
    assert response.status == 404 and "没有找到" in page


@pytest.mark.parametrize("persona", list(PERSONA_PAGES))
def test_each_persona_logs_in_and_opens_a_page(production_site, persona):
    port, facts = production_site
    browser = _Browser(port)
    response, page = browser.post_form("/accounts/login/", {"username": persona, "password": PASSWORD})
    assert response.status == 302, f"{persona} log-in: {response.status}\n{page[:2000]}"
    if persona in ADMINS:
        assert response.headers["Location"].endswith("/accounts/otp/")
        code = pyotp_now(facts["totp"][persona])
        response, page = browser.post_form("/accounts/otp/", {"code": code})
        assert response.status == 302, f"{persona} TOTP: {response.status}\n{page[:2000]}"
    response, page = browser.get("/")
    _assert_served(response, page, f"{persona} 工作台")
    url = PERSONA_PAGES[persona].format(group_a=facts["group_a"])
    response, page = browser.get(url)
    _assert_served(response, page, f"{persona} {url}")


def test_a_page_kept_by_one_worker_is_kept_for_all(production_site):
    """Kept pages are files every gunicorn worker reads (core/pagestore.py). Each request here opens a connection of
    its own, so it falls to either worker: kept in one worker's memory, most of these asks would be worked out."""
    port, facts = production_site
    browser = _Browser(port)
    response, page = browser.post_form("/accounts/login/", {"username": "secretary_a", "password": PASSWORD})
    assert response.status == 302, page[:2000]
    first, _ = browser.get("/")
    assert first.status == 200 and first.headers.get("X-Page-Cache") is None  # worked out, and kept
    answers = [browser.get("/")[0].headers.get("X-Page-Cache") for _ in range(6)]
    assert answers == ["hit"] * 6
    kept = list(facts["page_cache_dir"].glob("*.djcache"))
    assert kept and all(f.stat().st_mode & 0o777 == 0o600 for f in kept)


def test_the_web_processes_load_no_document_or_numeric_library(production_site):
    """Lean workers (issue 10): numpy (the reuse engine), lxml (python-docx) and openpyxl load only where a
    text is checked or a file is made. After the pages a secretary and a supervisor open, no gunicorn process
    has their compiled libraries mapped (every pure-Python import would not show in /proc, these do)."""
    port, facts = production_site
    for persona in ("secretary_a", "city_supervisor"):
        browser = _Browser(port)
        browser.post_form("/accounts/login/", {"username": persona, "password": PASSWORD})
        for url in ("/", PERSONA_PAGES[persona].format(group_a=facts["group_a"]), "/meetings/", "/writings/",
                    "/materials/", *facts["lean_pages"]):
            response, page = browser.get(url)
            _assert_served(response, page, f"{persona} {url}")
    master = facts["server_pid"]
    children = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout.split()
    assert children, "no gunicorn worker found"
    for pid in [master, *map(int, children)]:
        maps = Path(f"/proc/{pid}/maps").read_text()
        loaded = sorted({lib for lib in ("numpy", "lxml", "openpyxl", "scipy") if f"/{lib}/" in maps})
        assert not loaded, f"process {pid} has {loaded} loaded"


def pyotp_now(secret):
    import pyotp

    return pyotp.TOTP(secret).now()


@pytest.mark.parametrize(("debug", "kept"), [("0", 60), ("1", 0)])
def test_production_keeps_database_connections_between_requests(debug, kept):
    """A new connection costs more than most pages' queries (≈7 ms on SQLite); production keeps them for 60 s with
    health checks, development (a thread per request, nothing to reuse) opens one per request."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DB_CONN"))}
    env.update(DJANGO_DEBUG=debug, DJANGO_SECRET_KEY="prod-pass-" + "k" * 50, AUDIT_HMAC_KEY="a" * 64)
    code = "from django.conf import settings as s; d = s.DATABASES['default']; print(d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'])"
    assert _run(["shell", "--no-imports", "-c", code], env).split() == [str(kept), "True"]
