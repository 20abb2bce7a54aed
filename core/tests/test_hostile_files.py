"""Hostile .xlsx and .docx files inside the size caps are refused quickly, before a parser inflates them."""

import io
import zipfile

import pytest
from docx import Document
from openpyxl import Workbook, load_workbook

from core.uploads import UnsafeArchive, docx_text
from core.xlsx import ImportFileError, read_upload, write_workbook


def xlsx(rows, headers=("姓名", "角色")):
    wb = Workbook()
    ws = wb.active
    ws.append(list(headers))
    for row in rows:
        ws.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def rewrite_member(data, member, change):
    """A copy of the zip with one member's bytes passed through change()."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            dst.writestr(info.filename, change(body) if info.filename == member else body)
    return out.getvalue()


def with_dimension(data, ref):
    import re

    return rewrite_member(data, "xl/worksheets/sheet1.xml",
                          lambda body: re.sub(rb'<dimension ref="[^"]+"', f'<dimension ref="{ref}"'.encode(), body))


def never_called(what):
    def fail(*args, **kwargs):
        raise AssertionError(f"{what} was called: the file was parsed before it was refused")
    return fail


def test_a_tiny_xlsx_declaring_the_whole_sheet_is_refused_at_once(monkeypatch):
    import openpyxl

    data = with_dimension(xlsx([["甲", "成员"]]), "A1:XFD1048576")
    assert len(data) < 10_000
    monkeypatch.setattr(openpyxl, "load_workbook", never_called("openpyxl.load_workbook"))  # refused before it
    with pytest.raises(ImportFileError, match="声明的范围过大"):
        read_upload(data, required_headers=["姓名"])


def test_a_lone_cell_far_down_the_sheet_is_read_without_a_dimension():
    # No dimension to refuse, one real cell at the sheet's last row: read as the rows really are (openpyxl walks
    # the empty rows between in a second or two; benchmarks are where speed is measured, not here).
    def far(body):
        return body.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c>'
                                              b"</row></sheetData>").replace(b'<dimension ref="A1:B2"/>', b"")
    data = rewrite_member(xlsx([["甲", "成员"]]), "xl/worksheets/sheet1.xml", far)
    sheet = read_upload(data, required_headers=["姓名"])
    assert [values["姓名"] for _, values in sheet.rows] == ["甲"]


def test_a_dimension_that_understates_the_rows_still_imports_every_row():
    rows = [[f"成员{i:02d}", "成员"] for i in range(1, 21)]
    data = with_dimension(xlsx(rows), "A1:H5")
    sheet = read_upload(data, required_headers=["姓名", "角色"])
    assert len(sheet.rows) == 20
    assert sheet.rows[-1] == (21, {"姓名": "成员20", "角色": "成员"})


def test_an_xlsx_zip_bomb_is_refused():
    data = rewrite_member(xlsx([["甲", "成员"]]), "xl/worksheets/sheet1.xml", lambda body: body + b" " * 30_000_000)
    with pytest.raises(ImportFileError, match="压缩炸弹"):
        read_upload(data, required_headers=["姓名"])


def docx_bytes(paragraphs):
    d = Document()
    for p in paragraphs:
        d.add_paragraph(p)
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def test_the_text_of_a_docx_is_read_as_a_stream():
    text = docx_text(docx_bytes(["学习贯彻党的二十届四中全会精神", "第二段"]))
    assert text.splitlines() == ["学习贯彻党的二十届四中全会精神", "第二段"]


def test_a_docx_zip_bomb_is_refused_from_the_zip_directory_with_a_chinese_message(monkeypatch):
    # 47 MB of paragraphs compressed into a file well inside the 5 MB upload cap.
    para = b"<w:p><w:r><w:t>" + "学习".encode() + b"</w:t></w:r></w:p>"
    bomb = rewrite_member(docx_bytes(["x"]), "word/document.xml",
                          lambda body: body.replace(b"<w:body>", b"<w:body>" + para * (47_000_000 // len(para))))
    assert len(bomb) < 5 * 1024 * 1024
    monkeypatch.setattr(zipfile.ZipFile, "open", never_called("ZipFile.open"))  # nothing is inflated
    with pytest.raises(UnsafeArchive, match="压缩炸弹"):
        docx_text(bomb)


def test_a_docx_with_too_much_text_is_refused_not_appended(settings):
    settings.EXTRACT_MAX_CHARS = 1000
    with pytest.raises(UnsafeArchive, match="上限"):
        docx_text(docx_bytes(["学" * 600, "习" * 600]))


def test_a_bomb_attached_to_a_material_is_refused_in_chinese(world):
    from django.core.exceptions import ValidationError

    from materials.files import check_and_extract

    para = b"<w:p><w:r><w:t>abc</w:t></w:r></w:p>"
    bomb = rewrite_member(docx_bytes(["x"]), "word/document.xml",
                          lambda body: body.replace(b"<w:body>", b"<w:body>" + para * 1_500_000))
    with pytest.raises(ValidationError, match="压缩炸弹"):
        check_and_extract("讲话.docx", bomb)


CONTROL = "张\x00三\x07\x1b\ufffe"


def test_an_xlsx_export_never_fails_on_stored_control_characters():
    data = write_workbook(f"表\x01{CONTROL}", ["姓名"], [[CONTROL]], notes=[CONTROL])
    ws = load_workbook(io.BytesIO(data)).active
    assert ws.cell(row=2, column=1).value == "张三"


def test_a_docx_export_never_fails_on_stored_control_characters():
    from core.documents import add_run

    d = Document()
    add_run(d.add_paragraph(), CONTROL, font="仿宋_GB2312", size=16)
    d.add_paragraph(CONTROL)
    d.add_table(rows=1, cols=1).cell(0, 0).text = CONTROL
    out = io.BytesIO()
    d.save(out)
    assert Document(io.BytesIO(out.getvalue())).paragraphs[0].text == "张三"


def test_a_docx_part_too_large_to_inflate_is_refused_even_at_a_normal_ratio(settings):
    import os

    settings.UPLOAD_MAX_MEMBER_BYTES = 1024 * 1024
    body = b"".join(b"<w:p><w:r><w:t>" + os.urandom(40).hex().encode() + b"</w:t></w:r></w:p>" for _ in range(20_000))
    big = rewrite_member(docx_bytes(["x"]), "word/document.xml", lambda b: b.replace(b"<w:body>", b"<w:body>" + body))
    with pytest.raises(UnsafeArchive, match="单个部件解压后过大"):
        docx_text(big)
