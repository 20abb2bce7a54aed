"""Plans are found through orgs.access only: a foreign plan answers 404, a visible one you may not change 403."""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from orgs import access
from orgs.models import Role, Unit

from .models import CopyFlag, StudyPlan


def plans_visible(user):
    return StudyPlan.objects.filter(group__in=access.groups_visible(user))


def get_plan_for(user, pk, *, write=False):
    plan = plans_visible(user).filter(pk=pk).select_related("group", "group__unit").first()
    if plan is None:
        raise Http404("没有找到这份学习计划")
    if write and not access.can_manage_group(user, plan.group):
        raise PermissionDenied("只有本组的组长、副组长或学习秘书可以修改学习计划")
    return plan


def is_leader(user, group):
    """The group's 组长 today (a dated role: last year's 组长 may not approve this year's plan)."""
    return (group.pk, Role.LEADER) in access.roles_today(user)


def get_supervised_unit(user, pk):
    """A unit this user supervises (their scope root or anything below it); anything else is 404."""
    if access.is_admin_role(user):
        raise Http404()
    unit = Unit.objects.filter(pk=pk).first()
    if unit is None or not access.can_supervise(user, unit):
        raise Http404("没有找到这个单位")
    return unit


def get_flag_for(user, pk):
    visible = plans_visible(user)
    # Either side: the approver sees flags on their plan, a supervisor also sees their plans being copied.
    flag = CopyFlag.objects.filter(Q(plan__in=visible) | Q(other__in=visible), pk=pk).select_related(
        "plan__group__unit", "other__group__unit").first()
    if flag is None:
        raise Http404("没有找到这条提示")
    return flag
