"""Research topics and lectures are group records: visible through orgs.access (members, the group's
observers, supervisors of the subtree); the group's managers list topics and record outcomes."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from orgs import access

from .models import Lecture, ResearchTopic


def topics_visible(user):
    return ResearchTopic.objects.filter(group__in=access.groups_visible(user))


def lectures_visible(user):
    return Lecture.objects.filter(group__in=access.groups_visible(user))


def get_topic_for(user, pk, *, write=False):
    topic = topics_visible(user).filter(pk=pk).select_related("group__unit", "report").first()
    if topic is None:
        raise Http404("没有找到这个调研课题")
    if write and not access.can_manage_group(user, topic.group):
        raise PermissionDenied("只有本组的组长、副组长或学习秘书可以修改调研课题")
    return topic


def is_member(user, group):
    return any(gid == group.pk for gid, _ in access.roles_today(user))
