"""Every write to materials, reading lists and 第一议题 records. Atomic, keyword-only, audited.

Permission checks belong to the views (materials.access); services enforce the rules of the data.
"""

import datetime as dt
import hashlib

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from core import audit
from core.versions import check_version

from . import files, search
from .access import audience_path, material_visible_to_group
from .models import (
    Attachment,
    FirstItemMaterial,
    FirstItemStudy,
    Material,
    MaterialKind,
    ReadingList,
    ReadingListItem,
    Tag,
)

MATERIAL_FIELDS = ["title", "kind", "source", "published_on", "important", "owner_unit_id"]
MAX_TAGS = 10


def parse_tags(value):
    """'理论, 全会；党史' → ['理论', '全会', '党史'] (comma, 、 or semicolon, half or full width)."""
    if isinstance(value, list | tuple):
        raw = value
    else:
        raw = str(value or "").replace("，", ",").replace("、", ",").replace("；", ",").replace(";", ",").split(",")
    tags = []
    for tag in (t.strip()[:30] for t in raw):
        if tag and tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise ValidationError({"tags": f"标签最多 {MAX_TAGS} 个"})
    return tags


def _clean_material(*, title, kind, published_on, source, today=None):
    errors = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = "请填写标题"
    if kind not in MaterialKind.values:
        errors["kind"] = "请选择资料类型"
    if not isinstance(published_on, dt.date):
        errors["published_on"] = "请填写发布日期"
    elif published_on > (today or timezone.localdate()):
        errors["published_on"] = "发布日期不能晚于今天"
    if errors:
        raise ValidationError(errors)
    return title, (source or "").strip()


def _set_tags(material, tags):
    objs = []
    for name in tags:
        tag, _ = Tag.objects.get_or_create(name=name)
        objs.append(tag)
    material.tags.set(objs)


@transaction.atomic
def material_create(*, owner_unit, title, kind, published_on, by, source="", text="", important=False, tags=()):
    from integrity import reuse  # numpy with it: only where a text is checked
    title, source = _clean_material(title=title, kind=kind, published_on=published_on, source=source)
    if owner_unit.is_closed:
        raise ValidationError({"owner_unit": f"“{owner_unit.name}”已撤销，不能发布资料"})
    tags = parse_tags(tags)
    material = Material.objects.create(owner_unit=owner_unit, title=title, kind=kind, published_on=published_on,
                                       source=source, text=(text or "").strip(), important=bool(important),
                                       created_by=audit.account(by))
    _set_tags(material, tags)
    search.reindex(material)
    reuse.index_material(material)  # integrity: quotes of the library are reported as quotes
    audit.record(action="material.create", by=by, obj=material,
                 after={**audit.snapshot(material, MATERIAL_FIELDS), "tags": tags, "text_chars": len(material.text)})
    return material


@transaction.atomic
def material_update(*, material, by, title, kind, published_on, source="", text="", important=False, tags=(),
                    version=None):
    from integrity import reuse  # numpy with it: only where a text is checked
    material = Material.objects.select_for_update().get(pk=material.pk)
    check_version(material, version, "这份资料已被他人修改，请刷新后重试")
    title, source = _clean_material(title=title, kind=kind, published_on=published_on, source=source)
    tags = parse_tags(tags)
    before = {**audit.snapshot(material, MATERIAL_FIELDS), "text_chars": len(material.text)}
    material.title, material.kind, material.published_on = title, kind, published_on
    material.source, material.text, material.important = source, (text or "").strip(), bool(important)
    material.version += 1
    material.save()
    _set_tags(material, tags)
    search.reindex(material)
    reuse.index_material(material)  # integrity: quotes of the library are reported as quotes
    audit.record(action="material.update", by=by, obj=material, before=before,
                 after={**audit.snapshot(material, MATERIAL_FIELDS), "tags": tags, "text_chars": len(material.text)})
    return material


@transaction.atomic
def attachment_add(*, material, name, data, by, append_text=True):
    """Store a .docx/.pdf/.txt file after checking its content; its text is added to the material's text."""
    from integrity import reuse  # numpy with it: only where a text is checked
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1][:200]
    ext, text = files.check_and_extract(name, data)  # raises before anything is written
    material = Material.objects.select_for_update().get(pk=material.pk)
    attachment = Attachment(material=material, original_name=name, ext=ext, size=len(data),
                            sha256=hashlib.sha256(data).hexdigest(), text_chars=len(text),
                            uploaded_by=audit.account(by))
    attachment.file.save(f"{attachment.sha256[:16]}{ext}", ContentFile(data), save=False)
    attachment.save()
    if append_text and text:
        material.text = f"{material.text}\n\n{text}".strip() if material.text else text
        material.version += 1
        material.save(update_fields=["text", "version", "updated"])
        search.reindex(material)
        reuse.index_material(material)  # integrity: quotes of the library are reported as quotes
    audit.record(action="material.attachment_add", by=by, obj=material,
                 after={"attachment": attachment.pk, "name": name, "size": len(data), "sha256": attachment.sha256,
                        "text_chars": len(text)})
    return attachment


@transaction.atomic
def reading_list_create(*, owner_unit, title, year, by, description=""):
    title = (title or "").strip()
    errors = {}
    if not title:
        errors["title"] = "请填写书目名称"
    if not isinstance(year, int) or not 2000 <= year <= timezone.localdate().year + 1:
        errors["year"] = "年度不正确"
    if errors:
        raise ValidationError(errors)
    reading_list = ReadingList.objects.create(owner_unit=owner_unit, title=title, year=year,
                                              description=(description or "").strip(),
                                              created_by=audit.account(by))
    audit.record(action="reading_list.create", by=by, obj=reading_list,
                 after={"title": title, "year": year, "owner_unit": owner_unit.pk})
    return reading_list


@transaction.atomic
def reading_list_add(*, reading_list, material, by, note=""):
    if audience_path(material.owner_unit, reading_list.owner_unit) is None:
        raise ValidationError({"material": "这份资料不在书目发布单位的范围内"})
    if ReadingListItem.objects.filter(reading_list=reading_list, material=material).exists():
        raise ValidationError({"material": f"《{material.title}》已在书目中"})
    position = (ReadingListItem.objects.filter(reading_list=reading_list).aggregate(m=Max("position"))["m"] or 0) + 1
    item = ReadingListItem.objects.create(reading_list=reading_list, material=material, position=position,
                                          note=(note or "").strip()[:200])
    audit.record(action="reading_list.add", by=by, obj=reading_list,
                 after={"material": material.pk, "position": position})
    return item


def _first_item_topics(group, year, plan_topic, reference_topic, errors):
    """A plan topic of this group's own approved plan and a 参考议题 sent to it, or a Chinese error naming it."""
    from plans.models import Status as PlanStatus
    from plans.services import references_for

    if plan_topic is not None:
        if plan_topic.plan.group_id != group.pk:
            errors["plan_topic"] = (f"计划专题“{plan_topic.title}”属于{plan_topic.plan.group.name}的学习计划，"
                                    f"不能用于{group.name}的第一议题")
        elif plan_topic.plan.status != PlanStatus.APPROVED:
            errors["plan_topic"] = f"计划专题“{plan_topic.title}”所在的计划尚未审定"
    if reference_topic is not None and not references_for(group, year).filter(pk=reference_topic.pk).exists():
        errors["reference_topic"] = f"参考议题“{reference_topic.title}”没有下发到{group.name}（{year}年度）"


@transaction.atomic
def first_item_record(*, group, meeting_date, meeting_title, materials, by, note="", today=None, plan_topic=None,
                      reference_topic=None):
    """Record the materials a 党委(党组)会 studied as its first item. The meeting must have happened."""
    today = today or timezone.localdate()
    errors = {}
    year = meeting_date.year if isinstance(meeting_date, dt.date) else today.year
    _first_item_topics(group, year, plan_topic, reference_topic, errors)
    meeting_title = (meeting_title or "").strip()
    materials = list(dict.fromkeys(materials))
    if not isinstance(meeting_date, dt.date):
        errors["meeting_date"] = "请填写会议日期"
    elif meeting_date > today:
        errors["meeting_date"] = "会议日期不能晚于今天：第一议题只能在会后如实记录"
    if not meeting_title:
        errors["meeting_title"] = "请填写会议名称，例如“党委会（第12次）”"
    if not materials:
        errors["materials"] = "请至少选择一份学习资料"
    if group.unit.is_closed:
        errors["group"] = "该单位已撤销"
    for material in materials:
        if not material_visible_to_group(material, group):
            errors["materials"] = f"《{material.title}》不是本组可学习的资料"
        elif isinstance(meeting_date, dt.date) and material.published_on > meeting_date:
            errors["materials"] = f"《{material.title}》发布于 {material.published_on:%Y-%m-%d}，晚于会议日期"
    if errors:
        raise ValidationError(errors)
    if FirstItemStudy.objects.filter(group=group, meeting_date=meeting_date, meeting_title=meeting_title).exists():
        raise ValidationError({"meeting_title": "这次会议的第一议题已经记录过了"})
    try:
        with transaction.atomic():
            study = FirstItemStudy.objects.create(group=group, meeting_date=meeting_date, meeting_title=meeting_title,
                                                  note=(note or "").strip()[:300], plan_topic=plan_topic,
                                                  reference_topic=reference_topic,
                                                  recorded_by=audit.account(by))
    except IntegrityError:  # a double click that raced past the check above
        raise ValidationError({"meeting_title": "这次会议的第一议题已经记录过了"}) from None
    FirstItemMaterial.objects.bulk_create([FirstItemMaterial(study=study, material=m, group=group,
                                                             meeting_date=meeting_date) for m in materials])
    audit.record(action="first_item.record", by=by, obj=study,
                 after={"group": group.pk, "meeting_date": meeting_date, "meeting_title": meeting_title,
                        "materials": [m.pk for m in materials],
                        "plan_topic": plan_topic.pk if plan_topic else None,
                        "reference_topic": reference_topic.pk if reference_topic else None,
                        "days_after_publication": {m.pk: (meeting_date - m.published_on).days for m in materials}})
    return study
