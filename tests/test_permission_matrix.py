"""Walk every URL and API endpoint with every persona; every named URL must be in some app's matrix."""

import importlib

import pytest
from django.urls import get_resolver

from core.testing import PERSONAS, check_case

MATRIX_APPS = ["core", "accounts", "orgs", "materials", "plans", "meetings", "workdays", "writings", "research",
               "integrity", "supervision", "notices", "reports", "assessment"]
# URLs every persona may reach by design (log-in pages, the schema docs need only a log-in, health check).
PUBLIC = {"healthz", "accounts:login", "accounts:logout"}


def all_cases():
    cases = []
    for app in MATRIX_APPS:
        # An app lists its pages in tests/matrix.py and may list its API endpoints in tests/matrix_api.py.
        for name in ("matrix", "matrix_api"):
            try:
                module = importlib.import_module(f"{app}.tests.{name}")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app}.tests.{name}":
                    raise  # a broken import inside a matrix module must fail, not silently drop its cases
                continue
            cases.extend(module.CASES)
    return cases


def named_urls(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    names = set()
    for pattern in resolver.url_patterns:
        if hasattr(pattern, "url_patterns"):
            ns = pattern.namespace
            names |= named_urls(pattern, f"{prefix}{ns}:" if ns else prefix)
        elif pattern.name:
            names.add(prefix + pattern.name)
    return names


def test_every_named_url_is_in_the_matrix():
    covered = {c.name for c in all_cases()} | PUBLIC
    missing = sorted(n for n in named_urls() if n not in covered and not n.startswith(("api-root", "schema")))
    # DRF's router adds "-list"/"-detail" names and format suffix variants; the matrix names them directly.
    missing = [n for n in missing if not n.endswith("-format")]
    assert not missing, f"URLs with no permission-matrix case: {missing}"


@pytest.mark.parametrize("case", all_cases(), ids=lambda c: f"{c.method}:{c.name}")
def test_matrix(client, world, case):
    failures = []
    for persona in PERSONAS + ["anonymous"]:
        ok, message = check_case(client, world, case, persona)
        if not ok:
            failures.append(message)
    assert not failures, "\n".join(failures)
