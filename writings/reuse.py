"""The reuse report of one writing, cut to what the reader may see.

The engine (integrity.reuse) stores matches in both directions; a match is shown only when the reader may also
read the other text (a foreign writing never reaches the page, not even as a count)."""

from integrity.reuse_report import report_for
from integrity.selectors import text_visible

from . import access
from .services import reuse_kind


def report(user, writing):
    """The engine's Report with its matches and quotes limited to what `user` may read; None if not theirs."""
    if not access.can_see_reuse(user, writing):
        return None
    full = report_for(writing, reuse_kind(writing))
    full.matches = [m for m in full.matches if text_visible(user, m.other)]
    return full
