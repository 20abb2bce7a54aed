"""Chinese full-text search over materials: one code path, a switch on the database vendor.

Text is segmented by rjieba's search mode (四中全会 → 四中 / 全会 / 四中全会) and stored as space-separated
words, so SQLite FTS5's unicode61 tokenizer and PostgreSQL's 'simple' configuration see whole Chinese words
and a two-character query such as 研讨 or 全会 matches. Queries are segmented the same way (precise mode).
Highlighting is done here on the original text, escaped first, so both databases render the same way.
"""

import re
from dataclasses import dataclass

import rjieba
from django.core.exceptions import EmptyResultSet, ValidationError
from django.db import connection
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import mark_safe

from .models import Material, MaterialIndex

MAX_QUERY_CHARS = 60
MAX_TERMS = 12
TITLE_WEIGHT, BODY_WEIGHT = 8.0, 1.0


def _clean(token):
    # Keep letters and digits only: punctuation never becomes a term, and what is left is safe inside an FTS5
    # phrase or a tsquery without any further quoting rules.
    return "".join(ch for ch in token if ch.isalnum()).lower()


def segment_for_index(text):
    return " ".join(t for t in (_clean(w) for w in rjieba.cut_for_search(text or "")) if t)


def query_terms(q):
    """The words of a query, deduplicated in order; [] when it holds no letter or digit."""
    terms = []
    for word in rjieba.cut((q or "")[:MAX_QUERY_CHARS]):
        term = _clean(word)
        if term and term not in terms:
            terms.append(term)
    return terms[:MAX_TERMS]


def reindex(material):
    MaterialIndex.objects.update_or_create(
        material=material,
        defaults={"title_seg": segment_for_index(material.title), "body_seg": segment_for_index(material.text)},
    )


def index_rows(materials):
    """Unsaved index rows for bulk_create (seed, imports); the FTS table follows through its triggers."""
    return [MaterialIndex(material_id=m.id, title_seg=segment_for_index(m.title), body_seg=segment_for_index(m.text))
            for m in materials]


@dataclass
class Hit:
    material: Material
    score: float
    snippet: str  # safe HTML with <mark>


@dataclass
class Results:
    terms: list
    hits: list
    total: int


# Each searchable source: its FTS5 table (SQLite), its index table with a tsvector (PostgreSQL) and the key there.
SOURCES = {"materials": ("materials_fts", "materials_materialindex", "material_id"),
           "writings": ("writings_fts", "writings_writingindex", "writing_id")}


def ranked_ids(terms, visible, *, limit, offset=0, table="materials", window=None):
    """([(id, score)] best first, total count) among the `visible` queryset's rows of one source — the one ranking
    query of both searches (materials here, writings.search for members' writings).

    `window`: rank only the newest `window` matches. One statement walks the matches newest first (both engines
    can stop there: FTS5 reads its doclists backwards, PostgreSQL walks the key's index) and scores only those;
    when it stops short of window + 1 these were all the matches and the ranking is exact; otherwise the total is
    reported as window + 1 ("more than window") and the page is cut from the newest window. Without it every
    match is scored and counted — the materials library (thousands of rows) keeps that. A broad query over a
    million writings matches most of them, and ranking them all took seconds (benchmarks/README.md)."""
    fts, index, key = SOURCES[table]
    try:
        # No ORDER BY inside the IN (...): the model's default ordering would sort every visible row first.
        sub_sql, sub_params = visible.order_by().values("id").query.sql_with_params()
    except EmptyResultSet:  # nothing visible (a 三员 account): the SQL would be "IN ()", so answer directly
        return [], 0
    if connection.vendor == "postgresql":
        base = f"FROM {index} i, plainto_tsquery('simple', %s) q WHERE i.tsv @@ q AND i.{key} IN ({sub_sql})"
        params = [" ".join(terms), *sub_params]
        # The window count gives the total in the same pass over the (TOASTed) tsvectors.
        page_sql = (f"SELECT i.{key}, ts_rank(i.tsv, q) AS score, count(*) OVER () {base} "
                    f"ORDER BY score DESC, i.{key} DESC LIMIT %s OFFSET %s")
        newest_sql = f"SELECT i.{key}, ts_rank(i.tsv, q) AS score {base} ORDER BY i.{key} DESC LIMIT %s"
    elif connection.vendor == "sqlite":
        # Every term is letters and digits only (see _clean), so quoting it as an FTS5 phrase is safe: a user's
        # ", *, NEAR( or AND never reaches the engine as syntax. Phrases separated by spaces are an implicit AND.
        match = " ".join(f'"{t}"' for t in terms)
        # The unary + keeps SQLite from driving the FTS table by rowid from the visibility subquery (a
        # MATCH per visible row: 0.5 s at 5,000 materials); the match runs once, then rows are filtered.
        base = f"FROM {fts} WHERE {fts} MATCH %s AND +{fts}.rowid IN ({sub_sql})"
        params = [match, *sub_params]
        # bm25() is smaller for better matches; negate it so that every vendor ranks "higher is better".
        score = f"-bm25({fts}, {TITLE_WEIGHT}, {BODY_WEIGHT})"
        page_sql = f"SELECT {fts}.rowid, {score} AS score {base} ORDER BY score DESC, {fts}.rowid DESC LIMIT %s OFFSET %s"
        newest_sql = f"SELECT {fts}.rowid, {score} AS score {base} ORDER BY {fts}.rowid DESC LIMIT %s"
    else:  # pragma: no cover - the project supports these two databases only
        raise NotImplementedError(connection.vendor)
    with connection.cursor() as cursor:
        if window is not None:
            rows = _sqlite_walk(cursor, fts, match, score, visible, window) if connection.vendor == "sqlite" else None
            if rows is None:
                cursor.execute(newest_sql, [*params, int(window) + 1])
                rows = cursor.fetchall()
            total = len(rows)
            rows = sorted(rows[:window], key=lambda r: (-float(r[1]), -r[0]))
            return [(r[0], r[1]) for r in rows[offset:offset + limit]], total
        cursor.execute(page_sql, [*params, limit, offset])
        rows = cursor.fetchall()
        if rows and len(rows[0]) == 3:
            return [(r[0], r[1]) for r in rows], rows[0][2]
        if not rows and not offset:
            return [], 0
        # FTS5 refuses bm25() beside a window function, so SQLite's total is a second, cheap statement.
        cursor.execute(f"SELECT count(*) {base}", params)
        return [(r[0], r[1]) for r in rows], cursor.fetchone()[0]


# SQLite, `window` set: `rowid IN (visible)` builds the set of visible ids first, which costs in proportion to
# what the user may see (0.5 s for a county supervisor of 270,000 writings, seconds at a million), while a
# group's secretary sees a few thousand. For a user who sees most matches, walking the matches newest first and
# checking each with one EXISTS stops after about `window` of them (30 ms); for one who sees a small share, that
# walk would check nearly every match. So the PROBE newest matches are checked first, and their visible share
# chooses the way (benchmarks/README.md, "Search for users who see most writings").
PROBE = 200
PROBE_SHARE = 0.25  # from this visible share the walk is used
WALK_LIMIT = 8  # the walk checks at most window × this many matches, then the visible set is built after all


def _sqlite_walk(cursor, fts, match, score, visible, window):
    """The newest window + 1 visible matches [(rowid, score)], found by walking the matches; None: use the set."""
    try:
        sub_sql, sub_params = (visible.order_by().filter(id=RawSQL(f"{fts}.rowid", [])).values("id")
                               .query.sql_with_params())
    except EmptyResultSet:
        return []
    checked = (f"SELECT {fts}.rowid, CASE WHEN EXISTS ({sub_sql}) THEN {score} END AS score FROM {fts} "
               f"WHERE {fts} MATCH %s ORDER BY {fts}.rowid DESC LIMIT %s")
    cursor.execute(checked, [*sub_params, match, PROBE])
    probe = cursor.fetchall()
    seen = [r for r in probe if r[1] is not None]
    if len(probe) < PROBE:  # these were all the matches
        return seen[:window + 1]
    if len(seen) < PROBE_SHARE * PROBE:
        return None
    scan = (window + 1) * WALK_LIMIT
    cursor.execute(f"SELECT rowid, score FROM ({checked}) WHERE score IS NOT NULL LIMIT %s",
                   [*sub_params, match, scan, window + 1])
    rows = cursor.fetchall()
    if len(rows) > window:
        return rows
    cursor.execute(f"SELECT count(*) FROM (SELECT rowid FROM {fts} WHERE {fts} MATCH %s LIMIT %s)", [match, scan])
    return rows if cursor.fetchone()[0] < scan else None  # every match was checked, or the share fell off


def search(visible, q, *, limit=20, offset=0):
    """Rank the visible materials that contain every word of `q`.

    A query with no letter or digit (e.g. only punctuation) is refused with a Chinese message.
    """
    terms = query_terms(q)
    if not terms:
        raise ValidationError({"q": "请输入要查找的字词（不能只有标点符号或空格）"})
    rows, total = ranked_ids(terms, visible, limit=limit, offset=offset)
    by_id = {m.id: m for m in Material.objects.filter(id__in=[r[0] for r in rows]).select_related("owner_unit")}
    hits = [Hit(by_id[mid], float(score), snippet(by_id[mid].text or by_id[mid].title, terms))
            for mid, score in rows if mid in by_id]
    return Results(terms, hits, total)


def _pattern(terms):
    alternatives = sorted({t for t in terms if t}, key=len, reverse=True)
    return re.compile("|".join(re.escape(t) for t in alternatives), re.IGNORECASE) if alternatives else None


def count_hits(text, terms):
    """How many times the terms occur in the text, counted as highlight() marks them."""
    pattern = _pattern(terms)
    return len(pattern.findall(text or "")) if pattern else 0


def highlight(text, terms):
    """The whole text escaped, with every occurrence of a term wrapped in <mark>."""
    text = text or ""
    pattern = _pattern(terms)
    if pattern is None:
        return escape(text)
    out, last = [], 0
    for m in pattern.finditer(text):
        out.append(escape(text[last:m.start()]))
        out.append(f"<mark>{escape(m.group(0))}</mark>")
        last = m.end()
    out.append(escape(text[last:]))
    return mark_safe("".join(out))


def snippet(text, terms, width=60, fragments=2):
    """Up to `fragments` windows of text around the first hits, highlighted; the opening if nothing matches."""
    text = re.sub(r"\s+", " ", text or "")
    pattern = _pattern(terms)
    spans = [m.span() for m in pattern.finditer(text)] if pattern else []
    if not spans:
        return escape(text[: width * 2] + ("…" if len(text) > width * 2 else ""))
    windows = []
    for start, end in spans:
        lo, hi = max(0, start - width // 2), min(len(text), end + width)
        if windows and lo <= windows[-1][1]:
            # Merge overlapping windows, but keep a fragment short when hits are dense.
            windows[-1] = (windows[-1][0], min(max(windows[-1][1], hi), windows[-1][0] + width * 2))
        else:
            if len(windows) == fragments:
                break
            windows.append((lo, hi))
    parts = []
    for lo, hi in windows:
        parts.append(("…" if lo > 0 else "") + str(highlight(text[lo:hi], terms)) + ("…" if hi < len(text) else ""))
    return mark_safe(" ".join(parts))
