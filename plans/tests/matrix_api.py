"""Permission-matrix cases of the plans API (see core/testing.py); the same rules as plans/tests/matrix.py."""

from core.testing import Case

from .matrix import READERS, draft

CASES = [
    Case("plan-list", api=True, default=200),  # a filtered list: everyone gets 200, the admins an empty one
    Case("plan-detail", draft, READERS, api=True),
]
