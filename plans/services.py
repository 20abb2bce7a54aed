"""Every write to guidance, reference topics and plans. Atomic, keyword-only, audited; errors in Chinese."""

import datetime as dt
import re
import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core import audit
from core.versions import check_version
from orgs import access as org_access
from stats import services as stats_services

from .access import is_leader
from .models import (
    EDITABLE,
    Adoption,
    CopyFlag,
    Format,
    Guidance,
    Kind,
    MandatedTopic,
    ReferenceTopic,
    Status,
    StudyPlan,
    Topic,
)

PLAN_FIELDS = ["group_id", "year", "number", "status", "title", "reason", "version"]
TOPIC_KEYS = ("title", "kind", "month", "planned_on", "format", "lead", "materials", "notes", "mandated_id",
              "reference_id", "line")
_TITLE_SPLIT = re.compile(r"[\n；;、，,]+")


def material_titles(text):
    """The titles a topic's 学习材料 text names, one per line or separated by 、；，, without 《》 or quotes."""
    out = []
    for part in _TITLE_SPLIT.split(text or ""):
        part = part.strip().strip("《》〈〉“”\"' ").strip()
        if part:
            out.append(part)
    return out


def link_library_materials(group, topics):
    """Link each topic to the library materials its text names by exact title, among those the group sees
    (owned by its unit or one above). The text stays as written; links are added, never guessed loosely."""
    from materials.models import Material

    wanted = {}
    for t in topics:
        for title in material_titles(t.materials):
            wanted.setdefault(title, []).append(t)
    if not wanted:
        return
    owners = ancestor_unit_ids(group)
    Through = Topic.library_materials.through
    links = [Through(topic_id=t.pk, material_id=m_id)
             for m_id, title in Material.objects.filter(title__in=list(wanted), owner_unit_id__in=owners)
             .values_list("pk", "title") for t in wanted[title]]
    Through.objects.bulk_create(links, ignore_conflicts=True)



# ---- guidance from above ----------------------------------------------------------------------------

def ancestor_unit_ids(group):
    return group.unit.ancestor_ids() + [group.unit_id]


def mandated_for(group, year):
    """Published mandated topics that reach this group: guidance issued at its unit or any unit above."""
    return mandated_for_units(ancestor_unit_ids(group), year)


def mandated_for_units(unit_ids, year):
    """mandated_for, with the group's unit and those above it given (the plan page runs it as a prepared
    statement, core.sql.prepared)."""
    return MandatedTopic.objects.filter(
        guidance__unit_id__in=unit_ids, guidance__year=year, guidance__published_at__isnull=False
    ).select_related("guidance__unit").order_by("guidance__unit__depth", "guidance_id", "sort", "id")


def references_for(group, year):
    return ReferenceTopic.objects.filter(unit_id__in=ancestor_unit_ids(group), year=year).order_by("-sent_at", "-id")


def _check_scope(by, unit):
    if by is not None and not org_access.can_supervise(by, unit):
        raise ValidationError("只能向本人督导范围内的单位下发")


def year_range():
    """Plans, guidance and references are kept for the last ten years and the coming one."""
    this_year = timezone.localdate().year
    return this_year - 10, this_year + 1


def year_in_range(year):
    first, last = year_range()
    return isinstance(year, int) and first <= year <= last


def _check_year(year):
    if not year_in_range(year):
        first, last = year_range()
        raise ValidationError({"year": f"年度应在 {first} 至 {last} 年之间"})


@transaction.atomic
def guidance_save(*, unit, year, topics, by, title="", report_deadline=None):
    """Create or replace the unpublished guidance of `unit` for `year`. `topics`: [(title, kind), …]."""
    _check_scope(by, unit)
    _check_year(year)
    report_deadline = report_deadline or Guidance.default_deadline(year)
    if report_deadline.year != year:
        raise ValidationError({"report_deadline": f"报送截止日期 {report_deadline:%Y-%m-%d} 不在 {year} 年度内"})
    clean = []
    for i, (t, kind) in enumerate(topics, start=1):
        t = (t or "").strip()
        if not t:
            raise ValidationError({"topics": f"第 {i} 个规定专题没有填写题目"})
        if kind not in Kind.values:
            raise ValidationError({"topics": f"第 {i} 个规定专题的类别应为必学或选学"})
        clean.append((t[:200], kind))
    guidance = Guidance.objects.select_for_update().filter(unit=unit, year=year).first()
    if guidance is not None and guidance.is_published:
        raise ValidationError("该年度学习安排已经发布，规定专题不能再修改")
    if guidance is None:
        guidance = Guidance.objects.create(unit=unit, year=year, title=title.strip(), report_deadline=report_deadline)
    else:
        guidance.title = title.strip()
        guidance.report_deadline = report_deadline
        guidance.version += 1
        guidance.save(update_fields=["title", "report_deadline", "version"])
        guidance.topics.all().delete()
    MandatedTopic.objects.bulk_create(
        [MandatedTopic(guidance=guidance, sort=i, title=t, kind=k) for i, (t, k) in enumerate(clean, start=1)])
    audit.record(action="plans.guidance.save", by=by, obj=guidance,
                 after={"year": year, "deadline": report_deadline, "topics": [t for t, _ in clean]})
    return guidance


@transaction.atomic
def guidance_publish(*, guidance, by):
    guidance = Guidance.objects.select_for_update().select_related("unit").get(pk=guidance.pk)
    _check_scope(by, guidance.unit)
    if guidance.is_published:
        raise ValidationError("该年度学习安排已经发布")
    if not guidance.topics.exists():
        raise ValidationError("请先填写规定专题再发布")
    guidance.published_at = timezone.now()
    guidance.published_by = by
    guidance.save(update_fields=["published_at", "published_by"])
    audit.record(action="plans.guidance.publish", by=by, obj=guidance,
                 after={"unit": guidance.unit.name, "year": guidance.year, "topics": guidance.topics.count()})
    return guidance


@transaction.atomic
def reference_send(*, unit, year, title, by, description="", materials=""):
    _check_scope(by, unit)
    _check_year(year)
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": "请填写参考议题的题目"})
    ref = ReferenceTopic.objects.create(unit=unit, year=year, title=title[:200], description=description.strip(),
                                        materials=materials.strip(), sent_at=timezone.now(), sent_by=by)
    audit.record(action="plans.reference.send", by=by, obj=ref, after={"unit": unit.name, "year": year,
                                                                       "title": ref.title})
    return ref


@transaction.atomic
def reference_adopt(*, reference, group, by):
    """Take a 参考议题 into the group's plan of that year (a new version if the plan is already approved)."""
    if reference.unit_id not in ancestor_unit_ids(group):
        raise ValidationError("该参考议题没有下发到本组")
    if Adoption.objects.filter(reference=reference, group=group).exists():
        raise ValidationError(f"已采纳参考议题“{reference.title}”")
    plan = current_plan(group, reference.year)
    if plan is None:
        plan = plan_create(group=group, year=reference.year, by=by)
    elif plan.status == Status.SUBMITTED:
        raise ValidationError("本年度计划正在等待组长审定，请审定或退回后再采纳")
    elif plan.status == Status.APPROVED:
        plan = plan_revise(plan=plan, reason=f"采纳参考议题“{reference.title}”", by=by)
    sort = (plan.topics.order_by("-sort").values_list("sort", flat=True).first() or 0) + 1
    topic = Topic.objects.create(plan=plan, sort=sort, title=reference.title, kind=Kind.REQUIRED,
                                 materials=reference.materials, notes=reference.description, reference=reference)
    link_library_materials(group, [topic])
    adoption = Adoption.objects.create(reference=reference, group=group, plan=plan, adopted_at=timezone.now(),
                                       adopted_by=by)
    audit.record(action="plans.reference.adopt", by=by, obj=adoption,
                 after={"reference": reference.title, "group": group.name, "plan": plan.pk, "number": plan.number})
    return plan


# ---- plans ------------------------------------------------------------------------------------------

def _latest_first(plans):
    return plans.order_by("year", "-number")  # within a year, the newest version first


def current_plan(group, year):
    return _latest_first(StudyPlan.objects.filter(group=group, year=year)).first()


def current_and_waiting(group, year):
    """(current_plan(group, year), the group's plans of other years still awaiting the 组长), in one read: the
    工作台 asks both of each group its user manages."""
    plans = list(_latest_first(StudyPlan.objects.filter(group=group).filter(
        Q(year=year) | Q(status=Status.SUBMITTED))))
    return next((p for p in plans if p.year == year), None), [p for p in plans if p.year != year]


def _lock(plan):
    return StudyPlan.objects.select_for_update().select_related("group__unit").get(pk=plan.pk)


def _check_version(plan, version):
    check_version(plan, version, "该计划已被他人修改，请刷新后重试")


def _has_newer(plan):
    return StudyPlan.objects.filter(group=plan.group, year=plan.year, number__gt=plan.number).exists()


def _bump(plan, *fields):
    plan.version += 1
    plan.save(update_fields=[*fields, "version"])


@transaction.atomic
def plan_create(*, group, year, by):
    _check_year(year)
    if StudyPlan.objects.filter(group=group, year=year).exists():
        raise ValidationError({"year": f"本组已有 {year} 年度学习计划，请在原计划上修改或发起修订"})
    plan = StudyPlan.objects.create(group=group, year=year, title=f"{group.name}{year}年度学习计划", created_by=by)
    # The document starts with the mandated topics, so the secretary fills in rather than retypes them.
    Topic.objects.bulk_create([
        Topic(plan=plan, sort=i, title=m.title, kind=m.kind, mandated=m)
        for i, m in enumerate(mandated_for(group, year), start=1)
    ])
    audit.record(action="plans.plan.create", by=by, obj=plan, after=audit.snapshot(plan, PLAN_FIELDS))
    return plan


def _clean_topics(plan, topics):
    allowed_mandated = set(mandated_for(plan.group, plan.year).values_list("id", flat=True))
    allowed_refs = set(references_for(plan.group, plan.year).values_list("id", flat=True))
    errors, rows = [], []
    for i, raw in enumerate(topics, start=1):
        row = {k: raw.get(k) for k in TOPIC_KEYS}
        for k in ("title", "lead", "materials", "notes"):
            row[k] = (row[k] or "").strip()
        if not any(row[k] for k in ("title", "lead", "materials", "notes", "month", "planned_on")):
            continue  # an empty line of the document
        if not row["title"]:
            errors.append(f"第 {i} 个专题没有填写题目")
        if len(row["title"]) > 200:
            errors.append(f"第 {i} 个专题的题目过长（不超过 200 字）")
        row["kind"] = row["kind"] or Kind.REQUIRED
        if row["kind"] not in Kind.values:
            errors.append(f"第 {i} 个专题的类别应为必学或选学")
        row["format"] = row["format"] or Format.DISCUSSION
        if row["format"] not in Format.values:
            errors.append(f"第 {i} 个专题的学习形式无效")
        month, day = row["month"], row["planned_on"]
        if month is not None and not (1 <= int(month) <= 12):
            errors.append(f"第 {i} 个专题的月份应在 1 至 12 月之间")
        if day is not None:
            if not isinstance(day, dt.date) or day.year != plan.year:
                errors.append(f"第 {i} 个专题的计划日期 {day} 不在 {plan.year} 年度内")
            elif month is None:
                row["month"] = day.month
            elif int(month) != day.month:
                errors.append(f"第 {i} 个专题的计划日期（{day.month} 月）与所填月份（{month} 月）不一致")
        if row["mandated_id"] and int(row["mandated_id"]) not in allowed_mandated:
            errors.append(f"第 {i} 个专题对应的规定专题不属于本组 {plan.year} 年度")
        if row["reference_id"] and int(row["reference_id"]) not in allowed_refs:
            row["reference_id"] = None
        rows.append(row)
    if errors:
        raise ValidationError(errors)
    return rows


@transaction.atomic
def plan_save(*, plan, topics, by, preamble="", requirements="", title=None, version=None):
    """Replace a draft's text and topics. `topics`: list of dicts with TOPIC_KEYS, in document order."""
    plan = _lock(plan)
    if plan.is_locked:
        raise ValidationError("已审定的计划不能直接修改，请发起修订并说明原因")
    if plan.status == Status.SUBMITTED:
        raise ValidationError("计划已提交组长审定，审定或退回前不能修改")
    _check_version(plan, version)
    rows = _clean_topics(plan, topics)
    before = {"topics": list(plan.topics.values_list("title", flat=True)), **audit.snapshot(plan, PLAN_FIELDS)}
    plan.preamble = (preamble or "").strip()
    plan.requirements = (requirements or "").strip()
    if title is not None and title.strip():
        plan.title = title.strip()[:200]
    # A topic keeps its line (identity) through edits: the posted line when it is one of this plan's, else
    # the line of an unclaimed topic with the same title; a new topic starts a new line.
    old = {t.line: t for t in plan.topics.prefetch_related("library_materials")}
    by_title = {}
    for t in old.values():
        by_title.setdefault(t.title, []).append(t.line)
    claimed = set()
    for row in rows:
        line = row.pop("line", None)
        if line not in old or line in claimed:
            line = next((x for x in by_title.get(row["title"], []) if x not in claimed), None)
        row["line"] = line or uuid.uuid4()
        claimed.add(row["line"])
    carried = {line: list(t.library_materials.all()) for line, t in old.items()}
    plan.topics.all().delete()
    new = Topic.objects.bulk_create([Topic(plan=plan, sort=i, **row) for i, row in enumerate(rows, start=1)])
    for t in new:
        if carried.get(t.line):
            t.library_materials.set(carried[t.line])
    link_library_materials(plan.group, new)
    _bump(plan, "preamble", "requirements", "title")
    audit.record(action="plans.plan.save", by=by, obj=plan, before=before,
                 after={"topics": [r["title"] for r in rows], **audit.snapshot(plan, PLAN_FIELDS)})
    return plan


@transaction.atomic
def plan_submit(*, plan, by, version=None):
    """Send the draft to the 组长 for 审定; the copy check runs now and flags what it finds."""
    plan = _lock(plan)
    if plan.status not in EDITABLE:
        raise ValidationError(f"计划当前为“{plan.get_status_display()}”，不能提交审定")
    _check_version(plan, version)
    if not plan.topics.exists():
        raise ValidationError("计划还没有任何学习专题，不能提交审定")
    plan.status = Status.SUBMITTED
    plan.submitted_at = timezone.now()
    plan.submitted_by = by
    _bump(plan, "status", "submitted_at", "submitted_by")
    flags = copy_check(plan)
    audit.record(action="plans.plan.submit", by=by, obj=plan,
                 after={**audit.snapshot(plan, PLAN_FIELDS), "copy_flags": [(f.other_id, f.similarity) for f in flags]})
    return plan


def _decide(plan, by, version, verb):
    plan = _lock(plan)
    if not is_leader(by, plan.group):
        raise ValidationError(f"只有本组现任组长可以{verb}学习计划")
    if plan.status != Status.SUBMITTED:
        raise ValidationError(f"计划当前为“{plan.get_status_display()}”，只有待审定的计划可以{verb}")
    _check_version(plan, version)
    return plan


@transaction.atomic
def plan_approve(*, plan, by, version=None):
    plan = _decide(plan, by, version, "审定")
    plan.status = Status.APPROVED
    plan.decided_at = timezone.now()
    plan.decided_by = by
    plan.return_comment = ""
    _bump(plan, "status", "decided_at", "decided_by", "return_comment")
    stats_services.refresh_plan(plan)
    audit.record(action="plans.plan.approve", by=by, obj=plan, after=audit.snapshot(plan, PLAN_FIELDS))
    return plan


@transaction.atomic
def plan_return(*, plan, comment, by, version=None):
    comment = (comment or "").strip()
    plan = _decide(plan, by, version, "退回")
    if not comment:
        raise ValidationError({"comment": "请填写退回意见，说明需要修改的地方"})
    plan.status = Status.RETURNED
    plan.decided_at = timezone.now()
    plan.decided_by = by
    plan.return_comment = comment[:2000]
    _bump(plan, "status", "decided_at", "decided_by", "return_comment")
    audit.record(action="plans.plan.return", by=by, obj=plan,
                 after={**audit.snapshot(plan, PLAN_FIELDS), "comment": plan.return_comment})
    return plan


@transaction.atomic
def plan_report(*, plan, by):
    """报送: send the approved plan to the supervising unit above."""
    plan = _lock(plan)
    if plan.status != Status.APPROVED:
        raise ValidationError("只有组长审定后的计划才能报送")
    if _has_newer(plan):
        raise ValidationError("该版本已有更新的修订版本，请报送最新版本")
    if plan.reported_at:
        raise ValidationError(f"该版本已于 {timezone.localtime(plan.reported_at):%Y-%m-%d %H:%M} 报送")
    plan.reported_at = timezone.now()
    plan.reported_by = by
    _bump(plan, "reported_at", "reported_by")
    audit.record(action="plans.plan.report", by=by, obj=plan, after=audit.snapshot(plan, PLAN_FIELDS))
    return plan


@transaction.atomic
def plan_revise(*, plan, reason, by):
    """An approved version stays as it is; the change is a new draft version that says why."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写修订原因"})
    plan = _lock(plan)
    if plan.status != Status.APPROVED:
        raise ValidationError("只有已审定的计划需要发起修订；草稿或退回的计划可直接修改")
    if _has_newer(plan):
        raise ValidationError("该计划已有更新的版本，请在最新版本上修订")
    new = StudyPlan.objects.create(group=plan.group, year=plan.year, number=plan.number + 1, previous=plan,
                                   reason=reason[:300], title=plan.title, preamble=plan.preamble,
                                   requirements=plan.requirements, created_by=by)
    # Each copy keeps the topic's `line` (a concrete field, copied here) and its library materials, so work done
    # against the earlier version counts for this one (meetings.selectors.topic_sessions).
    olds = list(plan.topics.prefetch_related("library_materials"))
    copies = Topic.objects.bulk_create([
        Topic(plan=new, **{f.attname: getattr(t, f.attname) for f in Topic._meta.concrete_fields
                           if f.attname not in ("id", "plan_id")})
        for t in olds
    ])
    Through = Topic.library_materials.through
    Through.objects.bulk_create([Through(topic_id=c.pk, material_id=m.pk) for o, c in zip(olds, copies, strict=True)
                                 for m in o.library_materials.all()])
    stats_services.refresh_plan(new)
    audit.record(action="plans.plan.revise", by=by, obj=new,
                 after={**audit.snapshot(new, PLAN_FIELDS), "previous": plan.pk})
    return new


# ---- 照搬照抄 ------------------------------------------------------------------------------------------

def plan_text(plan, topics=None):
    """The words a plan's writers chose: free text and each topic's title, materials and points."""
    topics = list(plan.topics.all()) if topics is None else topics
    parts = [plan.preamble]
    for t in topics:
        parts.append(t.title)
        parts.append(t.materials)
        parts.append(t.notes)
    parts.append(plan.requirements)
    return "\n".join(p for p in parts if p)


def copy_check(plan):
    """照搬照抄 through the one text-reuse engine (integrity.reuse): index this version, check it, and keep a
    CopyFlag for each earlier plan it repeats, for the plan pages. Versions of one plan never count."""
    from integrity import reuse  # integrity is the engine every kind of text uses

    # The 规定专题 and 参考议题 handed down are text every plan is meant to repeat: indexed as given text (like a
    # library material), so repeating them is reported as a quote and never counts toward copying.
    given = {}
    for t in mandated_for(plan.group, plan.year):
        given.setdefault(t.guidance, []).append(t.title)
    for guidance, titles in given.items():
        reuse.index_text(guidance, kind="material", text="\n".join(titles), unit=guidance.unit,
                         written_on=timezone.localdate(guidance.created), year=guidance.year, title=guidance.title)
    for ref in references_for(plan.group, plan.year):
        reuse.index_text(ref, kind="material", text=f"{ref.title}\n{ref.description}\n{ref.materials}",
                         unit=ref.unit, written_on=timezone.localdate(ref.sent_at), year=ref.year, title=ref.title)
    row = reuse.index_text(plan, kind="plan", text=plan_text(plan), group=plan.group, unit=plan.group.unit,
                           written_on=timezone.localdate(plan.created), year=plan.year, version_of=plan.previous,
                           title=plan.title)
    report = reuse.check(row)
    CopyFlag.objects.filter(plan=plan).delete()
    flags = [CopyFlag(plan=plan, other_id=m.source.object_id, similarity=m.score,
                      passages=[["".join(x for x, _ in p["a"]), "".join(x for x, _ in p["b"]), p["score"]]
                                for p in m.passages])
             for m in report.flagged if m.source.kind == "plan"]
    CopyFlag.objects.bulk_create(flags)
    return flags
