import random

import pytest
from django.utils import timezone

from integrity.models import ReuseText
from orgs import seed as org_seed
from plans import seed
from plans.models import CopyFlag, Guidance, Status, StudyPlan

pytestmark = pytest.mark.django_db


def test_the_demo_seed_gives_most_groups_an_approved_plan_and_flags_only_the_planted_copies():
    rng = random.Random(7)
    today = timezone.localdate()
    specs = org_seed.load(org_seed.demo_city(rng), rng=rng, year_start=today.replace(month=1, day=1))
    summary = seed.extend(specs=specs, rng=rng, today=today, scale="city")
    assert "学习计划" in summary
    guidance = Guidance.objects.get(unit_id=specs[0].id, year=today.year)
    assert guidance.is_published and guidance.topics.count() == len(seed.MANDATED)
    current = StudyPlan.objects.filter(year=today.year)
    assert current.filter(status=Status.APPROVED).count() > 0.7 * (len(specs) - 1)
    assert ReuseText.objects.filter(kind="plan").count() == StudyPlan.objects.count()
    flags = list(CopyFlag.objects.all())
    assert len(flags) == 2 and all(f.similarity > 0.9 and f.passages for f in flags)
