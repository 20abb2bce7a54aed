"""The plans cards of the 工作台 agree with the pages they link to."""

import re

from django.urls import reverse


def test_the_report_count_matches_the_supervision_page(world, as_user):
    client = as_user(world.city_supervisor)
    home = client.get(reverse("home")).content.decode()
    s = client.get(reverse("plans:supervise")).context["s"]
    # The supervisor's own group reports elsewhere: neither the card nor the page counts it.
    assert re.findall(r"已报送 (\d+) / (\d+)", home) == [("0", str(s.total))]
