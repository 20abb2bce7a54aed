"""Permission-matrix cases of the visits API: the same visibility as the visit page."""

from core.testing import Case

from .matrix import VISIT_READ, visit

CASES = [
    Case("supervision-visit-list", api=True, default=200),  # filtered: everyone gets 200, most an empty list
    Case("supervision-visit-detail", visit, VISIT_READ, api=True),
]
