"""Background work of the integrity app, run by the django-tasks worker (`manage.py db_worker`)."""

from django_tasks import task


@task()
def resign_stale_job():
    """One bounded batch of stale signatures (reuse.resign_stale), then its successor while any remain: a worker
    is never held for long, and texts indexed meanwhile are not kept waiting behind a million re-signings."""
    from . import reuse

    result = reuse.resign_stale()
    reuse.resign_job_finished(result["remaining"])
    return {k: result[k] for k in ("signed", "changed", "skipped")}


@task()
def recheck_job(run_id):
    """A supervisor's re-check of a large scope (integrity.services.reuse_recheck_request)."""
    from .services import recheck_run

    return recheck_run(run_id).status
