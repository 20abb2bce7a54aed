"""Run the engine over a generated labelled set and count, per copy type, what it found and what it flagged
wrongly. Used by the calibration test and by `benchmarks/bench_reuse.py --calibrate` (which prints the table)."""

import datetime as dt
from collections import Counter

from integrity import reuse
from integrity.models import ReuseMatch
from orgs import services as org

from .corpus import COPY_TYPES, MATERIALS, labelled_set


def load_library(unit):
    from materials.services import material_create

    for title, sents in MATERIALS.items():
        material_create(owner_unit=unit, title=title, kind="article", published_on=dt.date(2025, 1, 5), by=None,
                        text="。".join(sents) + "。")


def evaluate(*, seed, root_unit, honest_count=36, per_type=6, kind="writing", check_each=True):
    """Index every document (copies written after their sources), then re-check all; return the table."""
    docs = labelled_set(seed=seed, honest_count=honest_count, per_type=per_type)
    units = {}
    rows = {}
    base = dt.date(2026, 3, 1)
    for i, d in enumerate(docs):
        unit = units.get(d.unit)
        if unit is None:
            unit = units[d.unit] = org.unit_create(name=d.unit, parent=root_unit, level="county")
        person = org.person_create(unit=unit, name=d.author, by=None)
        written = base + dt.timedelta(days=i // 4 + (30 if d.source else 0))
        rows[d.key] = reuse.index_text(person, kind=kind, text=d.text, author=person, unit=unit, written_on=written,
                                       title=f"{d.author}的学习心得")
        if check_each:
            reuse.check(rows[d.key])
    reuse.recheck(unit=root_unit)
    by_pk = {r.pk: k for k, r in rows.items()}
    kinds = {d.key: d for d in docs}
    pairs = {(by_pk[m.source_id], by_pk[m.suspect_id]) for m in ReuseMatch.objects.filter(self_reuse=False)}
    found, false = Counter(), Counter()
    for src, sus in pairs:
        d = kinds[sus]
        if d.source == src:
            found[d.kind] += 1
        elif kinds[src].source == sus:
            false["(order reversed)"] += 1
        elif d.source and kinds[src].source == d.source:
            pass  # two copies of one source repeat each other: true, not a false flag
        else:
            false[d.kind if d.source else "honest"] += 1
    table = {how: (found[how], per_type) for how in COPY_TYPES}
    return table, false, pairs
