"""Every write of the assessment app, each with an audit record. A 民主评议 vote is audited as "someone voted"
without the grades, so the audit log cannot tie a ballot to its rater either."""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core import audit
from orgs import access as org_access
from orgs.models import Membership, Role, StudyGroup

from .models import (
    Ballot,
    Code,
    Evaluation,
    Grade,
    Indicator,
    IndicatorSystem,
    ManualScore,
    Nomination,
    RankingEntry,
    RankingSnapshot,
    Rater,
    Rule,
    StarRound,
    StudyReport,
)

# The 2024 rules' default set (reference/assessment-practice.md §6, mapped onto what the records hold):
# substance only — no count of notes, photos, check-ins or online time appears here.
DEFAULTS = [
    (Code.PLAN_TOPICS, 10, Rule.RATIO, 100, 0),
    (Code.SEMINARS, 10, Rule.RATIO, 100, 0),
    (Code.ATTENDANCE, 10, Rule.RATIO, 90, 0),
    (Code.MANDATED, 10, Rule.RATIO, 100, 0),
    (Code.FIRST_ITEM, 5, Rule.DEDUCT, 0, 1),
    (Code.PLAN, 5, Rule.RATIO, 100, 0),
    (Code.REPORTING, 5, Rule.RATIO, 100, 0),
    (Code.OBSERVER, 10, Rule.RATIO, 100, 0),
    (Code.RECTIFY, 10, Rule.RATIO, 100, 0),
    (Code.WULUOSHI, 10, Rule.RATIO, 100, 0),
    (Code.INTEGRITY, 5, Rule.DEDUCT, 0, 1),
    (Code.EVALUATION, 5, Rule.RATIO, 100, 0),
    (Code.INSPECTION, 5, Rule.MANUAL, 100, 0),
]
LEADER_ROLES = (Role.LEADER, Role.DEPUTY, Role.MEMBER)  # 组长、副组长和班子成员 述学 and are rated
RATER_ROLES = (Role.LEADER, Role.DEPUTY, Role.SECRETARY, Role.MEMBER)


def default_indicators(system=None):
    return [Indicator(system=system, code=c, weight=Decimal(w), rule=r, target=Decimal(t), per_occurrence=Decimal(p),
                      order=i) for i, (c, w, r, t, p) in enumerate(DEFAULTS)]


def _year(year):
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise ValidationError({"year": "年度不正确"}) from None
    if not 2000 <= year <= 2100:
        raise ValidationError({"year": "年度不正确"})
    return year


@transaction.atomic
def system_create(*, unit, year, by):
    year = _year(year)
    if IndicatorSystem.objects.filter(unit=unit, year=year).exists():
        raise ValidationError({"year": f"{unit.name}已有{year}年的考核指标体系"})
    system = IndicatorSystem.objects.create(unit=unit, year=year, created_by=audit.account(by))
    Indicator.objects.bulk_create(default_indicators(system))
    audit.record(action="assessment.system_create", by=by, obj=system, after={"unit": unit.pk, "year": year})
    return system


def _decimal(value, label):
    try:
        d = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError(f"“{label}”须是数字") from None
    if not d.is_finite() or d < 0 or d > 1000:
        raise ValidationError(f"“{label}”须在 0 到 1000 之间")
    return d


@transaction.atomic
def system_update(*, system, weights, by, targets=None, per_occurrence=None, advanced_min=None, backward_below=None):
    """Replace the weights (and targets, deductions, band lines) as a whole; refused unless they add up to 100."""
    indicators = {i.code: i for i in system.indicators.all()}
    new = {code: _decimal(weights.get(code, ind.weight), ind.get_code_display()) for code, ind in indicators.items()}
    total = sum(new.values(), Decimal(0))
    if total != 100:
        raise ValidationError(f"各项指标权重之和须为 100，现为 {total.normalize():f}，未保存")
    hi = _decimal(advanced_min if advanced_min is not None else system.advanced_min, "先进分数线")
    lo = _decimal(backward_below if backward_below is not None else system.backward_below, "后进分数线")
    if not lo <= hi <= 100:
        raise ValidationError("分数线须满足：后进分数线 ≤ 先进分数线 ≤ 100")
    before = {c: str(i.weight) for c, i in indicators.items()}
    for code, ind in indicators.items():
        ind.weight = new[code]
        if targets and code in targets:
            ind.target = _decimal(targets[code], f"{ind.get_code_display()}目标值")
        if per_occurrence and code in per_occurrence:
            ind.per_occurrence = _decimal(per_occurrence[code], f"{ind.get_code_display()}每次扣分")
        ind.save()
    system.advanced_min, system.backward_below = hi, lo
    system.save(update_fields=["advanced_min", "backward_below"])
    audit.record(action="assessment.system_update", by=by, obj=system, before=before,
                 after={c: str(w) for c, w in new.items()} | {"advanced_min": str(hi), "backward_below": str(lo)})
    return system


@transaction.atomic
def manual_score_set(*, indicator, group, percent, note, by):
    if indicator.rule != Rule.MANUAL:
        raise ValidationError("这项指标由系统根据记录计算，不能手工录入")
    if not org_access.group_below(indicator.system.unit, group):
        raise ValidationError(f"“{group.name}”不在{indicator.system.unit.name}督导范围内")
    p = _decimal(percent, "得分率")
    if p > 100:
        raise ValidationError("得分率须在 0 到 100 之间")
    score, _ = ManualScore.objects.update_or_create(indicator=indicator, group=group,
                                                    defaults={"percent": p, "note": (note or "").strip()[:300],
                                                              "by": audit.account(by), "at": timezone.now()})
    audit.record(action="assessment.manual_score", by=by, obj=score, after={"group": group.pk, "percent": str(p)})
    return score


def leaders(group, day=None):
    day = day or timezone.localdate()
    rows = (Membership.objects.on(day).filter(group=group, role__in=LEADER_ROLES).select_related("person")
            .order_by("role", "person__name"))
    seen, out = set(), []
    for m in rows:
        if m.person_id not in seen:
            seen.add(m.person_id)
            out.append(m.person)
    return out


@transaction.atomic
def study_report_submit(*, group, person, year, text, by):
    text = (text or "").strip()
    if not text:
        raise ValidationError("请填写述学报告")
    if len(text) > 3000:
        raise ValidationError("述学报告请控制在 3000 字以内")
    if person.pk not in {p.pk for p in leaders(group)}:
        raise ValidationError("只有本组组长和班子成员提交述学报告")
    report, _ = StudyReport.objects.update_or_create(group=group, person=person, year=_year(year),
                                                     defaults={"text": text, "submitted_at": timezone.now()})
    audit.record(action="assessment.study_report", by=by, obj=report, after={"group": group.pk, "year": year})
    return report


@transaction.atomic
def evaluation_create(*, group, year, by, raters=None):
    """Open a 民主评议 of the group's leaders; raters default to the group's members on the day."""
    year = _year(year)
    if Evaluation.objects.filter(group=group, year=year).exists():
        raise ValidationError(f"{group.name}{year}年的民主评议已经开始")
    if raters is None:
        day = timezone.localdate()
        raters = sorted({m.person for m in Membership.objects.on(day).filter(group=group, role__in=RATER_ROLES)
                         .select_related("person")}, key=lambda p: p.pk)
    if not raters:
        raise ValidationError("请至少指定一名评议人")
    if not leaders(group):
        raise ValidationError("本组没有可评议的组长或班子成员")
    ev = Evaluation.objects.create(group=group, year=year, created_by=audit.account(by))
    Rater.objects.bulk_create([Rater(evaluation=ev, person=p) for p in raters])
    audit.record(action="assessment.evaluation_create", by=by, obj=ev, after={"group": group.pk, "year": year,
                                                                              "raters": len(raters)})
    return ev


@transaction.atomic
def vote(*, evaluation, user, grades):
    """One rater's anonymous form: {leader_id: grade} for every leader. The rater's token is marked and the
    ballots are stored with no link to them; a second form, or one from a non-rater, changes nothing."""
    person = getattr(user, "person", None)
    rater = (Rater.objects.select_for_update().filter(evaluation=evaluation, person=person).first()
             if person else None)
    if rater is None:
        raise ValidationError("您不在本次民主评议的评议人名单中")
    if rater.voted:
        raise ValidationError("您已提交过评议，不能重复评议")
    if not evaluation.is_open:
        raise ValidationError("本次民主评议已结束")
    people = leaders(evaluation.group)
    valid = set(Grade.values)
    ballots = []
    for p in people:
        g = grades.get(p.pk) or grades.get(str(p.pk))
        if g not in valid:
            raise ValidationError(f"请为{p.name}选择评议等次（优秀/良好/一般/较差）")
        ballots.append(Ballot(evaluation=evaluation, leader=p, grade=g))
    Ballot.objects.bulk_create(ballots)
    rater.voted = True
    rater.save(update_fields=["voted"])
    # Who voted is public to the organiser (turnout); what they gave is not recorded here.
    audit.record(action="assessment.vote", by=user, object_type="assessment.evaluation", object_id=evaluation.pk,
                 after={"evaluation": evaluation.pk})


@transaction.atomic
def evaluation_close(*, evaluation, by):
    evaluation.is_open = False
    evaluation.save(update_fields=["is_open"])
    audit.record(action="assessment.evaluation_close", by=by, obj=evaluation)


@transaction.atomic
def focus_from_ranking(*, unit, year, by):
    """Groups in the 后进 band become next year's 重点旁听 targets in the unit's supervision plan, with the reason."""
    from supervision import services as sup
    from supervision.models import FocusTarget, SupervisionPlan

    from .selectors import ranking

    result = ranking(unit, year)
    if result.no_data:
        raise ValidationError(f"{year}年没有可用于考核的数据，未列入重点对象")
    plan = SupervisionPlan.objects.filter(unit=unit, year=year + 1).first()
    if plan is None:
        plan = sup.plan_create(unit=unit, year=year + 1, by=by)
    already = set(FocusTarget.objects.filter(plan=plan).values_list("group_id", flat=True))
    todo = [row for row in result.backward if row.gid not in already]
    # The ranking's rows load their group one by one when read; hundreds of 后进 groups are read in one query.
    groups = StudyGroup.objects.select_related("unit").in_bulk([row.gid for row in todo])
    added = []
    for row in todo:
        sup.focus_add(plan=plan, group=groups[row.gid], by=by, source=FocusTarget.Source.ASSESSMENT,
                      reason=f"{year}年度学习考核{row.total}分，列为后进（低于{result.system.backward_below}分）")
        added.append(groups[row.gid])
    return plan, added


# ---- The ranking of a large subtree, kept as a snapshot ------------------------------------------------------

def ranking_refresh(*, unit, year, today=None):
    """Score the subtree now and keep the result as its snapshot (replacing the last one). Derived data, not a
    record: it is not audited, and the audit chain's head is noted *before* scoring, so a write made meanwhile
    leaves the new snapshot stale and queues another run."""
    from core.models import AuditHead

    from .selectors import ranking

    today = today or timezone.localdate()
    audit_id = AuditHead.objects.filter(pk=1).values_list("last_id", flat=True).first() or 0
    result = ranking(unit, year, today=today)
    # Each row's breakdown as the page shows it (RankRow.contributions), kept with the row.
    entries = [RankingEntry(group_id=r.gid, rank=r.rank, name=r.name, total=r.total, band=r.band,
                            points=[str(c.points) for c in r.contributions], facts=[c.fact for c in r.contributions])
               for r in result.rows]
    indicators = [[c.code, c.name, str(c.weight)] for c in result.rows[0].contributions] if result.rows else []
    with transaction.atomic():
        snap, _ = RankingSnapshot.objects.select_for_update().update_or_create(
            unit=unit, year=year, defaults=dict(
                computed_at=timezone.now(), as_of=today, audit_id=audit_id, indicators=indicators,
                advanced_min=result.system.advanced_min, backward_below=result.system.backward_below,
                no_data=result.no_data, refresh_requested_at=None))
        RankingEntry.objects.filter(snapshot=snap).delete()
        for e in entries:
            e.snapshot = snap
        RankingEntry.objects.bulk_create(entries, batch_size=2000)
    return snap


REFRESH_RETRY = dt.timedelta(minutes=10)  # a queued run not done by then (worker down?) is queued again


def ranking_request_refresh(snapshot):
    """Queue one recomputation for the task worker; views that find the snapshot stale meanwhile queue nothing
    more."""
    from django.db.models import Q

    from .tasks import refresh_ranking

    now = timezone.now()
    claimed = RankingSnapshot.objects.filter(pk=snapshot.pk).filter(
        Q(refresh_requested_at__isnull=True) | Q(refresh_requested_at__lt=now - REFRESH_RETRY)
    ).update(refresh_requested_at=now)
    if claimed:
        snapshot.refresh_requested_at = now
        transaction.on_commit(lambda: refresh_ranking.enqueue(snapshot.unit_id, snapshot.year))
    return bool(claimed)


# ---- 理论学习之星 ----------------------------------------------------------------------------------

@transaction.atomic
def round_create(*, unit, year, title, quota, by):
    title = (title or "").strip()
    if not title:
        raise ValidationError("请填写评选名称")
    try:
        quota = int(quota)
    except (TypeError, ValueError):
        raise ValidationError("名额须是整数") from None
    if not 1 <= quota <= 1000:
        raise ValidationError("名额须在 1 到 1000 之间")
    r = StarRound.objects.create(unit=unit, year=_year(year), title=title[:100], quota=quota,
                                 created_by=audit.account(by))
    audit.record(action="assessment.round_create", by=by, obj=r, after={"unit": unit.pk, "quota": quota})
    return r


@transaction.atomic
def nominate(*, round, person, unit, reason, by, upload=None):
    if round.status != StarRound.Status.OPEN:
        raise ValidationError("本次评选已截止推荐")
    if not unit.path.startswith(round.unit.path):
        raise ValidationError("推荐单位不在本次评选范围内")
    if not person.unit.path.startswith(unit.path):
        raise ValidationError("只能推荐本单位及下属单位的同志")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("请填写推荐理由")
    if Nomination.objects.filter(round=round, person=person).exists():
        raise ValidationError(f"{person.name}已被推荐")
    n = Nomination(round=round, person=person, unit=unit, reason=reason[:2000], by=audit.account(by))
    if upload is not None:
        from core.uploads import over_limit

        message = over_limit(upload.size)
        if message:
            raise ValidationError(f"附件{message}")
        n.material = upload
        n.material_name = upload.name[:200]
    n.save()
    audit.record(action="assessment.nominate", by=by, obj=n, after={"round": round.pk, "person": person.pk})
    return n


@transaction.atomic
def review(*, nomination, shortlist, note, by):
    if nomination.round.status not in (StarRound.Status.OPEN, StarRound.Status.REVIEW):
        raise ValidationError("本次评选已确定，不能再评审")
    note = (note or "").strip()
    if not shortlist and not note:
        raise ValidationError("不予入围请填写评审意见")
    nomination.status = Nomination.Status.SHORTLISTED if shortlist else Nomination.Status.REJECTED
    nomination.review_note = note[:300]
    nomination.save(update_fields=["status", "review_note"])
    if nomination.round.status == StarRound.Status.OPEN:
        StarRound.objects.filter(pk=nomination.round_id).update(status=StarRound.Status.REVIEW)
    audit.record(action="assessment.review", by=by, obj=nomination, after={"status": nomination.status})
    return nomination


@transaction.atomic
def decide(*, round, named_ids, by):
    named_ids = {int(i) for i in named_ids}
    pool = Nomination.objects.filter(round=round, status=Nomination.Status.SHORTLISTED)
    if not named_ids or not named_ids <= set(pool.values_list("pk", flat=True)):
        raise ValidationError("请从入围名单中选择当选人")
    if len(named_ids) > round.quota:
        raise ValidationError(f"当选人数超过名额（{round.quota}名）")
    Nomination.objects.filter(pk__in=named_ids).update(status=Nomination.Status.NAMED)
    round.status = StarRound.Status.DECIDED
    round.save(update_fields=["status"])
    audit.record(action="assessment.decide", by=by, obj=round, after={"named": sorted(named_ids)})


@transaction.atomic
def publish(*, round, by):
    if round.status != StarRound.Status.DECIDED:
        raise ValidationError("请先确定当选名单再公布")
    round.status = StarRound.Status.PUBLISHED
    round.published_at = timezone.now()
    round.save(update_fields=["status", "published_at"])
    audit.record(action="assessment.publish", by=by, obj=round)
