def test_the_audit_log_can_be_filtered_and_verified(world, as_user):
    client = as_user(world.auditadmin)
    page = client.get("/audit/?action=unit.create&verify=1").content.decode()
    assert "审计链完整" in page and "unit.create" in page
    assert client.get("/audit/?date_from=2026-13-45").status_code == 200  # a bad date is ignored, not a 500


def test_the_audit_administrator_sees_no_study_records(world, as_user):
    client = as_user(world.auditadmin)
    assert client.get(f"/groups/{world.group_a.pk}/").status_code == 404
    assert client.get("/api/groups/").json()["results"] == []


def test_pages_are_in_chinese(world, as_user):
    client = as_user(world.secretary_a)
    page = client.get(f"/groups/{world.group_a.pk}/").content.decode()
    assert 'lang="zh-CN"' in page and "成员" in page and "导入成员" in page


def test_the_schema_describes_the_api(world, as_user):
    client = as_user(world.secretary_a)
    schema = client.get("/api/schema/?format=json").json()
    assert "/api/groups/{id}/members/" in schema["paths"]


def test_static_assets_are_vendored(client):
    from django.contrib.staticfiles import finders

    for asset in ("vendor/bootstrap/bootstrap.min.css", "vendor/htmx/htmx.min.js", "vendor/echarts/echarts.min.js"):
        assert finders.find(asset), asset


def test_seed_demo_builds_the_demo_city(db):
    from django.core.management import call_command

    from accounts.models import User
    from orgs.models import Person, StudyGroup, Unit

    call_command("seed_demo")
    assert 95 <= Unit.objects.count() <= 110 and StudyGroup.objects.count() == Unit.objects.count()
    assert 65 <= Unit.objects.filter(level="township").count() <= 80
    assert 1300 <= Person.objects.count() <= 1700
    assert User.objects.filter(username__in=["mishu", "shiwei", "jiangcheng", "donghu", "xunting"]).count() == 5
    call_command("seed_demo", "--if-empty")  # a second run changes nothing
    from core.audit import verify

    assert verify().ok
