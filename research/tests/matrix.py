"""Who may reach each research URL. Topics and lectures are group records of group A: its members and the
supervisors of county A and the city see them; its 组长/副组长/学习秘书 manage topics; members claim them."""

from core.testing import OK, Case

ADMINS = {p: 404 for p in ("sysadmin", "secadmin", "auditadmin")}
MEMBERS_A = ("secretary_a", "leader_a", "member_a")
SEES_A = MEMBERS_A + ("supervisor_a", "city_supervisor")
MEMBERS = MEMBERS_A + ("secretary_b",)
MANAGERS = ("secretary_a", "leader_a", "secretary_b")
WITH_PERSON = MEMBERS + ("supervisor_a", "supervisor_b", "city_supervisor", "observer")


def _expect(allowed, value=OK):
    out = {p: 403 for p in SEES_A}
    out.update({p: value for p in allowed})
    return out


def topic(w):
    from research import services

    return [services.topic_create(group=w.group_a, title="基层治理数字化调研", by=w.secretary_a).pk]


CASES = [
    Case("research:index", expect=ADMINS, default=200),
    Case("research:topic_create", expect={p: 200 for p in MANAGERS}),
    Case("research:topic_create", expect={p: OK for p in MANAGERS}, method="post"),
    Case("research:topic_detail", topic, {p: 200 for p in SEES_A}),
    Case("research:topic_claim", topic, _expect(MEMBERS_A), method="post"),
    Case("research:topic_advance", topic, _expect(("secretary_a", "leader_a")), method="post"),
    Case("research:outcome_add", topic, _expect(("secretary_a", "leader_a")), method="post"),
    Case("research:lecture_create", expect={p: 200 for p in MEMBERS}),
    Case("research:lecture_create", expect={p: OK for p in MEMBERS}, method="post"),
    Case("research:group_lectures", lambda w: [w.group_a.pk],
         {**_expect(("secretary_a", "leader_a", "supervisor_a", "city_supervisor"), 200)}),
    Case("research:overview", expect={p: 200 for p in ("supervisor_a", "supervisor_b", "city_supervisor")}),
    Case("research:profile", expect={p: 200 for p in WITH_PERSON}),
    Case("research:profile_docx", expect={p: 200 for p in WITH_PERSON}),
]
