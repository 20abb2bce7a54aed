"""A threshold changed in the settings after texts were checked: what is shown follows it at once, and what
a lower threshold would add is marked stale until a re-check (page, command) brings it up to date."""

import datetime as dt
import random

import pytest
from django.core.management import call_command
from django.urls import reverse

from integrity import reuse
from integrity.models import ReuseMatch, ReuseText
from integrity.selectors import scope_matches, scope_stale_count
from integrity.tests.corpus import honest
from integrity.tests.factories import member
from meetings.tests.factories import make_session
from writings import services

pytestmark = pytest.mark.django_db


def essay(seed):
    return honest(random.Random(seed), "x", "江城区解放街道").text


def write(world, user, text, *, day):
    return services.writing_create(person=user.person, group=world.group_a, kind="reflection", title="学习心得",
                                   text=text, day=day, session=make_session(world), submit=True, by=user)


def report_of(w):
    return reuse.report_for(w, "writing")


def test_a_raised_threshold_hides_lower_matches_at_once_and_lowering_it_back_shows_them(world, settings, as_user):
    write(world, world.member_a, essay(31), day=dt.date(2026, 3, 1))
    copy = write(world, member(world, "李委员"), essay(31), day=dt.date(2026, 4, 1))
    m = ReuseMatch.objects.get()
    assert report_of(copy).flagged and not report_of(copy).stale
    assert ReuseText.objects.get(pk=m.suspect_id).checked_threshold == reuse.threshold("writing")

    settings.INTEGRITY_REUSE_THRESHOLDS = {"writing": m.score + 0.01}
    report = report_of(copy)
    assert not report.matches and report.stale  # hidden, and the text says it was checked under another
    assert not scope_matches(world.city, 2026)
    assert as_user(world.supervisor_a).get("/api/integrity/matches/").json()["count"] == 0
    page = as_user(world.secretary_a).get(reverse("writings:detail", args=[copy.pk])).content.decode()
    assert 'data-testid="reuse-stale"' in page and "结果待复查" in page and "本篇在后" not in page
    assert ReuseMatch.objects.filter(pk=m.pk).exists()  # kept: nothing is deleted by a setting

    settings.INTEGRITY_REUSE_THRESHOLDS = {}
    assert report_of(copy).flagged and not report_of(copy).stale
    assert as_user(world.supervisor_a).get("/api/integrity/matches/").json()["count"] == 1


def test_a_lowered_threshold_marks_texts_stale_until_the_supervisor_rechecks_them(world, settings, as_user):
    settings.INTEGRITY_REUSE_THRESHOLDS = {"writing": 1.01}  # nothing reaches it: no match is stored
    write(world, world.member_a, essay(32), day=dt.date(2026, 3, 1))
    write(world, member(world, "李委员"), essay(32), day=dt.date(2026, 4, 1))
    write(world, member(world, "周委员"), essay(33), day=dt.date(2026, 4, 2))
    assert not ReuseMatch.objects.exists() and scope_stale_count(world.city, 2026) == 0

    settings.INTEGRITY_REUSE_THRESHOLDS = {}
    assert scope_stale_count(world.city, 2026) == 3
    client = as_user(world.city_supervisor)
    page = client.get(reverse("integrity:reuse_recheck")).content.decode()
    assert 'data-testid="stale-count"' in page and "只复查按旧阈值比对的 3 篇" in page
    assert "学习心得 3 篇：比对时阈值 1.01，现行 0.55（需复查才能发现新达到阈值的重复）" in page
    response = client.post(reverse("integrity:reuse_recheck"), {"unit": world.city.pk, "year": 2026, "stale": "1"})
    body = response.content.decode()
    assert response.status_code == 200 and "已复查 3 篇文本" in body and "发现 1 处重复" in body
    assert 'data-testid="stale-count"' not in body and scope_stale_count(world.city, 2026) == 0
    assert ReuseMatch.objects.count() == 1


def test_the_command_rechecks_only_the_stale_texts(world, settings, capsys):
    write(world, world.member_a, essay(34), day=dt.date(2026, 3, 1))
    settings.INTEGRITY_REUSE_THRESHOLDS = {"writing": 0.9}
    write(world, member(world, "李委员"), essay(35), day=dt.date(2026, 4, 1))  # checked under 0.9
    call_command("integrity_recheck", "--stale")
    assert "已复查 1 篇文本" in capsys.readouterr().out  # only the one checked under 0.55
    assert not reuse.stale_texts().exists()
    call_command("integrity_recheck", "--stale")
    assert "已复查 0 篇文本" in capsys.readouterr().out


def test_a_raised_plan_threshold_hides_its_copy_flags_on_the_plan_pages(world, settings, as_user):
    from plans.models import CopyFlag
    from plans.tests.test_copycheck import OWN_NOTES, plan_a, submitted

    year = world.today.year
    submitted(world, world.group_b, world.secretary_b, year - 1, plan_a(world, year - 1, "东湖区湖滨街道"), OWN_NOTES)
    copy = submitted(world, world.group_a, world.secretary_a, year, plan_a(world, year), OWN_NOTES)
    flag = CopyFlag.objects.get(plan=copy)

    def shown():
        page = as_user(world.leader_a).get(reverse("plans:plan", args=[copy.pk])).content.decode()
        sup = as_user(world.supervisor_b).get(reverse("plans:supervise")).context["s"]
        return "疑似照搬照抄" in page, [f.id for f in sup.flags]

    assert shown() == (True, [flag.id])
    settings.INTEGRITY_REUSE_THRESHOLDS = {"plan": flag.similarity + 0.01}
    assert shown() == (False, [])


def test_thresholds_come_from_the_environment_and_a_wrong_one_is_named(monkeypatch, settings):
    from django.core.checks import run_checks

    from config.settings import env_thresholds

    monkeypatch.setenv("INTEGRITY_REUSE_THRESHOLDS", "writing=0.5， plan = 0.45")
    assert env_thresholds("INTEGRITY_REUSE_THRESHOLDS") == {"writing": 0.5, "plan": 0.45}
    monkeypatch.setenv("PLAN_COPY_THRESHOLD", "0.6")  # the earlier name, one number for plans
    assert env_thresholds("PLAN_COPY_THRESHOLD", kind="plan") == {"plan": 0.6}
    for wrong in ("writing=abc", "writing=1.5", "=0.5", "writing"):
        monkeypatch.setenv("INTEGRITY_REUSE_THRESHOLDS", wrong)
        with pytest.raises(RuntimeError, match="不正确"):
            env_thresholds("INTEGRITY_REUSE_THRESHOLDS")
    settings.INTEGRITY_REUSE_THRESHOLDS = {"writing": 0.5, "心得": 0.4}
    [error] = [e for e in run_checks() if e.id == "integrity.E001"]
    assert "“心得”不存在" in error.msg and "writing" in error.hint


def test_a_recheck_brings_a_session_records_signals_in_line_with_the_threshold(world, settings):
    """Copied minutes checked under a threshold that missed them: the re-check raises the signal on the later
    session; after the threshold is raised above the pair, the next re-check takes the unexplained signal back."""
    from integrity.models import IntegritySignal, SignalKind

    from .factories import MINUTES_A, scheduled_in_time, with_minutes

    settings.INTEGRITY_REUSE_THRESHOLDS = {"minutes": 1.01}
    earlier = scheduled_in_time(world, days=40)
    with_minutes(world, earlier, MINUTES_A)
    later = scheduled_in_time(world, days=2, group=world.group_b, by=world.secretary_b)
    with_minutes(world, later, MINUTES_A.replace("赵书记", "湖滨街道党工委书记"), by=world.secretary_b)
    signals = IntegritySignal.objects.filter(kind=SignalKind.TEXT_REUSE)
    assert not signals.exists()

    settings.INTEGRITY_REUSE_THRESHOLDS = {}
    call_command("integrity_recheck", "--stale")
    [signal] = signals.all()
    assert signal.session == later and signal.facts["source"]["session"] == earlier.pk

    settings.INTEGRITY_REUSE_THRESHOLDS = {"minutes": signal.facts["score"] + 0.01}
    call_command("integrity_recheck", "--stale")
    assert not signals.exists()


@pytest.mark.django_db(transaction=True)  # the task is queued on commit and the worker runs it
def test_a_large_scope_is_rechecked_by_the_task_worker_with_its_progress_on_the_page(world, settings, as_user):
    from integrity.models import RecheckStatus, ReuseRecheck

    settings.INTEGRITY_RECHECK_INLINE = 2
    write(world, world.member_a, essay(36), day=dt.date(2026, 3, 1))
    write(world, member(world, "李委员"), essay(36), day=dt.date(2026, 4, 1))
    write(world, member(world, "周委员"), essay(37), day=dt.date(2026, 4, 2))
    ReuseMatch.objects.all().delete()  # as if indexed before the engine: only a re-check finds the pair
    client = as_user(world.city_supervisor)
    response = client.post(reverse("integrity:reuse_recheck"), {"unit": world.city.pk, "year": 2026})
    assert response.status_code == 302 and "unit=" in response["Location"]
    again = client.post(reverse("integrity:reuse_recheck"), {"unit": world.city.pk, "year": 2026})
    assert again.status_code == 302 and ReuseRecheck.objects.count() == 1  # a second click joins the first
    run = ReuseRecheck.objects.get()
    assert run.status == RecheckStatus.PENDING and run.total == 3
    page = client.get(response["Location"]).content.decode()
    assert "复查在后台进行" in page and 'data-testid="recheck-run"' in page and "every 3s" in page

    call_command("db_worker", "--batch", "--interval", "0", "--no-startup-delay", verbosity=0)
    run.refresh_from_db()
    assert (run.status, run.done, run.matches) == (RecheckStatus.DONE, 3, 1)
    fragment = client.get(reverse("integrity:reuse_recheck_status", args=[run.pk])).content.decode()
    assert "已复查 3 篇文本" in fragment and "发现 1 处重复" in fragment and "every 3s" not in fragment
    assert ReuseMatch.objects.count() == 1
    assert as_user(world.supervisor_b).get(reverse("integrity:reuse_recheck_status", args=[run.pk])).status_code == 404


def test_a_recheck_whose_worker_stopped_is_started_again_not_joined_for_ever(world, settings):
    from django.utils import timezone

    from integrity import services as integrity_services
    from integrity.models import RecheckStatus, ReuseRecheck

    settings.INTEGRITY_RECHECK_INLINE = 0
    write(world, world.member_a, essay(38), day=dt.date(2026, 3, 1))
    _, first = integrity_services.reuse_recheck_request(unit=world.city, year=2026, by=world.city_supervisor)
    _, joined = integrity_services.reuse_recheck_request(unit=world.city, year=2026, by=world.city_supervisor)
    assert joined.pk == first.pk
    ReuseRecheck.objects.filter(pk=first.pk).update(
        status=RecheckStatus.RUNNING, beat_at=timezone.now() - dt.timedelta(minutes=11))  # its worker died
    _, second = integrity_services.reuse_recheck_request(unit=world.city, year=2026, by=world.city_supervisor)
    first.refresh_from_db()
    assert second.pk != first.pk and second.status == RecheckStatus.PENDING
    assert first.status == RecheckStatus.FAILED and "中断" in first.error


def test_a_background_recheck_that_fails_keeps_what_it_checked_and_says_it_failed(world, settings, monkeypatch):
    """Each text's result commits with it (a run of hours holds no lock for its length), so a failure on the
    third text keeps the first two's results, and the run reads 失败 with the reason."""
    from integrity import services as integrity_services
    from integrity.models import RecheckStatus

    settings.INTEGRITY_RECHECK_INLINE = 0
    write(world, world.member_a, essay(39), day=dt.date(2026, 3, 1))
    write(world, member(world, "李委员"), essay(39), day=dt.date(2026, 4, 1))
    last = write(world, member(world, "周委员"), essay(40), day=dt.date(2026, 4, 2))
    ReuseMatch.objects.all().delete()
    _, run = integrity_services.reuse_recheck_request(unit=world.city, year=2026, by=world.city_supervisor)
    real_check = reuse.check

    def failing(row, **kw):
        if row.object_id == last.pk:
            raise RuntimeError("磁盘已满")
        return real_check(row, **kw)

    monkeypatch.setattr(reuse, "check", failing)
    with pytest.raises(RuntimeError):
        integrity_services.recheck_run(run.pk)
    run.refresh_from_db()
    assert run.status == RecheckStatus.FAILED and "磁盘已满" in run.error
    assert ReuseMatch.objects.count() == 1  # the pair checked before the failure stays found
