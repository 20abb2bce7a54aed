"""Finding sessions for a user, always through orgs.access (the one choke point).

A session is visible when any group taking part in it is visible. Writing needs a managing role
(组长/副组长/学习秘书) in the host group; a 联学 guest group's managers may record their own attendance.
Deciding leave and drawing speakers is for the 组长 (or the 副组长 acting for them).
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from core import sql
from orgs import access
from orgs.models import Role, StudyGroup

from .models import TAKING_PART, Participation, PartnerState, StudySession

PRESIDING_ROLES = (Role.LEADER, Role.DEPUTY)
# Who answers a 联学 invitation for a group (issue: the 组长 or the 学习秘书).
DECIDING_ROLES = (Role.LEADER, Role.SECRETARY)


def sessions_visible(user):
    """Sessions in which a group visible to the user takes part (host or accepted partner). An invitation not
    yet accepted shows the session to the invited group's 组长 and 学习秘书 only, so they can answer it."""
    groups = StudyGroup.objects.filter(access.groups_q(user)).values("pk")
    deciding = [gid for gid, role in access.roles_today(user) if role in DECIDING_ROLES]
    return StudySession.objects.filter(pk__in=_participating(groups, deciding))


def _participating(groups, deciding=()):
    q = Q(group__in=groups, state__in=TAKING_PART)
    if deciding:
        q |= Q(group_id__in=deciding, state=PartnerState.INVITED)
    return Participation.objects.filter(q).values("session_id")


def get_session_for(user, pk, *, write=False):
    # The page names the 领学人, so it comes with the session.
    session = sessions_visible(user).filter(pk=pk).select_related("group__unit", "lead_reader").first()
    if session is None:
        raise Http404("没有找到这次学习")
    if write and not access.can_manage_group(user, session.group):
        raise PermissionDenied("只有主办中心组的组长、副组长或学习秘书可以修改")
    return session


def joint_partners(group):
    """Groups a manager of `group` may invite to a 联学: those of sibling units (same superior unit), still open.
    Only their names are shown, and names of groups are not study records, so they need not be visible."""
    if group.unit.parent_id is None:
        return StudyGroup.objects.none()
    return StudyGroup.objects.filter(unit__parent_id=group.unit.parent_id, unit__closed_on__isnull=True).exclude(
        pk=group.pk).order_by("unit__sort", "pk")


def managed_groups(user, session, participations=None):
    """Participating groups whose attendance this user may record. `participations`, when the page has read
    them already (with group and unit), spares the two queries."""
    # Each group records its own members: only groups taking part, and only by their own managers (a
    # supervisor who manages every group below is not the host's secretary for a partner).
    if participations is not None:
        groups = sorted((p.group for p in participations if p.state in TAKING_PART), key=lambda g: g.pk)
    else:
        ids = [p.group_id for p in session.participations.all() if p.state in TAKING_PART]
        groups = StudyGroup.objects.filter(pk__in=ids).select_related("unit").order_by("pk")
    return [g for g in groups if access.can_manage_group(user, g)]


def deciding_groups(user, session, participations=None):
    """Invited groups of this session that the user answers for (their 组长 or 学习秘书)."""
    mine = {gid for gid, role in access.roles_today(user) if role in DECIDING_ROLES}
    if participations is None:
        participations = session.participations.select_related("group")
    return [p for p in participations if not p.is_host and p.group_id in mine]


def require_attendance_writer(user, session):
    groups = managed_groups(user, session)
    if not groups:
        raise PermissionDenied("只有参学中心组的组长、副组长或学习秘书可以登记考勤")
    return groups


def can_preside(user, group):
    return any(gid == group.pk and role in PRESIDING_ROLES for gid, role in access.roles_today(user))


def require_presiding(user, session):
    if not can_preside(user, session.group):
        raise PermissionDenied("只有组长（或代行主持的副组长）可以进行此操作")


def member_groups(user, session):
    """Participating groups the user belongs to today (any role): they may check in, ask leave, prepare."""
    roles = access.roles_today(user)
    if not roles:
        return []
    ids = {p.group_id for p in session.participations.all() if p.state in TAKING_PART}
    return list(dict.fromkeys(gid for gid, _ in roles if gid in ids))


_ROLES_SQL = (
    'SELECT m.group_id, m.role, g.name FROM orgs_membership m JOIN orgs_studygroup g ON g.id = m.group_id '
    'WHERE m.person_id = %s AND m.start <= %s AND (m."end" IS NULL OR m."end" >= %s) AND m.group_id IN '
    '(SELECT p.group_id FROM meetings_participation p WHERE p.session_id = %s AND p.state IN (%s, %s)) '
    'ORDER BY m.group_id, m.start, m.id')


def checkin_roles(session, person_id):
    """[(group id, role, group name)] of the person's memberships on the session's day in the groups taking part
    in it (host and accepted partners), in the order members_on_day reads them: one statement written out
    (core/sql.py), the check-in's hot path."""
    if not person_id:
        return []
    day = sql.value(session.day)
    return [tuple(r) for r in sql.rows(_ROLES_SQL, [person_id, day, day, session.pk, *TAKING_PART])]


def get_session_as_member(user, pk):
    """(session, roles) for a member of a participating group — the check-in's hot path, hundreds of scans at once:
    the session with its group, and the user's (group id, role, group name) on the session's day in the groups
    taking part (checkin_roles, one statement), without the whole visibility scope: a member today of a
    group taking part always sees the session, and for a session of today the session's day is today. Anyone
    else, and any session of another day (a former member, a member from next week), gets what get_session_for
    and require_member answer: 404 for a session they may not see, 403 for one they see but take no part in."""
    session = next(iter(sql.prepared("meetings.session_with_group", _session_with_group, int(pk))), None)
    roles = checkin_roles(session, user.person_id) if session is not None else []
    if roles and session.day == timezone.localdate() and not access.is_admin_role(user):
        return session, roles
    session = get_session_for(user, pk)
    require_member(user, session)
    return session, roles  # none on the session's day: the check-in says so


def _session_with_group(pk):
    return StudySession.objects.filter(pk=pk).select_related("group")[:1]


def require_member(user, session):
    groups = member_groups(user, session)
    if not groups:
        raise PermissionDenied("只有参学中心组的成员可以进行此操作")
    return groups
