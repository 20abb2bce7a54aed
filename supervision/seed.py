"""Demo supervision for the demo city, written through the services (a few hundred rows, each audited):
plans of the city and the two demo counties, observers in each pool, fixed/random/focused visits, the
observer `xunting` with a visit to score, one answered and one upcoming; 整改 for 解放街道 (`mishu`),
an outside speaker waiting for 政治把关, and a 专题督查 over 江城区's township units.
At province scale it does nothing: the benchmark generates its own supervision data (benchmarks/bench_supervision.py)."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from meetings.models import SessionStatus, StudySession
from orgs.models import Membership, Observer, Person, Role, StudyGroup, Unit, UnitLevel

from . import services
from .models import Visit


def _group(prefix):
    return StudyGroup.objects.select_related("unit").filter(unit__name__startswith=prefix).order_by("unit__path").first()


def _sessions(group, *, past):
    today = timezone.localdate()
    qs = StudySession.objects.filter(group=group)
    if past:
        return qs.filter(day__lt=today, status=SessionStatus.ARCHIVED).order_by("-day")
    return qs.filter(day__gt=today + dt.timedelta(days=3), status=SessionStatus.SCHEDULED).order_by("day")


def _upcoming(group, by, title="学习贯彻党的二十届四中全会精神", days=9):
    from meetings import services as ms

    found = _sessions(group, past=False).first()
    if found:
        return found
    start = timezone.make_aware(dt.datetime.combine(timezone.localdate() + dt.timedelta(days=days), dt.time(9)))
    return ms.session_schedule(group=group, by=by, title=title, form="seminar", starts_at=start,
                               ends_at=start + dt.timedelta(hours=2), place="机关三楼会议室",
                               agenda="一、领学；二、研讨交流；三、组长讲评", pre_reading="《习近平谈治国理政》第五卷有关篇目")


def _answer(visit, observer_user, feedback, low=()):
    scores = {i.pk: (i.max_score - (3 if i.text in low else 1), "") for i in visit.plan.checklist.items.all()}
    services.visit_score(visit=visit, scores=scores, feedback=feedback, by=observer_user, submit=True)
    visit.refresh_from_db()
    return visit


def _held_visit(plan, group, kind, observer, supervisor, manager):
    session = _sessions(group, past=True).first()
    if session is None:
        return None
    visit = services.visit_add(plan=plan, group=group, kind=kind, planned_month=session.day.month, by=supervisor)
    # A session held and archived earlier in the year: its filing is history, written as it would have been.
    filed = timezone.make_aware(dt.datetime.combine(session.day - dt.timedelta(days=5), dt.time(10)))
    Visit.objects.filter(pk=visit.pk).update(session=session, filed_at=filed, filed_by=manager)
    services.visit_assign(visit=visit, observer=observer, by=supervisor)
    return visit


def _manager(group):
    m = Membership.objects.filter(group=group, role=Role.SECRETARY, end__isnull=True).select_related("person").first()
    user = User.objects.filter(person=m.person).first() if m else None
    return user


@transaction.atomic
def extend(*, specs, rng, today, scale):
    if scale != "city":
        return "省级规模不生成（基准测试自行生成）"
    users = {u.username: u for u in User.objects.filter(username__in=["shiwei", "jiangcheng", "donghu", "xunting",
                                                                      "mishu"])}
    if len(users) < 5:
        return "缺少演示账号，跳过"
    shiwei, jiangcheng, donghu, xunting, mishu = (users[n] for n in ("shiwei", "jiangcheng", "donghu", "xunting",
                                                                     "mishu"))
    city = Unit.objects.get(pk=specs[0].id)
    jc = Unit.objects.get(name="中共江城区委员会")
    dh = Unit.objects.get(name="中共东湖区委员会")
    xun = Observer.objects.get(person=xunting.person, pool_unit=city)
    # Pools: a few staff of each county's 宣传部/组织部 and of the city's departments (never their own unit).
    pools = {}
    for unit, prefixes in ((city, ("临江市委宣传部", "临江市委办公室", "临江市政府办公室")),
                           (jc, ("江城区委宣传部", "江城区委组织部")), (dh, ("东湖区委宣传部", "东湖区委组织部"))):
        people = [p for prefix in prefixes for p in Person.objects.filter(unit__name__startswith=prefix).exclude(
            pk=xunting.person_id).order_by("id")[:3]]
        pools[unit.pk] = [services.pool_add(unit=unit, person=p, by=None, note="演示") for p in people]
    services.absence_add(observer=pools[city.pk][0], start=today, end=today + dt.timedelta(days=20),
                         reason="赴省委党校学习", by=shiwei)

    made = {"plans": 0, "visits": 0, "rects": 0}
    year = today.year
    plans = {}
    for unit, user, cov in ((city, shiwei, 2), (jc, jiangcheng, 1), (dh, donghu, 1)):
        plans[unit.pk] = services.plan_create(unit=unit, year=year, coverage_years=cov, by=user,
                                              note="按照市委理论学习中心组学习巡听旁听工作方案执行")
        made["plans"] += 1

    # xunting (city pool) → 东湖街道: one answered, one upcoming to attend, one held awaiting the score.
    dhjd = _group("中共东湖区东湖街道")
    dh_manager = _manager(dhjd) or donghu
    city_plan = plans[city.pk]
    answered = _held_visit(city_plan, dhjd, "fixed", xun, shiwei, dh_manager)
    if answered:
        _answer(answered, xunting, "总体评价：学习组织规范，组长主持并讲评，领学准备充分。\n特色亮点：结合街道基层治理实际开展研讨。\n"
                                   "存在问题：个别成员发言照稿宣读，联系分管工作不够。\n建议：会前明确研讨题目，发言突出问题导向。",
                low=("研讨发言质量",))
    upcoming = services.visit_add(plan=city_plan, group=dhjd, kind="random", planned_month=today.month, by=shiwei)
    services.visit_file(visit=upcoming, session=_upcoming(dhjd, dh_manager), by=dh_manager, note="会前学习材料已上传")
    services.visit_assign(visit=upcoming, observer=xun, by=shiwei)
    second = _sessions(dhjd, past=True)[1:2]
    if second:
        pending = services.visit_add(plan=city_plan, group=dhjd, kind="focus", by=shiwei)
        Visit.objects.filter(pk=pending.pk).update(session=second[0], filed_by=dh_manager,
                                                   filed_at=timezone.now() - dt.timedelta(days=20))
        services.visit_assign(visit=pending, observer=xun, by=shiwei)

    # The city's focus list and draw: two groups with reasons, their visits, and a random draw.
    county_groups = StudyGroup.objects.filter(unit__parent=city).order_by("unit__path")
    for group, reason in zip(county_groups[2:4], ("2025年度考核不合格", "本年度通报存在照搬照抄学习计划问题"), strict=False):
        services.focus_add(plan=city_plan, group=group, reason=reason, by=shiwei)
    services.focus_visits_create(plan=city_plan, per_group=2, by=shiwei)
    services.draw_random(plan=city_plan, count=12, seed="lj2026demo", by=shiwei,
                         exclusions={g.pk: "上半年已接受专题督查" for g in county_groups[4:6]})

    # 江城区: 解放街道 (mishu) answered with 整改, fixed visits for the other townships, a pending speaker.
    jfjd = _group("中共江城区解放街道")
    jc_plan = plans[jc.pk]
    jc_observer = pools[jc.pk][0]
    visit = _held_visit(jc_plan, jfjd, "fixed", jc_observer, jiangcheng, mishu)
    if visit:
        observer_user = User.objects.filter(person=jc_observer.person).first() or jiangcheng
        _answer(visit, observer_user, "总体评价：学习准备较充分。存在问题：本季度尚未开展集体研讨，档案归集不及时。"
                                      "建议：下月安排一次专题研讨，指定专人整理学习档案。", low=("本季度至少开展一次集体研讨",))
        leader = Membership.objects.filter(group=jfjd, role=Role.LEADER, end__isnull=True).first().person
        r1 = services.rect_add(group=jfjd, visit=visit, problem="本季度尚未开展集体研讨",
                               measure="下月围绕基层治理开展一次专题研讨，成员准备发言提纲", responsible=leader,
                               due=today + dt.timedelta(days=20), by=mishu)
        r2 = services.rect_add(group=jfjd, visit=visit, problem="学习档案归集不及时", measure="指定学习秘书每次会后 3 日内归档",
                               responsible=mishu.person, due=today - dt.timedelta(days=3), by=mishu)
        services.rect_done(rect=r2, evidence_text="已建立会后 3 日内归档制度，补齐本年度学习记录", by=mishu)
        made["rects"] += 2
        del r1
    for group in StudyGroup.objects.filter(unit__parent=jc, unit__level=UnitLevel.TOWNSHIP).exclude(pk=jfjd.pk)[:5]:
        services.visit_add(plan=jc_plan, group=group, kind="fixed", planned_month=rng.randint(today.month, 12),
                           by=jiangcheng)
    services.speaker_file(session=_upcoming(jfjd, mishu, title="专题辅导：党的创新理论的实践要求", days=12), by=mishu,
                          name="陈立新", unit_name="临江市委党校", title="教授", topic="党的创新理论的实践要求",
                          outline="一、理论逻辑；二、实践要求；三、结合基层治理的思考")

    # 专题督查 over 江城区's township units: an inspector per unit, results for a few.
    townships = list(StudyGroup.objects.filter(unit__parent=jc, unit__level=UnitLevel.TOWNSHIP).select_related("unit"))
    inspection = services.inspection_create(unit=jc, title=f"{year}年理论学习中心组学习专题督查", year=year,
                                            due=today + dt.timedelta(days=15), groups=townships, by=jiangcheng)
    items = list(inspection.checklist.items.all())
    for n, target in enumerate(inspection.targets.select_related("group__unit")):
        fit = [o for o in pools[jc.pk] if not services.is_own_unit(o, target.group)]
        services.inspection_assign(target=target, inspector=fit[n % len(fit)], by=jiangcheng)
        if n < 5:
            services.inspection_record(target=target, by=jiangcheng, results={
                i.pk: (i.max_score - rng.randint(0, 4), "调研成果转化不足" if i.text == "调研与成果转化" and n % 2 else "")
                for i in items})
    made["visits"] = Visit.objects.count()
    return f"巡听旁听计划 {made['plans']} 个，旁听安排 {made['visits']} 次，整改 {made['rects']} 条，专题督查 1 项"
