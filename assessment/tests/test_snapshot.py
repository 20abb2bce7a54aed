"""A large subtree's ranking page reads a snapshot: the same rows as the live ranking, when it was computed, a
recomputation queued once when records change (not when someone logs in), and the new figures after the worker."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from assessment import selectors, services
from assessment.models import Code, RankingSnapshot
from core.testing import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def snapshots(settings):
    settings.RANKING_LIVE_GROUPS = 0  # every subtree is "large" here
    settings.RANKING_MAX_AGE = 3600


def queued():
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(task_path__endswith="refresh_ranking").count()


def page(client, unit, **params):
    return client.get(reverse("assessment:ranking", args=[unit.pk]), params).content.decode()


def test_the_snapshot_holds_the_live_ranking_row_for_row(world, snapshots):
    year = timezone.localdate().year
    live = selectors.ranking(world.city, year)
    board = selectors.board(world.city, year, per_page=1000)
    assert board.computed_at is not None and not board.refreshing
    assert board.count == len(live.rows) >= 2
    for row, entry in zip(live.rows, board.page.object_list, strict=True):
        assert (entry.gid, entry.rank, entry.total, entry.band) == (row.gid, row.rank, row.total, row.band)
        assert [(c.code, c.points, c.weight, c.fact) for c in entry.contributions] == \
               [(c.code, c.points, c.weight, c.fact) for c in row.contributions]
    assert board.advanced_count == len(live.advanced) and board.backward_count == len(live.backward)


@pytest.mark.django_db(transaction=True)  # the worker opens its own exclusive transactions
def test_a_record_written_after_the_snapshot_queues_one_recomputation_and_the_worker_brings_it_in(
        client, world, snapshots):
    year = timezone.localdate().year
    c = login(client, world.city_supervisor)
    first = page(c, world.city, year=year)
    assert 'data-testid="computed-at"' in first and "正在后台重新计算" not in first
    assert RankingSnapshot.objects.count() == 1 and queued() == 0
    before = next(e for e in selectors.board(world.city, year, per_page=1000).page.object_list
                  if e.gid == world.group_a.pk)

    # Logging in again, or exporting, changes no record: the snapshot stays current.
    login(client, world.city_supervisor)
    assert "正在后台重新计算" not in page(c, world.city, year=year) and queued() == 0

    # The city supervisor enters a 专题督查 result for one group: the page keeps the old figures, says so, and
    # queues one recomputation however often it is looked at meanwhile.
    system = services.system_create(unit=world.city, year=year, by=world.city_supervisor)
    inspection = system.indicators.get(code=Code.INSPECTION)
    services.manual_score_set(indicator=inspection, group=world.group_a, percent="100", note="台账齐全",
                              by=world.city_supervisor)
    second = page(c, world.city, year=year)
    page(c, world.city, year=year)
    assert "正在后台重新计算" in second and queued() == 1

    call_command("db_worker", "--batch", "--interval", "0", "--no-startup-delay", verbosity=0)
    after = next(e for e in selectors.board(world.city, year, per_page=1000).page.object_list
                 if e.gid == world.group_a.pk)
    assert after.total == before.total + Decimal(5)  # the inspection's full weight
    assert "台账齐全" in {c.code: c for c in after.contributions}[Code.INSPECTION].fact
    assert "正在后台重新计算" not in page(c, world.city, year=year)


def test_a_new_day_or_an_old_snapshot_is_stale_and_a_current_one_is_not(world, snapshots, settings):
    year = timezone.localdate().year
    snap = services.ranking_refresh(unit=world.city, year=year)
    today, now = timezone.localdate(), timezone.now()
    assert not selectors.stale(snap, today, now)
    assert selectors.stale(snap, today + dt.timedelta(days=1), now)  # a quarter may have finished
    assert selectors.stale(snap, today, now + dt.timedelta(seconds=settings.RANKING_MAX_AGE + 1))


def test_a_worker_that_never_came_is_asked_again_later_but_not_at_once(world, snapshots):
    year = timezone.localdate().year
    snap = services.ranking_refresh(unit=world.city, year=year)
    assert services.ranking_request_refresh(snap) is True
    assert services.ranking_request_refresh(snap) is False
    RankingSnapshot.objects.filter(pk=snap.pk).update(
        refresh_requested_at=timezone.now() - services.REFRESH_RETRY - dt.timedelta(seconds=1))
    assert services.ranking_request_refresh(snap) is True


@pytest.mark.parametrize("live", [True, False])
def test_a_typed_note_in_the_breakdown_is_escaped_live_and_from_the_snapshot(client, world, settings, live):
    settings.RANKING_LIVE_GROUPS = 10_000 if live else 0
    year = timezone.localdate().year
    system = services.system_create(unit=world.city, year=year, by=world.city_supervisor)
    services.manual_score_set(indicator=system.indicators.get(code=Code.INSPECTION), group=world.group_a,
                              percent="50", note='<script>alert("x")</script>', by=world.city_supervisor)
    html = page(login(client, world.city_supervisor), world.city, year=year)
    assert '<script>alert("x")' not in html
    assert "：&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "2.5 / 5" in html  # points with one decimal, a whole weight without


def test_the_export_of_a_large_subtree_lists_every_row_of_the_snapshot_the_page_shows(client, world, snapshots):
    import io

    from openpyxl import load_workbook

    year = timezone.localdate().year
    snap = services.ranking_refresh(unit=world.city, year=year)
    response = login(client, world.city_supervisor).get(reverse("assessment:ranking_export", args=[world.city.pk]),
                                                        {"year": year})
    book = load_workbook(io.BytesIO(response.content))
    values = [[c.value for c in row] for row in book.worksheets[0].iter_rows()]
    names = [r[1] for r in values if isinstance(r[0], int)]
    assert names == list(snap.entries.order_by("rank").values_list("name", flat=True))
    assert "排名计算于" in book["填写说明"]["A1"].value
