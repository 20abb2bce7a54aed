"""The read side of the text-reuse engine: a text's stored result (matches either way, quotes of materials).

Apart from integrity/reuse.py, which imports numpy: a writing's page shows its report to the group's managers
on every view, and a web worker that only shows reports never loads the engine (issue 10)."""

from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q

from .models import QuoteFound, ReuseMatch, ReuseText, TextKind

DEFAULT_THRESHOLDS = {
    # Weighted overlap (see engine.weighted_overlap) from which a pair is reported. Calibrated on the generated
    # labelled set in integrity/tests/test_calibration.py; the table is in benchmarks/README.md.
    "plan": 0.5, "writing": 0.55, "reflection": 0.55, "speech": 0.55,
    "minutes": 0.55, "summary": 0.55, "briefing": 0.55,
}


def threshold(kind):
    table = {**DEFAULT_THRESHOLDS, **getattr(settings, "INTEGRITY_REUSE_THRESHOLDS", {})}
    return float(table.get(kind, 0.4))


# A threshold changed in the settings applies to what is shown at once, both ways it can go:
# - raised: a stored match under today's threshold of its suspect's kind is no longer shown (kept, not deleted,
#   so lowering it back shows it again);
# - lowered: pairs between the old and the new threshold were never stored, so every text checked under another
#   threshold reads as "stale" (its page and the re-check page say so) until a re-check (`recheck(stale_only=True)`,
#   `manage.py integrity_recheck --stale`) compares it again.

def _current_matches():
    """Q over ReuseMatch: the score reaches today's threshold of the suspect's kind."""
    q = Q()
    for kind in TextKind.values:
        q |= Q(suspect__kind=kind, score__gte=threshold(kind))
    return q


def shown_matches(qs):
    return qs.filter(_current_matches())


def scope_texts(*, unit=None, year=None, kinds=None, stale_only=False):
    """The texts a re-check of this scope (a unit's subtree) and year covers."""
    qs = stale_texts() if stale_only else ReuseText.objects.exclude(kind=TextKind.MATERIAL)
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    if year is not None:
        qs = qs.filter(year=year)
    if kinds:
        qs = qs.filter(kind__in=list(kinds))
    return qs


def stale_texts(qs=None):
    """Texts last checked under a threshold other than their kind's today (never-checked ones are not stale)."""
    qs = ReuseText.objects.exclude(kind=TextKind.MATERIAL) if qs is None else qs
    current = Q()
    for kind in TextKind.values:
        current |= Q(kind=kind, checked_threshold=threshold(kind))
    return qs.filter(checked_threshold__isnull=False).exclude(current)


@dataclass
class Quote:
    material_id: int
    title: str
    sentences: list


@dataclass
class Match:
    id: int
    other: ReuseText  # the other text
    source: ReuseText
    suspect: ReuseText
    score: float
    self_reuse: bool
    passages: list
    this_is_suspect: bool


@dataclass
class Report:
    text: ReuseText | None
    matches: list = field(default_factory=list)
    quotes: list = field(default_factory=list)

    @property
    def flagged(self):
        return [m for m in self.matches if m.this_is_suspect]

    @property
    def threshold_now(self):
        return threshold(self.text.kind) if self.text else None

    @property
    def stale(self):
        """Checked under another threshold than today's: the result may miss pairs until it is checked again."""
        t = self.text
        return bool(t and t.checked_threshold is not None and t.checked_threshold != self.threshold_now)


def find_text(obj, kind):
    return ReuseText.objects.filter(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk,
                                    kind=kind).first()


def _report(row, matches, quotes):
    out = []
    for m in matches:
        this_suspect = m.suspect_id == row.pk
        out.append(Match(m.pk, m.source if this_suspect else m.suspect, m.source, m.suspect, m.score, m.self_reuse,
                         m.passages, this_suspect))
    return Report(row, out, quotes)


def report_for(obj, kind):
    """The stored result for a source object: matches either way and quotes, for pages and the API."""
    row = find_text(obj, kind)
    if row is None:
        return Report(None)
    related = ("source__author", "source__group", "suspect__author", "suspect__group")
    matches = list(shown_matches(ReuseMatch.objects.filter(source=row)).select_related(*related))
    matches += list(shown_matches(ReuseMatch.objects.filter(suspect=row)).select_related(*related))
    quotes = [Quote(q.material_id, q.material.title, q.sentences)
              for q in QuoteFound.objects.filter(text=row).select_related("material")]
    return _report(row, sorted(matches, key=lambda m: -m.score), quotes)
