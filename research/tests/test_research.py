import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from docx import Document

from core.testing import login
from meetings.tests.factories import make_session, mark_all
from research import selectors, services
from research.models import TopicState
from writings import services as writings
from writings.tests.factories import TEXT, submitted_makeup, submitted_reflection


def report_by(world, person_user):
    return writings.writing_create(person=person_user.person, group=world.group_a, kind="report", title="调研报告",
                                   text=TEXT, submit=True, by=person_user)


class TestResearchStateMachine:
    def test_a_topic_moves_from_proposal_to_transformation_one_step_at_a_time(self, world):
        topic = services.topic_create(group=world.group_a, title="基层治理数字化调研", by=world.secretary_a)
        assert topic.state == TopicState.PROPOSED
        with pytest.raises(ValidationError, match="还没有成员认领"):
            services.topic_advance(topic=topic, by=world.secretary_a)
        services.topic_claim(topic=topic, person=world.member_a.person, by=world.member_a)
        topic = services.topic_advance(topic=topic, by=world.secretary_a)
        assert topic.state == TopicState.RESEARCHING
        with pytest.raises(ValidationError, match="请选择一篇调研报告"):
            services.topic_advance(topic=topic, by=world.secretary_a)
        with pytest.raises(ValidationError, match="认领人已提交的"):  # someone else's report does not count
            services.topic_advance(topic=topic, report=report_by(world, world.leader_a), by=world.secretary_a)
        with pytest.raises(ValidationError, match="调研报告完成后"):
            services.outcome_add(topic=topic, kind="measure", description="出台办法", evidence_kind="document",
                                 evidence="解工发〔2026〕5号", by=world.secretary_a)
        report = report_by(world, world.member_a)
        topic = services.topic_advance(topic=topic, report=report, by=world.secretary_a)
        assert topic.state == TopicState.REPORTED and topic.report == report
        with pytest.raises(ValidationError, match="至少一项成果转化"):
            services.topic_advance(topic=topic, by=world.secretary_a)
        services.outcome_add(topic=topic, kind="measure", description="出台网格员工作办法", evidence_kind="document",
                             evidence="解工发〔2026〕5号", by=world.secretary_a)
        topic = services.topic_advance(topic=topic, by=world.secretary_a)
        assert topic.state == TopicState.TRANSFORMED
        with pytest.raises(ValidationError, match="已完成成果转化"):
            services.topic_advance(topic=topic, by=world.secretary_a)

    def test_an_outcome_needs_its_evidence(self, world):
        topic = services.topic_create(group=world.group_a, title="课题", by=world.secretary_a)
        topic.state = TopicState.REPORTED
        topic.save()
        with pytest.raises(ValidationError, match="佐证"):
            services.outcome_add(topic=topic, kind="idea", description="新思路", evidence_kind="decision", evidence=" ",
                                 by=world.secretary_a)

    def test_only_members_of_the_group_claim(self, world):
        topic = services.topic_create(group=world.group_a, title="课题", by=world.secretary_a)
        with pytest.raises(ValidationError, match="只有本组成员"):
            services.topic_claim(topic=topic, person=world.secretary_b.person, by=world.secretary_b)

    def test_the_supervisor_sees_topics_per_unit_and_a_sibling_county_does_not(self, world, client):
        services.topic_create(group=world.group_a, title="基层治理数字化调研", by=world.secretary_a)
        login(client, world.supervisor_a)
        assert "基层治理数字化调研" in client.get(reverse("research:overview")).content.decode()
        client.logout()
        login(client, world.supervisor_b)
        assert "基层治理数字化调研" not in client.get(reverse("research:overview")).content.decode()


class TestLectures:
    def test_the_yearly_requirement_is_counted_per_member_and_per_group(self, world, settings):
        settings.RESEARCH_LECTURE_REQUIREMENTS = {"party_lesson": 1, "publicity": 2}
        day = world.today
        for kind in ("party_lesson", "publicity", "publicity"):
            services.lecture_record(person=world.member_a.person, group=world.group_a, kind=kind, day=day,
                                    place="解放街道党群服务中心", audience="社区党员", size=40, topic="学习全会精神",
                                    contact_point="解放社区", by=world.member_a)
        services.lecture_record(person=world.leader_a.person, group=world.group_a, kind="party_lesson", day=day,
                                place="街道礼堂", audience="机关干部", size=80, topic="专题党课", by=world.leader_a)
        # Last year's lecture does not count for this year.
        services.lecture_record(person=world.leader_a.person, group=world.group_a, kind="publicity",
                                day=day.replace(year=day.year - 1), place="社区", audience="居民", size=20,
                                topic="宣讲", by=world.leader_a)
        g = selectors.group_lectures(world.group_a, day.year, day)
        lines = {x.name: x for x in g.lines}
        assert lines["钱委员"].met and lines["钱委员"].counts == {"专题党课": 1, "主题宣讲": 2}
        assert not lines["赵书记"].met and lines["赵书记"].missing == ["主题宣讲"]
        assert not lines["秦秘书"].met and lines["秦秘书"].missing == ["专题党课", "主题宣讲"]
        assert (g.met, g.total) == (1, 3)

    def test_bad_lecture_input_is_refused_in_chinese(self, world):
        with pytest.raises(ValidationError, match="不能晚于今天"):
            services.lecture_record(person=world.member_a.person, group=world.group_a, kind="publicity",
                                    day=world.today + dt.timedelta(days=3), place="社区", audience="居民", size=5,
                                    topic="宣讲", by=world.member_a)
        with pytest.raises(ValidationError, match="本人所在中心组"):
            services.lecture_record(person=world.member_a.person, group=world.group_b, kind="publicity",
                                    day=world.today, place="社区", audience="居民", size=5, topic="宣讲",
                                    by=world.member_a)


class TestPersonalFile:
    def test_the_personal_file_docx_opens_and_holds_the_year(self, world, client):
        attended = make_session(world, title="学习贯彻全会精神集体研讨")
        mark_all(world, attended)
        makeup = submitted_makeup(world)
        reflection = submitted_reflection(world)
        topic = services.topic_create(group=world.group_a, title="基层治理数字化调研", by=world.secretary_a)
        services.topic_claim(topic=topic, person=world.member_a.person, by=world.member_a)
        services.lecture_record(person=world.member_a.person, group=world.group_a, kind="party_lesson",
                                day=world.today, place="解放社区党群服务中心", audience="社区党员", size=35,
                                topic="以学促干专题党课", contact_point="解放社区", by=world.member_a)
        login(client, world.member_a)
        page = client.get(reverse("research:profile")).content.decode()
        for text in ("学习贯彻全会精神集体研讨", makeup.title, reflection.title, "基层治理数字化调研", "以学促干专题党课"):
            assert text in page
        r = client.get(reverse("research:profile_docx"), {"year": world.today.year})
        assert r.status_code == 200 and "attachment" in r["Content-Disposition"]
        doc = Document(io.BytesIO(r.content))
        text = "\n".join([p.text for p in doc.paragraphs] +
                         [c.text for t in doc.tables for row in t.rows for c in row.cells])
        assert f"钱委员{world.today.year}年个人学习档案" in text
        for expected in ("学习贯彻全会精神集体研讨", reflection.title, "基层治理数字化调研", "以学促干专题党课", "解放社区",
                         "尚未完成：主题宣讲"):
            assert expected in text, expected

    def test_the_personal_file_is_only_ones_own(self, world, client):
        submitted_reflection(world)
        login(client, world.secretary_a)
        assert "学习全会精神心得" not in client.get(reverse("research:profile")).content.decode()
        client.logout()
        login(client, world.outsider)
        assert client.get(reverse("research:profile")).status_code == 404
