import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from docx import Document

from meetings.documents import session_docx
from meetings.models import MakeUp
from meetings.selectors import session_detail
from meetings.tests.factories import make_session
from writings import services
from writings.models import Status, Writing

from .factories import TEXT, makeup_task, submitted_makeup, submitted_reflection

READERS = ("member_a", "secretary_a", "leader_a", "supervisor_a", "city_supervisor")
NOT_READERS = ("supervisor_b", "secretary_b", "observer", "outsider", "sysadmin")


class TestVersions:
    def test_every_edit_keeps_a_version_and_the_history_marks_what_changed(self, world, as_user):
        w = submitted_reflection(world, submit=False)
        services.writing_update(writing=w, text=TEXT.replace("调查研究", "深入调研"), version=1, by=world.member_a)
        services.writing_update(writing=w, text=TEXT + "今后要学以致用。", ai_assisted=True, by=world.member_a)
        w.refresh_from_db()
        assert w.version == 3 and list(w.versions.values_list("number", flat=True)) == [1, 2, 3]
        assert w.versions.get(number=1).text == TEXT  # the first text is never lost
        page = as_user(world.member_a).get(reverse("writings:history", args=[w.pk])).content.decode()
        assert '<del class="bg-danger-subtle">调查研究</del>' in page
        assert "今后要学以致用。</ins>" in page
        assert "标注为借助AI辅助起草" in page

    def test_a_stale_form_is_refused_and_changes_nothing(self, world):
        w = submitted_reflection(world, submit=False)
        services.writing_update(writing=w, text=TEXT + "一", version=1, by=world.member_a)
        with pytest.raises(ValidationError, match="已在别处修改"):
            services.writing_update(writing=w, text="别的内容" * 5, version=1, by=world.member_a)
        assert Writing.objects.get(pk=w.pk).text == TEXT + "一"

    def test_saving_the_same_text_adds_no_version(self, world):
        w = submitted_reflection(world, submit=False)
        services.writing_update(writing=w, text=TEXT, by=world.member_a)
        assert w.versions.count() == 1


class TestBadInput:
    def test_an_empty_writing_is_refused_in_chinese(self, world, as_user):
        session = make_session(world)
        r = as_user(world.member_a).post(reverse("writings:create"), {
            "kind": "reflection", "group": world.group_a.pk, "link": f"s:{session.pk}", "title": "心得", "text": "  "})
        assert r.status_code == 400 and "正文不能为空" in r.content.decode()
        assert not Writing.objects.exists()

    def test_a_writing_linked_to_another_units_session_is_refused(self, world, as_user):
        foreign = make_session(world, group=world.group_b)
        r = as_user(world.member_a).post(reverse("writings:create"), {
            "kind": "reflection", "group": world.group_a.pk, "link": f"s:{foreign.pk}", "text": TEXT})
        assert r.status_code == 400 and not Writing.objects.exists()  # the form offers only the group's own
        with pytest.raises(ValidationError, match="不是.*参加的集体学习"):  # and the service (the API's path) says why
            services.writing_create(person=world.member_a.person, group=world.group_a, kind="reflection", text=TEXT,
                                    session=foreign, by=world.member_a)
        assert not Writing.objects.exists()

    def test_a_file_that_is_not_what_its_name_says_is_refused_and_the_form_keeps_nothing_half_done(self, world,
                                                                                                    as_user):
        session = make_session(world)
        fake = SimpleUploadedFile("心得.docx", b"this is plain text, not a zip", "application/octet-stream")
        r = as_user(world.member_a).post(reverse("writings:create"), {
            "kind": "reflection", "group": world.group_a.pk, "link": f"s:{session.pk}", "file": fake})
        assert r.status_code == 400 and "不是有效的 Word 文档" in r.content.decode()
        assert not Writing.objects.exists()

    def test_an_oversized_upload_is_refused(self, world, as_user, settings):
        settings.UPLOAD_MAX_BYTES = 1024
        session = make_session(world)
        big = SimpleUploadedFile("心得.txt", ("学习" * 2000).encode(), "text/plain")
        r = as_user(world.member_a).post(reverse("writings:create"), {
            "kind": "reflection", "group": world.group_a.pk, "link": f"s:{session.pk}", "file": big})
        assert r.status_code == 400 and "过大" in r.content.decode()

    def test_an_uploaded_docx_becomes_the_text(self, world, as_user):
        session = make_session(world)
        doc = Document()
        doc.add_paragraph("学习四中全会精神的体会：要把调查研究作为基本功。")
        buf = io.BytesIO()
        doc.save(buf)
        upload = SimpleUploadedFile("体会.docx", buf.getvalue())
        r = as_user(world.member_a).post(reverse("writings:create"), {
            "kind": "reflection", "group": world.group_a.pk, "link": f"s:{session.pk}", "file": upload,
            "submit": "1"})
        assert r.status_code == 302
        w = Writing.objects.get()
        assert "调查研究作为基本功" in w.text and w.source_name == "体会.docx" and w.status == Status.SUBMITTED

    @pytest.mark.parametrize("q", ['"', "*", "NEAR(", "AND", "！？。", '研讨" OR "*', "学习 NEAR(调研"])
    def test_search_of_punctuation_or_fts_syntax_never_fails(self, world, as_user, q):
        submitted_reflection(world)
        r = as_user(world.member_a).get(reverse("writings:search"), {"q": q})
        assert r.status_code in (200, 400)
        if r.status_code == 400:
            assert "请输入要查找的字词" in r.content.decode()


class TestAccess:
    def test_a_draft_is_its_authors_alone(self, world, as_user):
        w = submitted_reflection(world, submit=False)
        assert as_user(world.member_a).get(reverse("writings:detail", args=[w.pk])).status_code == 200
        for name in ("secretary_a", "leader_a", "supervisor_a", "city_supervisor", "outsider"):
            assert as_user(world.user(name)).get(reverse("writings:detail", args=[w.pk])).status_code == 404

    def test_a_submitted_writing_is_read_by_the_group_leaders_and_the_subtree_supervisors_only(self, world, as_user):
        w = submitted_reflection(world)
        for name in READERS:
            client = as_user(world.user(name))
            assert client.get(reverse("writings:detail", args=[w.pk])).status_code == 200, name
            assert client.get(reverse("writings:download", args=[w.pk])).status_code == 200, name
            assert client.get(reverse("writing-detail", args=[w.pk])).status_code == 200, name
        for name in NOT_READERS:
            client = as_user(world.user(name))
            assert client.get(reverse("writings:detail", args=[w.pk])).status_code == 404, name
            assert client.get(reverse("writings:download", args=[w.pk])).status_code == 404, name
            assert client.get(reverse("writing-detail", args=[w.pk])).status_code in (403, 404), name
            assert client.get(reverse("writing-versions", args=[w.pk])).status_code in (403, 404), name

    def test_search_and_the_api_list_never_show_a_foreign_writing_not_even_a_count(self, world, as_user):
        submitted_reflection(world)
        for name in ("supervisor_b", "outsider", "secretary_b"):
            client = as_user(world.user(name))
            page = client.get(reverse("writings:search"), {"q": "调查研究"}).content.decode()
            assert "学习全会精神心得" not in page and "共找到 0 项" in page or "outsider" == name
            listing = client.get(reverse("writing-list"))
            assert listing.status_code in (200, 403)
            if listing.status_code == 200:
                assert listing.json()["count"] == 0
        page = as_user(world.supervisor_a).get(reverse("writings:search"), {"q": "调查研究"}).content.decode()
        assert "学习全会精神心得" in page and "<mark>调查</mark>" in page or "<mark>调查研究</mark>" in page

    def test_search_finds_a_two_character_word_and_filters_by_kind_person_and_year(self, world, as_user):
        w = submitted_reflection(world)
        client = as_user(world.secretary_a)
        assert "学习全会精神心得" in client.get(reverse("writings:search"), {"q": "研究"}).content.decode()
        assert "学习全会精神心得" not in client.get(reverse("writings:search"),
                                                   {"q": "研究", "kind": "note"}).content.decode()
        assert "学习全会精神心得" in client.get(reverse("writings:search"), {
            "q": "研究", "person": w.person_id, "year": w.year, "unit": world.town_a.pk}).content.decode()

    def test_a_member_who_is_not_the_author_cannot_edit(self, world, as_user):
        w = submitted_reflection(world)
        assert as_user(world.secretary_a).get(reverse("writings:edit", args=[w.pk])).status_code == 403


class TestApi:
    def test_another_system_creates_edits_and_submits_a_writing(self, world, as_user):
        client = as_user(world.member_a)
        session = make_session(world)
        r = client.post(reverse("writing-list"), {"kind": "reflection", "group": world.group_a.pk, "text": TEXT,
                                                  "session": session.pk, "day": "2025-11-03"},
                        content_type="application/json")
        assert r.status_code == 201, r.content
        pk = r.json()["id"]
        assert r.json()["year"] == 2025 and r.json()["status"] == "draft"
        r = client.put(reverse("writing-detail", args=[pk]), {"text": TEXT + "补充。", "version": 1},
                       content_type="application/json")
        assert r.status_code == 200 and r.json()["version"] == 2
        assert client.post(reverse("writing-submit", args=[pk])).json()["status"] == "submitted"
        assert len(client.get(reverse("writing-versions", args=[pk])).json()) == 2

    def test_the_api_refuses_an_empty_writing_and_a_foreign_group_in_chinese(self, world, as_user):
        client = as_user(world.member_a)
        r = client.post(reverse("writing-list"), {"kind": "note", "group": world.group_a.pk, "text": ""},
                        content_type="application/json")
        assert r.status_code == 400 and "正文不能为空" in r.content.decode()
        r = client.post(reverse("writing-list"), {"kind": "note", "group": world.group_b.pk, "text": TEXT},
                        content_type="application/json")
        assert r.status_code == 400 and "不是该中心组的成员" in r.content.decode()


class TestReviewLoop:
    def test_the_secretary_returns_a_makeup_reflection_and_the_member_revises_it(self, world, as_user):
        w = submitted_makeup(world)
        assert w.status == Status.SUBMITTED and MakeUp.objects.get(pk=w.makeup_id).status == "submitted"
        client = as_user(world.secretary_a)
        assert "补学体会" in client.get(reverse("writings:reviews")).content.decode()
        r = client.post(reverse("writings:review", args=[w.pk]), {"decision": "return", "comment": ""})
        assert r.status_code == 400 and "退回时请写明修改意见" in r.content.decode()
        client.post(reverse("writings:review", args=[w.pk]), {"decision": "return", "comment": "请联系工作实际"})
        w.refresh_from_db()
        assert w.status == Status.RETURNED and MakeUp.objects.get(pk=w.makeup_id).status == "assigned"
        page = as_user(world.member_a).get(reverse("meetings:makeup", args=[w.makeup_id])).content.decode()
        assert "请联系工作实际" in page
        as_user(world.member_a).post(reverse("meetings:makeup", args=[w.makeup_id]),
                                     {"reflection": TEXT + "结合街道工作，要抓好落实。"})
        w.refresh_from_db()
        assert w.status == Status.SUBMITTED and w.version == 2 and w.versions.count() == 2

    def test_accepted_ones_are_listed_in_the_session_record_docx(self, world):
        w = submitted_makeup(world)
        services.writing_accept(writing=w, by=world.secretary_a)
        session = w.makeup.session
        doc = Document(io.BytesIO(session_docx(session_detail(session))))
        text = "\n".join(c.text for t in doc.tables for row in t.rows for c in row.cells)
        assert "补学体会" in text and f"钱委员《{w.title}》" in text

    def test_only_the_leader_and_secretary_review_and_not_a_plain_reflection(self, world, as_user):
        w = submitted_makeup(world)
        assert as_user(world.supervisor_a).post(reverse("writings:review", args=[w.pk]),
                                                {"decision": "accept"}).status_code == 403
        reflection = submitted_reflection(world)
        with pytest.raises(ValidationError, match="只有补学体会和发言材料"):
            services.writing_accept(writing=reflection, by=world.secretary_a)

    def test_a_session_statement_is_a_writing_read_by_the_secretary(self, world, as_user):
        session = make_session(world)
        as_user(world.member_a).post(reverse("meetings:prepare", args=[session.pk]), {"text": TEXT})
        w = Writing.objects.get(kind="statement")
        assert w.session == session and w.status == Status.SUBMITTED
        assert as_user(world.secretary_a).get(reverse("writings:detail", args=[w.pk])).status_code == 200

    def test_a_makeup_task_has_no_writing_until_the_member_writes(self, world):
        assert not Writing.objects.filter(makeup=makeup_task(world)).exists()


class TestDashboard:
    def test_the_secretary_sees_what_waits_and_the_member_sees_what_was_returned(self, world, as_user):
        w = submitted_makeup(world)
        home = as_user(world.secretary_a).get(reverse("home")).content.decode()
        assert "待审阅" in home and w.title in home
        assert w.title not in as_user(world.supervisor_b).get(reverse("home")).content.decode()
        services.writing_return(writing=w, comment="请充实内容", by=world.secretary_a)
        home = as_user(world.member_a).get(reverse("home")).content.decode()
        assert "退回修改" in home and "请充实内容" in home


class TestApiSearch:
    def test_the_api_searches_only_what_the_caller_may_read_and_refuses_fts_syntax_in_chinese(self, world, as_user):
        submitted_reflection(world)
        hits = as_user(world.supervisor_a).get(reverse("writing-list"), {"q": "调查研究"}).json()
        assert hits["count"] == 1 and "<mark>" in hits["results"][0]["snippet"]
        assert as_user(world.supervisor_b).get(reverse("writing-list"), {"q": "调查研究"}).json()["count"] == 0
        r = as_user(world.supervisor_a).get(reverse("writing-list"), {"q": '"* NEAR('})
        assert r.status_code in (200, 400) and (r.status_code == 200 or "请输入要查找的字词" in r.content.decode())
        r = as_user(world.supervisor_a).get(reverse("writing-list"), {"q": "！？"})
        assert r.status_code == 400 and "请输入要查找的字词" in r.content.decode()


def test_a_writing_cannot_answer_a_joint_session_its_group_declined(world):
    from meetings import services as meetings

    declined = make_session(world, form="joint", joint_groups=[world.group_b])
    meetings.partner_decide(session=declined, group=world.group_b, accept=False, by=world.secretary_b)
    with pytest.raises(ValidationError, match="不是.*参加的集体学习"):
        services.writing_create(person=world.secretary_b.person, group=world.group_b, kind="article",
                                by=world.secretary_b, title="体会", text="深刻领会。" * 30, session=declined)
