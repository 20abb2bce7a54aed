"""Sessions and texts for integrity tests."""

import datetime as dt

from django.utils import timezone

from meetings import services as meetings
from meetings.tests.factories import make_session
from orgs.models import Role

MANDATED = "深入学习贯彻习近平新时代中国特色社会主义思想，全面贯彻落实党的二十届四中全会精神。"

MINUTES_A = (
    "会议由赵书记主持，秦秘书领学了全会公报和有关重要讲话精神。"
    + MANDATED +
    "钱委员结合分管的老旧小区改造工作发言，提出今年十二个小区的加装电梯项目要在九月底前全部开工。"
    "赵书记指出，街道网格员队伍力量不足，要从机关下沉二十名干部充实到社区一线。"
    "会议研究了沿江商圈业态升级方案，决定由经济办牵头走访驻区企业，形成问题清单。"
    "会议要求各社区在十月底前完成背街小巷整治，整治情况纳入年度考核。"
    "会议还通报了上半年安全生产检查中发现的三处燃气管道隐患及整改进度。"
)

MINUTES_OTHER = (
    "会议由孙秘书记录，中心组成员围绕全会精神开展专题研讨。"
    + MANDATED +
    "湖滨街道党工委书记结合湖区生态保护发言，提出退渔还湖后渔民转产就业要一户一策。"
    "与会同志认为，湖区违建整治要与村庄规划同步推进，防止边拆边建。"
    "会议决定成立农文旅融合专班，年内打造两条乡村旅游精品线路。"
    "会议要求各村在冬季前完成农村人居环境整治回头看，建立长效保洁机制。"
    "会议还研究了困难群众冬季救助衔接问题，明确由民政办逐户摸排。"
)


def days_ago(n, hour=9):
    now = timezone.localtime()
    return now.replace(hour=hour, minute=0, second=0, microsecond=0) - dt.timedelta(days=n)


def scheduled_in_time(world, *, days, group=None, by=None, **kw):
    """A session held `days` ago that was put on the calendar beforehand (its created stamp before its date)."""
    from meetings.models import StudySession

    s = make_session(world, start=days_ago(days), group=group, by=by, **kw)
    StudySession.objects.filter(pk=s.pk).update(created=s.starts_at - dt.timedelta(days=3), late_record=False,
                                                late_reason="")
    # The signal for a late schedule was raised by the helper's own write above: remove it, the session was
    # in reality scheduled in time.
    from integrity.models import IntegritySignal

    IntegritySignal.objects.filter(session=s).delete()
    s.refresh_from_db()
    return s


def member(world, name, group=None, role=Role.MEMBER):
    from accounts.services import user_create
    from orgs import services as org

    group = group or world.group_a
    person = org.person_create(unit=group.unit, name=name, by=None)
    org.membership_add(group=group, person=person, role=role, start=world.today.replace(month=1, day=1), by=None)
    return user_create(username=f"u{person.pk}", password="Test#Pass2026", person=person, validate=False)


def with_minutes(world, session, text, by=None):
    return meetings.record_save(session=session, by=by or world.secretary_a, minutes=text)
