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
