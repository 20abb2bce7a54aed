"""Who sees and publishes materials. Built on orgs.access, the project's one choke point.

A material owned by unit U is visible to every group in U's subtree (members, secretaries, observers) and to
the supervisors of U's subtree and of U's ancestors. The three administrators see no study content.
"""

from functools import reduce
from operator import or_

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from orgs import access
from orgs.models import StudyGroup, Unit

from .models import Attachment, Material, ReadingList


def _scope(user):
    """(ids of units whose materials the user sees by ancestry, supervised subtree paths, supervised unit ids),
    memoised per request."""

    def compute():
        if not user.is_authenticated or access.is_admin_role(user):
            return set(), [], []
        roots = [(unit.pk, unit.path) for unit in access.supervised_roots(user)]
        paths = [path for _, path in roots]
        # Groups inside a supervised subtree are covered by its path prefix; a province has 10,000 of them.
        outside = access.subtree_q(paths, "unit__path")
        own = access.groups_visible(user)
        own = own.exclude(outside) if outside is not None else own
        lines = roots + list(own.values_list("unit_id", "unit__path"))
        ancestors = {i for uid, path in lines for i in (*Unit(path=path).ancestor_ids(), uid)}
        return ancestors, paths, [uid for uid, _ in roots]

    return access.memo(user, "materials", compute)


def owner_q(user, field="owner_unit"):
    ancestors, paths, _ = _scope(user)
    parts = [Q(**{f"{field}_id__in": ancestors})] if ancestors else []
    parts += [Q(**{f"{field}__path__startswith": p}) for p in paths]
    return reduce(or_, parts) if parts else Q(pk__in=[])


def materials_visible(user):
    return Material.objects.filter(owner_q(user))


def reading_lists_visible(user):
    return ReadingList.objects.filter(owner_q(user))


def publishing_units(user):
    """Units a new material may be issued in the name of: the units this user supervises (a province's
    supervisor would otherwise face 10,000 choices) and the units of the groups they manage. Materials
    already owned lower in a supervised subtree stay editable (can_publish)."""
    if not user.is_authenticated or access.is_admin_role(user):
        return Unit.objects.none()
    return Unit.objects.filter(Q(pk__in=_scope(user)[2]) | Q(group__id__in=access.managed_group_ids(user)),
                               closed_on__isnull=True)


def can_publish(user, unit):
    if not user.is_authenticated or access.is_admin_role(user):
        return False
    if access.can_supervise(user, unit):
        return True
    managed = access.managed_group_ids(user)
    return bool(managed) and StudyGroup.objects.filter(unit=unit, pk__in=managed).exists()


def get_material_for(user, pk, *, write=False):
    material = materials_visible(user).filter(pk=pk).select_related("owner_unit").first()
    if material is None:
        raise Http404("没有找到这份资料")
    if write and not can_publish(user, material.owner_unit):
        raise PermissionDenied("只有发布单位的督导人员或学习秘书可以修改这份资料")
    return material


def get_attachment_for(user, pk):
    attachment = Attachment.objects.filter(pk=pk, material__in=materials_visible(user)).first()
    if attachment is None:
        raise Http404("没有找到这个附件")
    return attachment


def get_reading_list_for(user, pk, *, write=False):
    reading_list = reading_lists_visible(user).filter(pk=pk).select_related("owner_unit").first()
    if reading_list is None:
        raise Http404("没有找到这份书目")
    if write and not can_publish(user, reading_list.owner_unit):
        raise PermissionDenied("只有发布单位可以修改这份书目")
    return reading_list


def material_visible_to_group(material, group):
    """A group may record a material it can see: one owned by its own unit or an ancestor."""
    return group.unit.path.startswith(material.owner_unit.path)


def group_q(group):
    """material_visible_to_group as a filter: the materials owned by the group's unit or an ancestor."""
    return Q(owner_unit_id__in=[*group.unit.ancestor_ids(), group.unit_id])


def audience_path(owner, unit):
    """The subtree under `unit` whose groups see what `owner` issues (the deeper of the two units); None when
    neither unit contains the other."""
    if unit.path.startswith(owner.path):
        return unit.path
    if owner.path.startswith(unit.path):
        return owner.path
    return None


def line_q(unit):
    """audience_path as a filter: materials owned by `unit`, an ancestor or a unit below it."""
    return Q(owner_unit_id__in=[*unit.ancestor_ids(), unit.pk]) | Q(owner_unit__path__startswith=unit.path)
