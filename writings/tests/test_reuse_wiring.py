"""Writings go through the one text-reuse engine: a copied 心得 is flagged to those who act on it, by date."""

import datetime as dt
import random

import pytest
from django.core.management import call_command
from django.urls import reverse

from integrity import reuse
from integrity.models import ReuseMatch, ReuseText
from integrity.tests.corpus import honest
from integrity.tests.factories import member
from meetings.tests.factories import make_session
from writings import services
from writings.models import Writing

pytestmark = pytest.mark.django_db


def essay(seed):
    return honest(random.Random(seed), "x", "江城区解放街道").text


def write(world, user, text, *, day, submit=True, session=None):
    return services.writing_create(person=user.person, group=world.group_a, kind="reflection", title="学习心得",
                                   text=text, day=day, session=session or make_session(world), submit=submit,
                                   by=user)


def row_of(writing):
    return ReuseText.objects.get(object_id=writing.pk, kind="writing",
                                 content_type__app_label="writings")


def test_a_submitted_copy_of_another_members_writing_is_flagged_as_the_later_one(world):
    first = write(world, world.member_a, essay(1), day=dt.date(2026, 3, 1))
    copier = member(world, "李委员")
    second = write(world, copier, essay(1), day=dt.date(2026, 4, 1))
    m = ReuseMatch.objects.get()
    assert (m.source, m.suspect) == (row_of(first), row_of(second)) and not m.self_reuse


def test_the_writing_date_not_the_order_of_submission_decides_who_is_flagged(world):
    """The copier submits first but backdates nothing; the original, written earlier, is submitted later."""
    copier = member(world, "李委员")
    copy = write(world, copier, essay(2), day=dt.date(2026, 5, 10))
    original = write(world, world.member_a, essay(2), day=dt.date(2026, 2, 1))
    m = ReuseMatch.objects.get()
    assert m.suspect == row_of(copy) and m.source == row_of(original)


def test_drafts_never_count_and_own_versions_never_match(world):
    draft = write(world, world.member_a, essay(3), day=dt.date(2026, 3, 1), submit=False)
    assert row_of(draft).is_draft
    copier = member(world, "李委员")
    write(world, copier, essay(3), day=dt.date(2026, 4, 1))
    assert not ReuseMatch.objects.exists()  # a draft is nobody's source
    services.writing_update(writing=draft, text=essay(3) + "今后要学以致用。", by=world.member_a, submit=True)
    assert ReuseMatch.objects.count() == 1  # once submitted it counts, and it is the earlier one
    assert ReuseMatch.objects.get().source == row_of(draft)
    assert ReuseText.objects.filter(object_id=draft.pk, content_type__app_label="writings").count() == 1


def test_own_writing_of_an_earlier_year_counts_labelled_as_self_reuse(world):
    write(world, world.member_a, essay(4), day=dt.date(2025, 6, 1))
    write(world, world.member_a, essay(4), day=dt.date(2026, 6, 1))
    assert ReuseMatch.objects.get().self_reuse


def test_the_secretary_sees_both_dates_and_the_passages_the_author_and_others_do_not(world, as_user):
    write(world, world.member_a, essay(5), day=dt.date(2026, 3, 1))
    copier = member(world, "李委员")
    copy = write(world, copier, essay(5).replace("。", "，确实。", 1), day=dt.date(2026, 4, 1))
    page = as_user(world.secretary_a).get(reverse("writings:detail", args=[copy.pk])).content.decode()
    assert "本篇在后" in page and "2026年3月1日" in page and "2026年4月1日" in page
    assert "钱委员" in page and "reuse-side" in page
    api = as_user(world.supervisor_a).get(f"/api/writings/{copy.pk}/reuse/").json()
    assert api["matches"][0]["this_is_suspect"] and api["matches"][0]["source"]["author"] == "钱委员"
    assert api["matches"][0]["source"]["written_on"] == "2026-03-01"
    own = as_user(copier).get(reverse("writings:detail", args=[copy.pk])).content.decode()
    assert 'data-testid="reuse"' not in own  # the author is not shown another member's passages
    assert as_user(copier).get(f"/api/writings/{copy.pk}/reuse/").status_code == 403
    for name in ("supervisor_b", "secretary_b", "observer", "outsider", "member_a"):
        assert as_user(getattr(world, name)).get(f"/api/writings/{copy.pk}/reuse/").status_code == 404, name


def test_a_match_page_is_not_opened_to_a_plain_member_of_the_group(world, as_user):
    write(world, world.member_a, essay(6), day=dt.date(2026, 3, 1))
    write(world, member(world, "李委员"), essay(6), day=dt.date(2026, 4, 1))
    m = ReuseMatch.objects.get()
    assert as_user(world.leader_a).get(reverse("integrity:reuse_match", args=[m.pk])).status_code == 200
    assert as_user(world.member_a).get(reverse("integrity:reuse_match", args=[m.pk])).status_code == 404


def test_the_whole_scope_recheck_covers_writings_indexed_before_the_engine(world):
    a = write(world, world.member_a, essay(7), day=dt.date(2026, 3, 1))
    b = write(world, member(world, "李委员"), essay(7), day=dt.date(2026, 4, 1))
    for w in (a, b):
        reuse.forget(w, "writing")  # as before the engine was wired in
    assert not ReuseMatch.objects.exists()
    call_command("integrity_recheck", "--year", "2026", "--reindex")
    m = ReuseMatch.objects.get()
    assert (m.source, m.suspect) == (row_of(a), row_of(b))
    assert Writing.objects.count() == 2
