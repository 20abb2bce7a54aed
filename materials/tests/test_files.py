import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from materials import files, search, services
from materials.models import Attachment, Material

from .factories import material

pytestmark = pytest.mark.django_db


def make_docx(text):
    import docx

    document = docx.Document()
    for line in text.split("\n"):
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def make_pdf():
    import pypdf

    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_a_docx_is_imported_and_its_text_becomes_searchable(world):
    m = material(world, title="附件测试", text="")
    services.attachment_add(material=m, name="讲话.docx", data=make_docx("开展专题研讨\n学习全会精神"), by=None)
    m.refresh_from_db()
    assert "专题研讨" in m.text
    assert search.search(Material.objects.all(), "全会").hits[0].material == m
    assert Attachment.objects.get().text_chars > 0


def test_a_utf8_txt_is_imported(world):
    m = material(world)
    services.attachment_add(material=m, name="a.txt", data="\ufeff研讨发言".encode(), by=None)
    m.refresh_from_db()
    assert m.text.endswith("研讨发言")


def test_a_gbk_txt_is_decoded(world):
    m = material(world)
    services.attachment_add(material=m, name="gbk.txt", data="党的二十届四中全会精神".encode("gbk"), by=None)
    m.refresh_from_db()
    assert "四中全会" in m.text


def test_a_pdf_without_text_is_stored_with_no_text(world):
    m = material(world, text="原文")
    attachment = services.attachment_add(material=m, name="scan.pdf", data=make_pdf(), by=None)
    assert attachment.text_chars == 0
    m.refresh_from_db()
    assert m.text == "原文"


@pytest.mark.parametrize("name,data,message", [
    ("fake.docx", b"this is plain text, not a zip", "不是有效的 Word 文档"),
    ("fake.docx", b"PK\x03\x04garbage", "已损坏"),
    ("fake.pdf", b"<html>not a pdf</html>", "不是有效的 PDF"),
    ("broken.pdf", b"%PDF-1.7\n garbage garbage", "已损坏"),
    ("zip.txt", b"PK\x03\x04\x00\x00binary", "不是纯文本"),
    ("bin.txt", bytes(range(256)) * 4, "不是纯文本"),
    ("virus.exe", b"MZ\x90\x00", "类型不支持"),
    ("noext", b"abc", "类型不支持"),
    ("empty.txt", b"", "空文件"),
])
def test_a_file_that_is_not_what_its_name_says_is_refused(world, name, data, message):
    m = material(world, text="原文")
    with pytest.raises(ValidationError) as exc:
        services.attachment_add(material=m, name=name, data=data, by=None)
    assert message in " ".join(exc.value.messages)
    assert not Attachment.objects.exists()
    m.refresh_from_db()
    assert m.text == "原文"


def test_a_zip_without_word_content_is_not_a_docx(world):
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(ValidationError) as exc:
        files.check_and_extract("x.docx", buffer.getvalue())
    assert "word/document.xml" in exc.value.messages[0]


def test_an_oversized_file_is_refused(world, settings):
    settings.UPLOAD_MAX_BYTES = 10
    with pytest.raises(ValidationError) as exc:
        files.check_and_extract("a.txt", b"x" * 11)
    assert "过大" in exc.value.messages[0]


def test_an_oversized_upload_is_refused_by_its_size_before_it_is_read(world, settings):
    settings.UPLOAD_MAX_BYTES = 10
    upload = SimpleUploadedFile("大文件.txt", b"x" * 11)
    with pytest.raises(ValidationError) as exc:
        files.read_upload(upload)
    assert upload.tell() == 0  # not read
    assert exc.value.message_dict == {"file": ["“大文件.txt”过大：不能超过 0 MB"]}

def test_a_bad_file_through_the_page_answers_400_and_changes_nothing(world, as_user):
    m = material(world, owner=world.town_a, text="原文")
    client = as_user(world.secretary_a)
    upload = SimpleUploadedFile("讲话.docx", b"not a zip at all")
    response = client.post(f"/materials/{m.pk}/attachments/", {"file": upload})
    assert response.status_code == 400
    assert "不是有效的 Word 文档" in response.content.decode()
    assert not Attachment.objects.exists()


def test_a_bad_file_on_create_creates_no_material(world, as_user):
    client = as_user(world.secretary_a)
    response = client.post("/materials/new/", {
        "owner_unit": world.town_a.pk, "title": "新资料", "kind": "article",
        "published_on": world.today.isoformat(), "file": SimpleUploadedFile("a.pdf", b"nope")})
    assert response.status_code == 400
    assert "不是有效的 PDF" in response.content.decode()
    assert not Material.objects.filter(title="新资料").exists()


def test_a_good_file_on_create_and_download(world, as_user):
    client = as_user(world.secretary_a)
    response = client.post("/materials/new/", {
        "owner_unit": world.town_a.pk, "title": "新资料", "kind": "article", "tags": "全会，研讨",
        "published_on": world.today.isoformat(), "file": SimpleUploadedFile("a.txt", "全会精神".encode("gbk"))})
    assert response.status_code == 302
    m = Material.objects.get(title="新资料")
    assert m.text == "全会精神" and set(m.tags.values_list("name", flat=True)) == {"全会", "研讨"}
    attachment = m.attachments.get()
    download = client.get(f"/materials/attachments/{attachment.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == "全会精神".encode("gbk")
    assert as_user(world.secretary_b).get(f"/materials/attachments/{attachment.pk}/").status_code == 404


def test_a_future_publish_date_is_refused(world, as_user):
    import datetime as dt

    client = as_user(world.secretary_a)
    response = client.post("/materials/new/", {
        "owner_unit": world.town_a.pk, "title": "未来资料", "kind": "article",
        "published_on": (world.today + dt.timedelta(days=1)).isoformat()})
    assert response.status_code == 400 and "发布日期不能晚于今天" in response.content.decode()
