"""Demo and benchmark plans: the city's mandated topics and an approved plan for most groups.

Rows are bulk-inserted; the copy-check fingerprints are computed in Python and bulk-inserted too, so a
province (≈10,000 plans of ~15 topics) loads in seconds. Two demo groups copy a neighbour's plan (照搬照抄)
so that the supervisor's page has something to show.
"""

import datetime as dt
from datetime import UTC

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from core import audit
from integrity import engine as reuse_engine
from integrity import reuse
from orgs.models import Membership, Role

from .models import (
    Adoption,
    Format,
    Guidance,
    Kind,
    MandatedTopic,
    ReferenceTopic,
    Status,
    StudyPlan,
    Topic,
)
from .services import copy_check, plan_text

MANDATED = [
    "深入学习贯彻党的二十届四中全会精神", "学习习近平新时代中国特色社会主义思想的世界观和方法论",
    "学习习近平经济思想，推动高质量发展", "学习习近平文化思想", "学习习近平生态文明思想", "学习习近平法治思想",
    "学习习近平强军思想", "学习习近平外交思想", "学习习近平总书记关于全面从严治党的重要论述",
    "学习习近平总书记关于党的自我革命的重要思想", "学习《习近平谈治国理政》第五卷",
    "学习习近平总书记关于“三农”工作的重要论述", "学习习近平总书记关于城市工作的重要论述",
    "学习习近平总书记关于安全生产的重要论述", "学习习近平总书记关于基层治理的重要论述",
    "学习习近平总书记关于意识形态工作的重要论述", "学习《中国共产党纪律处分条例》",
    "学习习近平总书记关于树立和践行正确政绩观的重要论述", "学习习近平总书记关于民族团结进步的重要论述",
    "学习习近平总书记关于教育、科技、人才的重要论述", "学习习近平总书记考察本省时的重要讲话精神",
]
REFERENCES = [("学习新修订的《中国共产党农村基层组织工作条例》", "《条例》全文及释义"),
              ("学习习近平总书记关于防汛救灾工作的重要指示", "新华社通稿"),
              ("学习全国两会精神", "政府工作报告")]
OWN_TOPICS = ["推进老旧小区改造与城市更新", "发展壮大村级集体经济", "优化营商环境专题调研", "加强网格化基层治理",
              "深化“放管服”改革", "推进乡村振兴示范片建设", "做好防汛抗旱和安全生产", "加强新时代文明实践",
              "推动文旅融合发展", "抓好耕地保护和粮食安全", "深化清廉机关建设", "做好民生实事项目",
              "推进产业园区提质增效", "加强意识形态阵地管理", "开展作风建设专项整治"]
MATERIALS = ["《习近平谈治国理政》第五卷相关篇目", "《习近平著作选读》第一卷", "《习近平著作选读》第二卷",
             "《求是》杂志刊发的重要文章", "《习近平新时代中国特色社会主义思想学习纲要（2023年版）》",
             "人民日报评论员文章", "中央和省委有关文件", "《中国共产党纪律处分条例》及释义"]
FOCUS = ["辖区重点项目", "群众急难愁盼问题", "产业转型升级", "基层减负", "招商引资", "河湖长制", "耕地保护", "信访积案",
         "社区养老服务", "校园周边治理", "农贸市场改造", "背街小巷整治", "村级债务化解", "高标准农田建设",
         "文旅项目建设", "安全隐患排查", "网格员队伍建设", "民营企业服务", "乡村人才振兴", "垃圾分类"]
ACTION = ["开展一次专题调研，形成调研报告", "到联系点现场教学", "邀请市委党校教授作专题辅导", "组织成员交流研讨发言",
          "对照检查存在的短板，列出整改清单", "听取群众代表意见建议", "结合分管工作谈认识、谈打算",
          "与先进地区开展联学共建", "撰写学习心得体会", "研究制定具体工作措施"]
PREAMBLE = [
    "坚持以习近平新时代中国特色社会主义思想为指导，把学习贯彻党的创新理论作为首要政治任务。",
    "紧紧围绕{stem}经济社会发展大局，突出问题导向，推动理论学习与实际工作深度融合。",
    "以学习贯彻党的二十届四中全会精神为主线，持续深化理论武装。",
    "中心组全年集中学习不少于十二次，每季度至少开展一次专题研讨。",
    "聚焦{focus}等重点任务，把学习成果转化为推动发展的具体举措。",
    "坚持个人自学与集中学习相结合、理论学习与调查研究相结合。",
    "注重发挥组长示范带头作用，确保学习有计划、有主题、有研讨、有成效。",
    "围绕{focus}开展专题调研，形成一批有分量的调研成果。",
    "着力提高班子成员运用党的创新理论分析和解决{focus}问题的能力。",
    "把理论学习与落实意识形态工作责任制结合起来，压实学习责任。",
]
REQUIREMENTS = [
    "严格落实学习制度，成员因故不能参加的须向组长请假，并在会后及时补学。",
    "学习秘书做好学习记录，及时整理学习资料，建立学习档案。",
    "每名成员每年至少撰写一篇调研报告或理论文章，围绕{focus}提出对策建议。",
    "坚持领导带头，组长带头领学、带头研讨、带头撰写心得体会。",
    "每名成员每年到联系点开展一次专题宣讲，讲一次专题党课。",
    "加强对下级党组织理论学习的指导，推动学习向基层延伸。",
    "严格按照要求报送学习计划、学习情况和年度总结。",
    "学习中注重联系{focus}实际，做到学以致用、用以促学。",
]


def _stem(name):
    forms = reuse_engine.name_forms(name)
    return min((f for f in forms if len(f) >= 2), key=len, default=name)


def _text(rng, bank, k, stem):
    return "".join(s.format(stem=stem, focus=rng.choice(FOCUS)) for s in rng.sample(bank, k))


def _aware(day, rng):
    return dt.datetime(day.year, day.month, day.day, rng.randint(8, 17), rng.randint(0, 59), tzinfo=UTC)


def _plan_rows(rng, spec, year, mandated, n_own, leads=()):
    stem = _stem(spec.name)
    preamble = _text(rng, PREAMBLE, 4, stem)
    requirements = _text(rng, REQUIREMENTS, 3, stem)
    topics = []
    for m in mandated:
        note = f"结合{rng.choice(FOCUS)}和{rng.choice(FOCUS)}，{rng.choice(ACTION)}。" if rng.random() < 0.8 else ""
        topics.append(dict(title=m.title, kind=m.kind, mandated_id=m.id, materials=rng.choice(MATERIALS), notes=note))
    for title in rng.sample(OWN_TOPICS, n_own):
        topics.append(dict(title=title, kind=Kind.OPTIONAL if rng.random() < 0.4 else Kind.REQUIRED, mandated_id=None,
                           materials=rng.choice(MATERIALS),
                           notes=f"围绕{stem}{rng.choice(FOCUS)}，{rng.choice(ACTION)}，{rng.choice(ACTION)}；"
                                 f"重点解决{rng.choice(FOCUS)}中的突出问题。"))
    months = sorted(rng.randint(2, 12) for _ in topics)
    for t, month in zip(topics, months, strict=True):
        t.update(month=month, format=rng.choice(Format.values), lead=rng.choice(leads) if leads else "")
    return preamble, requirements, topics


@transaction.atomic
def extend(*, specs, rng, today, scale):
    year = today.year
    by_id = {s.id: s for s in specs}
    roots = [s for s in specs if s.level == "city"] if scale == "province" else [specs[0]]
    n_mandated = 12 if scale == "province" else len(MANDATED)
    n_own = 3
    deadline = dt.date(year, 1, 31)

    guidances = Guidance.objects.bulk_create([
        Guidance(unit_id=r.id, year=year, title=f"{r.name}{year}年理论学习中心组学习安排", report_deadline=deadline,
                 published_at=_aware(dt.date(year, 1, 8), rng)) for r in roots])
    mandated_by_root = {}
    rows = []
    for g in guidances:
        rows += [MandatedTopic(guidance=g, sort=i, title=t, kind=Kind.REQUIRED if i <= n_mandated - 2 else Kind.OPTIONAL)
                 for i, t in enumerate(MANDATED[:n_mandated], start=1)]
    MandatedTopic.objects.bulk_create(rows)
    for m in MandatedTopic.objects.filter(guidance__in=guidances).order_by("sort"):
        mandated_by_root.setdefault(m.guidance.unit_id, []).append(m)

    def root_of(spec):
        while spec is not None and spec.id not in mandated_by_root:
            spec = spec.parent
        return spec

    leads = {}
    if scale == "city":  # 领学 by the leader, the deputy and a few members; a province does without names
        for gid, name in Membership.objects.filter(role__in=[Role.LEADER, Role.DEPUTY, Role.MEMBER]).order_by(
                "group_id", "id").values_list("group_id", "person__name"):
            if len(leads.setdefault(gid, [])) < 5:
                leads[gid].append(name)
    plans, topic_rows, texts = [], [], {}
    next_id = (StudyPlan.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    town = next((s for s in specs if s.name.startswith("中共江城区解放街道")), None) if scale == "city" else None
    for spec in specs:
        root = root_of(spec)
        if root is None or spec is root or spec.level == "province" or rng.random() < 0.12:
            continue  # the supervisor's own group reports elsewhere; ~12% have not drafted yet
        mandated = mandated_by_root[root.id]
        years = [year - 1, year] if scale == "city" else [year]
        for y in years:
            preamble, requirements, topics = _plan_rows(rng, spec, y, mandated if y == year else [],
                                                        n_own if y == year else 4, leads.get(spec.id, ()))
            status = Status.APPROVED
            decided = _aware(dt.date(y, 1, rng.randint(10, 25)), rng)
            reported = _aware(decided.date() + dt.timedelta(days=rng.randint(1, 12)), rng)
            if y == year and rng.random() < 0.08:
                reported = None
            if y == year and spec is town:  # the demo secretary's plan waits for the demo 组长
                status, decided, reported = Status.SUBMITTED, None, None
            plan = StudyPlan(id=next_id, group_id=spec.id, year=y, number=1, status=status,
                             title=f"{spec.name}理论学习中心组{y}年度学习计划", preamble=preamble,
                             requirements=requirements, submitted_at=decided, decided_at=decided,
                             reported_at=reported)
            plans.append(plan)
            texts[plan.id] = (spec, [m.title for m in mandated] if y == year else [], topics)
            topic_rows += [Topic(plan_id=next_id, sort=i, **t) for i, t in enumerate(topics, start=1)]
            next_id += 1

    # 照搬照抄 for the demo: two groups take a neighbour's plan and only change the name.
    copies = []
    if scale == "city":
        current = [p for p in plans if p.year == year and p.status == Status.APPROVED]
        pairs = [(a, b) for a, b in zip(current[5::17], current[6::17], strict=False)
                 if by_id[a.group_id].parent is by_id[b.group_id].parent][:2]
        for source, copy in pairs:
            src_spec, titles, src_topics = texts[source.id]
            spec = by_id[copy.group_id]
            old, new = _stem(src_spec.name), _stem(spec.name)
            copy.preamble, copy.requirements = source.preamble.replace(old, new), source.requirements.replace(old, new)
            topic_rows = [t for t in topic_rows if t.plan_id != copy.id]
            new_topics = [{**t, "notes": t["notes"].replace(old, new)} for t in src_topics]
            topic_rows += [Topic(plan_id=copy.id, sort=i, **t) for i, t in enumerate(new_topics, start=1)]
            texts[copy.id] = (spec, titles, new_topics)
            copies.append((copy, source))

    StudyPlan.objects.bulk_create(plans, batch_size=2000)
    Topic.objects.bulk_create(topic_rows, batch_size=5000)

    # Every plan goes into the one text-reuse index (integrity), as submission would have put it; then the
    # planted copies are checked so their flags and passages are stored as the submit-time check stores them.
    copy_ids = {c.pk for c, _ in copies}
    for plan in StudyPlan.objects.filter(pk__in=[p.pk for p in plans]).exclude(pk__in=copy_ids).select_related(
            "group__unit").prefetch_related("topics"):
        reuse.index_text(plan, kind="plan", text=plan_text(plan), group=plan.group, unit=plan.group.unit,
                         written_on=timezone.localdate(plan.created), year=plan.year, title=plan.title)
    for copy, _ in copies:
        copy_check(StudyPlan.objects.select_related("group__unit").get(pk=copy.pk))

    refs = adoptions = 0
    if scale == "city":
        county = next(s for s in specs if s.name == "中共江城区委员会")
        sent = []
        for i, (title, materials) in enumerate(REFERENCES):
            sent.append(ReferenceTopic.objects.create(unit_id=county.id, year=year, title=title, materials=materials,
                                                      sent_at=_aware(dt.date(year, 3 + 3 * i, 5), rng)))
        refs = len(sent)
        groups = [s for s in specs if s.parent is county]
        rows = []
        for ref in sent[:2]:
            for s in groups:
                if s is not town and rng.random() < 0.7:
                    rows.append(Adoption(reference=ref, group_id=s.id, adopted_at=ref.sent_at + dt.timedelta(
                        days=rng.randint(1, 20))))
        Adoption.objects.bulk_create(rows)
        adoptions = len(rows)
    audit.record(action="seed.plans", actor_name="seed", object_type="plans.studyplan",
                 after={"plans": len(plans), "topics": len(topic_rows), "copies": len(copies)})
    return (f"{len(roots)} 份年度学习安排（每份 {n_mandated} 个规定专题），{len(plans)} 份学习计划、{len(topic_rows)} 个专题，"
            f"{refs} 个参考议题（{adoptions} 次采纳），{len(copies)} 对照搬照抄示例")
