import io

import pytest
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from orgs import services as org
from supervision import services
from supervision.models import Rectification, Visit, VisitScore

from .factories import city_plan, filed_visit, full_scores, held_visit

pytestmark = pytest.mark.django_db


def _answered(world):
    visit = held_visit(world)
    services.visit_score(visit=visit, scores=full_scores(visit), feedback="学习准备充分，研讨联系实际还不够。",
                         by=world.observer, submit=True)
    visit.refresh_from_db()
    return visit


def test_the_observer_sees_the_visit_on_the_workbench_and_reaches_the_sessions_materials(world, as_user):
    visit = filed_visit(world)
    client = as_user(world.observer)
    home = client.get(reverse("home")).content.decode()
    assert "我的巡听旁听" in home and reverse("supervision:visit", args=[visit.pk]) in home
    page = client.get(reverse("supervision:visit", args=[visit.pk])).content.decode()
    assert reverse("meetings:detail", args=[visit.session_id]) in page
    assert client.get(reverse("meetings:detail", args=[visit.session_id])).status_code == 200


def test_an_observer_sees_only_the_visits_they_are_sent_to(world, as_user):
    mine = filed_visit(world)
    other = services.visit_add(plan=mine.plan, group=world.group_b, kind="fixed", by=world.city_supervisor)
    client = as_user(world.observer)
    assert client.get(reverse("supervision:visit", args=[mine.pk])).status_code == 200
    assert client.get(reverse("supervision:visit", args=[other.pk])).status_code == 404
    listed = client.get(reverse("supervision-visit-list"), format="json").json()
    assert [v["id"] for v in (listed["results"] if isinstance(listed, dict) else listed)] == [mine.pk]


def test_a_group_sees_its_own_feedback_but_not_another_groups(world, as_user):
    visit = _answered(world)
    assert "研讨联系实际还不够" in as_user(world.secretary_a).get(
        reverse("supervision:visit", args=[visit.pk])).content.decode()
    assert as_user(world.secretary_b).get(reverse("supervision:visit", args=[visit.pk])).status_code == 404
    assert as_user(world.outsider).get(reverse("supervision:visit", args=[visit.pk])).status_code == 404
    assert as_user(world.supervisor_b).get(reverse("supervision:visit", args=[visit.pk])).status_code == 404


def test_the_group_does_not_see_scores_before_the_feedback_is_sent(world, as_user):
    visit = held_visit(world)
    services.visit_score(visit=visit, scores=full_scores(visit, 7), feedback="草稿意见", by=world.observer)
    page = as_user(world.secretary_a).get(reverse("supervision:visit", args=[visit.pk])).content.decode()
    assert "草稿意见" not in page and 'data-testid="scores"' not in page


def test_a_score_out_of_range_on_the_form_is_answered_in_chinese_and_nothing_changes(world, as_user):
    visit = held_visit(world)
    items = list(visit.plan.checklist.items.all())
    data = {f"score_{i.pk}": "8" for i in items} | {f"score_{items[0].pk}": "99", "feedback": "好", "submit": "1"}
    response = as_user(world.observer).post(reverse("supervision:visit_score", args=[visit.pk]), data)
    assert response.status_code == 400
    assert "得分须在 0 到 10 之间" in response.content.decode()
    assert not VisitScore.objects.exists()


def test_feedback_over_the_limit_on_the_form_is_refused(world, as_user):
    visit = held_visit(world)
    data = {f"score_{i.pk}": "8" for i in visit.plan.checklist.items.all()} | {"feedback": "长" * 501, "submit": "1"}
    response = as_user(world.observer).post(reverse("supervision:visit_score", args=[visit.pk]), data)
    assert response.status_code == 400 and "反馈意见不能超过 500 字" in response.content.decode()
    visit.refresh_from_db()
    assert visit.feedback_at is None


def test_a_score_that_is_not_a_number_is_refused_not_a_500(world, as_user):
    visit = held_visit(world)
    item = visit.plan.checklist.items.first()
    response = as_user(world.observer).post(reverse("supervision:visit_score", args=[visit.pk]),
                                            {f"score_{item.pk}": "abc", "feedback": ""})
    assert response.status_code == 400 and "不是数字" in response.content.decode()


def test_sending_an_observer_to_their_own_unit_is_refused_with_a_message(world, as_user):
    visit = filed_visit(world, assign=False)
    own = org.observer_add(person=world.member_a.person, pool_unit=world.city, by=None)
    response = as_user(world.city_supervisor).post(reverse("supervision:visit_assign", args=[visit.pk]),
                                                   {"observer": own.pk}, follow=True)
    assert "不能派往本单位旁听" in response.content.decode()
    assert not visit.observers.exists()


def test_a_visit_to_a_group_outside_the_subtree_is_refused_with_a_message(world, as_user):
    plan = services.plan_create(unit=world.county_a, year=2026, by=world.supervisor_a)
    response = as_user(world.supervisor_a).post(reverse("supervision:plan_visit_add", args=[plan.pk]),
                                                {"group": world.group_b.pk, "kind": "fixed"}, follow=True)
    assert "不在中共江城区委员会督导范围内" in response.content.decode()
    assert not Visit.objects.exists()


def test_closing_a_rectification_without_evidence_is_refused_on_the_page(world, as_user):
    visit = _answered(world)
    client = as_user(world.secretary_a)
    client.post(reverse("supervision:rect_add", args=[visit.pk]),
                {"problem": "研讨发言联系实际不够", "measure": "结合分管工作准备发言", "responsible": world.leader_a.person.pk,
                 "due": "2026-12-31"})
    rect = Rectification.objects.get()
    response = client.post(reverse("supervision:rect_done", args=[rect.pk]), {"evidence_text": ""}, follow=True)
    assert "没有佐证不能销号" in response.content.decode()
    rect.refresh_from_db()
    assert rect.status == "open"


def test_the_draw_page_says_the_rerun_agrees_for_the_supervisor_and_the_audit_administrator(world, as_user):
    for i in range(4):
        org.unit_create(name=f"中共东湖区第{i}街道工作委员会", parent=world.county_b, kind="working_committee")
    draw = services.draw_random(plan=city_plan(world), count=3, by=world.city_supervisor)
    for user in (world.city_supervisor, world.auditadmin):
        page = as_user(user).get(reverse("supervision:draw", args=[draw.pk])).content.decode()
        assert "重新抽取验证：一致" in page and draw.seed in page
    assert as_user(world.supervisor_b).get(reverse("supervision:draw", args=[draw.pk])).status_code == 404


def test_feedback_exports_as_a_docx_with_scores_and_text(world, as_user):
    visit = _answered(world)
    response = as_user(world.secretary_a).get(reverse("supervision:visit_docx", args=[visit.pk]))
    doc = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "列席旁听情况反馈表" in text and "研讨联系实际还不够" in text
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert "第一议题学习" in cells and world.group_a.name in cells


def test_the_plan_and_scores_export_to_excel(world, as_user):
    visit = _answered(world)
    total = sum(min(8, i.max_score) for i in visit.plan.checklist.items.all())
    client = as_user(world.city_supervisor)
    wb = load_workbook(io.BytesIO(client.get(reverse("supervision:plan_export", args=[visit.plan_id])).content))
    rows = list(wb.active.iter_rows(values_only=True))
    assert rows[0][1] == "中心组" and rows[1][1] == world.group_a.name and rows[1][9] == total
    wb = load_workbook(io.BytesIO(client.get(reverse("supervision:scores_export", args=[visit.plan_id])).content))
    assert list(wb.active.iter_rows(values_only=True))[1][-1] == total


def test_the_supervisor_sees_every_speaker_filed_in_the_subtree_and_a_sibling_does_not(world, as_user):
    from .factories import session_of

    services.speaker_file(session=session_of(world), by=world.secretary_a, name="李教授", unit_name="市委党校",
                          title="教授", topic="党的创新理论", outline="提纲")
    assert "李教授" in as_user(world.supervisor_a).get(reverse("supervision:speakers")).content.decode()
    assert "李教授" in as_user(world.city_supervisor).get(reverse("supervision:speakers")).content.decode()
    assert "李教授" not in as_user(world.supervisor_b).get(reverse("supervision:speakers")).content.decode()
    assert "李教授" not in as_user(world.outsider).get(reverse("supervision:speakers")).content.decode()


def test_the_plan_page_lists_no_group_and_suggests_only_groups_of_its_subtree(world, as_user):
    """Groups are picked by typing: the page prints none of them (a province has 10,000), and suggestions come
    from the plan's subtree only, at most twenty."""
    for i in range(25):
        org.unit_create(name=f"中共江城区第{i}社区委员会", parent=world.county_a, kind="working_committee")
    plan = services.plan_create(unit=world.county_a, year=2026, by=world.supervisor_a)
    client = as_user(world.supervisor_a)
    page = client.get(reverse("supervision:plan", args=[plan.pk])).content.decode()
    import re

    assert not [o for o in re.findall(r"<option[^>]*>([^<]*)", page) if "社区" in o] and 'list="plan-groups"' in page
    found = client.get(reverse("supervision:plan_groups", args=[plan.pk]), {"group": "社区"}).content.decode()
    assert found.count("<option") == 20 and "第0社区" in found
    assert world.group_b.name not in client.get(reverse("supervision:plan_groups", args=[plan.pk]),
                                                {"group": "湖滨"}).content.decode()


def test_a_visit_focus_and_draw_take_group_names_and_an_unknown_name_changes_nothing(world, as_user):
    from supervision.models import Draw, FocusTarget

    plan = services.plan_create(unit=world.county_a, year=2026, by=world.supervisor_a)
    client = as_user(world.supervisor_a)
    client.post(reverse("supervision:plan_visit_add", args=[plan.pk]), {"group": world.group_a.name, "kind": "fixed"})
    assert Visit.objects.get().group == world.group_a
    page = client.post(reverse("supervision:plan_focus_add", args=[plan.pk]),
                       {"group": "不存在的中心组", "reason": "考核不合格"}, follow=True).content.decode()
    assert "督导范围内没有名为“不存在的中心组”的中心组" in page and not FocusTarget.objects.exists()
    client.post(reverse("supervision:plan_focus_add", args=[plan.pk]),
                {"group": world.group_a.unit.name, "reason": "考核不合格"})  # the unit's name finds its group too
    assert FocusTarget.objects.get().group == world.group_a
    page = client.post(reverse("supervision:plan_draw", args=[plan.pk]),
                       {"count": 1, "exclude": f"{world.group_a.name}\n{world.group_b.name}"}, follow=True)
    assert f"没有名为“{world.group_b.name}”" in page.content.decode() and not Draw.objects.exists()


def test_the_plan_page_lists_its_visits_a_page_at_a_time(world, as_user, monkeypatch):
    from supervision import views

    monkeypatch.setattr(views, "VISITS_PAGE", 1)
    plan = services.plan_create(unit=world.city, year=2026, by=world.city_supervisor)
    for group in (world.group_a, world.group_b):
        services.visit_add(plan=plan, group=group, kind="fixed", by=world.city_supervisor)
    client = as_user(world.city_supervisor)
    pages = [client.get(reverse("supervision:plan", args=[plan.pk]), {"page": n}).content.decode() for n in (1, 2)]
    assert all("旁听安排（2）" in p and "第 " in p for p in pages)
    shown = [[g.name for g in (world.group_a, world.group_b) if f">{g.name}</a>" in p] for p in pages]
    assert sorted(sum(shown, [])) == sorted([world.group_a.name, world.group_b.name]) and all(len(s) == 1 for s in shown)
