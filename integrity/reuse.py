"""The one way to ask "what does this text repeat, from whom, where".

Domain apps call two functions and never touch the engine's tables:

    row = reuse.index_text(obj, kind="writing", text=..., author=person, group=group, unit=unit,
                           written_on=date, is_draft=False, version_of=previous_obj)
    report = reuse.check(row)            # or reuse.index_and_check(...) for both at once

and read stored results with `reuse.report_for(obj, kind)`. A supervisor's re-check of a scope and year
(`recheck(unit=..., year=...)`, also `manage.py integrity_recheck`) checks every text again, so every pair
is looked at and the order of submission never decides who is flagged: a match is always stored with the
text written earlier as the source and the later one as the suspect.
"""

import datetime as dt
from collections import defaultdict

import numpy as np
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from . import engine
from .models import MaterialShingle, QuoteFound, ReuseBand, ReuseCorpus, ReuseMatch, ReuseShingle, ReuseText, TextKind
from .reuse_report import (  # noqa: F401 - the engine's API
    DEFAULT_THRESHOLDS,
    Match,
    Quote,
    Report,
    _report,
    find_text,
    report_for,
    scope_texts,
    stale_texts,
    threshold,
)

PREFILTER = 0.12  # MinHash estimate (on uncommon shingles) below which a candidate is not loaded
QUOTE_SHARE = 0.6  # a sentence whose shingles are mostly in one material quotes it
COMMON_SHARE = 0.5  # a shingle weighing less than this share of a unique one is common phrasing
UNCOMMON_SHARE = 0.3  # a sentence with fewer uncommon shingles than this share is common phrasing


# ---- Indexing ------------------------------------------------------------------------------------

def _names_of(unit, group):
    names = []
    if unit is not None:
        names += [unit.name, getattr(unit, "short_name", "")]
    if group is not None:
        names.append(group.name)
    return engine.name_forms(*names) if names else []


def _df_change(hashes, delta):
    hashes = [int(h) for h in hashes]
    if not hashes:
        return
    table = ReuseShingle._meta.db_table
    with connection.cursor() as cur:
        if delta > 0:
            # One statement for both databases: SQLite ≥ 3.24 and PostgreSQL both take ON CONFLICT … DO UPDATE.
            cur.executemany(f"INSERT INTO {table} (hash, df) VALUES (%s, 1) "
                            f"ON CONFLICT (hash) DO UPDATE SET df = {table}.df + 1", [(h,) for h in hashes])
        else:
            for i in range(0, len(hashes), 500):
                ReuseShingle.objects.filter(hash__in=hashes[i:i + 500]).update(df=F("df") - 1)


# Phrasing is common when more than 5 % of the texts use it, but never below 10 texts: in a small corpus (a unit's
# first hundred 心得) 5 texts were too few to call anything common, and a copy of a text made of the usual formulas
# then shared no signature shingle with its source (seed 3's 40 %-rewritten copy: source keeps its rarest quarter,
# copy its own rewritten sentences; scored 0.72, never a candidate). With 10: 24/24 copies on seeds 1–8, 0 false
# flags; only corpora under 200 texts are affected, and there a few more candidates cost nothing.
COMMON_MIN_DF, COMMON_RATIO = 10, 0.05
# Above this many texts a shingle is phrasing shared too widely to point at one source, however large the corpus:
# at 200,000 generated 心得 the 5 % rule alone left shingles found in 10,000 texts in the signatures, and a check
# met thousands of texts sharing a band by chance.
SIGNATURE_DF_CAP = 1000
HOT_BAND = 2 * SIGNATURE_DF_CAP  # a band shared by more texts than this is common phrasing (_candidates)
SIGNATURE_MIN_PART = 4  # a text keeps at least 1/4 of its own shingles in its signature


def _rows_in(sql, values, extra=()):
    """Rows of `sql` (one `IN ({})` placeholder) for every value, asked in large chunks.

    Raw SQL: a check asks for thousands of hashes, and building the ORM's IN (...) of 500 a chunk was most of a
    check's time at 3,000 texts (profiled)."""
    step = min(2000, (connection.features.max_query_params or 2000) - 1)
    out = []
    with connection.cursor() as cur:
        for i in range(0, len(values), step):
            chunk = values[i:i + step]
            cur.execute(sql.format(", ".join(["%s"] * len(chunk))), [*chunk, *extra])
            out += cur.fetchall()
    return out


def _df(hashes, known=None):
    """{hash: document frequency} of the given shingles (absent: never counted); `known` answers those it holds."""
    known = known or {}
    hashes = [int(h) for h in hashes]
    df = {h: known[h] for h in hashes if h in known}
    df.update(_rows_in(f"SELECT hash, df FROM {ReuseShingle._meta.db_table} WHERE hash IN ({{}})",
                       [h for h in hashes if h not in known]))
    return df


def signature_set(own, df, n):
    """The shingles a text's MinHash is made of: its own (unquoted) shingles that are rare in a corpus of n
    texts whose document frequencies are `df`. Quotes of the library and phrasing already common are left out,
    so texts sharing only a quote or the usual formulas do not become candidates (checked or not, they would
    be discarded; this keeps a check's cost from growing with the corpus). A text made mostly of common
    sentences (a plan assembled from the usual formulas) keeps its rarest quarter instead: otherwise a verbatim
    copy of it would have too little left to be found."""
    limit = max(COMMON_MIN_DF, min(COMMON_RATIO * n, SIGNATURE_DF_CAP))
    want = max(engine.MIN_SHINGLES, len(own) // SIGNATURE_MIN_PART)
    rare = [h for h in own if df.get(h, 0) <= limit]
    if len(rare) >= want:
        return sorted(rare)
    return sorted(sorted(own, key=lambda h: (df.get(h, 0), h))[:want])


def _material_hashes(hashes):
    return {h for (h,) in _rows_in(f"SELECT DISTINCT hash FROM {MaterialShingle._meta.db_table} WHERE hash IN ({{}})",
                                   [int(h) for h in hashes])}


@transaction.atomic
def index_text(obj, *, kind, text, written_on, author=None, group=None, unit=None, year=None, is_draft=False,
               version_of=None, title=""):
    """Index (or re-index) the text of `obj` as `kind`. Returns the ReuseText row.

    `version_of`: the source object this one is a new version of (same kind); versions of one document never
    count against each other. Drafts are indexed for checking but are never anyone's source."""
    if kind not in TextKind.values:
        raise ValueError(f"unknown text kind {kind!r}")
    ct = ContentType.objects.get_for_model(obj)
    row = ReuseText.objects.select_for_update().filter(content_type=ct, object_id=obj.pk, kind=kind).first()
    if unit is None and group is not None:
        unit = group.unit
    names = _names_of(unit, group) if kind != TextKind.MATERIAL else []
    hashes = engine.shingle_set(text or "", names)
    was_counted = row is not None and row.counted
    if was_counted:
        _df_change(engine.from_bytes(row.shingles), -1)
    if row is None:
        row = ReuseText(content_type=ct, object_id=obj.pk, kind=kind)
    root = None
    if version_of is not None:
        prev = ReuseText.objects.filter(content_type=ContentType.objects.get_for_model(version_of),
                                        object_id=version_of.pk, kind=kind).first()
        root = (prev.root_id or prev.pk) if prev else None
    row.title, row.author, row.group, row.unit = (title or "")[:200], author, group, unit
    row.written_on, row.year = written_on, year or written_on.year
    row.is_draft, row.root_id, row.text, row.names = is_draft, root, text or "", names
    arr = engine.to_array(hashes)
    row.shingles, row.shingle_count = arr.tobytes(), len(arr)
    row.counted = kind != TextKind.MATERIAL and not is_draft and len(arr) > 0
    row.indexed_at = timezone.now()
    own = set(hashes) - _material_hashes(hashes) if kind != TextKind.MATERIAL else set()
    row.own_count = len(own)
    # The corpus without this text, as its frequencies were just taken back above.
    n = _corpus_size() - was_counted
    row.signature, row.signed_size = _signature(row, own, _df(own), n), n
    row.save()
    if row.counted:
        _df_change(arr, +1)
    if row.counted != was_counted:
        _corpus_change(+1 if row.counted else -1)
        if row.counted and _growth_step(n + 1):
            request_resign()
    _bands(row)
    if kind == TextKind.MATERIAL:
        MaterialShingle.objects.filter(text=row).delete()
        MaterialShingle.objects.bulk_create([MaterialShingle(hash=int(h), text=row) for h in arr], batch_size=2000)
    return row


def _signature(row, own, df, n):
    """The MinHash (bytes) of a text's own shingles that are rare in the corpus (signature_set), or None."""
    if row.kind == TextKind.MATERIAL or row.shingle_count < engine.MIN_SHINGLES:
        return None
    chosen = signature_set([int(h) for h in own], df, n)
    sig = engine.signature(chosen) if len(chosen) >= engine.MIN_SHINGLES else None
    return sig.tobytes() if sig is not None else None


def _bands(row):
    ReuseBand.objects.filter(text=row).delete()
    if row.signature is not None:
        ReuseBand.objects.bulk_create([ReuseBand(text=row, key=k)
                                       for k in engine.band_keys(engine.sig_from_bytes(row.signature))])


def resign(pk):
    """Sign a stored text again with the corpus as it stands. A signature leaves out what was common when the
    text was indexed; as the corpus grows, phrasing that was rare then becomes common, and a text signed when
    the corpus was small would share little of its signature with a copy signed now. Returns whether it
    changed. Reads the row under lock: a text saved meanwhile is signed from its new shingles, never its old."""
    return _resign(pk) == "changed"


@transaction.atomic
def _resign(pk, *, stale_limit=None):
    """"changed", "same" (signed again, nothing different) or "skipped": gone, or — with `stale_limit`, the
    background's test — signed at a corpus larger than that since it was picked (re-indexed meanwhile)."""
    row = ReuseText.objects.select_for_update().filter(pk=pk).only(
        "kind", "shingles", "signature", "own_count", "counted", "shingle_count", "signed_size").first()
    if row is None or (stale_limit is not None and row.signed_size is not None and row.signed_size > stale_limit):
        return "skipped"
    hashes = [int(h) for h in engine.from_bytes(row.shingles)]
    own = set(hashes) - _material_hashes(hashes)
    df, n = _df(own), _corpus_size()
    if row.counted:  # the corpus as index_text saw it: without this text
        df, n = {h: c - 1 for h, c in df.items()}, n - 1
    signature = _signature(row, own, df, n)
    if signature == (bytes(row.signature) if row.signature is not None else None) and row.own_count == len(own):
        if row.signed_size != n:
            ReuseText.objects.filter(pk=row.pk).update(signed_size=n)
        return "same"
    row.signature, row.own_count = signature, len(own)
    ReuseText.objects.filter(pk=row.pk).update(signature=signature, own_count=len(own), signed_size=n)
    _bands(row)
    return "changed"


# ---- Re-signing stale texts in the background ---------------------------------------------------------
#
# A signature is stale once the corpus has doubled since it was made: by then the limit of signature_set may
# have doubled (below 20,000 texts) and the frequencies it ranked by have had as many texts again to grow, so a
# copy signed now may share too little of it to meet it in a band. Each text is thus signed again about
# log2(final / first size) times in its life, a few milliseconds each, in bounded batches by the task worker
# (integrity.tasks.resign_stale_job) or `manage.py resign_stale` — never during a check.

RESIGN_GROWTH = 2  # stale once the corpus is this many times the size it was signed at
RESIGN_EVERY = 1000  # beyond the powers of two, indexing asks for a run at every this many texts
RESIGN_BATCH = 500  # texts a job signs again before queuing its successor (each under its own short lock)
RESIGN_RETRY = dt.timedelta(hours=1)  # a request older than this was lost with its worker: another may be queued


def _stale_limit(n):
    """Signatures made at a corpus of this size or smaller are stale in a corpus of n texts. A text signed now
    records n - 1 (the corpus without itself), which is never stale; one signed at s is stale from
    n - 1 ≥ RESIGN_GROWTH·s (and s < n - 1, so that the first texts do not stay stale for ever)."""
    m = n - 1
    return min(m // RESIGN_GROWTH, m - 1)


def _stale(limit):
    # Drafts are never anyone's candidate and are signed again when checked (a re-check); materials and texts
    # too short have no signature at all. Null: signed before the size was kept.
    return (ReuseText.objects.filter(is_draft=False, shingle_count__gte=engine.MIN_SHINGLES)
            .exclude(kind=TextKind.MATERIAL).filter(Q(signed_size__isnull=True) | Q(signed_size__lte=limit)))


def stale_count():
    return _stale(_stale_limit(_corpus_size())).count()


def _growth_step(n):
    """Whether a corpus reaching n texts asks for a run: at each doubling while small (when every text signed at
    half the size or less has just gone stale together), then every RESIGN_EVERY texts (about RESIGN_EVERY / 2
    have gone stale since the last step). n is as this transaction saw it: two texts indexed at once may both
    see one step or neither see it; the next step catches up."""
    return n > 1 and (n & (n - 1) == 0 or n % RESIGN_EVERY == 0)


def resign_stale(*, batch=None):
    """Sign again up to `batch` (RESIGN_BATCH) stale texts, those signed at the smallest corpus (or never recorded)
    first. Each is read and written under its own lock (_resign); one re-indexed since it was picked is skipped,
    never overwritten with a signature of its old text. Returns counts and whether stale texts remain."""
    batch = batch or RESIGN_BATCH
    limit = _stale_limit(_corpus_size())
    pks = list(_stale(limit).order_by(F("signed_size").asc(nulls_first=True), "pk")
               .values_list("pk", flat=True)[:batch])
    outcome = {"changed": 0, "same": 0, "skipped": 0}
    for pk in pks:
        outcome[_resign(pk, stale_limit=limit)] += 1
    return {"signed": outcome["changed"] + outcome["same"], "changed": outcome["changed"],
            "skipped": outcome["skipped"], "remaining": _stale(_stale_limit(_corpus_size())).exists()}


def request_resign():
    """Queue one background run if stale texts exist and none is queued or running (the corpus row's
    resign_requested_at is the marker: claimed by one conditional UPDATE, so two indexers never queue two).
    The task is queued when the caller's transaction commits. Returns whether it queued one."""
    if not _stale(_stale_limit(_corpus_size())).exists():
        return False
    from .tasks import resign_stale_job

    now = timezone.now()
    if not ReuseCorpus.objects.filter(pk=1).exists():
        _corpus_recount()
    held = ReuseCorpus.objects.filter(pk=1, resign_requested_at__gte=now - RESIGN_RETRY).exists()
    if held or _queued(resign_stale_job):
        return False  # a marker past RESIGN_RETRY is given up only if its job is not waiting (no worker running)
    claimed = ReuseCorpus.objects.filter(pk=1).filter(
        Q(resign_requested_at__isnull=True) | Q(resign_requested_at__lt=now - RESIGN_RETRY)
    ).update(resign_requested_at=now)
    if claimed:
        transaction.on_commit(resign_stale_job.enqueue)
    return bool(claimed)


def _queued(task):
    """Whether the task waits in django-tasks' database backend (the one configured); any other backend is
    trusted to the marker alone."""
    try:
        from django_tasks import TaskResultStatus
        from django_tasks_db.models import DBTaskResult
    except ImportError:
        return False
    return DBTaskResult.objects.filter(task_path=task.module_path, status=TaskResultStatus.READY).exists()


def resign_job_finished(remaining):
    """The job's last step: give up the marker, then, while stale texts remain, queue its successor (unless an
    indexer queued one in between — that one carries on)."""
    ReuseCorpus.objects.filter(pk=1).update(resign_requested_at=None)
    return request_resign() if remaining else False


@transaction.atomic
def forget(obj, kind):
    """The source object is gone (or its text emptied): remove it from the index and the corpus counts."""
    row = find_text(obj, kind)
    if row is None:
        return
    if row.counted:
        _df_change(engine.from_bytes(row.shingles), -1)
    row.delete()
    if row.counted:
        _corpus_change(-1)


# ---- Checking ------------------------------------------------------------------------------------

def _corpus_size():
    size = ReuseCorpus.objects.filter(pk=1).values_list("size", flat=True).first()
    return _corpus_recount() if size is None else size


def _corpus_recount():
    """The counted texts, counted (once: a database created empty, or flushed, has no corpus row yet)."""
    size = ReuseText.objects.filter(counted=True).count()
    ReuseCorpus.objects.update_or_create(pk=1, defaults={"size": size})
    return size


def _corpus_change(delta):
    # Called after the row itself changed, so a missing corpus row is recounted with this text included.
    if not ReuseCorpus.objects.filter(pk=1).update(size=F("size") + delta):
        _corpus_recount()


def _weights(hashes, n, zero=(), known=None):
    hashes = [int(h) for h in hashes]
    df = _df(hashes, known)
    zero = set(zero)
    return {h: 0.0 if h in zero else engine.idf(df.get(h, 1), n) for h in hashes}


def _quotes(row, arr):
    """Materials this text quotes, with the quoting sentences."""
    rows = _rows_in(f"SELECT hash, text_id FROM {MaterialShingle._meta.db_table} WHERE hash IN ({{}})",
                    [int(h) for h in arr[:5000]])
    by_material = defaultdict(set)
    for h, mid in rows:
        if mid != row.pk:
            by_material[mid].add(h)
    if not by_material:
        return [], set()
    quotes, quoted = [], set()
    materials = ReuseText.objects.in_bulk(list(by_material))
    own = [(s, engine.sentence_shingles(s, row.names)) for s in engine.sentences(row.text)]
    for mid, hs in by_material.items():
        said = []
        for s, sh in own:
            if sh and sum(h in hs for h in sh) / len(sh) >= QUOTE_SHARE:
                said.append(s)
        if said:
            quotes.append(Quote(mid, materials[mid].title, said))
            quoted |= hs
    return quotes, quoted


def _candidates(row):
    if row.signature is None:
        return []
    sig = engine.sig_from_bytes(row.signature)
    keys = [int(k) for k in engine.band_keys(sig)]
    # A band is two MinHash minima. Made of signature shingles (each in at most SIGNATURE_DF_CAP texts), it is
    # shared by fewer than that many; a band shared far more widely comes from the common shingles a text with too
    # few rare ones keeps (its rarest quarter) and points at no one. At a million texts single bands were shared
    # by 17,000 texts, and reading their signatures was most of the slowest checks (benchmarks/README.md); a
    # copy's bands with its source were shared by at most 91. Such bands are left out of the lookup.
    sizes = _rows_in(f"SELECT key, count(*) FROM {ReuseBand._meta.db_table} WHERE key IN ({{}}) GROUP BY key", keys)
    keys = [k for k, n in sizes if n <= HOT_BAND]
    ids = {t for t, in _rows_in(f"SELECT text_id FROM {ReuseBand._meta.db_table} WHERE key IN ({{}})", keys)} - {row.pk}
    if not ids:
        return []
    # Texts sharing a band grow with the corpus (hundreds at 20,000 texts); most share one band by chance.
    # Their signatures alone (1 KB each, compared at once) decide which are worth loading whole.
    pairs = _rows_in(f"SELECT id, signature FROM {ReuseText._meta.db_table} WHERE id IN ({{}}) AND is_draft = %s "
                     f"AND signature IS NOT NULL AND kind <> %s", sorted(ids), extra=(False, TextKind.MATERIAL.value))
    if not pairs:
        return []
    sigs = np.frombuffer(b"".join(bytes(s) for _, s in pairs), dtype=np.uint64).reshape(len(pairs), -1)
    close = np.count_nonzero(sigs == sig, axis=1) / len(sig) >= PREFILTER
    keep = [pk for (pk, _), ok in zip(pairs, close, strict=True) if ok]
    out = []
    # Only what compare() screens with: at a million texts a check can keep hundreds here, and only the few
    # that pass its bound are loaded whole (_loaded).
    qs = ReuseText.objects.filter(pk__in=keep).only(*SCREEN_FIELDS).order_by("pk")
    for other in qs:
        if row.chain == other.chain or (other.content_type_id, other.object_id) == (row.content_type_id,
                                                                                    row.object_id):
            continue  # another version of the same document, or another text of the same record
        out.append(other)
    return out


SCREEN_FIELDS = ("shingles", "own_count", "root_id", "content_type_id", "object_id")


def _loaded(others):
    """The candidates that passed the bound, whole (authors, groups and units for the report; text on demand)."""
    if not others:
        return []
    by_pk = ReuseText.objects.select_related("author", "group", "unit").defer("text").in_bulk([o.pk for o in others])
    return [by_pk[o.pk] for o in others if o.pk in by_pk]


def _same_owner(a, b):
    if a.author_id or b.author_id:
        return a.author_id is not None and a.author_id == b.author_id
    return a.group_id is not None and a.group_id == b.group_id


def _order(a, b):
    """(source, suspect): the one written earlier is the source; submission order plays no part."""
    return (a, b) if (a.written_on, a.pk) <= (b.written_on, b.pk) else (b, a)


def _bounded(row, arr, others, quoted, n, df):
    """Drop candidates whose score cannot reach the threshold, knowing only this text's weights.

    W(A∩B) is exact from A's weights; W(B) is at least W(A∩B) plus B's other own (unquoted) shingles at the
    smallest weight any shingle can have, so score ≤ W(A∩B) / min(W(A), that). Only the survivors need the
    corpus frequencies of all their shingles."""
    if len(others) <= 3:
        return others
    table = engine.Weights(_weights(set(int(h) for h in arr), n, zero=quoted, known=df))
    wa = table.total(arr)
    w_min = engine.idf(n + 1, n)
    limit = threshold(row.kind)
    keep = []
    for o in others:
        b = engine.from_bytes(o.shingles)
        common = np.intersect1d(arr, b, assume_unique=True)
        wc = table.total(common)
        wb_low = wc + max(0, o.own_count - len(common)) * w_min
        if wa > 0 and wb_low > 0 and wc / min(wa, wb_low) >= limit:
            keep.append(o)
    return keep


def compare(row, others, *, n=None):
    """[(other, score, passages, quotes_zeroed)] for the others above the kind's threshold."""
    arr = engine.from_bytes(row.shingles)
    quotes, quoted = _quotes(row, arr)
    n = n if n is not None else _corpus_size()
    df = _df(arr)  # this text's frequencies serve the bound and the scoring
    others = _loaded(_bounded(row, arr, others, quoted, n, df))
    arrays = {o.pk: engine.from_bytes(o.shingles) for o in others}
    everything = set(int(h) for h in arr)
    for a in arrays.values():
        everything.update(int(h) for h in a)
    other_quoted = _material_hashes(everything) if others else set()
    weights = _weights(everything, n, zero=quoted | other_quoted, known=df)
    table = engine.Weights(weights)
    rare = engine.idf(1, n)
    found = []
    for o in others:
        score, _ = engine.weighted_overlap(arr, arrays[o.pk], table)
        if score < threshold(row.kind):
            continue

        def skip(sh):
            if not sh:
                return True
            if sum(h in other_quoted or h in quoted for h in sh) / len(sh) >= QUOTE_SHARE:
                return True  # a quote of a material, reported separately
            # Common phrasing: too few of the sentence's shingles are uncommon in the corpus.
            return sum(weights.get(h, rare) >= COMMON_SHARE * rare for h in sh) / len(sh) < UNCOMMON_SHARE
        found.append((o, round(score, 3), skip))
    return found, quotes


@transaction.atomic
def check(row, *, candidates=None):
    """Check one indexed text against the corpus; store its matches (either direction) and quotes."""
    if not isinstance(row, ReuseText):
        raise TypeError("check() takes the row index_text() returned")
    others = _candidates(row) if candidates is None else candidates
    found, quotes = compare(row, others)
    ReuseMatch.objects.filter(source=row).delete()
    ReuseMatch.objects.filter(suspect=row).delete()
    QuoteFound.objects.filter(text=row).delete()
    QuoteFound.objects.bulk_create([QuoteFound(text=row, material_id=q.material_id, sentences=q.sentences[:40])
                                    for q in quotes])
    matches = []
    for other, score, skip in found:
        source, suspect = _order(row, other)
        shown = engine.passages(suspect.text, source.text, names_a=suspect.names, names_b=source.names, skip=skip)
        if not shown:
            continue  # what they share is quotes and common phrasing only
        matches.append(ReuseMatch(source=source, suspect=suspect, score=score, self_reuse=_same_owner(row, other),
                                  passages=shown))
    ReuseMatch.objects.bulk_create(matches)
    ReuseText.objects.filter(pk=row.pk).update(checked_at=timezone.now(), checked_threshold=threshold(row.kind))
    return _report(row, matches, quotes)


def index_and_check(obj, **kwargs):
    return check(index_text(obj, **kwargs))


def recheck(*, unit=None, year=None, kinds=None, stale_only=False, on_checked=None):
    """Check every text of a scope (a unit's subtree) and year again, each against the whole corpus.
    `stale_only`: only the texts last checked under another threshold than their kind's today; `on_checked(row,
    report)` after each (integrity.services raises a session record's signals from it, and keeps the progress)."""
    qs = scope_texts(unit=unit, year=year, kinds=kinds, stale_only=stale_only)
    # Every text of the scope is signed again first, so a copy of a text indexed when the corpus was small is
    # found (sources outside the scope keep their signatures until their own scope is re-checked).
    _corpus_recount()  # one count a re-check: a figure left wrong by a restore or a bulk script is set right
    # The ids are read first: checking a text changes what the scope's query selects (a stale text stops being
    # stale), and a query iterated while its rows change may skip or repeat some.
    pks = list(qs.order_by("pk").values_list("pk", flat=True))
    resigned = sum(resign(pk) for pk in pks)
    checked, pairs = 0, set()
    for i in range(0, len(pks), 200):
        for row in ReuseText.objects.filter(pk__in=pks[i:i + 200], signature__isnull=False).order_by("pk"):
            with transaction.atomic():  # one text's result and what follows from it, never the whole run
                report = check(row)
                if on_checked is not None:
                    on_checked(row, report)
            pairs.update((m.source.pk, m.suspect.pk) for m in report.matches)
            checked += 1
    return {"texts": checked, "matches": len(pairs), "resigned": resigned}


def index_material(material):
    """A library material: its passages, when others quote them, are quotes and never copying."""
    return index_text(material, kind=TextKind.MATERIAL, text=f"{material.title}\n{material.text}",
                      written_on=material.published_on, unit=material.owner_unit, title=material.title)
