"""Permission-matrix cases of the integrity API; the same rules as integrity/tests/matrix.py."""

from core.testing import Case

from .matrix import SEES_A, match, signal

CASES = [
    Case("integrity-signal-list", api=True, default=200),
    Case("integrity-signal-detail", signal, {p: 200 for p in SEES_A}, api=True),
    Case("integrity-match-list", api=True, default=200),
    Case("integrity-match-detail", match, {p: 200 for p in SEES_A}, api=True),
]
