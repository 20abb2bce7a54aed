"""Every write to units, groups, people and memberships. Atomic, keyword-only, audited."""

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone

from core import audit, crypto
from core.versions import check_version
from stats import services as stats_services

from .models import (
    Membership,
    Observer,
    ObserverAssignment,
    Person,
    Role,
    StudyGroup,
    SupervisorScope,
    Unit,
    UnitEvent,
)

PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
UNIT_FIELDS = ["name", "short_name", "kind", "level", "parent_id", "path", "closed_on"]
PERSON_FIELDS = ["name", "gender", "unit_id", "post", "rank", "phone_masked"]


def normalise_phone(phone):
    phone = re.sub(r"[\s\u3000]", "", str(phone or ""))
    if phone.endswith(".0"):  # Excel turns a typed number into a float
        phone = phone[:-2]
    return phone


def validate_phone(phone):
    if phone and not PHONE_RE.match(phone):
        raise ValidationError({"phone": f"手机号码“{phone}”格式不正确，应为 11 位手机号或带区号的固定电话"})


def _set_path(unit):
    parent_path = unit.parent.path if unit.parent_id else "/"
    unit.path = f"{parent_path}{unit.pk}/"
    unit.depth = unit.path.count("/") - 2


def group_name_for(unit_name):
    return f"中共{unit_name}理论学习中心组" if not unit_name.startswith("中共") else f"{unit_name}理论学习中心组"


@transaction.atomic
def unit_create(*, name, parent=None, kind="committee", level="township", by=None, short_name="", sort=0, on=None):
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "请填写单位名称"})
    if parent is not None and parent.is_closed:
        raise ValidationError({"parent": f"上级单位“{parent.name}”已撤销，不能在其下设立单位"})
    if Unit.objects.filter(parent=parent, name=name).exists():
        raise ValidationError({"name": f"“{name}”在该上级单位下已存在"})
    unit = Unit.objects.create(name=name, short_name=short_name, parent=parent, kind=kind, level=level, sort=sort)
    _set_path(unit)
    unit.save(update_fields=["path", "depth"])
    StudyGroup.objects.create(unit=unit, name=group_name_for(name))
    UnitEvent.objects.create(unit=unit, kind=UnitEvent.Kind.CREATE, on=on or timezone.localdate(), new_name=name,
                             new_parent=parent)
    audit.record(action="unit.create", by=by, obj=unit, after=audit.snapshot(unit, UNIT_FIELDS))
    return unit


@transaction.atomic
def unit_rename(*, unit, name, by, on=None, note="", version=None):
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    check_version(unit, version)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "请填写单位名称"})
    if name == unit.name:
        return unit
    if Unit.objects.filter(parent_id=unit.parent_id, name=name).exclude(pk=unit.pk).exists():
        raise ValidationError({"name": f"“{name}”在该上级单位下已存在"})
    before = audit.snapshot(unit, UNIT_FIELDS)
    UnitEvent.objects.create(unit=unit, kind=UnitEvent.Kind.RENAME, on=on or timezone.localdate(),
                             old_name=unit.name, new_name=name, note=note)
    unit.name = name
    unit.version += 1
    unit.save(update_fields=["name", "version"])
    StudyGroup.objects.filter(unit=unit).update(name=group_name_for(name))
    audit.record(action="unit.rename", by=by, obj=unit, before=before, after=audit.snapshot(unit, UNIT_FIELDS))
    return unit


@transaction.atomic
def unit_move(*, unit, new_parent, by, on=None, note="", version=None):
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    check_version(unit, version)
    if new_parent is not None and new_parent.path.startswith(unit.path):
        raise ValidationError({"parent": "不能把单位调整到它自己或它的下级单位之下"})
    if new_parent is not None and new_parent.is_closed:
        raise ValidationError({"parent": f"“{new_parent.name}”已撤销，不能调入"})
    if Unit.objects.filter(parent=new_parent, name=unit.name).exclude(pk=unit.pk).exists():
        raise ValidationError({"parent": f"新的上级单位下已有同名单位“{unit.name}”"})
    before = audit.snapshot(unit, UNIT_FIELDS)
    old_path, old_parent = unit.path, unit.parent
    unit.parent = new_parent
    _set_path(unit)
    new_path = unit.path
    depth_shift = unit.depth - (old_path.count("/") - 2)
    # Rewrite the whole subtree's paths in one statement: new prefix + the part below the old prefix.
    Unit.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1)), depth=F("depth") + depth_shift
    )
    unit.version += 1
    Unit.objects.filter(pk=unit.pk).update(parent=new_parent, version=unit.version)
    UnitEvent.objects.create(unit=unit, kind=UnitEvent.Kind.MOVE, on=on or timezone.localdate(),
                             old_parent=old_parent, new_parent=new_parent, note=note)
    unit.refresh_from_db()
    audit.record(action="unit.move", by=by, obj=unit, before=before, after=audit.snapshot(unit, UNIT_FIELDS))
    return unit


@transaction.atomic
def unit_close(*, unit, by, on=None, note=""):
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    if unit.is_closed:
        raise ValidationError({"unit": "该单位已撤销"})
    if Unit.objects.filter(parent=unit, closed_on__isnull=True).exists():
        raise ValidationError({"unit": "请先撤销或调出其下级单位"})
    on = on or timezone.localdate()
    before = audit.snapshot(unit, UNIT_FIELDS)
    unit.closed_on = on
    unit.version += 1
    unit.save(update_fields=["closed_on", "version"])
    # Memberships end on the closing day: the history stays, nobody is counted after it.
    Membership.objects.filter(group__unit=unit).filter(Q(end__isnull=True) | Q(end__gt=on)).update(end=on)
    UnitEvent.objects.create(unit=unit, kind=UnitEvent.Kind.CLOSE, on=on, old_name=unit.name, note=note)
    audit.record(action="unit.close", by=by, obj=unit, before=before, after=audit.snapshot(unit, UNIT_FIELDS))
    return unit


def _clean_person_fields(*, name, gender, phone):
    errors = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = "请填写姓名"
    elif len(name) > 40:
        errors["name"] = "姓名过长"
    if gender not in ("", "M", "F"):
        errors["gender"] = "性别只能是“男”或“女”"
    phone = normalise_phone(phone)
    try:
        validate_phone(phone)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return name, phone


def refuse_duplicate_phone(*, unit, phone, exclude=None):
    """One person per phone number in a unit (a double-submitted form made two). Phones are encrypted, so
    the comparison goes through the keyed digest; the unit row is locked so two concurrent adds queue."""
    if not phone:
        return
    Unit.objects.select_for_update().filter(pk=unit.pk).first()
    others = Person.objects.filter(unit=unit, phone_digest=crypto.lookup_digest(phone))
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    if other := others.first():
        raise ValidationError({"phone": f"手机号码 {crypto.mask_phone(phone)} 已登记给本单位的“{other.name}”，"
                                        "同一单位不能重复登记同一手机号"})


@transaction.atomic
def person_create(*, unit, name, by, gender="", post="", rank="", phone=""):
    name, phone = _clean_person_fields(name=name, gender=gender, phone=phone)
    refuse_duplicate_phone(unit=unit, phone=phone)
    person = Person(unit=unit, name=name, gender=gender, post=(post or "").strip(), rank=(rank or "").strip())
    person.set_phone(phone)
    person.save()
    audit.record(action="person.create", by=by, obj=person, after=audit.snapshot(person, PERSON_FIELDS))
    return person


@transaction.atomic
def person_update(*, person, by, version=None, **fields):
    person = Person.objects.select_for_update().get(pk=person.pk)
    check_version(person, version)
    before = audit.snapshot(person, PERSON_FIELDS)
    name, phone = _clean_person_fields(
        name=fields.get("name", person.name), gender=fields.get("gender", person.gender),
        phone=fields.get("phone", person.phone),
    )
    person.name = name
    person.gender = fields.get("gender", person.gender)
    person.post = (fields.get("post", person.post) or "").strip()
    person.rank = (fields.get("rank", person.rank) or "").strip()
    if "phone" in fields:
        refuse_duplicate_phone(unit=person.unit, phone=phone, exclude=person)
        person.set_phone(phone)
    person.version += 1
    person.save()
    audit.record(action="person.update", by=by, obj=person, before=before, after=audit.snapshot(person, PERSON_FIELDS))
    return person


def _validate_membership(*, group, person, role, start, end=None, exclude=None):
    if role not in Role.values:
        raise ValidationError({"role": "角色不正确，应为组长、副组长、学习秘书、成员或列席"})
    if start is None:
        raise ValidationError({"start": "请填写加入日期"})
    if end is not None and end < start:
        raise ValidationError({"end": "离开日期不能早于加入日期"})
    if group.unit.closed_on and start > group.unit.closed_on:
        raise ValidationError({"start": "该单位已撤销，不能再加入成员"})
    overlapping = Membership.objects.filter(group=group, person=person).filter(Q(end__isnull=True) | Q(end__gte=start))
    if end is not None:
        overlapping = overlapping.filter(start__lte=end)
    if exclude is not None:
        overlapping = overlapping.exclude(pk=exclude.pk)
    if overlapping.exists():
        raise ValidationError({"person": f"{person.name}在该时间段内已是本组成员"})
    if role == Role.LEADER:
        leaders = Membership.objects.filter(group=group, role=Role.LEADER).filter(Q(end__isnull=True) | Q(end__gte=start))
        if exclude is not None:
            leaders = leaders.exclude(pk=exclude.pk)
        if leaders.exists():
            raise ValidationError({"role": "本组已有组长；请先办理原组长离任"})


def _refuse_sysadmin_role_for_account(*, person, by):
    """三员分立: a role in a group opens that group's study records to whoever holds the person's account.
    The system administrator keeps rosters of people without accounts (imports, new members); giving a
    role to a person who has (or awaits) an account is the business side's act: the group's 组长,
    副组长 or 学习秘书."""
    if not _by_sysadmin(by):
        return
    from accounts.models import User

    if User.objects.filter(Q(person=person) | Q(pending_person=person)).exists():
        raise ValidationError({"person": f"三员分立：{person.name}已有账号，其中心组角色须由本组组长、副组长或学习秘书办理，"
                                         "系统管理员不能设定"})


@transaction.atomic
def membership_add(*, group, person, role, start, by, end=None, note=""):
    _validate_membership(group=group, person=person, role=role, start=start, end=end)
    _refuse_sysadmin_role_for_account(person=person, by=by)
    membership = Membership.objects.create(group=group, person=person, role=role, start=start, end=end, note=note)
    stats_services.refresh_memberships(group.pk, start)
    audit.record(action="membership.add", by=by, obj=membership,
                 after={"group": group.pk, "person": person.pk, "role": role, "start": start, "end": end})
    return membership


@transaction.atomic
def membership_end(*, membership, end, by, note=""):
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.end is not None and membership.end <= end:
        raise ValidationError({"end": "该成员已离开本组"})
    if end < membership.start:
        raise ValidationError({"end": "离开日期不能早于加入日期"})
    before = {"end": membership.end}
    membership.end = end
    if note:
        membership.note = note
    membership.save(update_fields=["end", "note"])
    stats_services.refresh_memberships(membership.group_id, end)
    audit.record(action="membership.end", by=by, obj=membership, before=before, after={"end": end})
    return membership


@transaction.atomic
def membership_change_role(*, membership, role, on, by):
    """A new role is a new dated row, so statistics for earlier days still see the old role."""
    if role == membership.role:
        return membership
    if on <= membership.start:
        raise ValidationError({"start": "角色变更日期须晚于原角色的开始日期"})
    membership_end(membership=membership, end=on - timezone.timedelta(days=1), by=by, note="角色变更")
    return membership_add(group=membership.group, person=membership.person, role=role, start=on, by=by)


def _by_sysadmin(by):
    from accounts.models import AdminRole

    return getattr(by, "admin_role", "") == AdminRole.SYSTEM


def _require_secadmin(by):
    from accounts.models import AdminRole

    if getattr(by, "admin_role", "") != AdminRole.SECURITY:
        raise ValidationError({"by": "只有安全管理员可以审批"})


@transaction.atomic
def supervisor_scope_add(*, user, unit, kind, start, by):
    """A supervising scope reads every study record below `unit`. Granted by the business side (a command,
    the seed) it is in force at once; requested by the system administrator it waits for the security
    administrator (三员分立: the account manager alone can never give an account study records)."""
    if user.admin_role:
        raise ValidationError({"username": "三员分立：管理员账号不能担任督导"})
    if SupervisorScope.objects.filter(user=user, unit=unit, end__isnull=True).exists():
        raise ValidationError({"username": f"{user} 已在督导该单位（或已提交审批）"})
    pending = _by_sysadmin(by)
    scope = SupervisorScope.objects.create(user=user, unit=unit, kind=kind, start=start, pending=pending,
                                           requested_by=audit.account(by))
    audit.record(action="supervisor.request" if pending else "supervisor.add", by=by, obj=scope,
                 after={"user": user.pk, "unit": unit.pk, "kind": kind, "pending": pending})
    return scope


@transaction.atomic
def supervisor_scope_decide(*, scope, approve, by):
    """The security administrator approves (the scope comes into force) or refuses (it is removed)."""
    _require_secadmin(by)
    scope = SupervisorScope.objects.select_for_update().filter(pk=scope.pk, pending=True).first()
    if scope is None:
        raise ValidationError({"scope": "该申请已处理"})
    after = {"user": scope.user_id, "unit": scope.unit_id, "kind": scope.kind, "requested_by": scope.requested_by_id}
    if approve:
        scope.pending = False
        scope.approved_by = by
        scope.save(update_fields=["pending", "approved_by"])
        audit.record(action="supervisor.approve", by=by, obj=scope, after=after)
    else:
        audit.record(action="supervisor.refuse", by=by, obj=scope, after=after)
        scope.delete()
    return scope


@transaction.atomic
def observer_add(*, person, pool_unit, by, note=""):
    observer, created = Observer.objects.get_or_create(person=person, pool_unit=pool_unit, defaults={"note": note})
    if created:
        audit.record(action="observer.add", by=by, obj=observer, after={"person": person.pk, "pool": pool_unit.pk})
    return observer


@transaction.atomic
def observer_assign(*, observer, group, start, by, end=None, kind="fixed"):
    if not group.unit.path.startswith(observer.pool_unit.path):
        raise ValidationError({"group": "只能派往本巡听库所属单位下辖的中心组"})
    _refuse_sysadmin_role_for_account(person=observer.person, by=by)  # an assignment opens the group's records
    assignment = ObserverAssignment.objects.create(observer=observer, group=group, start=start, end=end, kind=kind)
    audit.record(action="observer.assign", by=by, obj=assignment,
                 after={"observer": observer.pk, "group": group.pk, "start": start, "kind": kind})
    return assignment


ANONYMISED = "已匿名人员#"


@transaction.atomic
def person_anonymise(*, person, by):
    """PIPL: a person who has left keeps no name, contact or post here, while every record they took part in
    stays (attendance rows, memberships, plans), so counts and archives do not change. Their account is
    disabled and stripped of its name; its tokens are revoked. The audit entry names the id only."""
    from accounts.models import ApiToken, User

    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.name.startswith(ANONYMISED):
        raise ValidationError({"person": "该人员已匿名化"})
    today = timezone.localdate()
    if Membership.objects.on(today).filter(person=person).exists() or Membership.objects.filter(
            person=person, start__gt=today).exists():
        raise ValidationError({"person": "该人员仍在中心组任职，请先办理离组再匿名化"})
    person.name = f"{ANONYMISED}{person.pk}"
    person.gender = person.post = person.rank = ""
    person.set_phone("")
    person.version += 1
    person.save()
    Observer.objects.filter(person=person).update(active=False, note="")
    accounts = list(User.objects.filter(Q(person=person) | Q(pending_person=person)))
    for user in accounts:
        user.username = f"anonymised-{user.pk}"
        user.first_name = user.last_name = user.email = ""
        user.is_active = False
        user.pending_person = None
        user.set_unusable_password()
        user.save()
        ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    audit.record(action="person.anonymise", by=by, obj=person,
                 after={"person": person.pk, "accounts_disabled": [u.pk for u in accounts]})
    return person
