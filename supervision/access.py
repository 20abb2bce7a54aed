"""Finding supervision records for a user, on top of orgs.access (the one choke point).

- A supervisor (SupervisorScope) sees the plans, campaigns, visits, speakers and rectifications of the units
  in their subtrees; a sibling county's supervisor gets 404.
- An observer sees only the visits they are assigned to, and the campaign targets they inspect.
- A group's 组长/副组长/学习秘书 see their own group's visits (the feedback once given) and 整改.
- The audit administrator may re-run a recorded draw (its inputs are not study records) and nothing else.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from accounts.models import AdminRole
from orgs import access
from orgs.models import Observer, StudyGroup, Unit

from .models import (
    Draw,
    Inspection,
    InspectionTarget,
    Rectification,
    SpeakerFiling,
    SupervisionPlan,
    Visit,
)


def _paths(user):
    return [u.path for u in access.supervised_roots(user)]


def _under(user, field):
    """Q for rows whose `field` (a unit path) lies in a subtree the user supervises; None when none."""
    return access.subtree_q(_paths(user), field)


def is_auditor(user):
    return user.is_authenticated and user.admin_role == AdminRole.AUDIT


def is_supervisor(user):
    return bool(access.supervised_roots(user)) and not access.is_admin_role(user)


def supervising_units(user):
    """Units whose plans and campaigns this user may keep: the supervised roots and the units below them
    that have units below them in turn (a county inside a city's subtree has its own plan)."""
    return access.supervised_roots(user)


def can_supervise_unit(user, unit):
    return not access.is_admin_role(user) and access.can_supervise(user, unit)


def my_observer_ids(user):
    if not user.is_authenticated or not user.person_id or access.is_admin_role(user):
        return []
    return access.memo(user, "observer_ids", lambda: list(
        Observer.objects.filter(person_id=user.person_id).values_list("pk", flat=True)))


# ---- plans and draws ----------------------------------------------------------------------------

def plans_visible(user):
    q = _under(user, "unit__path")
    if q is None or access.is_admin_role(user):
        return SupervisionPlan.objects.none()
    return SupervisionPlan.objects.filter(q)


def get_plan_for(user, pk):
    plan = plans_visible(user).filter(pk=pk).select_related("unit", "checklist").first()
    if plan is None:
        raise Http404("没有找到这个巡听旁听计划")
    return plan


def get_draw_for(user, pk):
    """The plan's supervisors, and the audit administrator (who re-runs draws to check them)."""
    draws = Draw.objects.select_related("plan__unit")
    if not is_auditor(user):
        draws = draws.filter(plan__in=plans_visible(user))
    draw = draws.filter(pk=pk).first()
    if draw is None:
        raise Http404("没有找到这次抽取")
    return draw


# ---- visits ------------------------------------------------------------------------------------

def visits_q(user):
    if not user.is_authenticated or access.is_admin_role(user):
        return Q(pk__in=[])
    parts = Q(observers__observer_id__in=my_observer_ids(user)) | Q(group_id__in=access.managed_group_ids(user))
    sup = _under(user, "plan__unit__path")
    if sup is not None:
        parts |= sup
    return parts


def visits_visible(user):
    return Visit.objects.filter(pk__in=Visit.objects.filter(visits_q(user)).values("pk"))


def visit_role(user, visit):
    """'supervisor', 'observer' or 'group' (several may hold; the first that fits wins for a page)."""
    roles = set()
    if can_supervise_unit(user, visit.plan.unit):
        roles.add("supervisor")
    if visit.observers.filter(observer_id__in=my_observer_ids(user)).exists():
        roles.add("observer")
    if visit.group_id in access.managed_group_ids(user):
        roles.add("group")
    return roles


def get_visit_for(user, pk, *, need=None):
    visit = visits_visible(user).filter(pk=pk).select_related("plan__unit", "plan__checklist", "group__unit",
                                                              "session").first()
    if visit is None:
        raise Http404("没有找到这次巡听旁听")
    roles = visit_role(user, visit)
    if need and need not in roles:
        raise PermissionDenied({"supervisor": "只有督导单位可以进行此操作",
                                "observer": "只有派出的巡听员可以评分和反馈",
                                "group": "只有本组的组长、副组长或学习秘书可以进行此操作"}[need])
    visit.roles = roles
    return visit


def observers_for(user):
    """The pools this user keeps: observers of pools at or below their supervised roots."""
    q = _under(user, "pool_unit__path")
    if q is None or access.is_admin_role(user):
        return Observer.objects.none()
    return Observer.objects.filter(q)


def get_observer_for(user, pk):
    observer = observers_for(user).filter(pk=pk).select_related("person__unit", "pool_unit").first()
    if observer is None:
        raise Http404("没有找到这名巡听员")
    return observer


def subtree_groups(unit):
    """Groups below a supervising unit (its own group is not supervised by itself)."""
    return StudyGroup.objects.filter(unit__path__startswith=unit.path, unit__closed_on__isnull=True).exclude(
        unit_id=unit.pk)


def get_unit_for_supervisor(user, pk):
    unit = Unit.objects.filter(pk=pk).first()
    if unit is None or not can_supervise_unit(user, unit):
        raise Http404("没有找到这个单位")
    return unit


# ---- rectifications, speakers, campaigns ------------------------------------------------------

def _group_filed(user, model):
    """Rows filed by a group: its own leaders see them, and so do the supervisors above it."""
    if not user.is_authenticated or access.is_admin_role(user):
        return model.objects.none()
    q = Q(group_id__in=access.managed_group_ids(user))
    sup = _under(user, "group__unit__path")
    if sup is not None:
        q |= sup
    return model.objects.filter(q)


def rectifications_visible(user):
    return _group_filed(user, Rectification)


def get_rectification_for(user, pk, *, need=None):
    rect = rectifications_visible(user).filter(pk=pk).select_related("group__unit", "visit__plan__unit").first()
    if rect is None:
        raise Http404("没有找到这条整改")
    if need == "group" and rect.group_id not in access.managed_group_ids(user):
        raise PermissionDenied("只有本组的组长、副组长或学习秘书可以填报整改")
    if need == "supervisor" and not (_supervises_rect(user, rect)):
        raise PermissionDenied("只有督导单位可以验收整改")
    return rect


def _supervises_rect(user, rect):
    unit = rect.visit.plan.unit if rect.visit_id else rect.target.inspection.unit
    return can_supervise_unit(user, unit)


def speakers_visible(user):
    return _group_filed(user, SpeakerFiling)


def get_speaker_for(user, pk, *, decide=False):
    filing = speakers_visible(user).filter(pk=pk).select_related("group__unit", "session").first()
    if filing is None:
        raise Http404("没有找到这条外请辅导报备")
    if decide and not can_decide_speaker(user, filing.group):
        raise PermissionDenied("只有上级督导单位可以政治把关")
    return filing


def can_decide_speaker(user, group):
    """The supervisor above the group, never the group itself (a county unit's own staff may be both)."""
    return (not access.is_admin_role(user) and access.can_supervise(user, group.unit)
            and group.pk not in access.managed_group_ids(user)
            and not any(r.pk == group.unit_id for r in access.supervised_roots(user)))


def inspections_visible(user):
    if not user.is_authenticated or access.is_admin_role(user):
        return Inspection.objects.none()
    q = Q(pk__in=InspectionTarget.objects.filter(Q(inspector_id__in=my_observer_ids(user))
                                                 | Q(group_id__in=access.managed_group_ids(user)))
          .values("inspection_id"))
    sup = _under(user, "unit__path")
    if sup is not None:
        q |= sup
    return Inspection.objects.filter(q)


def get_inspection_for(user, pk, *, manage=False):
    inspection = inspections_visible(user).filter(pk=pk).select_related("unit", "checklist").first()
    if inspection is None:
        raise Http404("没有找到这项专题督查")
    if manage and not can_supervise_unit(user, inspection.unit):
        raise PermissionDenied("只有督查单位可以进行此操作")
    return inspection


def get_target_for(user, pk, *, write=False):
    target = InspectionTarget.objects.filter(pk=pk, inspection__in=inspections_visible(user)).select_related(
        "inspection__unit", "inspection__checklist", "group__unit", "inspector__person").first()
    if target is None:
        raise Http404("没有找到这个督查对象")
    supervises = can_supervise_unit(user, target.inspection.unit)
    if not (supervises or target.inspector_id in my_observer_ids(user)
            or target.group_id in access.managed_group_ids(user)):
        raise Http404("没有找到这个督查对象")
    if write and not (supervises or target.inspector_id in my_observer_ids(user)):
        raise PermissionDenied("只有派出的督查人员或督查单位可以填写结果")
    return target
