"""What the template language does not say out loud: a `{# … #}` comment ends on its own line, or it is not a
comment and a secretary reads it on the page (found on the attendance sheet's rows, 12-05)."""

from pathlib import Path

from django.conf import settings
from django.template.utils import get_app_template_dirs


def _templates():
    dirs = [Path(d) for engine in settings.TEMPLATES for d in engine.get("DIRS", [])]
    dirs += [Path(d) for d in get_app_template_dirs("templates")]
    root = Path(settings.BASE_DIR).resolve()
    for folder in dirs:
        if folder.resolve().is_relative_to(root):  # ours, not the installed packages'
            yield from folder.rglob("*.html")


def test_every_one_line_comment_closes_on_its_line():
    found = list(_templates())
    assert len(found) > 50
    unclosed = [f"{path}:{n}" for path in found
                for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                if "{#" in line and "#}" not in line[line.index("{#"):]]
    assert unclosed == []
