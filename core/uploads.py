"""The one upload size rule (settings.UPLOAD_MAX_BYTES) that every upload form and import applies, and the
checks every zip-based office file (.xlsx, .docx) passes before a parser inflates it."""

import io
import zipfile

from django.conf import settings


def over_limit(size):
    """None when `size` bytes are allowed; otherwise the Chinese limit to quote, e.g. "不能超过 5 MB"."""
    if size is not None and size > settings.UPLOAD_MAX_BYTES:
        return f"不能超过 {settings.UPLOAD_MAX_BYTES // 1024 // 1024} MB"
    return None


class UnsafeArchive(ValueError):
    """A zip whose declared contents would cost far more to inflate than the upload itself."""


# A real office file compresses its XML about 5–20 times; a bomb (one repeated element) a thousand times.
MAX_RATIO = 100


def check_zip(data, *, required=(), kind="文件", max_member=None):
    """The archive's members after checking, from the zip directory alone (nothing is inflated).

    Refuses: not a zip, missing required members, a member or the whole larger than allowed once
    inflated, or a suspicious compression ratio. The message is Chinese and names the reason.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise UnsafeArchive(f"{kind}已损坏，无法打开") from exc
    names = {i.filename for i in infos}
    for member in required:
        if member not in names:
            raise UnsafeArchive(f"不是有效的{kind}（缺少 {member}）")
    if len(infos) > 2000:
        raise UnsafeArchive(f"{kind}内部文件数异常（{len(infos)} 个），已拒绝")
    mb = 1024 * 1024
    for i in infos:
        if i.file_size > mb and i.file_size > MAX_RATIO * max(i.compress_size, 1):
            raise UnsafeArchive(f"{kind}的压缩比异常（{i.filename} 压缩了 {i.file_size // max(i.compress_size, 1)} 倍），"
                                "疑似压缩炸弹，已拒绝")
    # Sizes after the ratio: a parser that builds a whole tree (python-docx) needs a lower per-part cap
    # than openpyxl's streaming reader, hence max_member.
    total = sum(i.file_size for i in infos)
    biggest = max((i.file_size for i in infos), default=0)
    max_member = max_member or settings.UPLOAD_MAX_MEMBER_BYTES
    if total > settings.IMPORT_MAX_UNZIPPED_BYTES:
        raise UnsafeArchive(f"{kind}解压后过大（{total / mb:.0f} MB，上限 {settings.IMPORT_MAX_UNZIPPED_BYTES // mb} MB），"
                            "已拒绝")
    if biggest > max_member:
        raise UnsafeArchive(f"{kind}中的单个部件解压后过大（{biggest / mb:.0f} MB，上限 {max_member // mb} MB），已拒绝")
    return infos


def cap_text(text, *, what="文件"):
    """Refuse extracted text longer than settings.EXTRACT_MAX_CHARS instead of storing millions of characters."""
    if len(text) > settings.EXTRACT_MAX_CHARS:
        raise UnsafeArchive(text_limit_message(what))
    return text


def text_limit_message(what="文件"):
    return f"{what}中的文字超过 {settings.EXTRACT_MAX_CHARS // 10000} 万字上限，请拆分后上传"


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def docx_text(data, *, what="Word 文档"):
    """The text of a .docx, read as a stream (never a whole DOM) after the archive passes check_zip.

    Raises UnsafeArchive with a Chinese reason: a zip bomb or a document.xml too large to inflate is
    refused from the zip directory alone; text beyond settings.EXTRACT_MAX_CHARS stops the read early.
    """
    from lxml import etree  # here, not at the top: the upload forms import this module in every web worker

    check_zip(data, required=("word/document.xml",), kind=what)
    limit = settings.EXTRACT_MAX_CHARS
    parts, size, line = [], 0, []
    with zipfile.ZipFile(io.BytesIO(data)) as zf, zf.open("word/document.xml") as fh:
        events = etree.iterparse(fh, events=("end",), resolve_entities=False, no_network=True, huge_tree=False,
                                 load_dtd=False)
        try:
            for _, el in events:
                tag = el.tag
                if tag == _W + "t" and el.text:
                    line.append(el.text)
                    size += len(el.text)
                elif tag == _W + "tab":
                    line.append("\t")
                elif tag == _W + "p":
                    parts.append("".join(line))
                    line = []
                    size += 1
                if size > limit:
                    raise UnsafeArchive(text_limit_message(what))
                if tag in (_W + "p", _W + "tbl", _W + "tc", _W + "tr"):
                    el.clear()
                    while el.getprevious() is not None:
                        del el.getparent()[0]
        except etree.XMLSyntaxError as exc:
            raise UnsafeArchive(f"{what}已损坏，无法读取其中的文字") from exc
    if line:
        parts.append("".join(line))
    return "\n".join(parts)
