import io

import pytest
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from plans import services
from plans.models import Status, StudyPlan

from .factories import CITY_TOPICS, approved_plan, draft_plan, publish_city_guidance, topic

pytestmark = pytest.mark.django_db


def formset_data(plan, rows, **extra):
    data = {"title": plan.title, "preamble": "坚持学用结合。", "requirements": "严格考勤。", "version": plan.version,
            "t-TOTAL_FORMS": len(rows), "t-INITIAL_FORMS": 0, "t-MIN_NUM_FORMS": 0, "t-MAX_NUM_FORMS": 1000}
    for i, row in enumerate(rows):
        for k, v in {"kind": "required", "format": "discussion", **row}.items():
            data[f"t-{i}-{k}"] = v
    data.update(extra)
    return data


def test_a_secretary_writes_the_plan_in_the_editor(world, as_user):
    plan = draft_plan(world)
    client = as_user(world.secretary_a)
    r = client.post(reverse("plans:edit", args=[plan.pk]), formset_data(plan, [
        {"title": "学习习近平文化思想", "month": "3", "lead": "赵书记", "materials": "《习近平文化思想学习纲要》"},
        {"title": "", "lead": ""},
    ]))
    assert r.status_code == 302
    plan.refresh_from_db()
    assert [(t.title, t.month, t.lead) for t in plan.topics.all()] == [("学习习近平文化思想", 3, "赵书记")]
    assert plan.preamble == "坚持学用结合。"


def test_a_topic_with_no_title_is_shown_in_chinese_and_saves_nothing(world, as_user):
    plan = draft_plan(world, topics=[topic("原有专题")])
    client = as_user(world.secretary_a)
    r = client.post(reverse("plans:edit", args=[plan.pk]), formset_data(plan, [{"title": "", "lead": "赵书记"}]))
    assert r.status_code == 400
    assert "第 1 个专题没有填写题目" in r.content.decode()
    assert list(plan.topics.values_list("title", flat=True)) == ["原有专题"]


def test_a_refused_submit_saves_nothing_and_the_next_save_still_works(world, as_user):
    plan = draft_plan(world, topics=[topic("原有专题")])
    client = as_user(world.secretary_a)
    r = client.post(reverse("plans:edit", args=[plan.pk]), formset_data(plan, [], action="submit"))
    assert r.status_code == 400 and "没有任何学习专题" in r.content.decode()
    plan.refresh_from_db()
    assert plan.status == Status.DRAFT and list(plan.topics.values_list("title", flat=True)) == ["原有专题"]
    # The page still holds the stored version, so saving from it is not refused as a concurrent change.
    r = client.post(reverse("plans:edit", args=[plan.pk]), formset_data(plan, [{"title": "新专题"}]))
    assert r.status_code == 302
    assert list(plan.topics.values_list("title", flat=True)) == ["新专题"]


def test_a_date_outside_the_year_answers_400(world, as_user):
    plan = draft_plan(world, topics=[topic("原有专题")])
    r = as_user(world.secretary_a).post(reverse("plans:edit", args=[plan.pk]), formset_data(
        plan, [{"title": "专题", "planned_on": f"{plan.year + 1}-02-01"}]))
    assert r.status_code == 400 and f"不在 {plan.year} 年度内" in r.content.decode()


def test_the_editor_shows_uncovered_mandated_topics(world, as_user):
    publish_city_guidance(world)
    plan = draft_plan(world)
    services.plan_save(plan=plan, topics=[topic(CITY_TOPICS[0], mandated_id=None)], by=world.secretary_a)
    page = as_user(world.secretary_a).get(reverse("plans:edit", args=[plan.pk])).content.decode()
    assert "尚未覆盖的上级规定专题（4）" in page and CITY_TOPICS[1] in page
    assert '<option value="赵书记">' in page  # the group's members are offered as 领学


def test_a_secretary_cannot_approve_and_is_told_why(world, as_user):
    plan = services.plan_submit(plan=draft_plan(world, topics=[topic("专题")]), by=world.secretary_a)
    r = as_user(world.secretary_a).post(reverse("plans:approve", args=[plan.pk]), {"version": plan.version})
    assert r.status_code == 400 and "只有本组现任组长可以审定" in r.content.decode()
    plan.refresh_from_db()
    assert plan.status == Status.SUBMITTED


def test_the_leader_approves_then_the_secretary_reports(world, as_user):
    plan = services.plan_submit(plan=draft_plan(world, topics=[topic("专题")]), by=world.secretary_a)
    r = as_user(world.leader_a).post(reverse("plans:approve", args=[plan.pk]), {"version": plan.version})
    assert r.status_code == 302
    plan.refresh_from_db()
    r = as_user(world.secretary_a).post(reverse("plans:report", args=[plan.pk]), {"version": plan.version})
    assert r.status_code == 302
    plan.refresh_from_db()
    assert plan.status == Status.APPROVED and plan.reported_at


def test_an_approved_plan_is_revised_into_a_new_version(world, as_user):
    plan = approved_plan(world)
    client = as_user(world.secretary_a)
    assert client.get(reverse("plans:edit", args=[plan.pk])).status_code == 302  # locked: sent to the view
    assert client.post(reverse("plans:revise", args=[plan.pk]), {"reason": ""}).status_code == 400
    r = client.post(reverse("plans:revise", args=[plan.pk]), {"reason": "增加调研专题"})
    new = StudyPlan.objects.get(previous=plan)
    assert r.url == reverse("plans:edit", args=[new.pk]) and new.number == 2
    # The superseded approved version offers neither 报送 nor another revision; the versions list shows both.
    page = client.get(reverse("plans:plan", args=[plan.pk])).content.decode()
    assert 'data-testid="report"' not in page and "发起修订" not in page and "第2版" in page


def test_a_sibling_countys_supervisor_cannot_see_the_plan(world, as_user):
    plan = approved_plan(world)
    for name in ("plan", "docx", "xlsx"):
        assert as_user(world.supervisor_b).get(reverse(f"plans:{name}", args=[plan.pk])).status_code == 404
        assert as_user(world.supervisor_a).get(reverse(f"plans:{name}", args=[plan.pk])).status_code == 200
    r = as_user(world.supervisor_b).get(reverse("plans:supervise") + f"?unit={world.county_a.pk}")
    assert r.status_code == 404


def test_the_docx_opens_and_holds_the_topics(world, as_user):
    plan = approved_plan(world, topics=[topic("学习习近平文化思想", month=3, lead="赵书记", materials="《纲要》"),
                                        topic("学习习近平法治思想", kind="optional", month=6)])
    r = as_user(world.member_a).get(reverse("plans:docx", args=[plan.pk]))
    assert r.status_code == 200 and "attachment" in r["Content-Disposition"]
    doc = Document(io.BytesIO(r.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert plan.title in text
    assert "（一）学习习近平文化思想（必学）" in text and "（二）学习习近平法治思想（选学）" in text
    assert "领学：赵书记" in text
    cells = [c.text for row in doc.tables[0].rows for c in row.cells]
    assert "学习习近平法治思想" in cells
    # Chinese fonts are named for East-Asian text on every run, not only the Latin font.
    from docx.oxml.ns import qn

    runs = [r for p in doc.paragraphs for r in p.runs if r.text]
    assert runs and all(r._element.rPr.rFonts.get(qn("w:eastAsia")) for r in runs)
    # The 附件 table's header repeats on each page and no row breaks across pages, in the schema's order
    # (Word refuses a w:trPr whose children are out of order).
    rows = doc.tables[0].rows
    assert [c.tag.split("}")[1] for c in rows[0]._tr.trPr] == ["cantSplit", "trHeight", "tblHeader"]
    assert all([c.tag.split("}")[1] for c in r._tr.trPr] == ["cantSplit", "trHeight"] for r in rows[1:])


def test_the_docx_uses_the_fonts_the_deployment_names(world, as_user, settings):
    # WPS machines ship 仿宋 rather than 仿宋_GB2312; the setting must reach every generated document.
    settings.DOCUMENT_FONTS = {**settings.DOCUMENT_FONTS, "body": "仿宋"}
    plan = approved_plan(world, topics=[topic("学习习近平文化思想", month=3)])
    r = as_user(world.member_a).get(reverse("plans:docx", args=[plan.pk]))
    xml = Document(io.BytesIO(r.content)).element.xml
    assert 'w:eastAsia="仿宋"' in xml and 'w:eastAsia="仿宋_GB2312"' not in xml


def test_the_xlsx_lists_the_topics_and_escapes_formulas(world, as_user):
    plan = approved_plan(world, topics=[topic("=HYPERLINK(\"x\")"), topic("学习习近平法治思想")])
    r = as_user(world.member_a).get(reverse("plans:xlsx", args=[plan.pk]))
    ws = load_workbook(io.BytesIO(r.content)).worksheets[0]
    titles = [ws.cell(row=i, column=2).value for i in range(2, 4)]
    assert titles == ["'=HYPERLINK(\"x\")", "学习习近平法治思想"]


def test_the_supervisor_publishes_and_sees_who_has_not_reported(world, as_user):
    client = as_user(world.city_supervisor)
    year = world.today.year
    r = client.post(reverse("plans:guidance", args=[world.city.pk, year]), {
        "title": "", "report_deadline": f"{year}-02-15", "topics": "学习习近平文化思想\n选学：学习党史", "action": "publish"})
    assert r.status_code == 302
    assert [t.title for t in services.mandated_for(world.group_b, year)] == ["学习习近平文化思想", "学习党史"]
    r = client.post(reverse("plans:guidance", args=[world.city.pk, year]), {
        "report_deadline": f"{year}-02-15", "topics": "再加一个"})
    assert r.status_code == 400 and "已经发布" in r.content.decode()
    plan = approved_plan(world)
    services.plan_report(plan=plan, by=world.secretary_a)
    page = client.get(reverse("plans:supervise") + f"?unit={world.city.pk}&year={year}")
    rows = {r.unit_name: r for r in page.context["s"].rows}
    assert rows[world.town_a.name].state in ("on_time", "late")
    assert rows[world.town_b.name].state in ("overdue", "pending")
    assert rows[world.town_b.name].deadline.isoformat() == f"{year}-02-15"


def test_a_deadline_out_of_the_year_gets_a_chinese_message(world, as_user):
    year = world.today.year
    r = as_user(world.city_supervisor).post(reverse("plans:guidance", args=[world.city.pk, year]), {
        "report_deadline": f"{year + 1}-01-31", "topics": "学习习近平文化思想", "action": "save"})
    assert r.status_code == 400 and "不在" in r.content.decode()


def test_a_reference_topic_reaches_the_inbox_and_the_adoption_shows_upward(world, as_user):
    year = world.today.year
    r = as_user(world.supervisor_a).post(reverse("plans:reference_send", args=[world.county_a.pk, year]),
                                         {"title": "学习新修订的条例", "materials": "《条例》"})
    assert r.status_code == 302
    client = as_user(world.secretary_a)
    page = client.get(reverse("plans:group", args=[world.group_a.pk]))
    ref = page.context["o"].inbox[0]
    assert ref.title == "学习新修订的条例" and ref.adopted_at is None
    assert as_user(world.secretary_b).get(reverse("plans:group", args=[world.group_b.pk])).context["o"].inbox == []
    r = as_user(world.secretary_a).post(reverse("plans:adopt", args=[world.group_a.pk, ref.id]), {"confirm": "1"})
    assert r.status_code == 302
    s = as_user(world.supervisor_a).get(reverse("plans:supervise")).context["s"]
    row = next(r for r in s.rows if r.group_id == world.group_a.pk)
    assert row.adoptions[0] is not None and row.adoptions[0] != "—"


def test_the_approver_sees_the_copy_side_by_side_and_a_sibling_supervisor_does_not(world, as_user):
    from plans.models import CopyFlag

    from .test_copycheck import OWN_NOTES, plan_a, submitted

    year = world.today.year
    submitted(world, world.group_b, world.secretary_b, year - 1, plan_a(world, year - 1, "东湖区湖滨街道"), OWN_NOTES)
    copy = submitted(world, world.group_a, world.secretary_a, year, plan_a(world, year), OWN_NOTES)
    flag = CopyFlag.objects.get(plan=copy)
    page = as_user(world.leader_a).get(reverse("plans:plan", args=[copy.pk])).content.decode()
    assert "疑似照搬照抄" in page and "其他单位的计划" in page  # group B's name is not revealed to group A
    side = as_user(world.leader_a).get(reverse("plans:flag", args=[flag.pk]))
    assert side.status_code == 200 and "老旧小区" in side.content.decode()
    assert as_user(world.city_supervisor).get(reverse("plans:flag", args=[flag.pk])).status_code == 200
    assert as_user(world.outsider).get(reverse("plans:flag", args=[flag.pk])).status_code == 404
    sup = as_user(world.supervisor_b).get(reverse("plans:supervise")).context["s"]
    assert [f.id for f in sup.flags] == [flag.id]  # their group's plan was the source


def test_the_index_lists_my_groups_and_no_one_elses(world, as_user):
    page = as_user(world.secretary_a).get(reverse("plans:index")).content.decode()
    assert world.group_a.name in page and world.group_b.name not in page
    assert "您不是任何中心组的成员" in as_user(world.city_supervisor).get(reverse("plans:index")).content.decode()
