"""通报: figures from one selector, a GB/T 9704 .docx read back, numbering, PDF, access and bad input."""

import io
import re
import shutil

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from docx import Document
from docx.oxml.ns import qn

from reports import selectors, services
from reports.models import Bulletin, NumberCounter

from .fixtures import office_a, study_year

pytestmark = pytest.mark.django_db


@pytest.fixture
def year_a(world, settings):
    study_year(world)
    return office_a(world)


def _generate(world, office, quarter=2, **kw):
    return services.bulletin_generate(office=office, unit=world.county_a, year=world.today.year, quarter=quarter,
                                      by=world.supervisor_a, make_pdf=kw.pop("make_pdf", False), **kw)


def _cells(table):
    return [[c.text for c in row.cells] for row in table.rows]


def test_the_bulletin_prints_the_same_figures_the_dashboard_shows(world, year_a, as_user):
    bulletin = _generate(world, year_a, quarter=2)
    doc = Document(io.BytesIO(bytes(bulletin.docx)))
    printed = _cells(doc.tables[0])
    page = as_user(world.supervisor_a).get(reverse("reports:unit", args=[world.county_a.pk]),
                                           {"year": world.today.year, "quarter": 2}).content.decode()
    table = re.search(r'data-testid="figures">(.*?)</table>', page, re.S).group(1)
    shown = [re.findall(r"<t[hd]>(.*?)</t[hd]>", row) for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)]
    assert printed == shown
    figures = selectors.period_figures(world.county_a, world.today.year, 2)
    assert [world.group_a.name, "3", "1、1", "100.0%", "未审定", "—"] in printed
    assert figures.held == 3
    text = "\n".join(p.text for p in doc.paragraphs)
    assert f"共组织集体学习{figures.held}次" in text and "参学率100.0%" in text


def test_the_docx_follows_gb_t_9704_when_read_back(world, year_a):
    bulletin = _generate(world, year_a)
    doc = Document(io.BytesIO(bytes(bulletin.docx)))
    section = doc.sections[0]
    assert len(doc.sections) == 1
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)  # A4, stored in twips
    assert [round(m.mm) for m in (section.top_margin, section.bottom_margin, section.left_margin,
                                  section.right_margin)] == [37, 35, 28, 26]
    grid = section._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:type")) == "lines" and grid.get(qn("w:linePitch")) == "579"
    paras = [p for p in doc.paragraphs if p.text]
    mark, number, title, recipients = paras[:4]
    assert mark.text == "中共江城区委宣传部文件" and str(mark.runs[0].font.color.rgb) == "E60012"
    assert number.text == f"江宣〔{world.today.year}〕1号"
    assert number._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom")).get(qn("w:color")) == "E60012"  # the red rule
    assert title.text == f"关于{world.today.year}年第二季度中共江城区委员会理论学习中心组学习情况的通报"
    assert title.runs[0].font.size.pt == 22
    assert recipients.text == "各镇（街道）党（工）委："
    # every run names its East-Asian font: 小标宋 for the header and title, 仿宋 for the body, 黑体 for 一、
    east = {p.text: p.runs[0]._r.rPr.rFonts.get(qn("w:eastAsia")) for p in paras}
    assert east[mark.text] == east[title.text] == "方正小标宋简体"
    assert east[recipients.text] == "仿宋_GB2312"
    assert east["一、基本情况"] == "黑体"
    for p in paras:
        for run in p.runs:
            assert run._r.rPr.rFonts.get(qn("w:eastAsia")), p.text
    assert doc.styles["Normal"].element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    assert [h for h in ("一、基本情况", "二、表扬的中心组", "三、存在的问题和整改要求") if h in east] == [
        "一、基本情况", "二、表扬的中心组", "三、存在的问题和整改要求"]
    # 成文日期 in Arabic numerals, four characters from the right; the 版记 with 抄送 and 印发
    date = next(p for p in paras if p.text == f"{bulletin.issued_on.year}年{bulletin.issued_on.month}月"
                f"{bulletin.issued_on.day}日")
    assert date.paragraph_format.right_indent.pt == 64
    assert any(p.text == "抄送：区委办公室。" for p in paras)
    assert any(p.text.startswith("中共江城区委宣传部办公室\t") and p.text.endswith("印发") for p in paras)
    # page numbers: odd pages right, even pages left, with a PAGE field between dashes
    assert doc.settings.odd_and_even_pages_header_footer
    odd, even = section.footer.paragraphs[0], section.even_page_footer.paragraphs[0]
    assert odd.text == "—  —" and "PAGE" in odd._p.xml and odd.alignment == 2 and even.alignment == 0


def test_the_praised_and_the_problem_units_come_from_one_rule(world, year_a):
    figures = selectors.period_figures(world.city, world.today.year, 2)
    judgement = selectors.judge(figures)
    problems = {row.name: fixes for row, fixes in judgement.problems}
    assert "尽快制定并审定年度学习计划，按要求报送" in problems[world.group_a.name]
    assert any("未开展专题研讨" in f for f in problems[world.group_b.name])
    assert judgement.praised == []


def test_a_yearly_bulletin_praises_and_lists_exactly_the_rankings_advanced_and_backward_groups(world, year_a):
    """The year's bulletin and the ranking page read one function (assessment.selectors.ranking)."""
    from assessment import selectors as assessment
    from assessment import services as assessment_services

    year = world.today.year
    system = assessment_services.system_create(unit=world.county_a, year=year, by=world.supervisor_a)
    ranking = assessment.ranking(world.county_a, year)
    # Put group A above the 先进 line of its own system, so both lists are exercised whatever the figures are.
    top = ranking.rows[0].total
    assessment_services.system_update(system=system, weights={}, advanced_min=str(top), backward_below=str(top),
                                      by=world.supervisor_a)
    ranking = assessment.ranking(world.county_a, year)
    judgement = selectors.judge(selectors.period_figures(world.county_a, year))
    assert [r.name for r in judgement.praised] == [r.group.name for r in ranking.advanced]
    backward = {r.group.name: r for r in ranking.backward}
    ranked_problems = {row.name: fixes for row, fixes in judgement.problems if row.name in backward}
    assert set(ranked_problems) == set(backward)
    for name, fixes in ranked_problems.items():
        assert fixes[0] == f"年度考核综合得分{backward[name].total}分，排第{backward[name].rank}名，列为后进"
    assert "年度考核指标体系排名判定" in judgement.source

    bulletin = _generate(world, year_a, quarter=None)
    text = "\n".join(p.text for p in Document(io.BytesIO(bytes(bulletin.docx))).paragraphs)
    for r in ranking.advanced:
        assert r.group.name in text.split("二、表扬的中心组")[1].split("三、")[0]
    assert "年度考核综合得分达到先进等次" in text or not ranking.advanced
    today = bulletin.issued_on  # issued before the year is over: the figures are "as of" today, not 12月31日
    assert f"截至{today.year}年{today.month}月{today.day}日" in text
    for name in backward:
        assert f"{name}。" in text.split("三、存在的问题和整改要求")[1]


def test_a_quarterly_bulletin_keeps_the_rule_on_the_quarters_figures(world, year_a):
    judgement = selectors.judge(selectors.period_figures(world.county_a, world.today.year, 2))
    assert judgement.source == "按本期数据规则判定"


def test_numbers_run_per_office_per_year_and_are_never_reused(world, year_a):
    first = _generate(world, year_a, quarter=1)
    second = _generate(world, year_a, quarter=2)
    assert (first.number, second.number) == (1, 2)
    assert second.doc_number == f"江宣〔{world.today.year}〕2号"
    Bulletin.objects.filter(pk=second.pk).delete()  # even if a row disappears, its number is not handed out again
    assert _generate(world, year_a, quarter=2).number == 3
    assert NumberCounter.objects.get(office=year_a).last == 3


def test_a_period_with_no_data_is_refused_in_chinese_and_takes_no_number(world, year_a):
    with pytest.raises(ValidationError, match="没有学习数据"):
        services.bulletin_generate(office=year_a, unit=world.county_a, year=world.today.year - 3, quarter=None,
                                   by=world.supervisor_a)
    with pytest.raises(ValidationError, match="季度只能是"):
        _generate(world, year_a, quarter=7)
    assert not Bulletin.objects.exists() and not NumberCounter.objects.filter(last__gt=0).exists()


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice is not installed")
def test_the_pdf_renders_through_libreoffice(world, year_a):
    bulletin = _generate(world, year_a, make_pdf=True)
    assert bytes(bulletin.pdf).startswith(b"%PDF")


def test_the_supervisor_generates_and_downloads_a_bulletin(world, year_a, as_user):
    client = as_user(world.supervisor_a)
    response = client.post(reverse("reports:bulletin_new", args=[world.county_a.pk]),
                           {"year": world.today.year, "quarter": "2"})
    assert response.status_code == 302
    bulletin = Bulletin.objects.get()
    download = client.get(reverse("reports:bulletin_docx", args=[bulletin.pk]))
    assert download.status_code == 200 and download.content.startswith(b"PK")
    assert "attachment" in download["Content-Disposition"]


def test_a_unit_outside_the_subtree_and_a_sibling_supervisor_get_404(world, year_a, as_user):
    bulletin = _generate(world, year_a)
    client = as_user(world.supervisor_b)
    assert client.post(reverse("reports:bulletin_new", args=[world.county_a.pk]),
                       {"year": world.today.year}).status_code == 404
    assert client.get(reverse("reports:bulletin_docx", args=[bulletin.pk])).status_code == 404
    assert client.get(reverse("reports:unit", args=[world.county_a.pk])).status_code == 404
    assert as_user(world.outsider).get(reverse("reports:bulletin_docx", args=[bulletin.pk])).status_code == 404
    assert as_user(world.secretary_a).get(reverse("reports:bulletin_docx", args=[bulletin.pk])).status_code == 404


def test_bad_bulletin_input_gets_a_chinese_message_and_changes_nothing(world, year_a, as_user):
    client = as_user(world.supervisor_a)
    url = reverse("reports:bulletin_new", args=[world.county_a.pk])
    for data, message in (({"year": "abc"}, "年度应为数字"), ({"year": world.today.year, "quarter": "9"}, "期间只能是"),
                          ({"year": world.today.year - 3}, "没有学习数据")):
        response = client.post(url, data)
        assert response.status_code == 400 and message in response.content.decode()
    assert not Bulletin.objects.exists()


def test_without_an_office_the_supervisor_is_asked_to_set_one(world, as_user):
    study_year(world)
    response = as_user(world.city_supervisor).post(reverse("reports:bulletin_new", args=[world.city.pk]),
                                                   {"year": world.today.year})
    assert response.status_code == 400 and "请先设置发文机关" in response.content.decode()


def test_the_office_form_refuses_a_file_that_is_not_a_docx(world, as_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = as_user(world.supervisor_a).post(reverse("reports:office", args=[world.county_a.pk]), {
        "mark": "中共江城区委宣传部文件", "prefix": "江宣", "printer": "宣传部办公室",
        "template_file": SimpleUploadedFile("红头.docx", b"not a docx")})
    assert response.status_code == 400 and "不是有效的 .docx" in response.content.decode()


def test_an_uploaded_template_gives_the_red_header(world, year_a):
    template = Document()
    template.add_paragraph("中共江城区委宣传部（模板红头）")
    out = io.BytesIO()
    template.save(out)
    office = services.office_save(unit=world.county_a, by=world.supervisor_a, template=out.getvalue(),
                                  template_name="红头.docx", data={"mark": "文字红头", "prefix": "江宣",
                                                                  "printer": "宣传部办公室"})
    doc = Document(io.BytesIO(bytes(_generate(world, office).docx)))
    texts = [p.text for p in doc.paragraphs if p.text]
    assert texts[:2] == ["中共江城区委宣传部（模板红头）", f"江宣〔{world.today.year}〕1号"]
    assert "文字红头" not in texts


def test_the_coverage_heatmap_marks_the_mandated_topics_a_group_has_studied(world):
    from meetings.tests.factories import make_session
    from plans.tests.factories import approved_plan, publish_city_guidance, topic

    from .fixtures import at

    guidance = publish_city_guidance(world, topics=["学习党的二十届四中全会精神", "学习习近平文化思想"])
    first = guidance.topics.order_by("sort", "pk").first()
    plan = approved_plan(world, topics=[topic(first.title, month=3, mandated_id=first.pk)])
    make_session(world, start=at(world.today.replace(month=3, day=10)), topic_source="plan",
                 plan_topic_id=plan.topics.get().pk, title=first.title)
    coverage = selectors.mandated_coverage(world.county_a, world.today.year)
    assert coverage.topics == ["学习党的二十届四中全会精神", "学习习近平文化思想"]
    row = coverage.groups.index(world.group_a.name)
    assert [c[2] for c in coverage.cells if c[1] == row] == [1, 0]


def test_a_joint_session_marks_the_topic_for_a_partner_only_once_it_takes_part(world):
    from meetings.tests.factories import accept, make_session
    from plans.tests.factories import approved_plan, publish_city_guidance, topic

    from .fixtures import at

    guidance = publish_city_guidance(world, topics=["学习党的二十届四中全会精神"])
    first = guidance.topics.get()
    plan = approved_plan(world, topics=[topic(first.title, month=3, mandated_id=first.pk)])
    joint = make_session(world, start=at(world.today.replace(month=3, day=10)), topic_source="plan", form="joint",
                         plan_topic_id=plan.topics.get().pk, title=first.title, joint_groups=[world.group_b])

    def studied(group):
        coverage = selectors.mandated_coverage(world.city, world.today.year)
        return [c[2] for c in coverage.cells if c[1] == coverage.groups.index(group.name)]

    assert studied(world.group_a) == [1] and studied(world.group_b) == [0]  # invited only
    accept(world, joint)
    assert studied(world.group_b) == [1]


def test_first_item_delays_are_counted_from_the_materials_publication(world):
    import datetime as dt

    from materials.models import FirstItemMaterial, FirstItemStudy, Material

    published = world.today.replace(month=3, day=1)
    material = Material.objects.create(**{f.name: v for f, v in (
        (Material._meta.get_field("title"), "重要讲话"), (Material._meta.get_field("published_on"), published),
        (Material._meta.get_field("owner_unit"), world.city))})
    study = FirstItemStudy.objects.create(group=world.group_a, meeting_date=published + dt.timedelta(days=5),
                                          meeting_title="常委会")
    FirstItemMaterial.objects.create(study=study, material=material, group=world.group_a,
                                     meeting_date=study.meeting_date)
    labels, counts = selectors.first_item_delays(world.county_a, world.today.year)
    assert counts[labels.index("4–7 天")] == 1 and sum(counts) == 1
