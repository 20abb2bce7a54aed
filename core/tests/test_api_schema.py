from django.core.management import call_command


def test_openapi_schema_is_valid_without_warnings(tmp_path, db):
    # --fail-on-warn: an unnamed enum, an untyped field or an unresolvable view fails the build, so the
    # schema clients generate code from stays complete and its names stable.
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    assert "/api/sessions/{id}/attendance/" in text and "PlanStatusEnum" in text
