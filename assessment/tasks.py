"""Background work of the assessment app, run by the django-tasks worker (`manage.py db_worker`)."""

from django_tasks import task


@task()
def refresh_ranking(unit_id, year):
    from orgs.models import Unit

    from .services import ranking_refresh

    unit = Unit.objects.filter(pk=unit_id).first()
    if unit is not None:  # a unit closed and removed meanwhile has nothing left to rank
        ranking_refresh(unit=unit, year=year)
