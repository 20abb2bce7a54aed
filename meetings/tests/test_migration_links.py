"""Migration 0005 turns the integer links made the old way into foreign keys without losing one.

Built on the schema before the change (meetings 0004, plans 0001) with the historical models, then migrated
forward: every link whose target exists survives, a revision's copy keeps its topic's line, and the
materials a topic's text names are linked."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = pytest.mark.usefixtures("restore_migrations")

BEFORE = [("meetings", "0004_session_cancel_reason_plan_topic_index"), ("plans", "0001_initial"),
          ("materials", "0002_search_index"), ("orgs", "0001_initial")]
AFTER = [("meetings", "0005_foreign_keys_freeze_partners"), ("plans", "0002_topic_line_materials")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_links_made_the_old_way_survive_the_migration_to_foreign_keys():
    old = _migrate(BEFORE)
    Unit, Group = old.get_model("orgs", "Unit"), old.get_model("orgs", "StudyGroup")
    Plan, Topic = old.get_model("plans", "StudyPlan"), old.get_model("plans", "Topic")
    Reference, Material = old.get_model("plans", "ReferenceTopic"), old.get_model("materials", "Material")
    Session, Participation = old.get_model("meetings", "StudySession"), old.get_model("meetings", "Participation")

    city = Unit.objects.create(name="临江市委", path="/900/", depth=0)
    city.path = f"/{city.pk}/"
    city.save()
    town = Unit.objects.create(name="解放街道党工委", parent=city, path=f"{city.path}901/", depth=1)
    town.path = f"{city.path}{town.pk}/"
    town.save()
    other_unit = Unit.objects.create(name="湖滨街道党工委", parent=city, path=f"{city.path}902/", depth=1)
    other_unit.path = f"{city.path}{other_unit.pk}/"
    other_unit.save()
    group = Group.objects.create(unit=town, name="解放街道党工委理论学习中心组")
    partner = Group.objects.create(unit=other_unit, name="湖滨街道党工委理论学习中心组")
    material = Material.objects.create(owner_unit=city, title="在二十届四中全会上的讲话", published_on=dt.date(2026, 1, 5))
    v1 = Plan.objects.create(group=group, year=2026, number=1, status="approved", title="2026年度学习计划")
    studied = Topic.objects.create(plan=v1, sort=1, title="学习贯彻四中全会精神", materials="《在二十届四中全会上的讲话》、本单位汇编")
    Topic.objects.create(plan=v1, sort=2, title="文化思想")
    v2 = Plan.objects.create(group=group, year=2026, number=2, status="draft", previous=v1, title="2026年度学习计划")
    # plan_revise copied rows, the second version listing them in another order.
    Topic.objects.create(plan=v2, sort=1, title="文化思想")
    copy = Topic.objects.create(plan=v2, sort=2, title="学习贯彻四中全会精神", materials=studied.materials)
    ref = Reference.objects.create(unit=city, year=2026, title="参考议题一", sent_at=timezone.now())
    start = timezone.now() - dt.timedelta(days=3)
    session = Session.objects.create(
        group=group, title="学习贯彻四中全会精神", topic_source="plan", plan_topic_id=studied.pk,
        reference_topic_id=ref.pk, material_ids=[material.pk, 999999], form="joint", starts_at=start,
        ends_at=start + dt.timedelta(hours=2), day=start.date(), place="三楼会议室")
    dangling = Session.objects.create(group=group, title="旧记录", plan_topic_id=999999, starts_at=start,
                                      ends_at=start + dt.timedelta(hours=1), day=start.date(), place="会议室")
    Participation.objects.create(session=session, group=group, is_host=True)
    Participation.objects.create(session=session, group=partner, is_host=False)

    new = _migrate(AFTER)
    Session, Topic = new.get_model("meetings", "StudySession"), new.get_model("plans", "Topic")
    Participation = new.get_model("meetings", "Participation")
    s = Session.objects.get(pk=session.pk)
    assert s.plan_topic_id == studied.pk and s.reference_topic_id == ref.pk
    assert list(s.materials.values_list("pk", flat=True)) == [material.pk]  # the id that pointed nowhere is gone
    assert Session.objects.get(pk=dangling.pk).plan_topic_id is None
    v1_topic, v2_copy = Topic.objects.get(pk=studied.pk), Topic.objects.get(pk=copy.pk)
    assert v1_topic.line == v2_copy.line  # the copy is the same topic, matched by title, not by position
    assert Topic.objects.filter(title="文化思想").values("line").distinct().count() == 1
    assert Topic.objects.values("line").distinct().count() == 2
    assert list(v1_topic.library_materials.values_list("pk", flat=True)) == [material.pk]
    assert Participation.objects.get(session_id=session.pk, group_id=partner.pk).state == "accepted"
    _migrate([("meetings", _latest("meetings")), ("plans", _latest("plans"))])


def _latest(app):
    executor = MigrationExecutor(connection)
    return max(name for a, name in executor.loader.graph.leaf_nodes() if a == app)
