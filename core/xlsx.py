"""Excel in and out, defended: uploads are checked before openpyxl parses them, exports escape formulas."""

import io
import zipfile
from dataclasses import dataclass, field

from django.conf import settings
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from .uploads import over_limit

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class ImportFileError(ValueError):
    """The file as a whole cannot be read; the message is shown to the user as it is."""


def safe_cell(value):
    """Neutralise CSV/Excel formula injection: a text cell that Excel would evaluate gets a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def write_workbook(title, headers, rows, *, widths=None, notes=None):
    """One sheet of rows and an optional 填写说明 sheet; every text cell, notes included, is escaped."""
    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
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
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            total = sum(i.file_size for i in infos)
            if total > settings.IMPORT_MAX_UNZIPPED_BYTES or any(
                i.compress_size and i.file_size / i.compress_size > 200 for i in infos if i.file_size > 1_000_000
            ):
                raise ImportFileError("文件解压后体积异常（疑似压缩炸弹），已拒绝")
            if "xl/workbook.xml" not in {i.filename for i in infos}:
                raise ImportFileError("文件不是有效的 Excel 工作簿")
    except zipfile.BadZipFile as exc:
        raise ImportFileError("文件已损坏，无法作为 Excel 打开") from exc
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds on malformed XML
        raise ImportFileError("文件无法读取，请确认是用 Excel/WPS 保存的 .xlsx 文件") from exc
    try:
        ws = wb.worksheets[0]
        rows_iter = ws.iter_rows(values_only=True)
        header_row = next(rows_iter, None)
        if header_row is None:
            raise ImportFileError("表格是空的")
        headers = [str(h).strip() if h is not None else "" for h in header_row]
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


def is_formula(value):
    return isinstance(value, str) and value.startswith("=")


def xlsx_response(filename, content):
    from .downloads import XLSX, download

    return download(content, filename, XLSX)
