"""The one text-reuse engine: what a text repeats, from whom, where — quotes apart, order of submission aside."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.urls import reverse

from core.testing import login
from integrity import engine, reuse
from integrity.models import QuoteFound, ReuseCorpus, ReuseMatch, ReuseShingle, ReuseText
from orgs import services as org

from .calibration import load_library
from .corpus import MATERIALS, honest

pytestmark = pytest.mark.django_db


def writing(world, person_user, text, *, day, draft=False, version_of=None, obj=None, kind="writing"):
    person = person_user.person
    return reuse.index_text(obj or person, kind=kind, text=text, author=person, group=world.group_a,
                            unit=person.unit, written_on=day, is_draft=draft, version_of=version_of,
                            title=f"{person.name}的心得")


def doc(seed, unit="江城区解放街道"):
    import random

    return honest(random.Random(seed), "x", unit).text


def test_shingles_ignore_punctuation_spacing_and_years():
    a = engine.shingle_set("2025年，我们要坚持从群众中来、到群众中去，真正把情况摸清楚。")
    b = engine.shingle_set("二〇二六年 我们要坚持从群众中来,到群众中去 真正把情况摸清楚")
    assert a == b


def test_a_copy_is_reported_with_both_dates_and_authors_and_the_later_one_is_the_suspect(world):
    text = doc(1)
    first = writing(world, world.member_a, text, day=dt.date(2026, 3, 1))
    copy = writing(world, world.leader_a, text.replace("解放街道", "湖滨街道"), day=dt.date(2026, 4, 1))
    report = reuse.check(copy)
    [m] = report.flagged
    assert m.source == first and m.suspect == copy and m.score > 0.9 and not m.self_reuse
    assert m.source.author == world.member_a.person and m.suspect.written_on > m.source.written_on
    assert m.passages and all({"a", "b", "score"} <= set(p) for p in m.passages)


def test_the_order_of_submission_never_decides_who_is_flagged(world):
    text = doc(2)
    # The copy (written in April) is submitted first; the original (written in March) afterwards.
    copy = writing(world, world.leader_a, text, day=dt.date(2026, 4, 1))
    reuse.check(copy)
    original = writing(world, world.member_a, text, day=dt.date(2026, 3, 1))
    report = reuse.check(original)
    assert not report.flagged and report.matches[0].suspect == copy
    assert ReuseMatch.objects.get().suspect == copy


def test_differing_words_are_marked_in_the_passages(world):
    text = doc(3)
    first = writing(world, world.member_a, text, day=dt.date(2026, 3, 1))
    changed = text.replace("我们", "我单位", 1)
    copy = writing(world, world.leader_a, changed, day=dt.date(2026, 4, 1))
    m = reuse.check(copy).flagged[0]
    assert m.source == first
    assert any(not same for p in m.passages for _, same in p["a"])  # something marked as different
    assert any(same for p in m.passages for _, same in p["a"])


def test_quotes_of_a_library_material_are_reported_as_quotes_and_never_count(world):
    load_library(world.city)
    title = "关于调查研究的论述摘编"
    quote = "；".join(MATERIALS[title])
    writing(world, world.member_a, f"《{title}》指出：{quote}。" + doc(4), day=dt.date(2026, 3, 1))
    # The other quotes the same passage retyped (commas, spaces) and writes its own words otherwise.
    retyped = quote.replace("，", ",").replace("、", " ")
    b = writing(world, world.leader_a, f"学习{title}，{retyped}。" + doc(5, "东湖区湖滨街道"), day=dt.date(2026, 4, 1))
    report = reuse.check(b)
    assert not report.matches
    [q] = [q for q in report.quotes if q.title == title]
    assert len(q.sentences) >= 4
    assert QuoteFound.objects.filter(text=b).exists()


def test_the_match_page_lists_quotes_of_the_library_apart(world, client):
    load_library(world.city)
    title = "关于基层治理的重要论述"
    quote = "；".join(MATERIALS[title])
    text = f"《{title}》指出：{quote}。" + doc(14)
    writing(world, world.member_a, text, day=dt.date(2026, 3, 1))
    m = reuse.check(writing(world, world.leader_a, text, day=dt.date(2026, 4, 1))).flagged[0]
    assert not any("基层强则国家强" in "".join(x for x, _ in p["a"]) for p in m.passages)
    login(client, world.supervisor_a)
    page = client.get(reverse("integrity:reuse_match", args=[m.id])).content.decode()
    assert "引用学习资料" in page and f"《{title}》" in page and "基层强则国家强" in page


def test_common_phrasing_is_discounted_by_how_often_the_corpus_uses_it(world):
    slogan = "坚持以学铸魂、以学增智、以学正风、以学促干，把学习成果转化为推动高质量发展的实际成效。"
    rows = [writing(world, world.member_a, slogan + doc(10 + i), day=dt.date(2026, 3, 1), obj=world.group_a
                    if i == 0 else None, kind=["writing", "reflection", "speech"][i])
            for i in range(3)]
    h = engine.sentence_shingles(slogan)[0]
    assert ReuseShingle.objects.get(hash=h).df == 3
    assert not any(reuse.check(r).matches for r in rows)


def test_the_corpus_size_is_kept_with_every_index_change(world):
    """n of every weight is a kept figure (a check must not count a million texts); it equals a recount after
    each change, and a database without the figure (flushed, restored) counts once and keeps it."""
    def recount():
        return ReuseText.objects.filter(counted=True).count()

    day = dt.date(2026, 3, 1)
    a = writing(world, world.member_a, doc(21), day=day)
    b = writing(world, world.secretary_a, doc(22), day=day, obj=world.group_a)
    draft = writing(world, world.member_a, doc(23), day=day, draft=True, obj=world.group_b)
    assert reuse._corpus_size() == recount() == 2
    writing(world, world.member_a, doc(24), day=day, draft=True, obj=world.group_b)  # still a draft
    writing(world, world.member_a, doc(24), day=day, obj=world.group_b)  # submitted: now counted
    writing(world, world.member_a, doc(25), day=day)  # a's text re-indexed: counted before and after
    assert reuse._corpus_size() == recount() == 3
    writing(world, world.secretary_a, "", day=day, obj=world.group_a)  # emptied: no longer counted
    assert reuse._corpus_size() == recount() == 2
    reuse.forget(world.member_a.person, "writing")
    reuse.forget(world.member_a.person, "writing")  # twice: nothing left to forget
    assert reuse._corpus_size() == recount() == 1
    ReuseCorpus.objects.all().delete()
    assert reuse._corpus_size() == 1 and ReuseCorpus.objects.get().size == 1
    ReuseCorpus.objects.all().delete()
    writing(world, world.secretary_a, doc(26), day=day, obj=world.group_a)
    assert ReuseCorpus.objects.get().size == recount() == 2
    assert not draft.counted and a.counted and b.counted


def test_a_recheck_signs_old_texts_again_with_the_corpus_as_it_stands(world, monkeypatch):
    """A signature leaves out what was common when the text was indexed. Texts indexed later make some of an
    early text's phrasing common; the re-check signs it again, as index_text would sign it now."""
    from integrity.models import ReuseBand

    monkeypatch.setattr(reuse, "SIGNATURE_MIN_PART", 100)  # keep only rare shingles, so the change shows
    early = writing(world, world.member_a, doc(31), day=dt.date(2026, 2, 1))
    shared = "。".join(early.text.split("。")[4:9])  # five of its sentences, then written by enough others
    for i in range(reuse.COMMON_MIN_DF + 1):  # to make them common phrasing in this small corpus
        other = org.person_create(unit=world.group_a.unit, name=f"同事{i}", by=None)
        reuse.index_text(other, kind="writing", text=shared + doc(40 + i), author=other, group=world.group_a,
                         unit=other.unit, written_on=dt.date(2026, 3, 1), title=f"同事{i}的心得")
    early.refresh_from_db()
    before = bytes(early.signature)
    result = reuse.recheck(year=2026)
    early.refresh_from_db()
    assert result["resigned"] >= 1 and bytes(early.signature) != before
    # The same as indexing its text afresh now would give (index_text takes the text's own counts out first).
    resigned = bytes(early.signature)
    again = writing(world, world.member_a, early.text, day=dt.date(2026, 2, 1))
    assert again.pk == early.pk and bytes(again.signature) == resigned
    keys = set(ReuseBand.objects.filter(text=early).values_list("key", flat=True))
    assert keys == set(engine.band_keys(engine.sig_from_bytes(early.signature)))
    assert reuse.recheck(year=2026)["resigned"] == 0  # signed as the corpus stands: nothing to do again


def test_own_earlier_versions_and_own_drafts_never_count(world):
    text = doc(6)
    writing(world, world.member_a, text, day=dt.date(2026, 3, 1), obj=world.group_a)
    v2 = writing(world, world.member_a, text + "补充一句新的体会。", day=dt.date(2026, 3, 5), obj=world.county_a,
                 version_of=world.group_a)
    assert not reuse.check(v2).matches
    draft = writing(world, world.member_a, doc(7), day=dt.date(2026, 2, 1), draft=True, obj=world.city)
    final = writing(world, world.member_a, doc(7), day=dt.date(2026, 3, 9), obj=world.county_b)
    assert not reuse.check(final).matches and draft.is_draft


def test_own_writing_of_an_earlier_year_counts_as_self_reuse(world):
    text = doc(8)
    writing(world, world.member_a, text, day=dt.date(2025, 3, 1), obj=world.group_a)
    again = writing(world, world.member_a, text, day=dt.date(2026, 3, 1), obj=world.county_a)
    [m] = reuse.check(again).flagged
    assert m.self_reuse and m.source.year == 2025


def test_thresholds_are_settings_per_kind(world, settings):
    text = doc(9)
    writing(world, world.member_a, text, day=dt.date(2026, 3, 1))
    settings.INTEGRITY_REUSE_THRESHOLDS = {"writing": 1.01}
    assert not reuse.check(writing(world, world.leader_a, text, day=dt.date(2026, 4, 1))).matches
    assert reuse.threshold("plan") == reuse.DEFAULT_THRESHOLDS["plan"]


def test_a_supervisor_rechecks_a_scope_and_year_from_the_page(world, client):
    text = doc(11)
    writing(world, world.member_a, text, day=dt.date(2026, 3, 1))
    writing(world, world.leader_a, text, day=dt.date(2026, 4, 1))  # indexed, never checked
    assert not ReuseMatch.objects.exists()
    login(client, world.city_supervisor)
    response = client.post(reverse("integrity:reuse_recheck"), {"unit": world.city.pk, "year": 2026})
    assert response.status_code == 200 and "发现 1 处重复" in response.content.decode()
    assert ReuseMatch.objects.count() == 1


def test_the_recheck_page_refuses_bad_input_in_chinese_and_outsiders(world, client):
    login(client, world.supervisor_a)
    response = client.post(reverse("integrity:reuse_recheck"), {"unit": world.city.pk, "year": "abc"})
    assert response.status_code == 400 and "年度不正确" in response.content.decode()
    response = client.post(reverse("integrity:reuse_recheck"), {"unit": world.county_b.pk, "year": 2026})
    assert response.status_code == 404
    client.logout()
    login(client, world.outsider)
    assert client.get(reverse("integrity:reuse_recheck")).status_code == 404


def test_the_match_page_shows_both_sides_and_hides_from_outsiders(world, client):
    text = doc(12)
    writing(world, world.member_a, text, day=dt.date(2026, 3, 1))
    m = reuse.check(writing(world, world.leader_a, text, day=dt.date(2026, 4, 1))).flagged[0]
    login(client, world.supervisor_a)
    page = client.get(reverse("integrity:reuse_match", args=[m.id])).content.decode()
    assert "在先" in page and "在后" in page and "2026年3月1日" in page and "2026年4月1日" in page
    for user in (world.supervisor_b, world.outsider, world.observer):
        client.logout()
        login(client, user)
        assert client.get(reverse("integrity:reuse_match", args=[m.id])).status_code == 404


def test_the_command_rechecks_and_reindexes(world, capsys):
    load_library(world.city)
    text = doc(13)
    writing(world, world.member_a, text, day=dt.date(2026, 3, 1))
    writing(world, world.leader_a, text, day=dt.date(2026, 4, 1))
    call_command("integrity_recheck", "--year", "2026", "--reindex")
    out = capsys.readouterr().out
    assert "学习资料 3" in out and "发现 1 处重复" in out


def test_the_band_lookup_reads_the_index_alone(world):
    """A check's thousands of band-sharers come from the (key, text) index, not one table lookup each."""
    from django.db import connection

    from integrity.models import ReuseBand

    sql, params = f"SELECT text_id FROM {ReuseBand._meta.db_table} WHERE key IN (%s, %s)", [1, 2]  # as _candidates
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            assert "COVERING INDEX reuseband_key_text" in " ".join(str(r[-1]) for r in cur.fetchall())
        else:
            cur.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'reuseband_key_text'")
            assert "(key, text_id)" in cur.fetchone()[0]
            cur.execute("SELECT count(*) FROM pg_indexes WHERE tablename = 'integrity_reuseband'")
            assert cur.fetchone()[0] == 3  # the primary key, text_id (deletes) and (key, text_id): none on key alone


def test_a_band_shared_far_too_widely_points_at_no_one_but_a_copy_is_still_found(world, monkeypatch):
    """A band shared by more texts than HOT_BAND is common phrasing: texts sharing only it are not candidates."""
    from integrity.models import ReuseBand, ReuseText

    source = writing(world, world.member_a, doc(21), day=dt.date(2026, 3, 1))
    copy = writing(world, world.leader_a, doc(21), day=dt.date(2026, 4, 1))
    others = [writing(world, world.member_a, doc(22 + i), day=dt.date(2026, 3, 2), obj=obj)
              for i, obj in enumerate((world.group_a, world.county_a, world.city, world.group_b))]
    # Texts whose signature would pass the screen, sharing with the copy one band only.
    hot = ReuseBand.objects.filter(text=copy).values_list("key", flat=True).first()
    ReuseText.objects.filter(pk__in=[o.pk for o in others]).update(signature=copy.signature)
    ReuseBand.objects.filter(text__in=others).delete()
    ReuseBand.objects.bulk_create([ReuseBand(text=o, key=hot) for o in others])  # 6 texts share it now
    ids = {o.pk for o in others}
    assert ids <= {o.pk for o in reuse._candidates(copy)}  # shared by 6: not hot at the default
    monkeypatch.setattr(reuse, "HOT_BAND", 5)
    found = {o.pk for o in reuse._candidates(copy)}
    assert source.pk in found and not found & ids
