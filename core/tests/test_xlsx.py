import io

from openpyxl import load_workbook

from core.xlsx import safe_cell, write_workbook


def test_formula_like_text_is_escaped_on_export():
    data = write_workbook("表", ["姓名"], [["=HYPERLINK(\"http://x\")"], ["+1"], ["-2"], ["@SUM(A1)"], ["正常"]])
    ws = load_workbook(io.BytesIO(data)).active
    values = [ws.cell(row=r, column=1).value for r in range(2, 7)]
    assert values[:4] == ["'=HYPERLINK(\"http://x\")", "'+1", "'-2", "'@SUM(A1)"]
    assert values[4] == "正常"
    assert all(ws.cell(row=r, column=1).data_type == "s" for r in range(2, 7))


def test_numbers_are_left_alone():
    assert safe_cell(-5) == -5


def test_notes_and_headers_are_escaped_too():
    # Notes carry user text (a plan's preamble, a session title); they must not become formulas either.
    data = write_workbook("表", ["=cmd()"], [["x"]], notes=["=1+1", "学习要求："])
    wb = load_workbook(io.BytesIO(data))
    assert wb.active.cell(row=1, column=1).value == "'=cmd()"
    notes = wb["填写说明"]
    assert [notes.cell(row=r, column=1).value for r in (1, 2)] == ["'=1+1", "学习要求："]
    assert notes.cell(row=1, column=1).data_type == "s"
