"""The engine on generated 心得: planted copies of each type are found, honest look-alikes are not flagged.

The thresholds were set on seed 1; this test runs seed 7, a set calibration never saw."""

import pytest

from .calibration import evaluate, load_library

pytestmark = pytest.mark.django_db

MIN_RECALL = {"renamed": 1.0, "reordered": 1.0, "verbatim": 1.0, "rewritten20": 1.0, "rewritten40": 0.8}


@pytest.fixture
def library(world):
    load_library(world.city)
    return world


def test_it_finds_each_planted_copy_type_and_flags_no_honest_document(library):
    table, false, _ = evaluate(seed=7, root_unit=library.city)
    for how, (found, planted) in table.items():
        assert found / planted >= MIN_RECALL[how], (how, found, planted)
    assert sum(false.values()) == 0, dict(false)
