"""The one choke point: every page, API endpoint, export and command finds objects through here.

A foreign object answers 404 (its existence is not revealed); an object you may see but not change
answers 403. Visibility climbs the unit tree: a supervisor of a unit sees everything below it.

`study_records=True` (the default) is for study content (plans, sessions, notes). The three
administrators (三员分立) never see study content; the system administrator sees the organisation
(units, groups, people) because managing accounts and units is their job.
"""

from functools import reduce
from operator import or_

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from accounts.models import AdminRole
from core import pagecache

from .models import MANAGING_ROLES, Membership, ObserverAssignment, Person, Role, StudyGroup, SupervisorScope, Unit


def _today():
    return timezone.localdate()


def is_sysadmin(user):
    return user.is_authenticated and user.admin_role == AdminRole.SYSTEM


def is_admin_role(user):
    return user.is_authenticated and bool(user.admin_role)


def supervised_units(user, day=None):
    """Roots of the subtrees this user supervises today."""
    if not user.is_authenticated:
        return Unit.objects.none()
    day = day or _today()
    scopes = SupervisorScope.objects.filter(user=user, pending=False, start__lte=day).filter(Q(end__isnull=True) | Q(end__gte=day))
    return Unit.objects.filter(id__in=scopes.values("unit_id"))


def memo(user, key, compute):
    """Per-request memo on the user object: a page asks several questions of the same user, and the
    study apps' access modules keep their own answers here too. Inside a kept page's view the answer is also kept
    across the reader's pages, under the data version and the day (core/pagecache.kept_answer), so `compute` must
    read nothing but the database, the user and today's date (not the request, not the clock)."""
    store = user.__dict__.setdefault("_access_cache", {})
    if key not in store:
        store[key] = pagecache.kept_answer(user, key, compute)
    return store[key]


def supervised_roots(user):
    """The units at the roots of the subtrees this user supervises today, by path; read once per request."""
    if not user.is_authenticated:
        return []
    return memo(user, "roots", lambda: list(supervised_units(user).order_by("path")))


def subtree_q(paths, field="path"):
    if not paths:
        return None
    return reduce(or_, (Q(**{f"{field}__startswith": p}) for p in paths))


def roles_today(user):
    """[(group id, role)] of this user's memberships today, read once per request.

    The three administrators hold no study role (三员分立), whatever their account is linked to."""
    return memo(user, "role_pairs", lambda: [(gid, role) for gid, role, _ in _memberships_today(user)])


def _memberships_today(user):
    """[(group id, role, group name)] of this user's memberships today: one query a request, with the names the
    工作台 lists, so no page reads the memberships twice."""
    if not user.is_authenticated or not user.person_id or is_admin_role(user):
        return []
    return memo(user, "roles", lambda: list(
        Membership.objects.on(_today()).filter(person_id=user.person_id).order_by("group_id")
        .values_list("group_id", "role", "group__name")))


def my_groups_today(user):
    """The groups this user takes part in today, for listing: dicts of group_id, name, role and its label."""
    labels = dict(Role.choices)
    return [{"group_id": gid, "name": name, "role": role, "role_label": labels.get(role, role)}
            for gid, role, name in _memberships_today(user)]


def managed_group_ids(user):
    """Groups this user is 组长/副组长/学习秘书 of today (what can_manage_group answers per group)."""
    return [gid for gid, role in roles_today(user) if role in MANAGING_ROLES]


def managed_groups_today(user):
    """The groups this user manages today, with their units, in unit order: read once per request and shared by
    the 工作台's cards (plans, materials, reports each needed them)."""
    return memo(user, "managed_groups", lambda: list(
        StudyGroup.objects.filter(pk__in=managed_group_ids(user)).select_related("unit").order_by("unit__path", "pk")))


def _scope(user):
    """(supervised paths, member group ids, managed group ids, observed group ids) for today."""

    def compute():
        day = _today()
        paths = [unit.path for unit in supervised_roots(user)]
        member_ids, managed_ids = set(), set()
        for gid, role in roles_today(user):
            member_ids.add(gid)
            if role in MANAGING_ROLES:
                managed_ids.add(gid)
        observed = set(
            ObserverAssignment.objects.filter(observer__person_id=user.person_id, observer__active=True, start__lte=day)
            .filter(Q(end__isnull=True) | Q(end__gte=day))
            .values_list("group_id", flat=True)
        ) if user.person_id else set()
        return paths, member_ids, managed_ids, observed

    return memo(user, "scope", compute)


def groups_q(user, *, study_records=True):
    """A Q over StudyGroup for the groups this user may see."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    if is_admin_role(user):
        return Q() if (is_sysadmin(user) and not study_records) else Q(pk__in=[])
    paths, member_ids, _, observed = _scope(user)
    parts = [Q(pk__in=member_ids | observed)]
    subtree = subtree_q(paths, "unit__path")
    if subtree is not None:
        parts.append(subtree)
    return reduce(or_, parts)


def groups_visible(user, *, study_records=True):
    return StudyGroup.objects.filter(groups_q(user, study_records=study_records))


def units_visible(user):
    if not user.is_authenticated:
        return Unit.objects.none()
    if is_sysadmin(user):
        return Unit.objects.all()
    if is_admin_role(user):
        return Unit.objects.none()
    paths, member_ids, _, observed = _scope(user)
    parts = [Q(group__id__in=member_ids | observed)]
    subtree = subtree_q(paths)
    if subtree is not None:
        parts.append(subtree)
    return Unit.objects.filter(reduce(or_, parts))


def units_for_roster(user, group):
    """Units a roster may name as a member's home unit: the group's parent unit and everything under it
    (列席 members often come from the county committee or a sibling department). Unit names are not
    study records; the user must manage the group."""
    if not can_manage_group(user, group, study_records=False):
        return Unit.objects.none()
    parent_path = group.unit.path.rsplit("/", 2)[0] + "/"
    return Unit.objects.filter(path__startswith=parent_path) if parent_path != "/" else Unit.objects.filter(
        path__startswith=group.unit.path)


def people_visible(user):
    """People of visible units, and the members of visible groups (a member may belong to another unit)."""
    if not user.is_authenticated or (is_admin_role(user) and not is_sysadmin(user)):
        return Person.objects.none()
    if is_sysadmin(user):
        return Person.objects.all()
    groups = groups_visible(user, study_records=False)
    return Person.objects.filter(
        Q(unit__in=units_visible(user)) | Q(memberships__group__in=groups)
    ).distinct()


def can_manage_group(user, group, *, study_records=True):
    """组长/副组长/学习秘书 manage their group; the system administrator manages its roster, never its records."""
    if not user.is_authenticated:
        return False
    if is_sysadmin(user):
        return not study_records
    return group.pk in _scope(user)[2]


def can_supervise(user, unit):
    return any(unit.path.startswith(p) for p in _scope(user)[0]) if user.is_authenticated else False


def group_below(unit, group):
    """Whether a group is supervised from `unit`: it lies below it (the unit's own group answers to the level
    above). Plans, rankings and campaigns of a unit cover exactly these groups."""
    return group.unit.path.startswith(unit.path) and group.unit_id != unit.pk


def get_group_for(user, pk, *, write=False, study_records=True):
    group = StudyGroup.objects.filter(groups_q(user, study_records=study_records)).filter(pk=pk)
    group = group.select_related("unit").first()
    if group is None:
        raise Http404("没有找到这个中心组")
    if write and not can_manage_group(user, group, study_records=study_records):
        raise PermissionDenied("只有本组的组长、副组长或学习秘书可以修改")
    return group


def get_unit_for(user, pk, *, write=False):
    unit = units_visible(user).filter(pk=pk).first()
    if unit is None:
        raise Http404("没有找到这个单位")
    if write and not is_sysadmin(user):
        raise PermissionDenied("只有系统管理员可以调整单位")
    return unit


def can_edit_person(user, person):
    if is_sysadmin(user):
        return True
    managed = _scope(user)[2]
    if not managed:
        return False
    return Membership.objects.filter(person=person, group_id__in=managed).exists() or StudyGroup.objects.filter(
        pk__in=managed, unit_id=person.unit_id).exists()


def get_person_for(user, pk, *, write=False):
    person = people_visible(user).filter(pk=pk).select_related("unit").first()
    if person is None:
        raise Http404("没有找到这个人员")
    if write and not can_edit_person(user, person):
        raise PermissionDenied("您无权修改此人员信息")
    return person


def require_admin_role(user, role):
    if not user.is_authenticated or user.admin_role != role:
        raise Http404()


def _detail_scope(user):
    """(supervised paths, unit ids of managed groups, person ids in managed groups): what widens a user's
    view of people from names and roles to their post, rank, gender and masked phone."""

    def compute():
        managed = managed_group_ids(user)
        unit_ids = set(StudyGroup.objects.filter(pk__in=managed).values_list("unit_id", flat=True))
        person_ids = set(Membership.objects.filter(group_id__in=managed).values_list("person_id", flat=True))
        return [u.path for u in supervised_roots(user)], unit_ids, person_ids

    return memo(user, "detail_scope", compute)


def can_see_person_details(user, person):
    """PIPL: collect and show only what the work needs. A plain 成员 (or an observer) sees others' names
    and roles; their post, rank, gender and masked phone are for the people who keep the roster (the
    group's 组长/副组长/学习秘书, the system administrator), the supervisors above, and the person."""
    if not user.is_authenticated:
        return False
    if is_sysadmin(user) or (user.person_id and user.person_id == person.pk):
        return True
    if is_admin_role(user):
        return False
    paths, unit_ids, person_ids = _detail_scope(user)
    if person.pk in person_ids or person.unit_id in unit_ids:
        return True
    return any(person.unit.path.startswith(p) for p in paths)
