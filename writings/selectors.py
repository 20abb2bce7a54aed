"""Reads for writings pages, returning plain data. Counts are facts for the author and their secretary,
never a ranking of people."""

import difflib
from dataclasses import dataclass

import rjieba
from django.db.models import Count
from django.utils.html import escape
from django.utils.safestring import mark_safe

from . import access
from .models import REVIEWED_KINDS, Kind, Status, Writing


def my_writings(user, *, year=None, kind=None):
    qs = Writing.objects.filter(person_id=user.person_id or -1)
    if year:
        qs = qs.filter(year=year)
    if kind in Kind.values:
        qs = qs.filter(kind=kind)
    return qs.select_related("group", "session", "plan_topic", "material").order_by("-day", "-id")


def my_counts(user, year):
    """{kind label: n} of the user's own writings this year (a fact for themselves, not a score)."""
    rows = (Writing.objects.filter(person_id=user.person_id or -1, year=year).values("kind")
            .annotate(n=Count("id")).order_by("kind"))
    return {Kind(r["kind"]).label: r["n"] for r in rows}


def review_queue(user, *, status=Status.SUBMITTED):
    """补学体会 and 发言材料 of the groups this user reads as 组长 or 学习秘书."""
    groups = access.reader_group_ids(user)
    qs = Writing.objects.filter(group_id__in=groups, kind__in=REVIEWED_KINDS)
    if status:
        qs = qs.filter(status=status)
    else:
        qs = qs.exclude(status=Status.DRAFT)
    return qs.select_related("person", "group", "session").order_by("submitted_at", "id")


def shared_with_me(user, *, year=None):
    """Submitted writings of others this user may read (as 组长/学习秘书 or supervisor)."""
    qs = access.writings_visible(user).exclude(person_id=user.person_id or -1).exclude(status=Status.DRAFT)
    if year:
        qs = qs.filter(year=year)
    return qs.select_related("person", "group", "unit").order_by("-submitted_at", "-id")


def _tokens(text):
    # Words for Chinese (rjieba precise mode) keep a diff readable: a changed 词 is marked whole, not per 字.
    return list(rjieba.cut(text or ""))


def diff_html(old, new):
    """The new text with inserted words in <ins> and deleted words in <del>; escaped first."""
    a, b = _tokens(old), _tokens(new)
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(escape("".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            out.append(f'<del class="bg-danger-subtle">{escape("".join(a[i1:i2]))}</del>')
        if op in ("insert", "replace"):
            out.append(f'<ins class="bg-success-subtle">{escape("".join(b[j1:j2]))}</ins>')
    return mark_safe("".join(out))


@dataclass
class VersionLine:
    version: object
    title_changed: bool
    ai_changed: bool
    diff: str
    added: int
    removed: int


def history(writing):
    """Each version beside what changed since the one before (the first against an empty text)."""
    lines, previous = [], None
    for v in writing.versions.select_related("saved_by").order_by("number"):
        old = previous.text if previous else ""
        matcher = difflib.SequenceMatcher(None, old, v.text, autojunk=False)
        added = sum(j2 - j1 for op, _, _, j1, j2 in matcher.get_opcodes() if op in ("insert", "replace"))
        removed = sum(i2 - i1 for op, i1, i2, _, _ in matcher.get_opcodes() if op in ("delete", "replace"))
        lines.append(VersionLine(v, bool(previous) and previous.title != v.title,
                                 bool(previous) and previous.ai_assisted != v.ai_assisted,
                                 diff_html(old, v.text), added, removed))
        previous = v
    return list(reversed(lines))
