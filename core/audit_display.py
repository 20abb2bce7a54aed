"""How the audit administrator reads an entry: Chinese field names, local times, the object's own name.

The chain stores codes and ISO timestamps (stable for verification and exports); this module only
translates them for people. It never changes a stored entry.
"""

import datetime as dt
import json
import re

from django.apps import apps
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_datetime

# Keys that services put in before/after which are not model fields.
EXTRA_LABELS = {
    "topics": "专题", "comment": "意见", "tags": "标签", "text_chars": "正文字数", "previous": "上一版本",
    "copy_flags": "雷同提示", "deleted": "删除条数", "from_id": "原起点", "floor_id": "新起点",
    "floor_hash": "锚点哈希", "cutoff": "截止时间", "retention_days": "保留天数", "algo": "算法", "head": "链头",
    "entries": "条数", "reason": "原因", "count": "数量", "rows": "行数", "filename": "文件名",
    "cancel_reason": "取消原因", "role": "角色", "roles": "角色", "status": "状态", "name": "名称", "title": "标题",
    "person": "人员", "group": "中心组", "unit": "单位", "session": "集体学习", "scope": "督导范围",
    "username": "用户名", "created": "新增", "updated": "更新", "skipped": "跳过", "result": "结果",
}
_DEFAULT_REPR = re.compile(r"^.+ object \((\d+)\)$")


def model_for(object_type):
    try:
        return apps.get_model(object_type) if object_type and "." in object_type else None
    except (LookupError, ValueError):
        return None


def type_label(object_type):
    model = model_for(object_type)
    return str(model._meta.verbose_name) if model else object_type


def describe(obj):
    """A person-readable name for any model instance, also for models without their own __str__."""
    if obj is None:
        return ""
    if type(obj).__str__ is not models.Model.__str__:
        return str(obj)
    label = str(obj._meta.verbose_name)
    parts = []
    for attr in ("name", "title"):
        if value := getattr(obj, attr, None):
            parts.append(str(value))
    for attr in ("person", "session", "group", "unit", "user"):
        field = next((f for f in obj._meta.fields if f.name == attr), None)
        if field is not None and getattr(obj, field.attname, None) is not None:
            try:
                parts.append(str(getattr(obj, attr)))
            except Exception:  # a related row deleted since: the id still names it  # noqa: BLE001
                parts.append(f"#{getattr(obj, field.attname)}")
    return f"{label} · " + " · ".join(parts) if parts else f"{label} #{obj.pk}"


def object_names(entries):
    """{entry.id: name} for a page of entries; default reprs like "MakeUp object (849)" are looked up."""
    names, wanted = {}, {}
    for e in entries:
        if e.object_repr and not _DEFAULT_REPR.match(e.object_repr):
            names[e.id] = e.object_repr
        elif e.object_type and e.object_id:
            wanted.setdefault(e.object_type, {}).setdefault(e.object_id, []).append(e.id)
        else:
            names[e.id] = e.object_repr
    for object_type, ids in wanted.items():
        model = model_for(object_type)
        found = {}
        if model is not None:
            pks = [i for i in ids if i.isdigit()]
            found = {str(pk): describe(obj) for pk, obj in model.objects.in_bulk(pks).items()} if pks else {}
        label = type_label(object_type)
        for object_id, entry_ids in ids.items():
            for entry_id in entry_ids:
                names[entry_id] = found.get(object_id) or f"{label} #{object_id}（已删除）"
    return names


def field_label(object_type, key):
    model = model_for(object_type)
    if model is not None:
        try:
            field = model._meta.get_field(key)
            return str(getattr(field, "verbose_name", key))
        except Exception:  # not a field of the model  # noqa: BLE001
            pass
    return EXTRA_LABELS.get(key, key)


def show(value):
    """A stored JSON value as text: ISO timestamps in local time, booleans as 是/否."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, str):
        if len(value) >= 19 and value[4] == "-" and "T" in value:
            parsed = parse_datetime(value)
            if parsed is not None:
                if timezone.is_naive(parsed):
                    parsed = timezone.make_aware(parsed, dt.UTC)
                return timezone.localtime(parsed).strftime("%Y-%m-%d %H:%M:%S")
        return value
    if isinstance(value, list):
        return "、".join(show(v) for v in value) or "—"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def changes(entry):
    """[(label, before, after)] for each key in before or after, in a stable order."""
    before = entry.before if isinstance(entry.before, dict) else ({} if entry.before is None else {"值": entry.before})
    after = entry.after if isinstance(entry.after, dict) else ({} if entry.after is None else {"值": entry.after})
    keys = list(dict.fromkeys([*before, *after]))
    rows = []
    for key in keys:
        b, a = before.get(key), after.get(key)
        if key in before and key in after and b == a:
            continue
        rows.append((field_label(entry.object_type, key), show(b) if key in before else "", show(a)))
    return rows


def changes_text(entry):
    parts = []
    for label, b, a in changes(entry):
        parts.append(f"{label}：{b} → {a}" if b else f"{label}：{a}")
    return "；".join(parts)
