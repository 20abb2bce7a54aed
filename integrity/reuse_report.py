"""The read side of the text-reuse engine: a text's stored result (matches either way, quotes of materials).

Apart from integrity/reuse.py, which imports numpy: a writing's page shows its report to the group's managers
on every view, and a web worker that only shows reports never loads the engine (issue 10)."""

from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType

from .models import QuoteFound, ReuseMatch, ReuseText


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
    matches = list(ReuseMatch.objects.filter(source=row).select_related(
        "source__author", "source__group", "suspect__author", "suspect__group"))
    matches += list(ReuseMatch.objects.filter(suspect=row).select_related(
        "source__author", "source__group", "suspect__author", "suspect__group"))
    quotes = [Quote(q.material_id, q.material.title, q.sentences)
              for q in QuoteFound.objects.filter(text=row).select_related("material")]
    return _report(row, sorted(matches, key=lambda m: -m.score), quotes)
