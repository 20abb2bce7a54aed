"""A labelled set of 心得-like texts, generated: honest documents and planted copies of each type.

Honest documents are built the way real 心得 are: a few quotes of the study materials (punctuation and spacing
varied as people retype them), the slogans every 心得 uses, and the writer's own sentences about their own
work (drawn from many templates and fillers, so two honest writers share formulas but not substance).
Copies take an honest document and: rename the unit; reorder its paragraphs; rewrite 20% or 40% of its
sentences; or keep it verbatim (the other unit's name left in). The generator is seeded, so a test can ask
for a fresh set (another seed) that calibration never saw.
"""

import random
from dataclasses import dataclass, field

MATERIALS = {
    "关于调查研究的论述摘编": [
        "调查研究是谋事之基、成事之道，没有调查就没有发言权，更没有决策权",
        "要坚持从群众中来、到群众中去，真正把情况摸清楚、把问题找准确、把对策提出来",
        "领导干部要带头深入基层、深入实际，既要身入更要心至，察实情、出实招、求实效",
        "调查研究要突出问题导向，奔着问题去，把解决问题作为打开工作局面的突破口",
        "要把调查研究同解决问题结合起来，防止为调研而调研、搞形式主义的花架子",
        "对调研中发现的问题要建立清单、逐项解决，形成发现问题、解决问题、推动工作的闭环",
    ],
    "关于基层治理的重要论述": [
        "基层强则国家强，基层安则天下安，必须抓好基层治理现代化这项基础性工作",
        "要坚持和发展新时代枫桥经验，把矛盾纠纷化解在基层、化解在萌芽状态",
        "要健全党组织领导的自治、法治、德治相结合的城乡基层治理体系",
        "要推动社会治理重心向基层下移，把更多资源、服务、管理放到社区",
        "要发挥群众参与社会治理的基础作用，拓展群众参与基层治理的制度化渠道",
    ],
    "关于高质量发展的论述": [
        "高质量发展是全面建设社会主义现代化国家的首要任务，发展是党执政兴国的第一要务",
        "要完整准确全面贯彻新发展理念，加快构建新发展格局，着力推动高质量发展",
        "要因地制宜发展新质生产力，推动产业链创新链深度融合",
        "要持续优化营商环境，依法保护民营企业产权和企业家权益",
        "要坚持以人民为中心的发展思想，在发展中保障和改善民生",
    ],
}

SLOGANS = [
    "深刻领悟“两个确立”的决定性意义，增强“四个意识”、坚定“四个自信”、做到“两个维护”",
    "坚持以学铸魂、以学增智、以学正风、以学促干",
    "把学习成果转化为推动高质量发展的实际成效",
    "切实把思想和行动统一到党中央决策部署上来",
    "始终保持同以习近平同志为核心的党中央高度一致",
    "通过这次集中学习，我深受教育、深有感触、深受启发",
    "学思想、强党性、重实践、建新功",
    "进一步增强了做好本职工作的责任感和使命感",
    "要把学习贯彻党的创新理论作为首要政治任务",
    "在学懂弄通做实上下功夫",
]

AREAS = ["老旧小区改造", "网格化管理", "营商环境优化", "乡村振兴", "安全生产", "生态环境保护", "民生实事",
         "招商引资", "信访矛盾化解", "文明城市创建", "农村人居环境整治", "防汛抗旱", "养老服务", "社区食堂",
         "农产品电商", "园区转型", "河湖长制", "物业管理", "就业帮扶", "校园安全", "文旅融合", "数字政务",
         "耕地保护", "燃气管道更新", "背街小巷整治", "菜市场提升", "邻里中心建设", "退役军人服务"]
PLACES = ["沿江", "城北", "新区", "老城", "东片", "西郊", "湖畔", "山区", "工业园", "高铁站片区", "滨河", "南岸"]
ACTS = ["摸排", "梳理", "走访", "蹲点调研", "召开座谈会听取", "逐户上门征求", "组织专班研究", "实地察看",
        "逐项对账", "约谈", "现场办公解决"]
OBJECTS = ["群众反映集中的停车难问题", "居民对加装电梯的意见", "企业用地审批慢的堵点", "网格员队伍力量不足的短板",
           "村集体经济薄弱的原因", "外卖骑手参与基层治理的办法", "老年人助餐服务的缺口", "中小企业融资难的症结",
           "河道保洁长效机制缺失的问题", "小区物业矛盾集中的根源", "农民增收渠道单一的困境", "项目落地慢的环节",
           "夜间经济管理中的噪音投诉", "困难群众救助衔接不畅的问题", "学校周边交通拥堵的状况",
           "返乡创业人员的实际需求", "安全隐患整改不到位的情况", "社区工作者负担过重的现象"]
RESULTS = ["形成问题清单{n}条", "推动解决实际问题{n}个", "建立长效机制{n}项", "协调落实资金{n}万元",
           "新增服务点位{n}处", "化解矛盾纠纷{n}起", "帮助企业解决诉求{n}项", "完成整改事项{n}件"]
REFLECTIONS = ["我体会到，{area}工作必须把群众满不满意作为标准",
               "回头看{area}，我们过去存在重部署轻落实的问题，{place}片区的情况尤为突出",
               "在{area}上，我分管的科室对{obj}研究不深，这是今后要补上的课",
               "下一步，我将牵头在{place}开展{area}试点，力争年底前{result}",
               "结合{area}，我带队{act}{obj}，{result}",
               "我认为{area}的关键在于把{obj}摆上重要议事日程，做到一月一调度",
               "今年以来，我们围绕{area}，{act}{obj}，{result}，但距离群众期盼还有差距",
               "对照学习内容查摆，我在{area}方面调查研究还不够经常，对{place}的情况掌握不够细",
               "{place}的同志反映，{obj}已经成为{area}的瓶颈，我们要拿出硬招",
               "我们将把{area}纳入年度考核，对{obj}实行销号管理，确保{result}"]

# How people rewrite a sentence they copied: near-synonyms and small additions.
SYNONYMS = {"推动": "促进", "加强": "强化", "深入": "扎实", "问题": "短板", "群众": "老百姓", "落实": "落地",
            "工作": "任务", "我们": "我单位", "研究": "谋划", "解决": "破解", "开展": "推进", "情况": "实情",
            "必须": "务必", "关键": "要害", "形成": "建立", "今后": "下一步", "差距": "不足", "带队": "带领干部",
            "确保": "保证", "实行": "推行", "围绕": "聚焦", "体会": "感悟", "分管": "负责", "年底前": "年内"}


@dataclass
class Doc:
    key: str
    unit: str
    author: str
    text: str
    kind: str = "honest"  # honest | renamed | reordered | rewritten20 | rewritten40 | verbatim
    source: str = ""  # key of the document copied
    year_offset: int = 0
    quotes: list = field(default_factory=list)  # material titles quoted


UNITS = ["江城区解放街道", "东湖区湖滨街道", "临江市发展改革委", "江城区住建局", "东湖区白沙镇", "临江市教育局",
         "江城区新桥镇", "东湖区文旅局", "临江市生态环境局", "江城区民政局", "东湖区金沙街道", "临江市商务局"]
NAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"


def _retype(sentence, rng):
    """A quote as typed again: punctuation changed or dropped, stray spaces."""
    s = sentence
    if rng.random() < 0.5:
        s = s.replace("，", ",").replace("、", "，")
    if rng.random() < 0.5:
        s = s.replace("“", "\"").replace("”", "\"")
    if rng.random() < 0.4:
        i = rng.randrange(1, max(len(s) - 1, 2))
        s = s[:i] + " " + s[i:]
    return s


def _own(rng, unit):
    t = rng.choice(REFLECTIONS)
    return t.format(area=rng.choice(AREAS), place=rng.choice(PLACES), act=rng.choice(ACTS), obj=rng.choice(OBJECTS),
                    result=rng.choice(RESULTS).format(n=rng.randint(3, 60)))


def honest(rng, key, unit):
    author = rng.choice(NAMES) + rng.choice("明华军伟芳丽强磊静敏")
    parts = [f"{unit}{author}学习心得"]
    parts.append(rng.choice(SLOGANS[5:7]) + "。")
    titles = rng.sample(sorted(MATERIALS), 2)
    quotes = []
    for title in titles:
        sents = rng.sample(MATERIALS[title], 2)
        parts.append(f"《{title}》指出：" + "；".join(_retype(s, rng) for s in sents) + "。")
        quotes.append(title)
    body = []
    for _ in range(rng.randint(9, 12)):
        body.append(_own(rng, unit) + "。")
    for s in rng.sample(SLOGANS, 3):
        body.insert(rng.randrange(len(body) + 1), s + "。")
    body.insert(rng.randrange(len(body) + 1), f"作为{unit}的一名班子成员，我将带头把学习成果落到实处。")
    paras = [" ".join(body[i:i + 4]) for i in range(0, len(body), 4)]
    return Doc(key, unit, author, "\n".join(parts + paras), quotes=quotes)


def _rewrite(sentence, rng):
    """A sentence rewritten the way a copier does it: near-synonyms, clauses swapped, a word added."""
    out = sentence
    for a, b in SYNONYMS.items():
        if a in out:
            out = out.replace(a, b)
    clauses = [c for c in out.split("，") if c]
    if len(clauses) > 1:
        rng.shuffle(clauses)
        out = "，".join(clauses)
    return ("切实" + out) if rng.random() < 0.5 else out.replace("，", "，同时", 1)


def copy_of(src, rng, key, unit, how):
    lines = src.text.split("\n")
    if how in ("renamed", "reordered", "rewritten20", "rewritten40"):
        lines = [ln.replace(src.unit, unit) for ln in lines]
    if how == "reordered":
        head, paras = lines[:1], lines[1:]
        rng.shuffle(paras)
        paras = ["。".join(reversed([s for s in p.split("。") if s.strip()])) + "。" for p in paras]
        lines = head + paras
    if how.startswith("rewritten"):
        share = 0.2 if how == "rewritten20" else 0.4
        text = "\n".join(lines)
        sents = [s for s in text.replace("\n", "。").split("。") if s.strip()]
        pick = set(rng.sample(range(len(sents)), round(len(sents) * share)))
        lines = ["。".join(_rewrite(s, rng) if i in pick else s for i, s in enumerate(sents)) + "。"]
    author = rng.choice(NAMES) + rng.choice("明华军伟芳丽强磊静敏")
    return Doc(key, unit, author, "\n".join(lines), kind=how, source=src.key)


COPY_TYPES = ("renamed", "reordered", "rewritten20", "rewritten40", "verbatim")


def labelled_set(seed=1, honest_count=36, per_type=6):
    rng = random.Random(seed)
    docs = []
    for i in range(honest_count):
        docs.append(honest(rng, f"h{i}", UNITS[i % len(UNITS)]))
    originals = docs[:]
    for how in COPY_TYPES:
        for j in range(per_type):
            src = rng.choice(originals)
            unit = rng.choice([u for u in UNITS if u != src.unit])
            docs.append(copy_of(src, rng, f"{how}{j}", unit, how))
    return docs
