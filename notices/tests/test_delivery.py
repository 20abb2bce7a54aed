"""E-mail and group-bot copies of notices leave the request: the task worker sends them, retries, records.

The worker is the real one (`manage.py db_worker --batch`, django-tasks' database backend) and the group bot
is a real HTTP server on loopback that can be told to fail.
"""

import datetime as dt
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from meetings.tests.factories import next_week
from notices.models import Delivery, Status
from notices.tasks import MAX_ATTEMPTS

pytestmark = pytest.mark.django_db(transaction=True)  # the worker opens its own exclusive transactions


@pytest.fixture
def bot(settings):
    """A group bot on 127.0.0.1 that records what it gets and answers 500 while `failing` is set."""
    state = {"received": [], "failing": False, "delay": 0}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - the http.server API
            body = self.rfile.read(int(self.headers["Content-Length"]))
            time.sleep(state["delay"])
            state["received"].append(json.loads(body))
            self.send_response(500 if state["failing"] else 200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.MEETINGS_WEBHOOK_URL = f"http://127.0.0.1:{server.server_address[1]}/robot/send?access_token=secret"
    yield state
    server.shutdown()


def run_worker():
    call_command("db_worker", "--batch", "--interval", "0", "--no-startup-delay", verbosity=0)


def make_retries_due():
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now() - dt.timedelta(seconds=1))


def test_scheduling_a_session_does_not_wait_for_the_bot(world, bot):
    bot["delay"] = 3  # a slow bot: the request used to wait for it (up to 5 s)
    next_week(world)
    # Had the request called the bot, it would have waited for its answer, and the bot records before answering.
    assert bot["received"] == []
    delivery = Delivery.objects.get()
    assert delivery.status == Status.PENDING and delivery.target == "127.0.0.1" and "secret" not in delivery.target
    bot["delay"] = 0
    run_worker()
    assert [m["text"]["content"] for m in bot["received"]] == [delivery.text]
    delivery.refresh_from_db()
    assert delivery.status == Status.SENT and delivery.attempts == 1 and delivery.sent_at is not None


def test_a_failing_bot_is_retried_and_then_given_up_with_the_reason(world, bot):
    bot["failing"] = True
    next_week(world)
    run_worker()
    delivery = Delivery.objects.get()
    assert delivery.status == Status.RETRYING and delivery.attempts == 1
    assert "500" in delivery.last_error and delivery.next_try_at > timezone.now()
    run_worker()  # the retry is not due yet: nothing happens
    assert len(bot["received"]) == 1
    for _ in range(MAX_ATTEMPTS - 1):
        make_retries_due()
        run_worker()
    delivery.refresh_from_db()
    assert delivery.status == Status.FAILED and delivery.attempts == MAX_ATTEMPTS
    assert len(bot["received"]) == MAX_ATTEMPTS
    make_retries_due()
    run_worker()
    assert len(bot["received"]) == MAX_ATTEMPTS  # given up means no more tries


def test_a_bot_that_comes_back_gets_the_notice_on_the_next_try(world, bot):
    bot["failing"] = True
    next_week(world)
    run_worker()
    bot["failing"] = False
    make_retries_due()
    run_worker()
    delivery = Delivery.objects.get()
    assert delivery.status == Status.SENT and delivery.attempts == 2


def test_email_copies_are_sent_by_the_worker(world, settings, mailoutbox):
    settings.MEETINGS_EMAIL_NOTICES = True
    world.member_a.email = "qian@example.gov.cn"
    world.member_a.save()
    next_week(world)
    assert mailoutbox == []  # not inside the request
    run_worker()
    assert [m.to for m in mailoutbox] == [["qian@example.gov.cn"]]
    assert Delivery.objects.get().status == Status.SENT


def test_a_rolled_back_action_queues_nothing(world, bot):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        next_week(world)
        raise RuntimeError("the action failed after the notice was written")
    assert not Delivery.objects.exists() and not DBTaskResult.objects.exists()


def test_the_delivery_log_shows_each_group_its_own_and_the_sysadmin_no_text(world, bot, as_user):
    from meetings.tests.factories import make_session

    next_week(world)
    make_session(world, group=world.group_b, by=world.secretary_b, title="湖滨街道专题学习",
                 start=timezone.now() + dt.timedelta(days=3))
    run_worker()
    page = as_user(world.secretary_a).get("/notices/deliveries/").content.decode()
    assert "学习贯彻党的二十届四中全会精神" in page and "湖滨街道专题学习" not in page and "已送达" in page
    page = as_user(world.sysadmin).get("/notices/deliveries/").content.decode()
    assert page.count("已送达") >= 2 and "湖滨街道专题学习" not in page and "四中全会" not in page
    assert "secret" not in page  # the bot's access token is never shown
    for persona in (world.member_a, world.outsider, world.auditadmin):
        assert as_user(persona).get("/notices/deliveries/").status_code == 404
