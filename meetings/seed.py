"""A year of 集体学习 for the demo city: roughly monthly sessions per group, attendance by dated membership,
leave and 补学, a few late records and low-attendance groups, so every page and the overview have something
to show. Rows are bulk-inserted with pre-assigned ids; one audit entry records the load."""

import datetime as dt
from collections import defaultdict

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core import audit
from orgs.models import Membership

from .counts import membership_stamps
from .models import (
    Attendance,
    AttendanceStatus,
    CallOnDraw,
    Leave,
    MakeUp,
    Participation,
    SessionForm,
    SessionStatus,
    StudySession,
)
from .services import _pick

TOPICS = [
    "深入学习贯彻党的二十届四中全会精神", "学习《习近平谈治国理政》第五卷", "学习贯彻习近平文化思想",
    "深入学习贯彻中央八项规定精神", "学习习近平总书记关于基层治理的重要论述", "学习《中国共产党纪律处分条例》",
    "学习贯彻习近平生态文明思想", "学习习近平总书记关于意识形态工作的重要论述", "学习贯彻中央经济工作会议精神",
    "学习习近平总书记关于乡村振兴的重要论述", "学习习近平总书记关于安全生产的重要论述", "学习习近平总书记关于党的自我革命的重要思想",
]
FORMS = [SessionForm.SEMINAR] * 5 + [SessionForm.LECTURE, SessionForm.READING_CLASS, SessionForm.VISIT,
                                     SessionForm.VIDEO, SessionForm.RESEARCH, SessionForm.ONLINE]
PLACES = ["机关三楼会议室", "党员活动室", "二楼视频会议室", "新时代文明实践所", "党群服务中心"]
LEAVE_REASONS = ["赴市里参加专题会议", "带队督查安全生产", "参加上级组织的培训", "因公出差", "处置突发事件"]


def _members_on(rows, day):
    return [(pid, role) for pid, role, s, e in rows if s <= day and (e is None or e >= day)]


@transaction.atomic
def extend(*, specs, rng, today, scale):
    group_ids = [s.id for s in specs]
    memberships = defaultdict(list)
    # A range, not an IN list: the province has ~10,000 groups, beyond SQLite's bound-parameter limit.
    for gid, pid, role, s, e in Membership.objects.filter(group_id__gte=min(group_ids),
                                                          group_id__lte=max(group_ids)).values_list(
            "group_id", "person_id", "role", "start", "end"):
        memberships[gid].append((pid, role, s, e))
    # The overview's stored counts are filled in as rows are made; memberships do not change during the seed.
    stamps = membership_stamps(Q(group_id__gte=min(group_ids), group_id__lte=max(group_ids)))
    tz = timezone.get_current_timezone()
    now = timezone.now()
    sessions, parts, rows, leaves, makeups, draws, speakers = [], [], [], [], [], [], []
    low = set(rng.sample(group_ids, max(1, len(group_ids) // 12)))  # a few groups with poor attendance
    demo_prefix = "中共江城区解放街道"
    totals = defaultdict(int)
    record_numbers = defaultdict(int)
    # Sessions follow the plans (their seed runs first): each group studies its approved plan's topics
    # in the planned month, so the overview's 计划专题 column has real figures; a few topics stay unstudied.
    from orgs.models import StudyGroup
    from plans.selectors import approved_topics

    topics = defaultdict(lambda: defaultdict(list))
    in_range = StudyGroup.objects.filter(pk__gte=min(group_ids), pk__lte=max(group_ids))
    for gid, tid, title, month in approved_topics(in_range, today.year).order_by("plan_id", "sort", "id").values_list(
            "plan__group_id", "id", "title", "month"):
        topics[gid][month].append((tid, title))

    def flush():
        # Written in chunks so that a province (~2 million attendance rows) never sits in memory at once.
        StudySession.objects.bulk_create(sessions, batch_size=2000)
        Participation.objects.bulk_create(parts, batch_size=5000)
        Attendance.objects.bulk_create(rows, batch_size=5000)
        Leave.objects.bulk_create(leaves, batch_size=5000)
        MakeUp.objects.bulk_create(makeups, batch_size=5000)
        for d in draws:  # seeded draws record the pick a real draw makes with their seed, so they verify
            d.picked_id = _pick(d.seed, d.candidates, d.weights)
        CallOnDraw.objects.bulk_create(draws, batch_size=5000)
        through = StudySession.speakers.through
        through.objects.bulk_create([through(studysession_id=sess.pk, person_id=pid) for sess, pid in speakers],
                                    batch_size=5000)
        for name, items in (("sessions", sessions), ("attendance", rows), ("leaves", leaves), ("makeups", makeups)):
            totals[name] += len(items)
        for items in (sessions, parts, rows, leaves, makeups, draws, speakers):
            items.clear()

    for spec in specs:
        if len(rows) > 100_000:
            flush()
        gid = spec.id
        demo = scale == "city" and spec.name.startswith(demo_prefix)
        months = list(range(1, today.month + 1))
        skip = set() if demo else set(rng.sample(months[:-1], k=min(len(months) - 1, rng.choice((0, 0, 1, 2)))))
        plan = []
        for month in months:
            if month in skip or (demo and month == today.month):
                continue
            day = dt.date(today.year, month, rng.randint(8, 26))
            plan.append(dt.datetime(day.year, day.month, day.day, rng.choice((9, 9, 14, 15)), 0, tzinfo=tz))
        if demo:
            # One session under way now (for the attendance and QR pages) and one next week.
            plan.append(now.astimezone(tz).replace(minute=0, second=0, microsecond=0) - dt.timedelta(hours=1))
            nxt = today + dt.timedelta(days=7)
            plan.append(dt.datetime(nxt.year, nxt.month, nxt.day, 9, 0, tzinfo=tz))
        for starts in plan:
            day = starts.date()
            month = day.month
            ends = starts + dt.timedelta(hours=rng.choice((2, 2, 3)))
            form = SessionForm.SEMINAR if month % 3 == 1 or (demo and day >= today) else FORMS[rng.randrange(len(FORMS))]
            held = ends < now
            old = held and (today - day).days > 10
            late_days = rng.choice([0] * 25 + [12, 20])
            if not held or late_days > (today - day).days:
                late_days = 0
            created = starts + dt.timedelta(days=late_days, hours=4) if held else starts - dt.timedelta(days=10)
            members = _members_on(memberships[gid], day)
            leader = next((pid for pid, role in members if role == "leader"), None)
            secretary = next((pid for pid, role in members if role == "secretary"), None)
            planned = topics[gid].get(month) or topics[gid].get(None) or []
            topic_id, title = planned.pop(0) if planned and rng.random() < 0.9 else (None, rng.choice(TOPICS))
            s = StudySession(
                group_id=gid, title=title, topic_source="plan" if topic_id else "other", plan_topic_id=topic_id,
                form=form,
                starts_at=starts, ends_at=ends, day=day, place=rng.choice(PLACES),
                agenda="一、领学有关篇目；二、班子成员交流研讨；三、组长总结讲话",
                pre_reading="《求是》杂志有关文章\n本专题学习资料汇编",
                lead_reader_id=leader, status=SessionStatus.ARCHIVED if old else SessionStatus.SCHEDULED,
                late_record=late_days > 7, late_reason=f"学习记录于会后 {late_days} 天录入" if late_days > 7 else "",
                minutes="会议由组长主持。与会同志围绕专题逐一交流发言……" if held else "",
                summary="通过学习，进一步统一了思想、明确了任务……" if held else "",
                archived_at=ends + dt.timedelta(days=3) if old else None, created=min(created, now),
            )
            if old:  # an archived record has its group's yearly number (〔2026〕第N次), in date order
                record_numbers[gid] += 1
                s.record_year, s.record_no = day.year, record_numbers[gid]
            sessions.append(s)
            part = Participation(session=s, group_id=gid, is_host=True, counts_stamp=stamps.get(gid, ""), attended=0,
                                 expected=sum(1 for _, role in members if role != "attendee"))
            parts.append(part)
            if not held:
                continue
            absent_rate = 0.2 if gid in low else 0.05
            present = []
            for pid, role in members:
                r = rng.random()
                if role == "attendee":
                    status = AttendanceStatus.ATTENDEE
                elif r < absent_rate * 0.7:
                    status = AttendanceStatus.LEAVE
                    leaves.append(Leave(session=s, group_id=gid, person_id=pid, reason=rng.choice(LEAVE_REASONS),
                                        status="approved", requested_at=starts - dt.timedelta(days=2),
                                        decided_at=starts - dt.timedelta(days=1)))
                elif r < absent_rate:
                    status = AttendanceStatus.ABSENT
                elif r < absent_rate + 0.03:
                    status = AttendanceStatus.LATE
                else:
                    status = AttendanceStatus.PRESENT
                if status in (AttendanceStatus.PRESENT, AttendanceStatus.LATE) and role != "attendee":
                    present.append(pid)
                via_qr = status in (AttendanceStatus.PRESENT, AttendanceStatus.LATE) and rng.random() < 0.3
                rows.append(Attendance(session=s, group_id=gid, person_id=pid, status=status,
                                       source="qr" if via_qr else "secretary",
                                       checked_in_at=starts - dt.timedelta(minutes=rng.randint(1, 15)) if via_qr else None,
                                       recorded_at=min(created, now)))
                if status in (AttendanceStatus.LEAVE, AttendanceStatus.ABSENT) and old:
                    makeups.append(MakeUp(session=s, group_id=gid, person_id=pid, due=day + dt.timedelta(days=14),
                                          status="reported" if (today - day).days > 40 else "submitted",
                                          reflection="补学了本次学习的全部材料，体会到……" * 3,
                                          submitted_at=starts + dt.timedelta(days=7)))
            part.attended = len(present)
            if form == SessionForm.SEMINAR and len(present) >= 3:
                seed = f"{rng.getrandbits(64):016x}"
                picked = sorted(present)[rng.randrange(len(present))]
                draws.append(CallOnDraw(session=s, seed=seed, candidates=sorted(present),
                                        weights=[1.0] * len(present), picked_id=picked, drawn_at=starts
                                        + dt.timedelta(minutes=40)))
            if secretary:
                speakers.append((s, secretary))
    flush()
    audit.record(action="seed.meetings", actor_name="seed", object_type="meetings.studysession",
                 after=dict(totals))
    return (f"{totals['sessions']} 次集体学习，{totals['attendance']} 条考勤，{totals['leaves']} 条请假，"
            f"{totals['makeups']} 项补学")
