"""Attachments: check that a file is what its name says, then extract its text.

Every refusal is a ValidationError with a Chinese message naming the file; nothing is stored on refusal.
"""

import io
import re

from django.core.exceptions import ValidationError

from core.uploads import UnsafeArchive, cap_text, docx_text, over_limit

ALLOWED = {".docx": "Word 文档", ".pdf": "PDF 文件", ".txt": "文本文件"}


def _fail(name, message):
    raise ValidationError({"file": f"“{name}”{message}"})


def extension(name):
    match = re.search(r"\.[A-Za-z0-9]+$", name or "")
    return match.group(0).lower() if match else ""


def _check_size(name, size):
    if limit := over_limit(size):
        _fail(name, f"过大：{limit}")


def read_upload(upload):
    """The bytes of an uploaded file; one larger than allowed is refused by its size before it is read."""
    _check_size(upload.name, upload.size)
    return upload.read()


def check_and_extract(name, data):
    """(extension, text) for an acceptable file; ValidationError otherwise."""
    ext = extension(name)
    if ext not in ALLOWED:
        _fail(name, "的类型不支持：只能上传 .docx、.pdf 或 .txt 文件")
    if not data:
        _fail(name, "是空文件")
    _check_size(name, len(data))
    text = _tidy({".docx": _docx_text, ".pdf": _pdf_text, ".txt": _txt_text}[ext](name, data))
    try:
        return ext, cap_text(text)
    except UnsafeArchive as exc:
        _fail(name, "：" + str(exc))


def _tidy(text):
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _docx_text(name, data):
    if not data.startswith(b"PK\x03\x04"):
        _fail(name, "不是有效的 Word 文档（.docx 应为 zip 格式；如为旧版 .doc，请在 WPS/Word 中另存为 .docx）")
    # Sizes are checked from the zip directory and the text is read as a stream (core.documents), so a
    # 47 MB document.xml inside a 1.4 MB file is refused instead of inflating to gigabytes.
    try:
        return docx_text(data)
    except UnsafeArchive as exc:
        _fail(name, "：" + str(exc))


def _pdf_text(name, data):
    if b"%PDF-" not in data[:1024]:
        _fail(name, "不是有效的 PDF 文件（文件头不是 %PDF）")
    try:
        import pypdf

        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            _fail(name, "已加密，请先解除密码保护再上传")
        return "\n".join((page.extract_text() or "") for page in reader.pages)
    except ValidationError:
        raise
    except Exception:  # pypdf raises many types on damaged files
        _fail(name, "已损坏，无法读取其中的文字")


def _txt_text(name, data):
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            _fail(name, "的编码无法识别")
    if b"\x00" in data[:8192] or data.startswith((b"PK\x03\x04", b"%PDF-", b"\xd0\xcf\x11\xe0")):
        _fail(name, "不是纯文本文件（含有二进制内容）")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        _fail(name, "的编码无法识别：请另存为 UTF-8 或 GBK 编码的文本文件")
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f")
    if controls > max(8, len(text) // 100):
        _fail(name, "不是纯文本文件（含有大量控制字符）")
    return text
