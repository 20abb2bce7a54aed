import io
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from core.models import AuditEntry, ImportBatch
from orgs import importing
from orgs.models import Membership, Person, Unit

HEADERS = importing.MEMBER_HEADERS


def xlsx(rows, headers=HEADERS):
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


GOOD = [
    ["周建国", "男", "", "党工委副书记", "副科级", "13812345678", "副组长", "2026-02-01"],
    ["吴丽", "女", "", "党工委委员", "副科级", "13912345678", "成员", ""],
    ["郑晓东", "男", "中共江城区委员会", "区委派驻", "", "", "列席", "2026-03-01"],
]


def upload(client, group, data, name="成员.xlsx"):
    f = io.BytesIO(data)
    f.name = name
    return client.post(f"/groups/{group.pk}/import/", {"file": f})


def counts():
    return Person.objects.count(), Membership.objects.count()


def test_a_good_file_is_previewed_then_imported_all_at_once(world, as_user):
    client = as_user(world.secretary_a)
    before = counts()
    response = upload(client, world.group_a, xlsx(GOOD))
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    assert batch.status == "preview" and len(batch.rows) == 3
    assert counts() == before, "a preview writes nothing"
    preview = client.get(response["Location"])
    assert "检查通过，共 3 行" in preview.content.decode()
    assert client.post(response["Location"]).status_code == 302
    assert counts() == (before[0] + 3, before[1] + 3)
    lie = Membership.objects.get(person__name="郑晓东")
    assert lie.role == "attendee" and lie.person.unit == world.county_a
    assert AuditEntry.objects.filter(action="import.members").count() == 1


def test_confirming_twice_imports_once(world, as_user):
    client = as_user(world.secretary_a)
    location = upload(client, world.group_a, xlsx(GOOD))["Location"]
    client.post(location)
    again = client.post(location, follow=True)
    assert "已经导入过了" in again.content.decode()
    assert Membership.objects.filter(person__name="吴丽").count() == 1


def test_every_bad_row_is_reported_by_row_and_column_and_nothing_is_written(world, as_user):
    client = as_user(world.secretary_a)
    before = counts()
    rows = GOOD + [
        ["", "男", "", "", "", "", "成员", ""],                           # row 5: no name
        ["李明", "男", "", "", "", "1381234", "成员", ""],                 # row 6: bad phone
        ["王强", "男", "不存在的单位", "", "", "", "成员", ""],              # row 7: unknown unit
        ["吴丽", "女", "", "", "", "13912345678", "成员", ""],              # row 8: duplicate person
        ["陈静", "女", "", "", "", "", "", ""],                           # row 9: missing role
        ["林涛", "男", "", "", "", "", "主任", ""],                        # row 10: unknown role
        ["钱委员", "", "", "", "", "", "成员", ""],                        # row 11: already a member
        ["黄敏", "女", "", "", "", "", "成员", "2026-13-45"],              # row 12: bad date
    ]
    location = upload(client, world.group_a, xlsx(rows))["Location"]
    batch = ImportBatch.objects.get()
    assert batch.status == "rejected"
    found = {(e["row"], e["column"]) for e in batch.errors}
    assert {(5, "姓名"), (6, "手机号码"), (7, "所在单位"), (8, "手机号码"), (9, "角色"), (10, "角色"),
            (11, "姓名"), (12, "加入日期")} <= found
    assert (3, "手机号码") in found, "the first occurrence of a duplicate is reported too"
    page = client.get(location).content.decode()
    assert "整张表都没有导入" in page and "第 7 行" in page and "不存在的单位" in page
    assert client.post(location).status_code == 200  # confirming a rejected batch does nothing
    assert counts() == before


def _assert_file_error(client, world, data, message, name="成员.xlsx"):
    before = counts()
    response = upload(client, world.group_a, data, name)
    if response.status_code == 302:
        batch = ImportBatch.objects.latest("id")
        assert batch.status == "rejected" and batch.errors[0]["row"] == 0
        assert message in batch.errors[0]["message"], batch.errors
    else:
        assert response.status_code == 400 and message in response.content.decode()
    assert counts() == before


def test_a_file_that_is_not_an_xlsx_gets_a_clear_error(world, as_user):
    client = as_user(world.secretary_a)
    _assert_file_error(client, world, "姓名,角色\n张三,成员\n".encode("gbk"), "不是 Excel", name="成员.xlsx")
    _assert_file_error(client, world, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "旧版 .xls")
    _assert_file_error(client, world, b"PK\x03\x04garbage", "已损坏")


def test_a_zip_bomb_is_refused_before_it_is_expanded(world, as_user):
    client = as_user(world.secretary_a)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"\0" * (80 * 1024 * 1024))
    assert len(out.getvalue()) < 1024 * 1024
    _assert_file_error(client, world, out.getvalue(), "压缩炸弹")


def test_a_file_with_100k_rows_is_refused_whole(world, as_user):
    client = as_user(world.secretary_a)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(HEADERS)
    for i in range(100_000):
        ws.append([f"人员{i}", "男", "", "", "", "", "成员", ""])
    out = io.BytesIO()
    wb.save(out)
    _assert_file_error(client, world, out.getvalue(), "行数超过上限")


def test_formula_cells_are_refused(world, as_user):
    client = as_user(world.secretary_a)
    rows = [["=HYPERLINK(\"http://evil\",\"张三\")", "男", "", "", "", "", "成员", ""]]
    upload(client, world.group_a, xlsx(rows))
    batch = ImportBatch.objects.get()
    assert batch.errors == [{"row": 2, "column": "姓名", "message": "单元格是公式，请粘贴为数值后再导入"}]


def test_a_file_missing_a_required_column_names_it(world, as_user):
    client = as_user(world.secretary_a)
    _assert_file_error(client, world, xlsx([["张三"]], headers=["姓名"]), "缺少必需的列：角色")


def test_an_oversized_upload_is_refused(world, as_user, settings):
    settings.UPLOAD_MAX_BYTES = 1000
    client = as_user(world.secretary_a)
    response = upload(client, world.group_a, xlsx(GOOD))
    assert response.status_code == 400 and "文件过大" in response.content.decode()


def test_someone_elses_preview_is_not_found(world, as_user):
    client = as_user(world.secretary_a)
    location = upload(client, world.group_a, xlsx(GOOD))["Location"]
    other = as_user(world.leader_a)
    assert other.get(location).status_code == 404


def test_the_template_and_export_open_in_excel_and_escape_formulas(world, as_user):
    client = as_user(world.secretary_a)
    template = load_workbook(io.BytesIO(client.get(f"/groups/{world.group_a.pk}/import/template.xlsx").content))
    assert [c.value for c in template.active[1]] == HEADERS
    Person.objects.filter(pk=world.member_a.person.pk).update(post="=cmd|' /C calc'!A0")
    exported = load_workbook(io.BytesIO(client.get(f"/groups/{world.group_a.pk}/export.xlsx").content)).active
    posts = [row[3] for row in exported.iter_rows(min_row=2, values_only=True)]
    assert "'=cmd|' /C calc'!A0" in posts


def test_units_import_builds_a_subtree_in_file_order(world, as_user):
    client = as_user(world.sysadmin)
    data = xlsx([["新区党工委", "中共江城区委员会", "党工委", "乡科级"],
                 ["新区某社区党委", "新区党工委", "党委", "乡科级"]], headers=importing.UNIT_HEADERS)
    f = io.BytesIO(data)
    f.name = "units.xlsx"
    location = client.post("/units/import/", {"file": f})["Location"]
    assert client.post(location).status_code == 302
    child = Unit.objects.get(name="新区某社区党委")
    assert child.parent.name == "新区党工委" and child.path.startswith(world.county_a.path)


def test_units_import_reports_an_unknown_parent(world, as_user):
    client = as_user(world.sysadmin)
    f = io.BytesIO(xlsx([["某镇党委", "不存在的县委", "党委", "乡科级"]], headers=importing.UNIT_HEADERS))
    f.name = "units.xlsx"
    client.post("/units/import/", {"file": f})
    batch = ImportBatch.objects.get()
    assert batch.errors[0]["column"] == "上级单位" and "没有找到" in batch.errors[0]["message"]


@pytest.mark.parametrize("persona", ["supervisor_a", "member_a"])
def test_people_who_do_not_manage_the_group_cannot_import(world, as_user, persona):
    client = as_user(getattr(world, persona))
    assert upload(client, world.group_a, xlsx(GOOD)).status_code == 403
