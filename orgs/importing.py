"""Excel import of a group's members and of units: check everything, show a preview, then all-or-nothing."""

import datetime as dt
from collections import Counter

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core import audit, crypto
from core.cleaning import clean_text
from core.models import ImportBatch
from core.xlsx import ImportFileError, is_formula, read_upload, write_workbook
from stats import services as stats_services

from . import access, services
from .models import Gender, Membership, Person, Role, Unit, UnitKind, UnitLevel

MEMBER_HEADERS = ["姓名", "性别", "所在单位", "职务", "职级", "手机号码", "角色", "加入日期"]
MEMBER_REQUIRED = ["姓名", "角色"]
UNIT_HEADERS = ["单位名称", "上级单位", "组织类型", "层级"]
UNIT_REQUIRED = ["单位名称", "上级单位"]
ROLE_BY_LABEL = {label: value for value, label in Role.choices}
GENDER_BY_LABEL = {"男": Gender.MALE, "女": Gender.FEMALE, "": ""}
KIND_BY_LABEL = {label: value for value, label in UnitKind.choices}
LEVEL_BY_LABEL = {label: value for value, label in UnitLevel.choices}


def _text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return clean_text(str(value)).strip()  # control characters never reach the database


def _date(value):
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value).replace("/", "-").replace(".", "-").replace("年", "-").replace("月", "-").rstrip("日")
    try:
        return dt.date.fromisoformat("-".join(p.zfill(2) for p in text.split("-")))
    except ValueError:
        return "bad"


def member_template():
    return write_workbook(
        "成员名单",
        MEMBER_HEADERS,
        # No sample rows on the sheet that is imported: left in by mistake they became members (issue 8).
        # The examples are on the 填写说明 sheet, which the import never reads.
        [],
        notes=[
            "示例（仅供参考，请在“成员名单”页填写）：",
            "　姓名：张三｜性别：男｜所在单位：（留空）｜职务：党委书记｜职级：正科级｜手机号码：13900001219｜角色：组长｜加入日期：2026-01-01",
            "　姓名：李四｜性别：女｜所在单位：（留空）｜职务：党委委员、宣传委员｜职级：副科级｜手机号码：13900002345｜角色：副组长｜加入日期：2026-01-01",
            "1. 姓名、角色为必填；角色只能填：组长、副组长、学习秘书、成员、列席。",
            "2. 所在单位留空表示本单位；填写时须与系统中的单位名称完全一致。",
            "3. 手机号码为 11 位手机号或带区号的固定电话；同一手机号在表中只能出现一次。",
            "4. 加入日期留空表示今天，格式如 2026-03-01。",
            "5. 表中任何一行有错误时整张表都不会导入，请按提示修改后重新上传。",
        ],
    )


def _reject_formulas(number, values, errors):
    for column, value in values.items():
        if is_formula(value):
            errors.append({"row": number, "column": column, "message": "单元格是公式，请粘贴为数值后再导入"})


def check_members(*, group, data, user):
    """Parse and check a member file; returns (rows ready to apply, errors). Writes nothing."""
    sheet = read_upload(data, required_headers=MEMBER_REQUIRED)
    errors, rows = [], []
    phones = Counter(services.normalise_phone(v.get("手机号码")) for _, v in sheet.rows)
    names_in_file = Counter((_text(v.get("姓名")), services.normalise_phone(v.get("手机号码"))) for _, v in sheet.rows)
    today = timezone.localdate()
    current = {
        (m.person.name, m.person.phone_digest): m
        for m in Membership.objects.on(today).filter(group=group).select_related("person")
    }
    unit_names = {}
    leader_rows = 0
    for number, values in sheet.rows:
        row_errors = []
        _reject_formulas(number, values, row_errors)
        if row_errors:
            errors.extend(row_errors)
            continue

        def bad(column, message, _n=number, _e=row_errors):
            _e.append({"row": _n, "column": column, "message": message})

        phone_taken = False
        name = _text(values.get("姓名"))
        if not name:
            bad("姓名", "姓名不能为空")
        elif len(name) > 40:
            bad("姓名", "姓名过长（不超过 40 字）")
        gender_label = _text(values.get("性别"))
        if gender_label not in GENDER_BY_LABEL:
            bad("性别", f"性别“{gender_label}”不正确，应填“男”或“女”")
        role_label = _text(values.get("角色"))
        if not role_label:
            bad("角色", "角色不能为空")
        elif role_label not in ROLE_BY_LABEL:
            bad("角色", f"角色“{role_label}”不正确，应为组长、副组长、学习秘书、成员或列席")
        elif ROLE_BY_LABEL[role_label] == Role.LEADER:
            leader_rows += 1
            if leader_rows > 1:
                bad("角色", "一个中心组只能有一名组长")
            elif any(m.role == Role.LEADER for m in current.values()):
                bad("角色", "本组已有组长；请先办理原组长离任")
        phone = services.normalise_phone(values.get("手机号码"))
        if phone:
            try:
                services.validate_phone(phone)
            except ValidationError:
                bad("手机号码", f"手机号码“{phone}”格式不正确，应为 11 位手机号")
            if phones[phone] > 1:
                bad("手机号码", f"手机号码 {phone} 在表中重复出现（重复人员）")
        if name and names_in_file[(name, phone)] > 1 and not phone:
            bad("姓名", f"“{name}”在表中重复出现（重复人员）")
        if name and (name, crypto.lookup_digest(phone)) in current:
            bad("姓名", f"“{name}”已是本组成员（重复人员）")
        elif phone:
            phone_taken = True
        unit_name = _text(values.get("所在单位"))
        unit_id = group.unit_id
        if unit_name and unit_name != group.unit.name:
            if unit_name not in unit_names:
                found = list(access.units_for_roster(user, group).filter(name=unit_name).values_list("id", flat=True)[:2])
                unit_names[unit_name] = found
            found = unit_names[unit_name]
            if not found:
                bad("所在单位", f"系统中没有找到单位“{unit_name}”")
            elif len(found) > 1:
                bad("所在单位", f"有多个名为“{unit_name}”的单位，请联系管理员")
            else:
                unit_id = found[0]
        start = _date(values.get("加入日期"))
        if start == "bad":
            bad("加入日期", f"加入日期“{_text(values.get('加入日期'))}”不是有效日期，格式如 2026-03-01")
        elif start and start > today + dt.timedelta(days=366):
            bad("加入日期", "加入日期不能晚于明年")
        post, rank = _text(values.get("职务")), _text(values.get("职级"))
        if len(post) > 80:
            bad("职务", "职务过长（不超过 80 字）")
        if len(rank) > 40:
            bad("职级", "职级过长（不超过 40 字）")
        # One person per phone number in a unit (orgs.services.refuse_duplicate_phone), reported per row.
        if phone_taken and (holder := Person.objects.filter(unit_id=unit_id,
                                                            phone_digest=crypto.lookup_digest(phone)).first()):
            bad("手机号码", f"手机号码 {crypto.mask_phone(phone)} 已登记给该单位的“{holder.name}”（重复人员）")
        if row_errors:
            errors.extend(row_errors)
            continue
        rows.append({
            "row": number, "name": name, "gender": GENDER_BY_LABEL[gender_label], "unit_id": unit_id,
            "unit": unit_name or group.unit.name, "post": post, "rank": rank, "phone": phone,
            "role": ROLE_BY_LABEL[role_label], "role_label": role_label,
            "start": (start or today).isoformat(),
        })
    return rows, errors


def stage(*, kind, user, filename, data, target=None, check):
    """Check a file and keep the result for the preview page. A file-level error is kept as one row-0 error."""
    try:
        rows, errors = check(data)
    except ImportFileError as exc:
        rows, errors = [], [{"row": 0, "column": "", "message": str(exc)}]
    # A phone number in a staged row is personal data: keep it encrypted until applied.
    for row in rows:
        if row.get("phone"):
            row["phone"] = crypto.encrypt(row["phone"])
    return ImportBatch.objects.create(
        kind=kind, target_id=target.pk if target is not None else None, filename=filename[:200], created_by=user,
        rows=rows, errors=errors,
        status=ImportBatch.Status.REJECTED if errors else ImportBatch.Status.PREVIEW,
    )


def _claim(batch, kind, target_id):
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.kind != kind or batch.target_id != target_id:
        raise ValidationError("导入批次与当前页面不符")
    if batch.status == ImportBatch.Status.APPLIED:
        raise ValidationError("这批数据已经导入过了，不会重复导入")
    if batch.status != ImportBatch.Status.PREVIEW:
        raise ValidationError("这批数据有错误或已取消，不能导入")
    return batch


@transaction.atomic
@stats_services.batched()  # one recount of the group at the end, not one per imported member
def apply_members(*, batch, group, by):
    batch = _claim(batch, "members", group.pk)
    created = 0
    for row in batch.rows:
        phone = crypto.decrypt(row["phone"]) if row["phone"] else ""
        person = None
        if phone:
            person = Person.objects.filter(phone_digest=crypto.lookup_digest(phone), name=row["name"]).first()
        if person is None:
            person = services.person_create(unit=Unit.objects.get(pk=row["unit_id"]), name=row["name"], by=by,
                                            gender=row["gender"], post=row["post"], rank=row["rank"], phone=phone)
        services.membership_add(group=group, person=person, role=row["role"],
                                start=dt.date.fromisoformat(row["start"]), by=by, note="Excel 导入")
        created += 1
    batch.status = ImportBatch.Status.APPLIED
    batch.applied = timezone.now()
    batch.save(update_fields=["status", "applied"])
    audit.record(action="import.members", by=by, obj=group, after={"batch": batch.pk, "rows": created,
                                                                    "file": batch.filename})
    return created


def unit_template():
    return write_workbook(
        "单位名单", UNIT_HEADERS,
        [["示例镇党委", "示例县委", "党委", "乡科级"]],
        notes=["1. 单位名称、上级单位为必填；上级单位须是系统中已有的单位，或本表中更靠前的一行。",
               "2. 组织类型：" + "、".join(KIND_BY_LABEL) + "；层级：" + "、".join(LEVEL_BY_LABEL) + "。",
               "3. 任何一行有错误时整张表都不会导入。"],
    )


def check_units(*, data, user):
    sheet = read_upload(data, required_headers=UNIT_REQUIRED)
    errors, rows = [], []
    visible = access.units_visible(user)
    seen = set()
    for number, values in sheet.rows:
        row_errors = []
        _reject_formulas(number, values, row_errors)
        if row_errors:
            errors.extend(row_errors)
            continue

        def bad(column, message, _n=number, _e=row_errors):
            _e.append({"row": _n, "column": column, "message": message})

        name, parent_name = _text(values.get("单位名称")), _text(values.get("上级单位"))
        kind_label, level_label = _text(values.get("组织类型")) or "党委", _text(values.get("层级")) or "乡科级"
        if not name:
            bad("单位名称", "单位名称不能为空")
        elif len(name) > 100:
            bad("单位名称", "单位名称过长")
        parent_id = None
        if not parent_name:
            bad("上级单位", "上级单位不能为空")
        elif parent_name in seen:
            parent_id = "new:" + parent_name
        else:
            found = list(visible.filter(name=parent_name, closed_on__isnull=True).values_list("id", flat=True)[:2])
            if not found:
                bad("上级单位", f"系统中没有找到上级单位“{parent_name}”")
            elif len(found) > 1:
                bad("上级单位", f"有多个名为“{parent_name}”的单位")
            else:
                parent_id = found[0]
                if name and Unit.objects.filter(parent_id=parent_id, name=name).exists():
                    bad("单位名称", f"“{name}”在“{parent_name}”下已存在（重复单位）")
        if name and name in seen:
            bad("单位名称", f"“{name}”在表中重复出现")
        if kind_label not in KIND_BY_LABEL:
            bad("组织类型", f"组织类型“{kind_label}”不正确，应为" + "、".join(KIND_BY_LABEL))
        if level_label not in LEVEL_BY_LABEL:
            bad("层级", f"层级“{level_label}”不正确，应为" + "、".join(LEVEL_BY_LABEL))
        if name:
            seen.add(name)
        if row_errors:
            errors.extend(row_errors)
            continue
        rows.append({"row": number, "name": name, "parent_id": parent_id, "parent": parent_name,
                     "kind": KIND_BY_LABEL[kind_label], "level": LEVEL_BY_LABEL[level_label],
                     "kind_label": kind_label, "level_label": level_label})
    return rows, errors


@transaction.atomic
def apply_units(*, batch, by):
    batch = _claim(batch, "units", None)
    made = {}
    for row in batch.rows:
        parent_ref = row["parent_id"]
        parent = made[parent_ref[4:]] if isinstance(parent_ref, str) else Unit.objects.get(pk=parent_ref)
        made[row["name"]] = services.unit_create(name=row["name"], parent=parent, kind=row["kind"],
                                                 level=row["level"], by=by)
    batch.status = ImportBatch.Status.APPLIED
    batch.applied = timezone.now()
    batch.save(update_fields=["status", "applied"])
    audit.record(action="import.units", by=by, object_type="core.importbatch", object_id=batch.pk,
                 after={"rows": len(made), "file": batch.filename})
    return len(made)


def export_members(group, day=None, viewer=None):
    from .selectors import group_members

    rows = group_members(group, day, viewer=viewer)
    return write_workbook(
        "成员名单", MEMBER_HEADERS + ["离开日期"],
        [[r.name, r.gender, r.unit, r.post, r.rank, r.phone_masked, r.role_label, r.start.isoformat(),
          r.end.isoformat() if r.end else ""] for r in rows],
    )


def export_units(units):
    return write_workbook(
        "单位名单", UNIT_HEADERS + ["撤销日期"],
        [[u.name, u.parent.name if u.parent_id else "", u.get_kind_display(), u.get_level_display(),
          u.closed_on.isoformat() if u.closed_on else ""] for u in units.select_related("parent")],
    )
