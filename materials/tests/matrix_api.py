"""Permission-matrix cases of the materials API (see core/testing.py); the same rules as materials/tests/matrix.py."""

from core.testing import Case

from .matrix import SEES_COUNTY_A, every, material_args

CASES = [
    Case("material-list", api=True, default=200),  # a filtered list: everyone gets 200, the admins an empty one
    Case("material-detail", material_args, every(SEES_COUNTY_A, 200), api=True),
]
