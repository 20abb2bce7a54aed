"""The ?year= of a page: a whole number in the range the page allows, else the current year."""

from django.utils import timezone


def requested_year(request, *, first, last):
    this_year = timezone.localdate().year
    try:
        year = int(request.GET.get("year") or this_year)
    except ValueError:
        return this_year
    return year if first <= year <= last else this_year


def year_choices(*, first, last):
    """Newest first, as the year pickers list them."""
    return list(range(last, first - 1, -1))
