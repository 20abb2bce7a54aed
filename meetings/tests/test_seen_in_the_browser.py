"""Issue 8, "what else was seen broken or missing in the browser": each of these failed on main."""

import datetime as dt
import io

from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from orgs import importing
from plans import dashboard as plan_dashboard
from plans import services as plan_services
from plans.tests.factories import draft_plan, topic

from .factories import make_session


def test_the_guidance_form_fills_its_deadline_in_the_format_the_date_field_accepts(world, as_user):
    year = world.today.year + 1
    page = as_user(world.city_supervisor).get(reverse("plans:guidance", args=[world.city.pk, year])).content.decode()
    assert f'value="{year}-01-31"' in page and "/01/31" not in page
    form = page[page.index('data-testid="publish"') - 200:]
    assert "onclick" not in form[:600] and 'data-confirm="发布后' in form


def test_a_guidance_with_errors_says_so_at_the_top(world, as_user):
    year = world.today.year + 1
    response = as_user(world.city_supervisor).post(reverse("plans:guidance", args=[world.city.pk, year]),
                                                   {"action": "publish", "report_deadline": "2027/01/31", "topics": ""})
    page = response.content.decode()
    assert response.status_code == 400 and 'data-testid="errors"' in page and "没有保存" in page


def test_a_plan_waiting_since_january_stays_on_the_leaders_workbench_in_december(world):
    plan = draft_plan(world, topics=[topic("学习党的创新理论")])
    plan_services.plan_submit(plan=plan, by=world.secretary_a)
    december = dt.date(world.today.year, 12, 2)
    items = [i for card in plan_dashboard.cards(world.leader_a, december) for i in card.items]
    assert any(i.badge == "待您审定" and i.url == reverse("plans:plan", args=[plan.pk]) for i in items)


def test_the_observers_home_shows_the_sessions_they_may_attend(world, as_user):
    make_session(world, group=world.group_b, by=world.secretary_b, title="湖滨街道专题研讨",
                 start=timezone.now() + dt.timedelta(days=3))
    make_session(world, title="解放街道的学习", start=timezone.now() + dt.timedelta(days=3))
    home = as_user(world.observer).get(reverse("home")).content.decode()
    assert "湖滨街道专题研讨" in home and "解放街道的学习" not in home


def test_a_members_menu_has_no_people_or_api_and_unread_notices_show_in_the_top_bar(world, as_user):
    make_session(world, start=timezone.now() + dt.timedelta(days=3))  # a notice for every member
    page = as_user(world.member_a).get(reverse("home")).content.decode()
    # The people list and the API docs are for staff; the member's own 我的信息 (/people/<id>/) stays.
    assert f'href="{reverse("orgs:people")}"' not in page and reverse("api_docs") not in page
    assert 'data-testid="topbar-notices"' in page
    page = as_user(world.secretary_a).get(reverse("home")).content.decode()
    assert f'href="{reverse("orgs:people")}"' in page


def test_the_member_import_templates_sheet_has_no_sample_rows_to_import(world, as_user):
    content = as_user(world.secretary_a).get(reverse("orgs:member_template", args=[world.group_a.pk])).content
    wb = load_workbook(io.BytesIO(content))
    assert wb.worksheets[0].max_row == 1  # headers only
    assert any("张三" in str(c.value) for row in wb["填写说明"].iter_rows() for c in row)
    try:
        rows, _ = importing.check_members(group=world.group_a, data=content, user=world.secretary_a)
    except importing.ImportFileError as exc:  # an untouched template: "no data rows", nobody imported
        rows = []
        assert "没有数据行" in str(exc)
    assert rows == []


def test_the_outsider_sees_no_attendance_page(world, as_user):
    session = make_session(world)
    url = reverse("meetings:attendance", args=[session.pk])
    assert as_user(world.outsider).get(url).status_code == 404
