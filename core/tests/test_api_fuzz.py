"""schemathesis against the OpenAPI schema: no input makes the API answer 5xx, and answers fit the schema.

A fixed seed (derandomize) and a bounded number of cases per operation keep it in the normal suite on
SQLite and PostgreSQL. The schema comes from drf-spectacular directly (the same document /api/schema/
serves), and requests go through the WSGI app with a real logged-in session and CSRF token, so the
test does not depend on how API tokens are issued.
"""

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance

from core.testing import login

# Per operation: cases that fit the schema, then cases that break it on purpose (text where an id goes,
# out-of-range numbers, wrong types), which is where the 500s were.
CASES_PER_OPERATION = {GenerationMode.POSITIVE: 8, GenerationMode.NEGATIVE: 8}
CSRF = "a" * 32


def _schema():
    return schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))


def _session_cookie(django_client, user):
    login(django_client, user)
    return django_client.cookies["sessionid"].value


def _fuzz(user, django_client, *, validate=True):
    from django.core import signals
    from django.db import close_old_connections

    # As Django's test client does: a request's end must not close the connection holding the test's
    # transaction (on PostgreSQL that loses the fixture data and every later query fails).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        return _fuzz_all(user, django_client, validate=validate)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _fuzz_all(user, django_client, *, validate=True):
    from django.conf import settings as dj

    app = get_wsgi_application()
    cookies = {"sessionid": _session_cookie(django_client, user), dj.CSRF_COOKIE_NAME: CSRF}
    headers = {"X-CSRFToken": CSRF, "Referer": "https://testserver/"}
    failures = []
    def fuzz_one(operation, mode):
        @settings(max_examples=CASES_PER_OPERATION[mode], derandomize=True, database=None, deadline=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(generation_mode=mode))
        def run(case):
            response = case.call(app=app, headers=headers, cookies=cookies)
            if response.status_code >= 500:
                failures.append(f"{response.status_code} {case.method} {case.formatted_path} "
                                f"path={case.path_parameters} query={case.query} body={case.body!r}"[:500])
            elif validate and mode == GenerationMode.POSITIVE and response.status_code < 300:
                try:
                    response_schema_conformance(None, response, case)
                except Exception as exc:  # noqa: BLE001 — collected, reported together below
                    failures.append(f"schema: {case.method} {case.formatted_path}: {str(exc)[:300]}")

        run()

    for result in _schema().get_all_operations():
        for mode in CASES_PER_OPERATION:
            fuzz_one(result.ok(), mode)
    return failures


@pytest.mark.django_db(transaction=False)
def test_no_input_makes_the_api_fail_as_a_secretary(world, client):
    failures = _fuzz(world.secretary_a, client)
    assert not failures, "\n".join(sorted(set(failures))[:30])


@pytest.mark.django_db(transaction=False)
def test_no_input_makes_the_api_fail_as_an_audit_administrator(world, client):
    # A 三员 account sees no study records: every list is empty and every search must still answer.
    failures = _fuzz(world.auditadmin, client, validate=False)
    assert not failures, "\n".join(sorted(set(failures))[:30])
