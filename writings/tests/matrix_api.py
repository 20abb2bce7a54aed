"""Permission-matrix cases of the writings API: the same readers as the pages; a foreign writing is 404."""

from core.testing import OK, Case

from .matrix import AUTHOR_POST, READ, reflection

CASES = [
    Case("writing-list", api=True, default=200),  # a filtered list: everyone gets only what they may read
    Case("writing-list", api=True, default=OK, method="post"),  # an empty body is a 400 with Chinese messages
    Case("writing-detail", reflection, READ, api=True),
    Case("writing-versions", reflection, READ, api=True),
    Case("writing-submit", reflection, AUTHOR_POST, api=True, method="post"),
    # The reuse report: the group's 组长 and 学习秘书 and the supervisors; its author reads the writing, not this.
    Case("writing-reuse", reflection, {**READ, "member_a": 403}, api=True),
]
