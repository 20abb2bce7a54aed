"""Demo and benchmark data for the library and 第一议题.

The texts are generic, plausible study-material prose assembled from stock phrases; they are not quotations
of real speeches. Rows are bulk-inserted; the full-text index follows (FTS5 by triggers, tsvector generated).
"""

import datetime as dt
from collections import defaultdict

from django.db import transaction

from core import audit
from orgs.models import Unit

from . import search
from .models import (
    FirstItemMaterial,
    FirstItemStudy,
    Material,
    MaterialIndex,
    MaterialKind,
    ReadingList,
    ReadingListItem,
    Tag,
)

OCCASIONS = ["中央政治局集体学习时", "全国宣传思想文化工作会议上", "中央经济工作会议上", "中央农村工作会议上",
             "省部级主要领导干部专题研讨班开班式上", "中央党校（国家行政学院）中青年干部培训班开班式上",
             "全国生态环境保护大会上", "中央全面深化改革委员会会议上", "考察调研时", "全国教育大会上",
             "中央城市工作会议上", "中央民族工作会议上", "中央财经委员会会议上", "主题教育工作会议上"]
TOPICS = ["推动高质量发展", "全面深化改革", "铸牢中华民族共同体意识", "加强党的政治建设", "推进乡村全面振兴",
          "建设社会主义文化强国", "加快发展新质生产力", "推进生态文明建设", "全面从严治党", "坚持以人民为中心",
          "做好新时代宣传思想工作", "统筹发展和安全", "建设教育强国", "推进国家治理现代化", "加强基层治理"]
DOCUMENTS = ["党的二十届四中全会公报", "党的二十届三中全会公报", "中共中央关于进一步全面深化改革推进中国式现代化的决定",
             "中国共产党党员教育管理工作条例", "中国共产党纪律处分条例", "关于新时代加强和改进思想政治工作的意见",
             "中国共产党宣传工作条例", "整治形式主义为基层减负若干规定", "中国共产党党组工作条例",
             "关于进一步加强党委（党组）理论学习中心组学习的意见", "中国共产党问责条例", "中国共产党组织工作条例"]
BOOKS = ["习近平谈治国理政（第五卷）", "习近平新时代中国特色社会主义思想学习纲要（2023年版）", "中国共产党简史",
         "习近平著作选读（第一卷）", "习近平著作选读（第二卷）", "论党的自我革命", "论坚持人民当家作主",
         "新中国史", "改革开放简史", "社会主义发展简史", "论中国共产党历史", "习近平关于调查研究论述摘编"]
ARTICLES = ["以钉钉子精神抓好各项任务落实", "把理论学习成果转化为推动发展的实际成效", "切实提高理论学习中心组学习质量",
            "在学思践悟中坚定理想信念", "以调查研究破解发展难题", "坚持学以致用推动工作落实",
            "深入开展专题研讨增强学习实效", "推动党的创新理论入脑入心", "以高质量党建引领基层治理",
            "学习贯彻全会精神的几点体会", "发扬斗争精神增强斗争本领", "锚定目标奋力推进中国式现代化"]
SOURCES = ["新华社", "人民日报", "求是", "光明日报", "经济日报", "学习时报", "党建", "中国纪检监察报"]
PHRASES = [
    "要深刻领会{t}的重大意义，切实把思想和行动统一到党中央决策部署上来。",
    "各级党委（党组）要把学习贯彻全会精神作为当前和今后一个时期的重要政治任务。",
    "理论学习中心组要坚持第一议题制度，第一时间传达学习，结合实际研究贯彻落实措施。",
    "要聚焦{t}，深入开展专题研讨，做到学习有计划、研讨有主题、发言有准备。",
    "领导干部要带头学、深入学、持久学，在学懂弄通做实上下功夫。",
    "要坚持问题导向，把调查研究作为基本功，推动学习成果转化为工作思路和具体措施。",
    "要把{t}同本地区本部门实际结合起来，明确任务书、时间表、路线图。",
    "必须坚持和加强党的全面领导，确保各项工作始终沿着正确方向前进。",
    "要以钉钉子精神抓好落实，一张蓝图绘到底，推动各项任务见行见效。",
    "要持续整治形式主义、官僚主义，切实为基层减负，让干部把更多精力用在抓落实上。",
    "会议强调，要把握好稳和进的关系，着力推动高质量发展。",
    "全会听取和讨论了工作报告，审议通过了有关决定，对下一阶段工作作出全面部署。",
    "要加强对学习贯彻情况的督促检查，及时总结推广好经验好做法。",
    "要坚持学思用贯通、知信行统一，不断提高政治判断力、政治领悟力、政治执行力。",
    "要围绕群众急难愁盼问题办实事、解难题，让人民群众有更多获得感、幸福感、安全感。",
]
TAGS = ["全会精神", "高质量发展", "全面深化改革", "党的建设", "乡村振兴", "意识形态", "生态文明", "从严治党",
        "调查研究", "专题研讨"]


def _text(rng, topic, paragraphs):
    out = []
    for _ in range(paragraphs):
        out.append("".join(rng.choice(PHRASES).format(t=topic) for _ in range(rng.randint(3, 5))))
    return "\n\n".join(out)


def _make_materials(rng, *, count, owners, today, start, important_share):
    span = max((today - start).days, 1)
    made, used = [], {}
    for _ in range(count):
        roll = rng.random()
        topic = rng.choice(TOPICS)
        published = start + dt.timedelta(days=rng.randint(0, span))
        important = False
        if roll < 0.35:
            kind, important = MaterialKind.SPEECH, rng.random() < important_share / 0.35
            title = f"习近平在{rng.choice(OCCASIONS)}的讲话：{topic}"
        elif roll < 0.55:
            kind = MaterialKind.DOCUMENT
            title = _once(used, rng.choice(DOCUMENTS), "学习辅导")
            important = title.endswith("全会公报") and rng.random() < 0.8
        elif roll < 0.7:
            kind = MaterialKind.BOOK
            title = _once(used, rng.choice(BOOKS), "导读")
        else:
            kind = MaterialKind.ARTICLE
            title = f"{rng.choice(ARTICLES)}——{topic}"
        made.append(Material(owner_unit_id=rng.choice(owners), kind=kind, title=title[:200],
                             source=rng.choice(SOURCES), published_on=published, important=important,
                             text=_text(rng, topic, rng.randint(3, 6))))
    return made


def _once(used, title, suffix):
    """The title itself the first time; later copies are study guides to it (导读之二 …)."""
    n = used[title] = used.get(title, 0) + 1
    return title if n == 1 else f"{title}·{suffix}之{n}"


def _delay(rng):
    """Days from publication to a group's first study: most within a week, a tail beyond a month."""
    r = rng.random()
    if r < 0.35:
        return rng.randint(0, 1)
    if r < 0.6:
        return rng.randint(2, 3)
    if r < 0.8:
        return rng.randint(4, 7)
    if r < 0.9:
        return rng.randint(8, 14)
    if r < 0.97:
        return rng.randint(15, 30)
    return rng.randint(31, 60)


def _first_items(rng, *, groups, materials, today, study_share, per_group=None):
    """(studies, [(study index, material)]) for every group in `groups` = [(group id, visible owner ids)]."""
    studies, links = [], []
    by_owner = defaultdict(list)
    for m in materials:
        if m.important:
            by_owner[m.owner_unit_id].append(m)
    for gid, visible_owners in groups:
        candidates = [m for owner in sorted(visible_owners) for m in by_owner.get(owner, ())]
        if per_group and len(candidates) > per_group:
            candidates = rng.sample(candidates, per_group)
        by_date = defaultdict(list)
        for m in candidates:
            if rng.random() > study_share:
                continue
            day = m.published_on + dt.timedelta(days=_delay(rng))
            if day <= today:
                by_date[day].append(m)
        for n, day in enumerate(sorted(by_date), start=1):
            studies.append(FirstItemStudy(group_id=gid, meeting_date=day, meeting_title=f"党委（党组）会（{day.year}年第{n}次）"))
            links.extend((len(studies) - 1, m) for m in by_date[day])
    return studies, links


@transaction.atomic
def extend(*, specs, rng, today, scale):
    province = scale == "province"
    root = specs[0]
    if province:
        owners = [root.id] * 6 + [s.id for s in specs if s.parent is root]
        count, start = 5000, today - dt.timedelta(days=730)
    else:
        owners = [root.id] * 8 + [s.id for s in specs if s.parent is root and s.name.endswith(("区委员会", "县委员会"))]
        count, start = 60, today - dt.timedelta(days=300)
    materials = _make_materials(rng, count=count, owners=owners, today=today, start=start,
                                important_share=0.12 if province else 0.3)
    materials = Material.objects.bulk_create(materials, batch_size=1000)
    Tag.objects.bulk_create([Tag(name=n) for n in TAGS], ignore_conflicts=True)  # ids are not returned on conflicts
    tag_objs = {t.name: t for t in Tag.objects.filter(name__in=TAGS)}
    through = Material.tags.through
    through.objects.bulk_create([through(material_id=m.id, tag_id=tag_objs[name].id)
                                 for m in materials for name in rng.sample(TAGS, rng.randint(1, 3))], batch_size=5000)
    MaterialIndex.objects.bulk_create(search.index_rows(materials), batch_size=500)
    # A group sees the materials of its own unit and of every unit above it.
    groups = [(s.id, {*Unit(path=s.path).ancestor_ids(), s.id}) for s in specs if rng.random() < 0.9]
    studies, links = _first_items(rng, groups=groups, materials=materials, today=today,
                                  study_share=0.85, per_group=12 if province else None)
    studies = FirstItemStudy.objects.bulk_create(studies, batch_size=5000)
    FirstItemMaterial.objects.bulk_create(
        [FirstItemMaterial(study_id=studies[i].id, material_id=m.id, group_id=studies[i].group_id,
                           meeting_date=studies[i].meeting_date) for i, m in links], batch_size=5000)
    books = [m for m in materials if m.kind == MaterialKind.BOOK and m.owner_unit_id == root.id][:10]
    if books:
        reading_list = ReadingList.objects.create(owner_unit_id=root.id, title=f"{today.year}年度理论学习中心组必学书目",
                                                  year=today.year, description="市委宣传部印发，各级中心组按季度安排学习")
        ReadingListItem.objects.bulk_create([ReadingListItem(reading_list=reading_list, material=m, position=n)
                                             for n, m in enumerate(books, start=1)])
    audit.record(action="seed.materials", actor_name="seed", object_type="materials.material",
                 after={"materials": len(materials), "first_items": len(studies), "rows": len(links)})
    important = sum(1 for m in materials if m.important)
    return f"{len(materials)} 份学习资料（重要讲话 {important} 份），{len(studies)} 条第一议题记录"
