"""Writes for 调研课题, 成果转化 and 宣讲/党课: atomic, keyword-only, audited.

The topic's state machine: 立项 → 调研 (someone has claimed it) → 报告 (a submitted 调研报告 of a claimant is
linked) → 转化 (at least one outcome with its evidence). A step is never skipped and never goes back.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core import audit
from orgs.models import Membership
from writings.models import Kind as WritingKind

from .models import Claim, EvidenceKind, Lecture, LectureKind, Outcome, OutcomeKind, ResearchTopic, TopicState

NEXT = {TopicState.PROPOSED: TopicState.RESEARCHING, TopicState.RESEARCHING: TopicState.REPORTED,
        TopicState.REPORTED: TopicState.TRANSFORMED}


@transaction.atomic
def topic_create(*, group, title, by, description="", year=None):
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": "请填写调研课题"})
    topic = ResearchTopic.objects.create(group=group, unit_id=group.unit_id, title=title[:200],
                                         description=(description or "").strip(),
                                         year=year or timezone.localdate().year, created_by=audit.account(by))
    audit.record(action="research.topic_create", by=by, obj=topic, after={"group": group.pk})
    return topic


@transaction.atomic
def topic_claim(*, topic, person, by):
    topic = ResearchTopic.objects.select_for_update().get(pk=topic.pk)
    if not Membership.objects.on(timezone.localdate()).filter(person=person, group_id=topic.group_id).exists():
        raise ValidationError("只有本组成员可以认领调研课题")
    if topic.state == TopicState.TRANSFORMED:
        raise ValidationError("课题已完成成果转化，不能再认领")
    _, created = Claim.objects.get_or_create(topic=topic, person=person)
    if not created:
        raise ValidationError("您已认领这个课题")
    audit.record(action="research.topic_claim", by=by, obj=topic, after={"person": person.pk})
    return topic


@transaction.atomic
def topic_advance(*, topic, by, report=None):
    """Move the topic one step; each step states what it needs."""
    topic = ResearchTopic.objects.select_for_update().get(pk=topic.pk)
    target = NEXT.get(topic.state)
    if target is None:
        raise ValidationError("课题已完成成果转化")
    if target == TopicState.RESEARCHING and not Claim.objects.filter(topic=topic).exists():
        raise ValidationError("还没有成员认领这个课题，不能进入调研")
    if target == TopicState.REPORTED:
        claimants = set(Claim.objects.filter(topic=topic).values_list("person_id", flat=True))
        if report is None:
            raise ValidationError({"report": "请选择一篇调研报告"})
        if (report.kind != WritingKind.REPORT or not report.is_submitted or report.person_id not in claimants
                or report.group_id != topic.group_id):
            raise ValidationError({"report": "调研报告须是认领人已提交的、本组的调研报告"})
        topic.report = report
    if target == TopicState.TRANSFORMED and not topic.outcomes.exists():
        raise ValidationError("请先登记至少一项成果转化及其佐证")
    before = topic.state
    topic.state = target
    topic.save(update_fields=["state", "report"])
    audit.record(action="research.topic_advance", by=by, obj=topic, before={"state": before},
                 after={"state": target, "report": topic.report_id})
    return topic


@transaction.atomic
def outcome_add(*, topic, kind, description, evidence_kind, evidence, by, day=None):
    if topic.state not in (TopicState.REPORTED, TopicState.TRANSFORMED):
        raise ValidationError("调研报告完成后才能登记成果转化")
    if kind not in OutcomeKind.values or evidence_kind not in EvidenceKind.values:
        raise ValidationError("请选择转化方向和佐证类型")
    description, evidence = (description or "").strip(), (evidence or "").strip()
    if not description or not evidence:
        raise ValidationError("请填写转化内容和佐证（文件文号、会议决定或采纳的措施）")
    outcome = Outcome.objects.create(topic=topic, kind=kind, description=description, evidence_kind=evidence_kind,
                                     evidence=evidence[:300], day=day or timezone.localdate(),
                                     created_by=audit.account(by))
    audit.record(action="research.outcome_add", by=by, obj=topic, after={"kind": kind, "evidence": evidence[:100]})
    return outcome


@transaction.atomic
def lecture_record(*, person, group, kind, day, place, audience, size, topic, by, contact_point=""):
    if not Membership.objects.filter(person=person, group=group).exists():
        raise ValidationError("只能以本人所在中心组登记宣讲")
    if kind not in LectureKind.values:
        raise ValidationError({"kind": "请选择专题党课或主题宣讲"})
    if day > timezone.localdate():
        raise ValidationError({"day": "宣讲日期不能晚于今天"})
    if not (place or "").strip() or not (topic or "").strip() or not (audience or "").strip():
        raise ValidationError("请填写地点、对象和题目")
    if not size or size < 1:
        raise ValidationError({"size": "人数至少为 1"})
    lecture = Lecture.objects.create(person=person, group=group, unit_id=group.unit_id, kind=kind, day=day,
                                     year=day.year, place=place.strip()[:200], audience=audience.strip()[:200],
                                     size=size, topic=topic.strip()[:200], contact_point=(contact_point or "")[:200],
                                     created_by=audit.account(by))
    audit.record(action="research.lecture_record", by=by, obj=lecture, after={"kind": kind, "day": day})
    return lecture
