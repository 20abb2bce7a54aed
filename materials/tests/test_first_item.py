import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from core.models import AuditEntry
from materials import selectors, services
from materials.models import FirstItemStudy
from orgs import services as org

from .factories import material

pytestmark = pytest.mark.django_db


def record(world, group, material_list, days_ago, title=None, by=None):
    return services.first_item_record(group=group, meeting_date=world.today - dt.timedelta(days=days_ago),
                                      meeting_title=title or f"党委会（{days_ago}）", materials=material_list,
                                      by=by)


def test_the_secretary_records_a_first_item_and_it_is_audited(world):
    speech = material(world, title="重要讲话", important=True, days_ago=10)
    study = record(world, world.group_a, [speech], days_ago=7, by=world.secretary_a)
    assert list(study.materials.all()) == [speech]
    entry = AuditEntry.objects.filter(action="first_item.record").last()
    assert entry.actor_id == world.secretary_a.pk
    assert entry.after["days_after_publication"] == {str(speech.pk): 3}


def test_a_meeting_in_the_future_is_refused_and_nothing_changes(world):
    speech = material(world, important=True)
    with pytest.raises(ValidationError) as exc:
        record(world, world.group_a, [speech], days_ago=-1)
    assert "不能晚于今天" in str(exc.value)
    assert not FirstItemStudy.objects.exists()


def test_a_meeting_before_the_material_was_published_is_refused(world):
    speech = material(world, important=True, days_ago=3)
    with pytest.raises(ValidationError) as exc:
        record(world, world.group_a, [speech], days_ago=5)
    assert "晚于会议日期" in str(exc.value)


def test_a_group_cannot_record_another_countys_material(world):
    foreign = material(world, owner=world.county_b, important=True)
    with pytest.raises(ValidationError):
        record(world, world.group_a, [foreign], days_ago=1)


def test_the_same_meeting_twice_is_refused(world):
    speech = material(world, important=True)
    record(world, world.group_a, [speech], days_ago=1, title="党委会")
    with pytest.raises(ValidationError) as exc:
        record(world, world.group_a, [speech], days_ago=1, title="党委会")
    assert "已经记录" in str(exc.value)
    assert FirstItemStudy.objects.count() == 1


def test_timeliness_counts_days_from_publication_to_the_first_study(world):
    speech = material(world, title="重要讲话", important=True, days_ago=20)
    record(world, world.group_a, [speech], days_ago=15)  # 5 days after publication
    record(world, world.group_a, [speech], days_ago=2)  # a later study does not count
    record(world, world.group_b, [speech], days_ago=0)  # 20 days
    report = selectors.timeliness(material=speech, unit=world.city)
    days = {r.group_id: r.days for r in report.studied}
    assert days == {world.group_a.pk: 5, world.group_b.pk: 20}
    # city, two counties: studied nothing yet
    assert {r.group_id for r in report.not_yet} == {world.city.group.pk, world.county_a.group.pk,
                                                    world.county_b.group.pk}
    assert report.total == 5
    hist = {label: count for label, count, _ in report.histogram}
    assert hist["4–7 天"] == 1 and hist["15–30 天"] == 1 and sum(hist.values()) == 2
    assert report.median_days == 12.5 and report.within_7 == 1


def test_timeliness_buckets_edges():
    assert [selectors.bucket_of(d) for d in (0, 1, 2, 3, 4, 7, 8, 14, 15, 30, 31, 400)] == \
        [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5]


def test_members_join_dates_do_not_matter(world):
    speech = material(world, important=True, days_ago=30)
    newcomer = org.person_create(unit=world.town_a, name="新成员", phone="", by=None)
    org.membership_add(group=world.group_a, person=newcomer, role="member", start=world.today, by=None)
    record(world, world.group_a, [speech], days_ago=25)
    report = selectors.timeliness(material=speech, unit=world.county_a)
    assert [(r.group_id, r.days) for r in report.studied] == [(world.group_a.pk, 5)]


def test_a_county_supervisor_sees_only_their_subtree(world):
    speech = material(world, important=True, days_ago=10)
    record(world, world.group_a, [speech], days_ago=5)
    record(world, world.group_b, [speech], days_ago=5)
    report = selectors.timeliness(material=speech, unit=world.county_a)
    group_ids = {r.group_id for r in report.studied + report.not_yet}
    assert group_ids == {world.group_a.pk, world.county_a.group.pk}


def test_a_material_of_one_county_only_counts_that_countys_groups(world):
    speech = material(world, owner=world.county_a, important=True)
    report = selectors.timeliness(material=speech, unit=world.city)
    assert {r.group_id for r in report.not_yet} == {world.group_a.pk, world.county_a.group.pk}
    assert selectors.timeliness(material=speech, unit=world.county_b).total == 0


def test_closed_units_are_not_counted(world):
    speech = material(world, important=True)
    org.unit_close(unit=world.town_b, by=None)
    report = selectors.timeliness(material=speech, unit=world.county_b)
    assert world.group_b.pk not in {r.group_id for r in report.not_yet}


# ---- pages --------------------------------------------------------------------------------------

def test_the_secretary_records_through_the_page(world, as_user):
    speech = material(world, title="重要讲话", important=True, days_ago=3)
    client = as_user(world.secretary_a)
    url = f"/materials/first-item/groups/{world.group_a.pk}/"
    response = client.post(url, {"meeting_date": world.today.isoformat(), "meeting_title": "党委会",
                                 "materials": [speech.pk]})
    assert response.status_code == 302
    assert "3 天" in client.get(url).content.decode()


def test_a_future_meeting_date_through_the_page_answers_400_with_a_message(world, as_user):
    speech = material(world, important=True, days_ago=3)
    client = as_user(world.secretary_a)
    response = client.post(f"/materials/first-item/groups/{world.group_a.pk}/", {
        "meeting_date": (world.today + dt.timedelta(days=2)).isoformat(), "meeting_title": "党委会",
        "materials": [speech.pk]})
    assert response.status_code == 400
    assert "会议日期不能晚于今天" in response.content.decode()
    assert not FirstItemStudy.objects.exists()


def test_a_member_may_read_but_not_record(world, as_user):
    speech = material(world, important=True)
    client = as_user(world.member_a)
    url = f"/materials/first-item/groups/{world.group_a.pk}/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"meeting_date": world.today.isoformat(), "meeting_title": "x",
                                 "materials": [speech.pk]})
    assert response.status_code == 403
    assert not FirstItemStudy.objects.exists()


def test_a_sibling_countys_supervisor_cannot_see_another_countys_first_items(world, as_user):
    speech = material(world, important=True, days_ago=5)
    record(world, world.group_a, [speech], days_ago=1, title="江城党委会")
    client = as_user(world.supervisor_b)
    assert client.get(f"/materials/first-item/groups/{world.group_a.pk}/").status_code == 404
    assert client.get(f"/materials/first-item/timeliness/?unit={world.county_a.pk}").status_code == 404
    page = client.get(f"/materials/first-item/timeliness/?material={speech.pk}").content.decode()
    assert world.group_a.name not in page
    assert "江城党委会" not in client.get(f"/materials/{speech.pk}/").content.decode()
    # while their own supervisor sees it
    client = as_user(world.supervisor_a)
    assert "江城党委会" in client.get(f"/materials/first-item/groups/{world.group_a.pk}/").content.decode()
    assert world.group_a.name in client.get(f"/materials/first-item/timeliness/?material={speech.pk}").content.decode()


def test_the_timeliness_page_shows_the_numbers(world, as_user):
    speech = material(world, title="重要讲话甲", important=True, days_ago=10)
    record(world, world.group_a, [speech], days_ago=8)
    body = as_user(world.city_supervisor).get(f"/materials/first-item/timeliness/?material={speech.pk}").content.decode()
    assert 'data-testid="studied">1<' in body and 'data-testid="not-yet">4<' in body and 'data-testid="total">5<' in body


def test_admins_see_no_first_items(world, as_user):
    for persona in (world.sysadmin, world.secadmin, world.auditadmin):
        client = as_user(persona)
        assert client.get(f"/materials/first-item/groups/{world.group_a.pk}/").status_code == 404
        assert client.get("/materials/first-item/timeliness/").status_code == 404


def test_the_overview_agrees_with_the_detailed_report(world):
    a = material(world, title="甲", important=True, days_ago=20)
    b = material(world, owner=world.county_b, title="乙", important=True, days_ago=10)
    record(world, world.group_a, [a], days_ago=18)
    record(world, world.group_b, [a, b], days_ago=4)
    lines = selectors.coverage_overview(unit=world.city, materials=[a, b])
    for line in lines:
        report = selectors.timeliness(material=line.material, unit=world.city)
        assert (line.studied, line.total, line.median_days) == (len(report.studied), report.total, report.median_days)
    assert [(line.studied, line.total) for line in lines] == [(2, 5), (1, 2)]
    assert selectors.coverage_overview(unit=world.county_a, materials=[b])[0].total == 0


def test_the_entry_page_leads_each_person_to_their_groups(world, as_user):
    url = "/materials/first-item/"
    response = as_user(world.secretary_a).get(url)
    assert response.status_code == 302 and response.url == f"{url}groups/{world.group_a.pk}/"
    page = as_user(world.member_a).get(url).content.decode()
    assert world.group_a.name in page and "可记录" not in page
    # a supervisor who is also a group's secretary goes straight to that group
    org.membership_add(group=world.group_b, person=world.city_supervisor.person, role="secretary",
                       start=world.today, by=None)
    response = as_user(world.city_supervisor).get(url)
    assert response.status_code == 302 and response.url == f"{url}groups/{world.group_b.pk}/"


def test_the_reports_count_the_same_with_the_groups_read_once(world):
    a = material(world, title="甲", important=True, days_ago=20)
    b = material(world, owner=world.county_b, title="乙", important=True, days_ago=10)
    record(world, world.group_a, [a], days_ago=18)
    record(world, world.group_b, [a, b], days_ago=4)
    groups = selectors.open_groups(world.city.path)
    for m in (a, b):
        alone, shared = (selectors.timeliness(material=m, unit=world.city, **kw) for kw in ({}, {"groups": groups}))
        assert [(r.group_id, r.days) for r in alone.studied] == [(r.group_id, r.days) for r in shared.studied]
        assert [r.group_id for r in alone.not_yet] == [r.group_id for r in shared.not_yet]
    assert selectors.coverage_overview(unit=world.city, materials=[a, b], groups=groups) == \
        selectors.coverage_overview(unit=world.city, materials=[a, b])


def test_only_supervisors_get_the_timeliness_button_on_an_important_material(world, as_user):
    speech = material(world, important=True)
    url = f"/materials/{speech.pk}/"
    assert "第一时间学习情况" in as_user(world.city_supervisor).get(url).content.decode()
    assert "第一时间学习情况" not in as_user(world.secretary_a).get(url).content.decode()
    plain = material(world, title="一般文章")
    assert "第一时间学习情况" not in as_user(world.city_supervisor).get(f"/materials/{plain.pk}/").content.decode()


def test_a_first_item_points_at_the_groups_plan_topic_by_a_real_foreign_key(world, as_user):
    from django.urls import reverse

    from plans.tests.factories import approved_plan

    speech = material(world, title="重要讲话", important=True, days_ago=10)
    plan_topic = approved_plan(world).topics.get()
    r = as_user(world.secretary_a).post(reverse("materials:group_first_items", args=[world.group_a.pk]), {
        "meeting_date": (world.today - dt.timedelta(days=2)).isoformat(), "meeting_title": "党委会（第3次）",
        "materials": [speech.pk], "plan_topic": plan_topic.pk})
    assert r.status_code == 302
    study = FirstItemStudy.objects.get()
    assert study.plan_topic == plan_topic and plan_topic.first_items.get() == study
    assert AuditEntry.objects.filter(action="first_item.record").last().after["plan_topic"] == plan_topic.pk


def test_a_topic_of_another_groups_plan_is_refused_in_chinese_and_nothing_is_recorded(world, as_user):
    from django.urls import reverse

    from plans.tests.factories import draft_plan, topic

    speech = material(world, title="重要讲话", important=True, days_ago=10)
    foreign = draft_plan(world, group=world.group_b, by=world.secretary_b, topics=[topic("外组专题")]).topics.get()
    with pytest.raises(ValidationError, match="属于.*的学习计划，不能用于"):
        services.first_item_record(group=world.group_a, meeting_date=world.today, meeting_title="党委会",
                                   materials=[speech], plan_topic=foreign, by=world.secretary_a)
    r = as_user(world.secretary_a).post(reverse("materials:group_first_items", args=[world.group_a.pk]), {
        "meeting_date": world.today.isoformat(), "meeting_title": "党委会", "materials": [speech.pk],
        "plan_topic": foreign.pk})
    assert r.status_code == 400 and "不能用于" in r.content.decode()
    r = as_user(world.secretary_a).post(reverse("materials:group_first_items", args=[world.group_a.pk]), {
        "meeting_date": world.today.isoformat(), "meeting_title": "党委会", "materials": [speech.pk],
        "plan_topic": 987654})
    assert r.status_code == 400 and "没有找到所选的议题" in r.content.decode()
    assert not FirstItemStudy.objects.exists()
