"""Excel in and out, defended: uploads are checked before openpyxl parses them, exports escape formulas."""

import io
import re
import zipfile
from dataclasses import dataclass, field

from django.conf import settings

from .cleaning import xml_safe
from .uploads import UnsafeArchive, check_zip, over_limit

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class ImportFileError(ValueError):
    """The file as a whole cannot be read; the message is shown to the user as it is."""


def safe_cell(value):
    """Neutralise CSV/Excel formula injection: a text cell that Excel would evaluate gets a leading quote.

    Characters XML forbids are dropped first, so text stored before input cleaning never makes openpyxl
    raise IllegalCharacterError and fail the whole export.
    """
    value = xml_safe(value)
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def write_workbook(title, headers, rows, *, widths=None, notes=None):
    """One sheet of rows and an optional 填写说明 sheet; every text cell, notes included, is escaped."""
    # openpyxl (with numpy, which it pulls in) is 30 MB resident: imported by the export that needs it, not by
    # every web worker at start-up (issue 10's lean workers).
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = re.sub(r"[\\/*?:\[\]]", "", xml_safe(title))[:31] or "Sheet"
    ws.append([safe_cell(h) for h in headers])
    for cell in ws[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="B22222")
        cell.alignment = Alignment(horizontal="center")
    for row in rows:
        ws.append([safe_cell(v) for v in row])
    for i, _ in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(i)].width = (widths or {}).get(i, 16)
    ws.freeze_panes = "A2"
    # Printed as a secretary files it: landscape, every column on one page's width, the header row on each page
    # (without this, Excel and WPS split an 8-column sheet over two pages of three columns each).
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.print_title_rows = "1:1"
    if notes:
        info = wb.create_sheet("填写说明")
        for line in notes:
            info.append([safe_cell(line)])
        info.column_dimensions["A"].width = 90
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@dataclass
class Sheet:
    headers: list
    rows: list = field(default_factory=list)  # (excel_row_number, {header: value})


def read_upload(data, *, required_headers, max_rows=None):
    """Read the first sheet of an .xlsx given as bytes, or raise ImportFileError with a Chinese reason."""
    max_rows = max_rows or settings.IMPORT_MAX_ROWS
    if limit := over_limit(len(data)):
        raise ImportFileError(f"文件过大：{limit}")
    if not data.startswith(b"PK\x03\x04"):
        if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
            raise ImportFileError("这是旧版 .xls 文件，请在 Excel/WPS 中另存为 .xlsx 后再导入")
        raise ImportFileError("文件不是 Excel（.xlsx）格式，请使用下载的模板填写后导入")
    try:
        # openpyxl's read-only mode streams worksheets, so a sheet part may be as large as the whole cap.
        infos = check_zip(data, required=("xl/workbook.xml",), kind="Excel 文件",
                          max_member=settings.IMPORT_MAX_UNZIPPED_BYTES)
    except UnsafeArchive as exc:
        raise ImportFileError(str(exc)) from exc
    _check_declared_size(data, infos, max_rows)
    from openpyxl import load_workbook  # see write_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds on malformed XML
        raise ImportFileError("文件无法读取，请确认是用 Excel/WPS 保存的 .xlsx 文件") from exc
    try:
        ws = wb.worksheets[0]
        # Never trust <dimension>: it may understate the rows (a silent partial import) or overstate them
        # (a worker busy for minutes). Reset it and read the rows that are really there.
        ws.reset_dimensions()
        header_row = next(ws.iter_rows(min_row=1, max_row=1, max_col=settings.IMPORT_MAX_COLUMNS,
                                       values_only=True), None)
        if header_row is None:
            raise ImportFileError("表格是空的")
        headers = [str(h).strip() if h is not None else "" for h in header_row]
        while headers and not headers[-1]:
            headers.pop()
        rows_iter = ws.iter_rows(min_row=2, max_col=max(len(headers), 1), values_only=True)
        missing = [h for h in required_headers if h not in headers]
        if missing:
            raise ImportFileError("缺少必需的列：" + "、".join(missing) + "。请使用下载的模板")
        sheet = Sheet(headers=headers)
        for number, values in enumerate(rows_iter, start=2):
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            if len(sheet.rows) >= max_rows:
                raise ImportFileError(f"行数超过上限 {max_rows} 行，请分批导入")
            sheet.rows.append((number, {h: values[i] if i < len(values) else None for i, h in enumerate(headers) if h}))
        if not sheet.rows:
            raise ImportFileError("表格中没有数据行")
        return sheet
    finally:
        wb.close()


_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]{1,3})(\d{1,7})(?::([A-Z]{1,3})(\d{1,7}))?"')


def _column_number(letters):
    n = 0
    for ch in letters.decode():
        n = n * 26 + ord(ch) - 64
    return n


def _check_declared_size(data, infos, max_rows):
    """Refuse a sheet that declares more rows or columns than an import may have, before parsing it."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for info in infos:
            if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
                continue
            with zf.open(info) as fh:
                head = fh.read(4096)
            m = _DIMENSION.search(head)
            if not m or not m.group(3):
                continue
            rows = int(m.group(4)) - int(m.group(2)) + 1
            cols = _column_number(m.group(3)) - _column_number(m.group(1)) + 1
            ref = m.group(0).split(b'"')[1].decode()
            if cols > settings.IMPORT_MAX_COLUMNS or rows > 100 * max_rows:
                raise ImportFileError(f"表格声明的范围过大（{ref}，约 {rows} 行 × {cols} 列），"
                                      f"导入最多 {max_rows} 行、{settings.IMPORT_MAX_COLUMNS} 列。"
                                      "请删除多余的行列或复制数据到新模板后再导入")
            if rows > max_rows + 100:
                raise ImportFileError(f"行数超过上限 {max_rows} 行（表格声明 {ref}，约 {rows} 行），请分批导入")


def is_formula(value):
    return isinstance(value, str) and value.startswith("=")


def xlsx_response(filename, content):
    from .downloads import XLSX, download

    return download(content, filename, XLSX)
