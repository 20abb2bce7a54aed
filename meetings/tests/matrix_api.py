"""Permission-matrix cases of the sessions API (see core/testing.py); the same rules as meetings/tests/matrix.py.

Reading attendance is for everyone who sees the session (the session page shows it); marking it needs a
managing role in a participating group, like the secretary's phone page. An empty POST is a 400."""

from core.testing import Case

from .matrix import MANAGE_POST, READ, session

CASES = [
    Case("session-list", api=True, default=200),  # a filtered list: everyone gets 200, the admins an empty one
    Case("session-detail", session, READ, api=True),
    Case("session-attendance", session, READ, api=True),
    Case("session-attendance", session, {**MANAGE_POST, "secretary_a": 400, "leader_a": 400}, api=True,
         method="post"),
]
