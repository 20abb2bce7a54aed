import io

from django.utils import timezone
from openpyxl import load_workbook

from core import audit
from core.models import AuditEntry
from meetings.models import MakeUp
from orgs import services as org


def test_the_log_shows_chinese_field_names_local_times_and_object_names(world, as_user):
    unit = world.group_a.unit
    org.unit_rename(unit=unit, name="江城镇党委（新）", by=world.sysadmin)
    entry = AuditEntry.objects.filter(action="unit.rename").last()
    page = as_user(world.auditadmin).get("/audit/?action=unit.rename").content.decode()
    assert "江城镇党委（新）" in page and "名称" in page and "单位更名" in page
    assert "object (" not in page
    local = timezone.localtime(entry.ts).strftime("%Y-%m-%d %H:%M")
    assert local in page  # Asia/Shanghai, not UTC


def test_a_default_repr_is_replaced_by_the_objects_name(world, as_user):
    # Entries written before objects had readable names say "MakeUp object (849)"; the page names it.
    from core import audit_display

    entry = AuditEntry.objects.first()
    entry.object_type, entry.object_id, entry.object_repr = "orgs.unit", str(world.group_a.unit.pk), "Unit object (1)"
    assert audit_display.object_names([entry])[entry.id] == str(world.group_a.unit)
    entry.object_type, entry.object_id, entry.object_repr = "meetings.makeup", "999999", "MakeUp object (999999)"
    assert audit_display.object_names([entry])[entry.id] == f"{MakeUp._meta.verbose_name} #999999（已删除）"


def test_the_audit_administrator_exports_a_period_to_excel(world, as_user):
    client = as_user(world.auditadmin)
    today = timezone.localdate().isoformat()
    response = client.get(f"/audit/export/?date_from={today}&date_to={today}")
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    ws = wb.active
    assert [c.value for c in ws[1]][:5] == ["序号", "时间", "操作人", "地址", "操作"]
    assert ws.max_row - 1 == AuditEntry.objects.filter(ts__date=timezone.localdate()).count() - 1  # minus the export
    assert audit.current_head().seq and "审计链 #" in wb["填写说明"].cell(row=2, column=1).value
    assert AuditEntry.objects.last().action == "audit.export"


def test_an_export_without_a_period_is_refused_in_chinese(world, as_user):
    response = as_user(world.auditadmin).get("/audit/export/", follow=True)
    assert "请先选择导出的起止日期" in response.content.decode()


def test_only_the_audit_administrator_reads_or_exports_the_log(world, as_user):
    for persona in (world.outsider, world.sysadmin, world.secadmin, world.secretary_a):
        client = as_user(persona)
        assert client.get("/audit/export/?date_from=2026-01-01&date_to=2026-12-31").status_code in (403, 404)
        assert client.get("/audit/heads/").status_code in (403, 404)


def test_the_heads_page_lists_published_heads_and_checks_one(world, as_user):
    published = audit.publish_head()
    client = as_user(world.auditadmin)
    page = client.get("/audit/heads/").content.decode()
    assert published.hash in page and published.text in page
    ok = client.post("/audit/heads/", {"seq": published.seq, "digest": published.hash[:16]}).content.decode()
    assert "相符" in ok
    bad = client.post("/audit/heads/", {"seq": published.seq, "digest": "f" * 64}).content.decode()
    assert "不符" in bad
    junk = client.post("/audit/heads/", {"seq": "abc", "digest": "x"})
    assert junk.status_code == 200 and "序号应为整数" in junk.content.decode()
    huge = client.post("/audit/heads/", {"seq": str(10**30), "digest": "f" * 64})
    assert huge.status_code == 200
