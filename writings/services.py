"""Every write to a writing: atomic, keyword-only, audited; every save keeps a WritingVersion."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core import audit
from core.versions import check_version
from orgs.models import Membership

from . import search
from .models import REVIEWED_KINDS, Kind, Status, Writing, WritingVersion

MAX_CHARS = 50000
MIN_MAKEUP_CHARS = 20
# Kinds that answer a study item: they must name the plan topic, session or material they answer.
LINKED_KINDS = (Kind.SPEECH, Kind.REFLECTION, Kind.ARTICLE)
EDITABLE = (Status.DRAFT, Status.SUBMITTED, Status.RETURNED)


def _after_submit(writing):
    """Called once a writing is submitted (first time or again after a return), inside the transaction.

    This is the one hook for what follows a submission: the 补学 task is marked done here, and the text-reuse
    engine (integrity/) is wired in here when it is merged. It reads the plain fields: writing.text,
    .person_id, .group_id, .unit_id, .day, .year, .kind, .status (submitted)."""
    if writing.makeup_id:
        from meetings.models import MakeUp, MakeUpStatus

        MakeUp.objects.filter(pk=writing.makeup_id).exclude(status=MakeUpStatus.REPORTED).update(
            status=MakeUpStatus.SUBMITTED, submitted_at=writing.submitted_at)
    reuse_index(writing, check=True)


# The engine's kinds (integrity.models.TextKind) for each kind of writing: thresholds are set per engine kind.
REUSE_KINDS = {Kind.MAKEUP: "reflection", Kind.STATEMENT: "speech", Kind.SPEECH: "speech"}


def reuse_kind(writing):
    return REUSE_KINDS.get(writing.kind, "writing")


def reuse_index(writing, *, check=False):
    """Index the writing in the one text-reuse engine, and check it when asked (on submission).

    One writing is one indexed text, re-indexed on every save, so its own earlier versions are never compared
    with it. A draft is indexed as a draft: the engine never makes it anyone's source nor counts its phrasing.
    The writing's own date (not the submission time) decides which of two texts came first."""
    from integrity import reuse

    kwargs = {"kind": reuse_kind(writing), "text": writing.text, "written_on": writing.day, "year": writing.year,
              "author": writing.person, "group": writing.group, "unit": writing.unit, "title": writing.title,
              "is_draft": writing.status == Status.DRAFT}
    return reuse.index_and_check(writing, **kwargs) if check else reuse.index_text(writing, **kwargs)


def _clean_text(title, text, kind):
    text = (text or "").replace("\r\n", "\n").strip()
    title = (title or "").strip()
    errors = {}
    if not text:
        errors["text"] = "正文不能为空：请填写内容或上传文件"
    elif len(text) > MAX_CHARS:
        errors["text"] = f"正文不超过 {MAX_CHARS} 字（现有 {len(text)} 字）"
    elif kind == Kind.MAKEUP and len(text) < MIN_MAKEUP_CHARS:
        errors["text"] = f"补学体会不少于 {MIN_MAKEUP_CHARS} 字"
    if len(title) > 200:
        errors["title"] = "标题不超过 200 字"
    if errors:
        raise ValidationError(errors)
    return title or f"{Kind(kind).label}（{timezone.localdate():%Y-%m-%d}）", text


def _check_links(*, group, kind, plan_topic, session, material, makeup):
    chosen = [x for x in (plan_topic, session, material) if x is not None]
    if kind == Kind.MAKEUP:
        if makeup is None:
            raise ValidationError("补学体会须对应一项补学任务")
        return
    if len(chosen) > 1:
        raise ValidationError("请只选择一项关联：计划专题、集体学习或学习资料")
    if kind == Kind.STATEMENT and session is None:
        raise ValidationError({"session": "发言材料须对应一次集体学习"})
    if kind in LINKED_KINDS and not chosen:
        raise ValidationError(f"{Kind(kind).label}须关联一项计划专题、集体学习或学习资料")
    from meetings.models import TAKING_PART  # here, as the other meetings imports: the two apps import each other

    # a 联学 the group was only invited to, declined or left is not one it studied in
    if session is not None and not session.participations.filter(group=group, state__in=TAKING_PART).exists():
        raise ValidationError({"session": f"“{session.title}”不是{group.name}参加的集体学习，不能关联"})
    if plan_topic is not None and plan_topic.plan.group_id != group.pk:
        raise ValidationError({"plan_topic": f"“{plan_topic.title}”不是{group.name}学习计划中的专题，不能关联"})
    if material is not None:
        from materials.access import material_visible_to_group

        if not material_visible_to_group(material, group):
            raise ValidationError({"material": f"“{material.title}”不在{group.name}可用的学习资料中，不能关联"})


def _keep_version(writing, by, note=""):
    WritingVersion.objects.create(writing=writing, number=writing.version, title=writing.title, text=writing.text,
                                  ai_assisted=writing.ai_assisted, status=writing.status, note=note,
                                  saved_by=audit.account(by))


@transaction.atomic
def writing_create(*, person, group, kind, text, by, title="", day=None, plan_topic=None, session=None,
                   material=None, makeup=None, ai_assisted=False, source_name="", submit=False):
    if kind not in Kind.values:
        raise ValidationError({"kind": "请选择材料类型"})
    if not Membership.objects.filter(person=person, group=group).exists():
        raise ValidationError({"group": f"{person.name}不是{group.name}的成员，不能以该中心组名义提交"})
    title, text = _clean_text(title, text, kind)
    _check_links(group=group, kind=kind, plan_topic=plan_topic, session=session, material=material, makeup=makeup)
    day = day or timezone.localdate()
    writing = Writing.objects.create(
        person=person, group=group, unit_id=group.unit_id, kind=kind, title=title, text=text, day=day,
        year=day.year, plan_topic=plan_topic, session=session if kind != Kind.MAKEUP else makeup.session,
        material=material, makeup=makeup, ai_assisted=bool(ai_assisted), source_name=(source_name or "")[:200])
    _keep_version(writing, by, "新建")
    search.reindex(writing)
    if not submit:
        reuse_index(writing)
    audit.record(action="writing.create", by=by, obj=writing,
                 after={"kind": kind, "chars": len(text), "ai_assisted": writing.ai_assisted})
    if submit:
        writing = writing_submit(writing=writing, by=by)
    return writing


@transaction.atomic
def writing_update(*, writing, text, by, title=None, ai_assisted=None, version=None, source_name=None,
                   submit=False):
    """Save a new state of the author's writing. An accepted writing is closed; a returned one is revised here."""
    writing = Writing.objects.select_for_update().get(pk=writing.pk)
    check_version(writing, version, "这篇材料已在别处修改，请刷新后再改")
    if writing.status not in EDITABLE:
        raise ValidationError("这篇材料已被认可，不能再修改")
    title, text = _clean_text(writing.title if title is None else title, text, writing.kind)
    ai = writing.ai_assisted if ai_assisted is None else bool(ai_assisted)
    changed = (title, text, ai) != (writing.title, writing.text, writing.ai_assisted)
    if changed:
        before = {"version": writing.version, "chars": len(writing.text)}
        writing.title, writing.text, writing.ai_assisted = title, text, ai
        if source_name is not None:
            writing.source_name = source_name[:200]
        writing.version += 1
        writing.updated = timezone.now()
        writing.save()
        _keep_version(writing, by, "退回后修改" if writing.status == Status.RETURNED else "修改")
        search.reindex(writing)
        # A submitted writing edited again (a 发言材料 saved anew) is checked now: submitting it is a no-op.
        reuse_index(writing, check=writing.status == Status.SUBMITTED)
        audit.record(action="writing.update", by=by, obj=writing, before=before,
                     after={"version": writing.version, "chars": len(text), "ai_assisted": ai})
    if submit:
        writing = writing_submit(writing=writing, by=by)
    return writing


@transaction.atomic
def writing_submit(*, writing, by):
    writing = Writing.objects.select_for_update().get(pk=writing.pk)
    if writing.status == Status.SUBMITTED:
        return writing
    if writing.status == Status.ACCEPTED:
        raise ValidationError("这篇材料已被认可，无需再次提交")
    if writing.makeup_id and writing.makeup.status == "reported":
        raise ValidationError("补学情况已在会上通报，不能再提交")
    writing.status = Status.SUBMITTED
    writing.submitted_at = timezone.now()
    writing.save(update_fields=["status", "submitted_at"])
    audit.record(action="writing.submit", by=by, obj=writing, after={"version": writing.version})
    _after_submit(writing)
    return writing


def _review(writing, by, status, comment, action):
    writing = Writing.objects.select_for_update().get(pk=writing.pk)
    if writing.kind not in REVIEWED_KINDS:
        raise ValidationError("只有补学体会和发言材料需要审阅")
    if writing.status != Status.SUBMITTED:
        raise ValidationError(f"这篇材料当前为“{writing.get_status_display()}”，只有已提交的材料可以审阅")
    comment = (comment or "").strip()
    if len(comment) > 500:
        raise ValidationError({"comment": "意见不超过 500 字"})
    if status == Status.RETURNED and not comment:
        raise ValidationError({"comment": "退回时请写明修改意见"})
    writing.status, writing.review_comment = status, comment
    writing.reviewed_at, writing.reviewed_by = timezone.now(), audit.account(by)
    writing.save(update_fields=["status", "review_comment", "reviewed_at", "reviewed_by"])
    audit.record(action=action, by=by, obj=writing, after={"comment": comment, "version": writing.version})
    return writing


@transaction.atomic
def writing_accept(*, writing, by, comment=""):
    return _review(writing, by, Status.ACCEPTED, comment, "writing.accept")


@transaction.atomic
def writing_return(*, writing, by, comment):
    writing = _review(writing, by, Status.RETURNED, comment, "writing.return")
    if writing.makeup_id:
        # The 补学 task is open again until the member resubmits.
        from meetings.models import MakeUp, MakeUpStatus

        MakeUp.objects.filter(pk=writing.makeup_id, status=MakeUpStatus.SUBMITTED).update(
            status=MakeUpStatus.ASSIGNED)
    return writing


# ---- The two tasks that meetings/ hands out --------------------------------------------------------------

@transaction.atomic
def makeup_write(*, makeup, text, by, ai_assisted=False, submit=True):
    """The 补学体会 of a MakeUp: created on first save, a new version on each later one."""
    existing = Writing.objects.filter(makeup=makeup).first()
    if existing is not None:
        return writing_update(writing=existing, text=text, ai_assisted=ai_assisted, submit=submit, by=by)
    return writing_create(person=makeup.person, group=makeup.group, kind=Kind.MAKEUP, makeup=makeup, text=text,
                          title=f"补学体会：{makeup.session.title}"[:200], ai_assisted=ai_assisted, submit=submit,
                          by=by)


@transaction.atomic
def statement_write(*, session, person, text, by, ai_assisted=False):
    """A member's 发言材料 for a session, submitted; one per member and session, each save a new version."""
    existing = Writing.objects.filter(session=session, person=person, kind=Kind.STATEMENT).first()
    if existing is not None:
        return writing_update(writing=existing, text=text, ai_assisted=ai_assisted, submit=True, by=by)
    groups = session.participations.values("group_id")
    member = (Membership.objects.filter(person=person, group_id__in=groups).select_related("group")
              .order_by("-start").first())
    group = member.group if member else session.group
    return writing_create(person=person, group=group, kind=Kind.STATEMENT, session=session, text=text,
                          title=f"发言材料：{session.title}"[:200], ai_assisted=ai_assisted, submit=True, by=by)


def text_from_upload(upload):
    """(file name, text) of an uploaded .docx/.pdf/.txt, checked by materials/files.py; refusals name the file."""
    from materials import files

    data = files.read_upload(upload)
    _, text = files.check_and_extract(upload.name, data)
    if not text.strip():
        raise ValidationError({"file": f"“{upload.name}”中没有可读取的文字（扫描件请先转为文字）"})
    return upload.name, text
