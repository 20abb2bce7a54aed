import pytest

from integrity import engine as copycheck
from integrity import reuse
from integrity.models import ReuseBand
from plans import services
from plans.models import CopyFlag

from .factories import CITY_TOPICS, draft_plan, publish_city_guidance, topic

pytestmark = pytest.mark.django_db

PREAMBLE_A = (
    "{year}年，江城区解放街道党工委理论学习中心组坚持把学习贯彻党的创新理论作为首要政治任务，"
    "紧扣解放街道老旧小区改造和基层治理的实际，突出问题导向。中心组每月集中学习一次，每季度开展一次专题研讨，"
    "围绕辖区产业转型、营商环境优化和民生实事项目开展调查研究，推动学习成果转化为推动解放街道高质量发展的具体举措。"
)
REQUIREMENTS_A = (
    "一要坚持领导带头，党工委书记带头领学、带头研讨、带头撰写调研报告。二要坚持学用结合，"
    "每名成员结合分管的城市更新、社区治理、安全生产等工作，每年形成一篇有分量的调研报告。"
    "三要严格学习制度，中心组学习由学习秘书做好记录，成员因故缺席须向组长请假并及时补学。"
)
OWN_NOTES = ["结合辖区十二个老旧小区改造项目，研讨如何发挥居民议事会作用，把群众意见吸收到改造方案中",
             "组织到智慧社区治理中心现场教学，梳理网格员队伍建设中存在的短板，形成整改清单",
             "围绕沿江商圈业态升级，听取驻区企业意见，研究优化营商环境的具体措施"]


def plan_a(world, year, name="江城区解放街道"):
    text = PREAMBLE_A.format(year=year).replace("江城区解放街道", name).replace("解放街道", name)
    return text


def submitted(world, group, by, year, preamble, notes, requirements=REQUIREMENTS_A, titles=None):
    titles = titles or ["学习习近平关于城市工作的重要论述", "学习新时代枫桥经验", "学习习近平经济思想"]
    plan = draft_plan(world, group=group, by=by, year=year, preamble=preamble, requirements=requirements,
                      topics=[topic(t, notes=n, materials="《习近平谈治国理政》相关篇目") for t, n in zip(titles, notes, strict=True)])
    return services.plan_submit(plan=plan, by=by)


def test_name_forms_cover_the_short_forms_of_a_unit():
    forms = copycheck.name_forms("中共江城区解放街道工作委员会")
    for f in ("中共江城区解放街道工作委员会", "江城区解放街道", "江城区", "江城", "解放街道", "解放"):
        assert f in forms


def test_name_forms_come_in_one_order_in_every_process():
    # Same-length forms may overlap (东湖 / 湖滨); their order must not follow the hash seed of a set.
    forms = copycheck.name_forms("中共东湖区湖滨街道工作委员会")
    assert forms == sorted(forms, key=lambda f: (-len(f), f))
    assert forms.index("东湖") < forms.index("湖滨")


def test_normalising_removes_years_in_both_scripts():
    assert "2025" not in copycheck.clean("2025年度计划和二〇二五年的安排")
    assert "二〇二五" not in copycheck.clean("二〇二五年的安排")


def test_a_copy_with_only_the_unit_name_and_year_changed_is_found(world):
    year = world.today.year
    original = submitted(world, world.group_a, world.secretary_a, year - 1, plan_a(world, year - 1), OWN_NOTES)
    # Another county's group takes last year's plan, puts in its own name and this year.
    copied_text = PREAMBLE_A.format(year=year).replace("江城区解放街道", "东湖区湖滨街道").replace("解放街道", "湖滨街道")
    copied_notes = [n for n in OWN_NOTES]
    copy = submitted(world, world.group_b, world.secretary_b, year, copied_text, copied_notes,
                     requirements=REQUIREMENTS_A.replace("党工委书记", "党工委书记"))
    flag = CopyFlag.objects.get(plan=copy)
    assert flag.other_id == original.pk and flag.similarity >= 0.9
    assert any("老旧小区" in a and "老旧小区" in b for a, b, _ in flag.passages)
    assert ReuseBand.objects.filter(text=reuse.find_text(copy, "plan")).count() == copycheck.BANDS


def test_its_own_last_year_plan_counts_as_a_source(world):
    year = world.today.year
    last = submitted(world, world.group_a, world.secretary_a, year - 1, plan_a(world, year - 1), OWN_NOTES)
    again = submitted(world, world.group_a, world.secretary_a, year, plan_a(world, year).replace(
        str(year), "二〇" + "".join("〇一二三四五六七八九"[int(c)] for c in str(year)[2:])), OWN_NOTES)
    assert CopyFlag.objects.filter(plan=again, other=last).exists()


def test_plans_sharing_only_the_mandated_titles_are_not_flagged(world):
    year = world.today.year
    publish_city_guidance(world)
    notes_b = ["梳理湖区生态保护红线内的违建问题，研究退渔还湖后渔民转产就业的帮扶办法",
               "到湖滨湿地公园开展现场教学，总结河湖长制落实中巡河发现问题的处置经验",
               "围绕乡村旅游民宿规范经营，走访经营户和游客，提出服务标准化的建议"]
    preamble_b = ("湖滨街道党工委中心组今年突出生态保护和文旅融合两条主线，采取个人自学与集中研讨相结合的方式，"
                  "请市委党校教授作专题辅导两次，组织青年干部读书班一期，安排成员到联系村宣讲不少于两次。")
    a = submitted(world, world.group_a, world.secretary_a, year, plan_a(world, year), OWN_NOTES,
                  titles=CITY_TOPICS[:3])
    b = submitted(world, world.group_b, world.secretary_b, year, preamble_b, notes_b,
                  requirements="严格落实请假和补学制度，每季度向区委宣传部报送学习情况。", titles=CITY_TOPICS[:3])
    assert not CopyFlag.objects.filter(plan__in=[a, b]).exists()


def test_a_plan_with_nothing_of_its_own_is_not_compared(world):
    publish_city_guidance(world)
    p1 = services.plan_submit(plan=draft_plan(world), by=world.secretary_a)
    p2 = services.plan_submit(plan=draft_plan(world, group=world.group_b, by=world.secretary_b),
                              by=world.secretary_b)
    # Both consist of the city's mandated topics only: indexed, but what they share is not theirs to copy.
    assert reuse.find_text(p1, "plan") and reuse.find_text(p2, "plan")
    assert not CopyFlag.objects.exists()


def test_the_threshold_is_a_setting(world, settings):
    year = world.today.year
    submitted(world, world.group_a, world.secretary_a, year - 1, plan_a(world, year - 1), OWN_NOTES)
    settings.INTEGRITY_REUSE_THRESHOLDS = {"plan": 1.01}
    copy = submitted(world, world.group_b, world.secretary_b, year, plan_a(world, year, "东湖区湖滨街道"), OWN_NOTES)
    assert not CopyFlag.objects.filter(plan=copy).exists()
