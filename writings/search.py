"""One Chinese full-text search across the materials and the writings a user may see.

The index and the query side are materials/search.py's (rjieba segmentation, SQLite FTS5 unicode61 /
PostgreSQL tsvector('simple')); writings keep their own index table (writings_writingindex) with the same
triggers / generated column. Visibility is applied inside the ranking statement (the ids of the user's visible
queryset), so a foreign writing never reaches a result, a snippet or a count.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError

from materials import search as material_search

TITLE_WEIGHT, BODY_WEIGHT = material_search.TITLE_WEIGHT, material_search.BODY_WEIGHT
MAX_QUERY_CHARS = material_search.MAX_QUERY_CHARS
# A query matching more writings than this is ranked among its newest COUNT_CAP matches and its total is shown as
# "1000 多项" (materials.search.ranked_ids, `window`): the search stays fast however many writings there are.
COUNT_CAP = 1000


def reindex(writing):
    from .models import WritingIndex

    WritingIndex.objects.update_or_create(
        writing=writing, defaults={"title_seg": material_search.segment_for_index(writing.title),
                                   "body_seg": material_search.segment_for_index(writing.text)})


def index_rows(writings):
    """Unsaved index rows for bulk_create (seed, benchmark); the FTS table follows through its triggers."""
    from .models import WritingIndex

    return [WritingIndex(writing_id=w.id, title_seg=material_search.segment_for_index(w.title),
                         body_seg=material_search.segment_for_index(w.text)) for w in writings]


def ranked_ids(terms, visible, *, limit, offset=0, table="writings"):
    """The one ranking query (materials.search.ranked_ids), over the newest COUNT_CAP matches of each source."""
    return material_search.ranked_ids(terms, visible, limit=limit, offset=offset, table=table, window=COUNT_CAP)


@dataclass
class Hit:
    source: str  # "material" | "writing"
    obj: object
    score: float
    snippet: str
    title: str


@dataclass
class Results:
    terms: list
    hits: list
    total: int


def search(q, *, materials, writings, limit=20, offset=0):
    """Rank visible materials and writings containing every word of q, best first across both.

    `materials` / `writings` are the user's visible (and filtered) querysets, or None to leave one out.
    A query with no letter or digit is refused with a Chinese message."""
    from materials.models import Material

    from .models import Writing

    terms = material_search.query_terms(q)
    if not terms:
        raise ValidationError({"q": "请输入要查找的字词（不能只有标点符号或空格）"})
    # The best `offset + limit` of each source are enough to cut the merged page.
    want = offset + limit
    scored, total = [], 0
    if materials is not None:
        rows, n = ranked_ids(terms, materials, limit=want, table="materials")
        scored += [("material", i, s) for i, s in rows]
        total += n
    if writings is not None:
        rows, n = ranked_ids(terms, writings, limit=want, table="writings")
        scored += [("writing", i, s) for i, s in rows]
        total += n
    scored.sort(key=lambda r: (-float(r[2]), r[0], -r[1]))
    page = scored[offset:offset + limit]
    m_ids = [i for src, i, _ in page if src == "material"]
    w_ids = [i for src, i, _ in page if src == "writing"]
    objs = {("material", m.id): m for m in Material.objects.filter(id__in=m_ids).select_related("owner_unit")}
    objs.update({("writing", w.id): w for w in Writing.objects.filter(id__in=w_ids).select_related("person", "unit")})
    hits = []
    for src, i, score in page:
        obj = objs.get((src, i))
        if obj is not None:
            hits.append(Hit(src, obj, float(score), material_search.snippet(obj.text or obj.title, terms),
                            material_search.highlight(obj.title, terms)))
    return Results(terms, hits, total)
