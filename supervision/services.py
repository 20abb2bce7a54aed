"""Every write of the supervision app: atomic, keyword-only, audited. Rules live here, not in views."""

import datetime as dt
import random
import secrets
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core import audit
from core.uploads import over_limit
from meetings.models import Notice, SessionStatus
from orgs import access as org_access
from orgs import services as org_services
from orgs.models import Membership, ObserverAssignment
from workdays.selectors import add_workdays

from .models import (
    OPEN_RECT,
    Checklist,
    ChecklistItem,
    Draw,
    FocusTarget,
    Inspection,
    InspectionResult,
    InspectionTarget,
    ObserverAbsence,
    Rectification,
    RectStatus,
    SpeakerFiling,
    SpeakerStatus,
    SupervisionPlan,
    Visit,
    VisitKind,
    VisitObserver,
    VisitScore,
)

# The default 巡听 checklist (issue 12 and reference/assessment-practice.md, 列席旁听 practice S1): scored per
# item; completeness items are worth less than the quality of 研讨. Supervisors edit their own copy.
DEFAULT_VISIT_ITEMS = [
    ("第一议题学习", "党委（党组）会议第一议题及时学习最新重要讲话精神", 10),
    ("年度学习计划经党组（党委）审定", "本次学习在审定的年度计划内，有学习方案", 10),
    ("本季度至少开展一次集体研讨", "合规项：本季度已有集体研讨", 10),
    ("外请辅导报备", "外请报告人经政治把关并备案", 10),
    ("参学率与请假", "参学率及请假审批、补学安排（记录，不按人次计分）", 10),
    ("主持与领学", "组长主持，领学人准备充分", 15),
    ("研讨发言质量", "发言联系实际、有问题有思考，组长讲评", 20),
    ("五落实完整", "时间、地点、人员、内容、效果落实", 10),
    ("学习档案规范", "计划、记录、考勤、纪要等档案齐全", 5),
]
DEFAULT_INSPECTION_ITEMS = [
    ("组织领导与计划", "计划经审定，第一议题制度落实，配备学习秘书", 15),
    ("学习内容与专题", "上级规定专题和参考议题及时学习", 15),
    ("集体研讨质量", "领学、联系实际的研讨、组长讲评", 25),
    ("调研与成果转化", "调研课题与成果转化", 20),
    ("制度与档案规范", "档案专卷齐全，外请报告备案", 10),
    ("督导反馈整改", "巡听、督查发现问题整改销号", 15),
]


def _cfg(name, default):
    return getattr(settings, name, default)


def filing_workdays():
    return _cfg("SUPERVISION_FILING_WORKDAYS", 2)


def feedback_workdays():
    return _cfg("SUPERVISION_FEEDBACK_WORKDAYS", 5)


def feedback_max_chars():
    return _cfg("SUPERVISION_FEEDBACK_MAX_CHARS", 500)


# ---- checklists and the observer pool ------------------------------------------------------------

@transaction.atomic
def default_checklist(*, unit, use=Checklist.Use.VISIT, by=None):
    """The unit's checklist for this use, created from the defaults the first time it is needed."""
    existing = Checklist.objects.filter(unit=unit, use=use).order_by("id").first()
    if existing:
        return existing
    name = "巡听旁听评分表" if use == Checklist.Use.VISIT else "专题督查清单"
    checklist = Checklist.objects.create(unit=unit, name=name, use=use)
    items = DEFAULT_VISIT_ITEMS if use == Checklist.Use.VISIT else DEFAULT_INSPECTION_ITEMS
    ChecklistItem.objects.bulk_create([ChecklistItem(checklist=checklist, order=i, text=t, guide=g, max_score=m)
                                       for i, (t, g, m) in enumerate(items, start=1)])
    audit.record(action="supervision.checklist_create", by=by, obj=checklist, after={"unit": unit.pk, "use": use})
    return checklist


@transaction.atomic
def checklist_item_add(*, checklist, text, max_score, guide="", by):
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "请填写评分项"})
    if not 1 <= int(max_score) <= 100:
        raise ValidationError({"max_score": "分值须在 1 到 100 之间"})
    order = (checklist.items.order_by("-order").values_list("order", flat=True).first() or 0) + 1
    item = ChecklistItem.objects.create(checklist=checklist, order=order, text=text, guide=guide.strip(),
                                        max_score=max_score)
    audit.record(action="supervision.checklist_item_add", by=by, obj=item,
                 after={"checklist": checklist.pk, "text": text, "max_score": int(max_score)})
    return item


@transaction.atomic
def pool_add(*, unit, person, by, note=""):
    """Add a person to the unit's 巡听人员库 (orgs keeps the pool; this is the supervisor's entry point)."""
    return org_services.observer_add(person=person, pool_unit=unit, by=by, note=note)


@transaction.atomic
def absence_add(*, observer, start, end, reason, by):
    reason = (reason or "").strip()
    if end < start:
        raise ValidationError({"end": "结束日期不能早于开始日期"})
    if not reason:
        raise ValidationError({"reason": "请填写原因"})
    absence = ObserverAbsence.objects.create(observer=observer, start=start, end=end, reason=reason,
                                             created_by=audit.account(by))
    audit.record(action="supervision.absence_add", by=by, obj=absence,
                 after={"observer": observer.pk, "start": start, "end": end})
    return absence


def is_own_unit(observer, group):
    """An observer is never sent to their own unit, nor to a unit that contains it (their own superior)."""
    return observer.person.unit.path.startswith(group.unit.path)


def is_available(observer, day):
    return observer.active and not observer.absences.filter(start__lte=day, end__gte=day).exists()


# ---- plans, focus targets, draws -------------------------------------------------------------------

@transaction.atomic
def plan_create(*, unit, year, coverage_years=1, note="", by):
    if not 2000 <= int(year) <= 2100:
        raise ValidationError({"year": "年度不正确"})
    if not 1 <= int(coverage_years) <= 5:
        raise ValidationError({"coverage_years": "覆盖周期须在 1 到 5 年之间"})
    if SupervisionPlan.objects.filter(unit=unit, year=year).exists():
        raise ValidationError({"year": f"{unit.name}已有{year}年的巡听旁听计划"})
    plan = SupervisionPlan.objects.create(unit=unit, year=year, coverage_years=coverage_years, note=note.strip(),
                                          checklist=default_checklist(unit=unit, by=by), created_by=audit.account(by))
    audit.record(action="supervision.plan_create", by=by, obj=plan,
                 after={"unit": unit.pk, "year": int(year), "coverage_years": int(coverage_years)})
    return plan


@transaction.atomic
def focus_add(*, plan, group, reason, by, source=FocusTarget.Source.MANUAL):
    reason = (reason or "").strip()
    if not org_access.group_below(plan.unit, group):
        raise ValidationError({"group": f"“{group.name}”不在{plan.unit.name}督导范围内"})
    if not reason:
        raise ValidationError({"reason": "请填写列为重点对象的原因（如上年考核不合格）"})
    target, created = FocusTarget.objects.get_or_create(plan=plan, group=group,
                                                        defaults={"reason": reason[:200], "source": source})
    if not created:
        raise ValidationError({"group": f"“{group.name}”已是重点对象"})
    audit.record(action="supervision.focus_add", by=by, obj=target, after={"plan": plan.pk, "group": group.pk,
                                                                          "reason": reason})
    return target


@transaction.atomic
def visit_add(*, plan, group, kind, by, planned_month=None):
    if not org_access.group_below(plan.unit, group):
        raise ValidationError({"group": f"“{group.name}”不在{plan.unit.name}督导范围内，不能安排旁听"})
    if kind not in VisitKind.values:
        raise ValidationError({"kind": "旁听方式不正确"})
    if planned_month is not None and not 1 <= int(planned_month) <= 12:
        raise ValidationError({"planned_month": "月份须在 1 到 12 之间"})
    visit = Visit.objects.create(plan=plan, group=group, kind=kind, planned_month=planned_month,
                                 created_by=audit.account(by))
    audit.record(action="supervision.visit_add", by=by, obj=visit,
                 after={"plan": plan.pk, "group": group.pk, "kind": kind, "month": planned_month})
    return visit


def pick(seed, candidates, weights, count):
    """Weighted sampling without replacement (Efraimidis–Spirakis): each candidate gets the key u^(1/w) from
    one seeded stream in candidate order, the largest keys win. Deterministic in its inputs, so a draw can be
    re-run and checked by anyone; a weight of 3 makes a group about three times as likely to be drawn."""
    rng = random.Random(str(seed))
    keyed = []
    for gid, w in zip(candidates, weights, strict=True):
        u = rng.random()
        keyed.append((u ** (1.0 / w) if w > 0 else -1.0, -gid, gid))
    keyed.sort(reverse=True)
    return [gid for key, _, gid in keyed[:count] if key >= 0]


@transaction.atomic
def draw_random(*, plan, count, by, exclusions=None, seed=None):
    """Draw `count` groups for 随机 visits. Inputs are snapshotted: candidate ids, weights and exclusions."""
    from . import selectors

    count = int(count)
    if count < 1:
        raise ValidationError({"count": "抽取数量至少为 1"})
    exclusions = {int(k): v for k, v in (exclusions or {}).items()}
    candidates, weights, auto_excluded = selectors.draw_inputs(plan, exclusions)
    if not candidates:
        raise ValidationError("没有可抽取的中心组：下辖中心组都已安排旁听或被排除")
    if count > len(candidates):
        raise ValidationError({"count": f"可抽取的中心组只有 {len(candidates)} 个，抽取数量不能超过它"})
    seed = seed or secrets.token_hex(8)
    picked = pick(seed, candidates, weights, count)
    all_excluded = {str(k): v for k, v in {**auto_excluded, **exclusions}.items()}
    draw = Draw.objects.create(plan=plan, seed=seed, count=count, candidates=candidates, weights=weights,
                               exclusions=all_excluded, picked=picked, drawn_by=audit.account(by))
    Visit.objects.bulk_create([Visit(plan=plan, group_id=gid, kind=VisitKind.RANDOM, draw=draw,
                                     created_by=audit.account(by)) for gid in picked])
    audit.record(action="supervision.draw", by=by, obj=draw,
                 after={"plan": plan.pk, "seed": seed, "count": count, "candidates": len(candidates),
                        "picked": picked, "exclusions": sorted(all_excluded)})
    return draw


def draw_verify(draw):
    """(same?, the list a re-run gives): re-run the recorded draw from its stored inputs."""
    again = pick(draw.seed, draw.candidates, draw.weights, draw.count)
    return again == draw.picked, again


@transaction.atomic
def focus_visits_create(*, plan, by, per_group=2):
    """重点旁听: every focus target (manual list and pluggable sources) gets `per_group` visits this year."""
    from . import selectors

    per_group = int(per_group)
    if not 1 <= per_group <= 6:
        raise ValidationError({"per_group": "每个重点对象旁听次数须在 1 到 6 之间"})
    targets = selectors.focus_candidates(plan)
    have = {}
    for gid in Visit.objects.filter(plan=plan, kind=VisitKind.FOCUS, cancelled=False).values_list("group_id",
                                                                                               flat=True):
        have[gid] = have.get(gid, 0) + 1
    new = [Visit(plan=plan, group_id=t.group_id, kind=VisitKind.FOCUS, created_by=audit.account(by))
           for t in targets for _ in range(max(0, per_group - have.get(t.group_id, 0)))]
    Visit.objects.bulk_create(new)
    audit.record(action="supervision.focus_visits", by=by, obj=plan,
                 after={"targets": [t.group_id for t in targets], "per_group": per_group, "created": len(new)})
    return len(new)


# ---- filing, observers, scoring and feedback ------------------------------------------------------

def filing_deadline(session_day):
    """The last day a session may be filed on time: N working days before it."""
    return add_workdays(session_day, -filing_workdays())


@transaction.atomic
def visit_file(*, visit, session, by, note="", today=None):
    """The group files the session the visit will attend (备案) and sends its materials (the session's)."""
    today = today or timezone.localdate()
    visit = Visit.objects.select_for_update().get(pk=visit.pk)
    if visit.cancelled:
        raise ValidationError("这次旁听已撤销")
    if visit.feedback_at:
        raise ValidationError("这次旁听已反馈，不能再更换备案的学习")
    if session.group_id != visit.group_id:
        raise ValidationError({"session": "只能备案本组主办的集体学习"})
    if session.status != SessionStatus.SCHEDULED or session.day < today:
        raise ValidationError({"session": "只能备案尚未举行的集体学习"})
    visit.session = session
    visit.filed_at = timezone.now()
    visit.filed_by = audit.account(by)
    visit.filed_late = today > filing_deadline(session.day)
    visit.filing_note = (note or "").strip()[:300]
    visit.save(update_fields=["session", "filed_at", "filed_by", "filed_late", "filing_note"])
    audit.record(action="supervision.visit_file", by=by, obj=visit,
                 after={"session": session.pk, "late": visit.filed_late})
    _notify_supervisors(visit, f"{visit.group.name}已备案集体学习“{session.title}”（{session.day:%Y-%m-%d}），请安排巡听")
    return visit


@transaction.atomic
def visit_invite(*, plan, session, by, note="", today=None):
    """应邀旁听: a group files a session and invites observers; the visit is created in the supervisor's plan."""
    group = session.group
    if not org_access.group_below(plan.unit, group):
        raise ValidationError({"plan": "所选督导单位不督导本组"})
    visit = visit_add(plan=plan, group=group, kind=VisitKind.INVITED, by=by, planned_month=session.day.month)
    return visit_file(visit=visit, session=session, by=by, note=note, today=today)


def _notify_supervisors(visit, text):
    from accounts.models import User
    from orgs.models import SupervisorScope

    day = timezone.localdate()
    users = SupervisorScope.objects.filter(unit=visit.plan.unit, start__lte=day).exclude(end__lt=day).values("user")
    person_ids = User.objects.filter(pk__in=users, person__isnull=False).values_list("person_id", flat=True)
    Notice.objects.bulk_create([Notice(person_id=pid, session=visit.session, text=text[:300]) for pid in person_ids])


@transaction.atomic
def visit_assign(*, visit, observer, by):
    visit = Visit.objects.select_for_update(of=("self",)).select_related("group__unit", "plan__unit", "session").get(pk=visit.pk)
    if visit.session_id is None:
        raise ValidationError("本组尚未备案要旁听的集体学习，暂不能派员")
    if not observer.pool_unit.path.startswith(visit.plan.unit.path) and not visit.plan.unit.path.startswith(
            observer.pool_unit.path):
        raise ValidationError({"observer": "只能派出本督导单位巡听人员库中的巡听员"})
    if is_own_unit(observer, visit.group):
        raise ValidationError({"observer": f"{observer.person.name}是{visit.group.unit.name}本单位（或其上级单位）"
                                           f"人员，不能派往本单位旁听"})
    if not is_available(observer, visit.session.day):
        raise ValidationError({"observer": f"{observer.person.name}在{visit.session.day:%Y-%m-%d}不可派出"})
    if VisitObserver.objects.filter(visit=visit, observer=observer).exists():
        raise ValidationError({"observer": f"{observer.person.name}已派往这次旁听"})
    # The access grant that lets the observer open the session and its materials, until feedback is due.
    end = add_workdays(visit.session.day, feedback_workdays() + 10)
    assignment = ObserverAssignment.objects.create(observer=observer, group=visit.group, start=timezone.localdate(),
                                                   end=end, kind=visit.kind)
    link = VisitObserver.objects.create(visit=visit, observer=observer, assignment=assignment)
    audit.record(action="supervision.visit_assign", by=by, obj=link,
                 after={"visit": visit.pk, "observer": observer.pk, "assignment": assignment.pk})
    Notice.objects.create(person=observer.person, session=visit.session,
                          text=(f"请于{visit.session.day:%Y-%m-%d}列席旁听{visit.group.name}集体学习“{visit.session.title}”"
                                f"，会后 {feedback_workdays()} 个工作日内提交评分和反馈")[:300])
    return link


def feedback_due(session_day):
    return add_workdays(session_day, feedback_workdays())


def _checked_scores(items, given, *, foreign, note_chars):
    """([errors], {item id: (score, note)}) for {item id: (score, note)} against a checklist's items: one rule
    for a 巡听 score and a 督查 result. An empty score is skipped (not an error); each bad one is named."""
    errors, clean = [], {}
    for item_id, (value, note) in given.items():
        item = items.get(int(item_id))
        if item is None:
            errors.append(foreign)
            continue
        if value in (None, ""):
            continue
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            errors.append(f"“{item.text}”的得分不是数字")
            continue
        if not number.is_finite() or number < 0 or number > item.max_score:
            errors.append(f"“{item.text}”的得分须在 0 到 {item.max_score} 之间")
            continue
        clean[item.pk] = (number.quantize(Decimal("0.1")), (note or "").strip()[:note_chars])
    return errors, clean


@transaction.atomic
def visit_score(*, visit, scores, feedback, by, submit=False):
    """Save the observer's scores ({item id: (score, comment)}) and feedback; `submit` sends it to the group.
    Everything is checked first, so a bad score changes nothing."""
    visit = Visit.objects.select_for_update(of=("self",)).select_related("plan__checklist", "session").get(pk=visit.pk)
    if visit.session_id is None:
        raise ValidationError("这次旁听还没有备案的集体学习")
    if visit.feedback_at:
        raise ValidationError("反馈已提交，不能再修改")
    items = {i.pk: i for i in visit.plan.checklist.items.all()}
    errors, clean = _checked_scores(items, scores, foreign="评分项不属于本评分表", note_chars=200)
    feedback = (feedback or "").strip()
    limit = feedback_max_chars()
    if len(feedback) > limit:
        errors.append(f"反馈意见不能超过 {limit} 字（现有 {len(feedback)} 字）")
    if submit:
        if timezone.localdate() < visit.session.day:
            errors.append("学习尚未举行，不能提交反馈")
        typed = {int(k) for k, (v, _) in scores.items() if v not in (None, "")}  # a bad score is reported once
        saved = set(VisitScore.objects.filter(visit=visit).values_list("item_id", flat=True))
        missing = [i.text for pk, i in items.items() if pk not in clean and pk not in typed and pk not in saved]
        if missing:
            errors.append("还有评分项未打分：" + "、".join(missing))
        if not feedback:
            errors.append("请填写反馈意见")
    if errors:
        raise ValidationError(errors)
    for item_id, (number, comment) in clean.items():
        VisitScore.objects.update_or_create(visit=visit, item_id=item_id,
                                            defaults={"score": number, "comment": comment, "by": audit.account(by),
                                                      "at": timezone.now()})
    visit.feedback = feedback
    visit.feedback_due = visit.feedback_due or feedback_due(visit.session.day)
    fields = ["feedback", "feedback_due"]
    if submit:
        visit.feedback_at = timezone.now()
        visit.feedback_by = audit.account(by)
        fields += ["feedback_at", "feedback_by"]
    visit.save(update_fields=fields)
    audit.record(action="supervision.visit_feedback" if submit else "supervision.visit_score", by=by, obj=visit,
                 after={"scores": {str(k): str(v[0]) for k, v in clean.items()}, "chars": len(feedback),
                        "submitted": submit})
    if submit:
        managers = Membership.objects.on(timezone.localdate()).filter(
            group=visit.group, role__in=("leader", "deputy", "secretary")).values_list("person_id", flat=True)
        Notice.objects.bulk_create([Notice(person_id=pid, session=visit.session,
                                           text=f"巡听旁听反馈已送达：“{visit.session.title}”，请查看并落实整改")
                                    for pid in set(managers)])
    return visit


@transaction.atomic
def visit_cancel(*, visit, by, reason):
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写撤销原因"})
    if visit.feedback_at:
        raise ValidationError("已反馈的旁听不能撤销")
    Visit.objects.filter(pk=visit.pk).update(cancelled=True)
    audit.record(action="supervision.visit_cancel", by=by, obj=visit, after={"reason": reason})


# ---- 整改 ------------------------------------------------------------------------------------------

@transaction.atomic
def rect_add(*, group, problem, measure, responsible, due, by, visit=None, target=None):
    if visit is not None and (visit.group_id != group.pk or not visit.feedback_at):
        raise ValidationError("只能针对本组已收到的反馈意见填报整改")
    if target is not None and target.group_id != group.pk:
        raise ValidationError("只能针对本组的督查结果填报整改")
    if visit is None and target is None:
        raise ValidationError("整改须对应一次旁听反馈或专题督查")
    errors = {}
    problem, measure = (problem or "").strip(), (measure or "").strip()
    if not problem:
        errors["problem"] = "请填写问题"
    if not measure:
        errors["measure"] = "请填写整改措施"
    if responsible is None or not Membership.objects.filter(group=group, person=responsible).exists():
        errors["responsible"] = "责任人须为本组成员"
    if due is None:
        errors["due"] = "请填写整改期限"
    if errors:
        raise ValidationError(errors)
    rect = Rectification.objects.create(group=group, visit=visit, target=target, problem=problem[:300],
                                        measure=measure[:500], responsible=responsible, due=due,
                                        created_by=audit.account(by))
    audit.record(action="supervision.rect_add", by=by, obj=rect,
                 after={"group": group.pk, "problem": rect.problem, "due": due})
    return rect


@transaction.atomic
def rect_done(*, rect, by, evidence_text="", upload=None):
    """整改完成: needs evidence, a text of what was done or an uploaded file (or both)."""
    rect = Rectification.objects.select_for_update().get(pk=rect.pk)
    if rect.status not in (RectStatus.OPEN, RectStatus.RETURNED):
        raise ValidationError(f"这条整改{rect.get_status_display()}，不能再提交")
    evidence_text = (evidence_text or "").strip()
    if not evidence_text and upload is None:
        raise ValidationError({"evidence_text": "请填写整改情况或上传佐证材料，没有佐证不能销号"})
    if upload is not None:
        if limit := over_limit(upload.size):
            raise ValidationError({"evidence_file": f"佐证材料{limit}"})
        if upload.size == 0:
            raise ValidationError({"evidence_file": "上传的文件是空的"})
        rect.evidence_file.save(upload.name[-80:], upload, save=False)
        rect.evidence_name = upload.name[-200:]
    if evidence_text:
        rect.evidence_text = evidence_text
    rect.status = RectStatus.SUBMITTED
    rect.done_at = timezone.now()
    rect.save()
    audit.record(action="supervision.rect_done", by=by, obj=rect,
                 after={"chars": len(evidence_text), "file": rect.evidence_name})
    return rect


@transaction.atomic
def rect_decide(*, rect, accept, by, note=""):
    rect = Rectification.objects.select_for_update().get(pk=rect.pk)
    if rect.status != RectStatus.SUBMITTED:
        raise ValidationError("只有已提交的整改可以验收或退回")
    note = (note or "").strip()
    if not accept and not note:
        raise ValidationError({"note": "退回时请写明原因"})
    rect.status = RectStatus.ACCEPTED if accept else RectStatus.RETURNED
    rect.decided_by, rect.decided_at, rect.decision_note = audit.account(by), timezone.now(), note[:300]
    rect.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit.record(action="supervision.rect_accept" if accept else "supervision.rect_return", by=by, obj=rect,
                 after={"note": note})
    return rect


def rect_is_overdue(rect, today):
    return rect.status in OPEN_RECT and rect.due < today


# ---- 外请辅导 ----------------------------------------------------------------------------------------

SPEAKER_FIELDS = ("name", "unit_name", "title", "topic", "outline")


@transaction.atomic
def speaker_file(*, session, by, today=None, **fields):
    today = today or timezone.localdate()
    errors = {f: "请填写此项" for f in SPEAKER_FIELDS if not (fields.get(f) or "").strip()}
    if session.status != SessionStatus.SCHEDULED or session.day < today:
        errors["session"] = "只能为尚未举行的集体学习报备外请辅导"
    if SpeakerFiling.objects.filter(session=session, status=SpeakerStatus.PENDING).exists():
        errors["session"] = "这次学习已有待把关的外请辅导报备"
    if errors:
        raise ValidationError(errors)
    filing = SpeakerFiling.objects.create(group=session.group, session=session, filed_by=audit.account(by),
                                          **{f: fields[f].strip() for f in SPEAKER_FIELDS})
    # Until the supervisor decides, the session's speaker check fails (it cannot be held or archived).
    type(session).objects.filter(pk=session.pk).update(
        outside_speaker=f"{filing.name}（{filing.unit_name}{filing.title}）"[:120], speaker_approved_at=None,
        speaker_approved_by=None, speaker_approval_note="已报上级督导单位政治把关，待把关")
    audit.record(action="supervision.speaker_file", by=by, obj=filing,
                 after={"session": session.pk, **{f: getattr(filing, f) for f in SPEAKER_FIELDS[:4]}})
    return filing


@transaction.atomic
def speaker_decide(*, filing, approve, note, by):
    """政治把关. The session's speaker check reads this decision: approval stamps the session's approval fields
    (so it can be held and archived); a refusal clears them, so a session with that speaker cannot go ahead."""
    from meetings.models import StudySession

    filing = SpeakerFiling.objects.select_for_update().get(pk=filing.pk)
    note = (note or "").strip()
    if filing.status != SpeakerStatus.PENDING:
        raise ValidationError(f"这条报备已{filing.get_status_display()}")
    if not note:
        raise ValidationError({"note": "请填写把关意见"})
    session = StudySession.objects.select_for_update().get(pk=filing.session_id)
    if session.is_closed:
        raise ValidationError("这次学习已归档或取消")
    filing.status = SpeakerStatus.APPROVED if approve else SpeakerStatus.REFUSED
    filing.decision_note, filing.decided_by, filing.decided_at = note[:300], audit.account(by), timezone.now()
    filing.save(update_fields=["status", "decision_note", "decided_by", "decided_at"])
    if approve:
        session.outside_speaker = f"{filing.name}（{filing.unit_name}{filing.title}）"[:120]
        session.speaker_approved_at, session.speaker_approved_by = timezone.now(), audit.account(by)
        session.speaker_approval_note = f"上级政治把关同意：{note}"[:200]
    else:
        session.speaker_approved_at, session.speaker_approved_by = None, None
        session.speaker_approval_note = f"上级政治把关不同意：{note}"[:200]
    session.save(update_fields=["outside_speaker", "speaker_approved_at", "speaker_approved_by",
                                "speaker_approval_note"])
    audit.record(action="supervision.speaker_approve" if approve else "supervision.speaker_refuse", by=by,
                 obj=filing, after={"session": session.pk, "note": note})
    return filing


# ---- 专题督查 ----------------------------------------------------------------------------------------

@transaction.atomic
def inspection_create(*, unit, title, year, due, groups, by, checklist=None):
    title = (title or "").strip()
    groups = list(groups)
    errors = {}
    if not title:
        errors["title"] = "请填写督查名称"
    outside = [g.name for g in groups if not org_access.group_below(unit, g)]
    if outside:
        errors["groups"] = "以下中心组不在督导范围内：" + "、".join(outside[:5])
    if not groups:
        errors["groups"] = "请选择督查对象"
    if errors:
        raise ValidationError(errors)
    checklist = checklist or default_checklist(unit=unit, use=Checklist.Use.INSPECTION, by=by)
    inspection = Inspection.objects.create(unit=unit, title=title, year=year, due=due, checklist=checklist,
                                           created_by=audit.account(by))
    InspectionTarget.objects.bulk_create([InspectionTarget(inspection=inspection, group=g) for g in groups])
    audit.record(action="supervision.inspection_create", by=by, obj=inspection,
                 after={"unit": unit.pk, "title": title, "targets": len(groups)})
    return inspection


@transaction.atomic
def inspection_assign(*, target, inspector, by):
    if is_own_unit(inspector, target.group):
        raise ValidationError({"inspector": f"{inspector.person.name}是{target.group.unit.name}本单位（或其上级单位）"
                                            "人员，不能督查本单位"})
    InspectionTarget.objects.filter(pk=target.pk).update(inspector=inspector)
    audit.record(action="supervision.inspection_assign", by=by, obj=target, after={"inspector": inspector.pk})


@transaction.atomic
def inspection_record(*, target, results, by):
    """Results per item: {item id: (score, problem)}; all checked before anything is saved."""
    items = {i.pk: i for i in target.inspection.checklist.items.all()}
    errors, clean = _checked_scores(items, results, foreign="检查项不属于本清单", note_chars=300)
    if errors:
        raise ValidationError(errors)
    for item_id, (number, problem) in clean.items():
        InspectionResult.objects.update_or_create(target=target, item_id=item_id,
                                                  defaults={"score": number, "problem": problem,
                                                            "by": audit.account(by), "at": timezone.now()})
    if len(clean) + target.results.exclude(item_id__in=clean).count() >= len(items):
        InspectionTarget.objects.filter(pk=target.pk, done_at__isnull=True).update(done_at=timezone.now())
    audit.record(action="supervision.inspection_record", by=by, obj=target,
                 after={str(k): [str(v[0]), v[1]] for k, v in clean.items()})


def default_rect_due(today=None):
    """Default 整改 deadline: 30 days (an assumption, see reference/assessment-practice.md §6)."""
    return (today or timezone.localdate()) + dt.timedelta(days=30)
