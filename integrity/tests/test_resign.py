"""Stale signatures are signed again in the background: a text signed when the corpus was small is met by a
copy signed now, without a supervisor's re-check and without any cost added to a check."""

import datetime as dt
import random

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from integrity import engine, reuse
from integrity.models import ReuseCorpus, ReuseMatch, ReuseText

from .corpus import honest

pytestmark = pytest.mark.django_db

# The phrasing every 学习计划 is assembled from. A plan made of these and a few sentences of its own is the
# hardest text to find a copy of: by the time the copy comes, the whole corpus uses the formulas.
FORMULAS = [
    "坚持以习近平新时代中国特色社会主义思想为指导",
    "全面贯彻党的二十大和二十届历次全会精神",
    "深入学习贯彻习近平总书记关于党的建设的重要思想",
    "坚持把党的政治建设摆在首位，严明政治纪律和政治规矩",
    "持续深化理论武装，推动党的创新理论入脑入心",
    "坚持读原著、学原文、悟原理，做到学思用贯通、知信行统一",
    "把理论学习中心组学习作为加强领导班子思想政治建设的重要抓手",
    "中心组学习每月不少于一次，全年集中学习研讨不少于六次",
    "坚持领导干部带头学、带头讲、带头用，发挥示范引领作用",
    "坚持问题导向，联系实际开展专题研讨，推动学习成果转化",
    "严格落实学习考勤、学习记录和学习通报制度",
    "把学习情况纳入年度考核和领导班子民主生活会对照检查的重要内容",
    "结合主题教育和作风建设，深入开展调查研究",
    "认真落实意识形态工作责任制，牢牢掌握意识形态工作领导权",
    "推动全面从严治党向纵深发展，一体推进不敢腐、不能腐、不想腐",
    "以高质量学习推动高质量发展，为奋力谱写中国式现代化新篇章贡献力量",
    "围绕学习贯彻党的二十届四中全会精神开展专题学习",
    "深入学习领会习近平总书记考察本省时的重要讲话精神",
    "坚持集中学习与个人自学相结合，每年撰写学习体会不少于两篇",
    "坚持学用结合，每名班子成员每年牵头开展一项调研课题",
]
SPECIFIC = "第三季度围绕沿江老码头片区更新开展专题调研，由分管副区长带队走访十二户船民"
PLAN = "。".join(FORMULAS + [SPECIFIC]) + "。"


def index(obj, text, *, group, kind="writing", day=dt.date(2026, 3, 1), draft=False):
    return reuse.index_text(obj, kind=kind, text=text, group=group, written_on=day, is_draft=draft,
                            title="学习材料")


def stand_ins(count):
    """Any model's rows can be the indexed objects; permissions are many and already there."""
    objs = list(Permission.objects.order_by("pk")[:count])
    assert len(objs) == count
    return objs


def grow(world, count, *, seed=5, formulas=8):
    """`count` other texts, each using `formulas` of the plan formulas and its writer's own sentences."""
    rng = random.Random(seed)
    for obj in stand_ins(count):
        text = "。".join(rng.sample(FORMULAS, formulas)) + "。" + honest(rng, "x", "东湖区湖滨街道").text
        index(obj, text, group=world.group_b)


def pending():
    return DBTaskResult.objects.filter(task_path__endswith="resign_stale_job", status="READY").count()


def run_worker():
    call_command("db_worker", "--batch", "--interval", "0", "--no-startup-delay", verbosity=0)


def signature_now(row):
    """The signature index_text would give this row's text now (the corpus and frequencies without it)."""
    row = ReuseText.objects.get(pk=row.pk)
    own = [int(h) for h in engine.from_bytes(row.shingles)]
    df = {h: c - row.counted for h, c in reuse._df(own).items()}
    return reuse._signature(row, set(own), df, reuse._corpus_size() - row.counted)


@pytest.mark.django_db(transaction=True)  # the worker opens its own exclusive transactions
@pytest.mark.parametrize(("part", "found_before"), [(reuse.SIGNATURE_MIN_PART, True), (100, False)])
def test_a_copy_of_a_formula_plan_signed_when_the_corpus_was_small_is_found_after_the_background_run(
        world, monkeypatch, part, found_before):
    """The source plan is signed when the corpus holds one other text and its formulas are rare: its signature
    is its whole set of shingles. A hundred texts later the formulas are everyone's phrasing, and a copy signed
    now keeps only its rarest part: the specific sentence and the least used formulas.

    Whether that copy meets the stale source depends on the floor of signature_set (SIGNATURE_MIN_PART). With
    the real floor the copy keeps a quarter of its shingles, all within the source's whole set, so the two share
    about a quarter of their MinHash and still meet in a band: found even before re-signing, by a margin
    (estimate 0.28 of 1). Signed from its rare shingles alone (part 100), the copy shares about one value in
    eleven with the stale source (0.09, below PREFILTER) and is missed. The floor bounds only this case, a
    source signed whole; a source that already kept part of its set was ranked by frequencies whose order may
    have changed since, and nothing bounds that. Either way the background run signs the source again; from
    then on a copy's signature is the source's own (estimate 1.0) and it is found."""
    monkeypatch.setattr(reuse, "SIGNATURE_MIN_PART", part)
    index(world.county_a, honest(random.Random(1), "x", "江城区住建局").text, group=world.group_b)
    source = index(world.group_a, PLAN, group=world.group_a, kind="plan", day=dt.date(2026, 1, 5))
    assert source.signed_size == 1
    grow(world, 100)
    # Growth steps (2, 4, …, 64) asked for runs; the marker let one job be queued, the worker has not run yet.
    assert pending() == 1 and reuse.stale_count() > 50

    early = index(world.county_b, PLAN, group=world.group_b, kind="plan", day=dt.date(2026, 4, 1))
    stale_estimate = engine.estimate(engine.sig_from_bytes(ReuseText.objects.get(pk=source.pk).signature),
                                     engine.sig_from_bytes(early.signature))
    flagged_before = [m.source.pk for m in reuse.check(early).flagged]
    assert (source.pk in flagged_before) is found_before, stale_estimate
    assert stale_estimate < (0.5 if found_before else 0.12)  # PREFILTER: below it a candidate is not loaded

    run_worker()
    assert pending() == 0 and reuse.stale_count() == 0
    assert ReuseCorpus.objects.get().resign_requested_at is None  # the next growth step may queue again
    resigned = ReuseText.objects.get(pk=source.pk)
    assert resigned.signed_size == reuse._corpus_size() - 1 and bytes(resigned.signature) == signature_now(source)

    late = index(world.city, PLAN, group=world.group_b, kind="plan", day=dt.date(2026, 5, 1))
    assert engine.estimate(engine.sig_from_bytes(resigned.signature), engine.sig_from_bytes(late.signature)) > 0.9
    assert source.pk in [m.source.pk for m in reuse.check(late).flagged]
    # The copy checked before the run is found now too (a re-check of it, or of its scope, would show it).
    assert source.pk in [m.source.pk for m in reuse.check(early).flagged]


def test_the_run_signs_again_only_stale_texts_oldest_first(world):
    objs = stand_ins(40)
    rng = random.Random(2)
    rows = [index(obj, honest(rng, "x", "江城区住建局").text, group=world.group_b) for obj in objs[:10]]
    draft = index(objs[10], honest(rng, "x", "江城区住建局").text, group=world.group_b, draft=True)
    short = index(objs[11], "学习心得。", group=world.group_b)
    for obj in objs[12:40]:
        index(obj, honest(rng, "x", "东湖区湖滨街道").text, group=world.group_b)
    n = reuse._corpus_size()
    assert n == 38
    limit = reuse._stale_limit(n)
    assert limit == 18  # signed at a corpus of 18 or fewer texts: the corpus has since doubled
    sizes = dict(ReuseText.objects.values_list("pk", "signed_size"))
    stale = {pk for pk, s in sizes.items() if s <= limit} - {draft.pk, short.pk}
    assert reuse.stale_count() == len(stale) == 19  # the first 10, and 9 of the others (signed at 10 to 18)

    result = reuse.resign_stale(batch=5)
    after = dict(ReuseText.objects.values_list("pk", "signed_size"))
    done = {pk for pk in sizes if after[pk] != sizes[pk]}
    # The five signed at the smallest corpus, each now at the corpus without itself.
    assert done == {r.pk for r in rows[:5]} and all(after[pk] == n - 1 for pk in done)
    assert result == {"signed": 5, "changed": result["changed"], "skipped": 0, "remaining": True}
    while reuse.resign_stale(batch=5)["remaining"]:
        pass
    after = dict(ReuseText.objects.values_list("pk", "signed_size"))
    assert {pk for pk in sizes if after[pk] != sizes[pk]} == stale  # drafts, short and recent texts untouched
    assert reuse.stale_count() == 0 and not reuse.resign_stale()["signed"]


def test_texts_indexed_before_the_size_was_kept_count_as_stale(world):
    rng = random.Random(3)
    for obj in stand_ins(4):
        index(obj, honest(rng, "x", "江城区住建局").text, group=world.group_b)
    assert reuse.stale_count() == 2  # signed at 0 and 1, in a corpus now of 4 (the others are recent)
    ReuseText.objects.update(signed_size=None)  # as the migration leaves rows indexed before it
    assert reuse.stale_count() == 4
    assert reuse.resign_stale()["signed"] == 4 and reuse.stale_count() == 0


def test_a_text_reindexed_while_the_run_is_under_way_keeps_its_new_signature(world, monkeypatch):
    """The run picks its batch, then takes each text under lock; one saved in between (re-indexed with a new
    text) is signed at the corpus as it stands already and is skipped, never overwritten from stale data."""
    objs = stand_ins(20)
    rng = random.Random(4)
    target = index(objs[0], honest(rng, "x", "江城区住建局").text, group=world.group_b)
    for obj in objs[1:]:
        index(obj, honest(rng, "x", "东湖区湖滨街道").text, group=world.group_b)
    assert reuse.stale_count() >= 2
    fresh = {}
    real = reuse._resign

    def racing(pk, **kwargs):
        if pk == target.pk and not fresh:  # another request saves the text just before the run reaches it
            row = index(objs[0], "重新修改后的心得。" + honest(rng, "x", "江城区新桥镇").text, group=world.group_b)
            fresh.update(signature=bytes(row.signature), shingles=bytes(row.shingles), size=row.signed_size)
        return real(pk, **kwargs)

    monkeypatch.setattr(reuse, "_resign", racing)
    result = reuse.resign_stale()
    row = ReuseText.objects.get(pk=target.pk)
    assert result["skipped"] == 1 and result["signed"] >= 1
    assert bytes(row.shingles) == fresh["shingles"] and bytes(row.signature) == fresh["signature"]
    assert row.signed_size == fresh["size"] and bytes(row.signature) == signature_now(row)
    assert set(row.bands.values_list("key", flat=True)) == set(engine.band_keys(engine.sig_from_bytes(row.signature)))


@pytest.mark.django_db(transaction=True)  # each index commits and queues as it would in production
def test_at_most_one_run_is_pending_and_it_queues_its_successor_while_stale_texts_remain(world, monkeypatch):
    monkeypatch.setattr(reuse, "RESIGN_BATCH", 4)
    objs = stand_ins(70)
    rng = random.Random(6)
    seen = []
    for obj in objs:
        index(obj, honest(rng, "x", "江城区住建局").text, group=world.group_b)
        seen.append(pending())
    assert max(seen) == 1 and seen[1] == 1  # queued at the first step (2 texts), never a second alongside
    assert not reuse.request_resign() and pending() == 1  # the marker is held: asking again queues nothing
    stale = reuse.stale_count()
    assert stale > 30

    run_worker()  # runs the job and each successor it queued, 4 texts a run
    runs = DBTaskResult.objects.filter(task_path__endswith="resign_stale_job")
    assert reuse.stale_count() == 0 and pending() == 0
    assert runs.count() == -(-stale // 4) and set(runs.values_list("status", flat=True)) == {"SUCCESSFUL"}
    assert sum(r.return_value["signed"] for r in runs) == stale
    assert ReuseCorpus.objects.get().resign_requested_at is None

    # A marker left by a worker that died mid-run is given up after RESIGN_RETRY…
    ReuseText.objects.filter(pk=ReuseText.objects.order_by("pk").first().pk).update(signed_size=None)
    ReuseCorpus.objects.update(resign_requested_at=reuse.timezone.now() - reuse.RESIGN_RETRY / 2)
    assert not reuse.request_resign()
    ReuseCorpus.objects.update(resign_requested_at=reuse.timezone.now() - reuse.RESIGN_RETRY * 2)
    assert reuse.request_resign() and pending() == 1
    # …but not while its job still waits for a worker that is not running: still one pending.
    ReuseCorpus.objects.update(resign_requested_at=reuse.timezone.now() - reuse.RESIGN_RETRY * 2)
    assert not reuse.request_resign() and pending() == 1


def test_the_command_signs_stale_texts_in_batches_and_says_so_in_chinese(world, capsys):
    rng = random.Random(8)
    for obj in stand_ins(30):
        index(obj, honest(rng, "x", "江城区住建局").text, group=world.group_b)
    stale = reuse.stale_count()
    assert stale == 15  # signed at 0 to 14, in a corpus now of 30
    call_command("resign_stale", "--batch", "4")
    out = capsys.readouterr().out
    assert "语料共 30 篇" in out and f"分 4 批重新生成了 {stale} 篇文本的比对指纹" in out and "剩余过期 0 篇" in out
    assert reuse.stale_count() == 0
    call_command("resign_stale")
    assert "重新生成了 0 篇" in capsys.readouterr().out


def test_after_the_background_run_checks_find_what_a_fresh_recheck_finds(world):
    """Copies of early texts, and of the formula plan, submitted after the corpus grew: once the stale signatures
    are signed again, checking each text gives the same matches as a supervisor's re-check of everything."""
    rng = random.Random(9)
    objs = stand_ins(90)
    early = [honest(rng, "x", "江城区住建局").text for _ in range(3)]
    for obj, text in zip(objs[:3], early, strict=True):
        index(obj, text, group=world.group_a, day=dt.date(2026, 1, 10))
    index(world.group_a, PLAN, group=world.group_a, kind="plan", day=dt.date(2026, 1, 5))
    for obj in objs[3:80]:
        text = "。".join(rng.sample(FORMULAS, 6)) + "。" + honest(rng, "x", "东湖区湖滨街道").text
        index(obj, text, group=world.group_b)
    while reuse.resign_stale(batch=25)["remaining"]:
        pass
    copies = [index(obj, text.replace("住建局", "教育局"), group=world.group_b, day=dt.date(2026, 6, 1))
              for obj, text in zip(objs[80:83], early, strict=True)]
    copies.append(index(world.county_b, PLAN, group=world.group_b, kind="plan", day=dt.date(2026, 6, 1)))
    for row in ReuseText.objects.order_by("pk"):
        reuse.check(row)
    checked = set(ReuseMatch.objects.values_list("source_id", "suspect_id", "score"))
    assert {s for _, s, _ in checked} >= {c.pk for c in copies}  # every copy found

    reuse.recheck()
    assert set(ReuseMatch.objects.values_list("source_id", "suspect_id", "score")) == checked
