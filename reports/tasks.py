"""Background work of the reports app, run by the django-tasks worker (`manage.py db_worker`)."""

from django_tasks import task


@task()
def build_archive(build_id):
    from .services import archive_build

    build = archive_build(build_id)  # a build already done or under way is returned untouched
    return build.status
