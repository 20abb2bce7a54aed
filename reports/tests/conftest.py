import datetime as dt

import pytest


@pytest.fixture(autouse=True)
def _late_in_the_year(time_machine):
    """The reports read a year of records (sessions in February, May and June, a topic of March): on the clock of
    5 December of the current year, Beijing time, where they were written, whenever CI runs. In January those
    sessions would be months away and not yet held. Autouse, so it runs before `world` reads today's date."""
    from django.utils import timezone

    now = timezone.localtime()
    time_machine.move_to(timezone.make_aware(dt.datetime(now.year, 12, 5, 10, 0)), tick=True)
