"""Who may reach each writings URL. The writing is member_a's submitted 心得 in group A: read by its author, the
group's 组长 and 学习秘书 and the supervisors of county A and the city; nobody else, not even to know it exists."""

from core.testing import OK, Case

ADMINS = {p: 404 for p in ("sysadmin", "secadmin", "auditadmin")}
READERS = ("member_a", "secretary_a", "leader_a", "supervisor_a", "city_supervisor")
READ = {p: 200 for p in READERS}
MEMBERS = ("secretary_a", "leader_a", "member_a", "secretary_b")
AUTHOR_GET = {**{p: 403 for p in READERS}, "member_a": 200}
AUTHOR_POST = {**{p: 403 for p in READERS}, "member_a": OK}
REVIEW_POST = {**{p: 403 for p in READERS}, "secretary_a": OK, "leader_a": OK}


def reflection(w):
    from .factories import submitted_reflection

    return [submitted_reflection(w).pk]


def makeup_reflection(w):
    from .factories import submitted_makeup

    return [submitted_makeup(w).pk]


CASES = [
    Case("writings:index", expect=ADMINS, default=200),
    Case("writings:create", expect={p: 200 for p in MEMBERS}),
    Case("writings:create", expect={p: OK for p in MEMBERS}, method="post"),
    Case("writings:detail", reflection, READ),
    Case("writings:edit", reflection, AUTHOR_GET),
    Case("writings:edit", reflection, AUTHOR_POST, method="post"),
    Case("writings:submit", reflection, AUTHOR_POST, method="post"),
    Case("writings:history", reflection, READ),
    Case("writings:download", reflection, READ),
    Case("writings:review", makeup_reflection, REVIEW_POST, method="post"),
    Case("writings:reviews", expect={"secretary_a": 200, "leader_a": 200, "secretary_b": 200}),
    Case("writings:shared", expect=ADMINS, default=200),
    Case("writings:search", expect=ADMINS, default=200),
]
