#!/usr/bin/env python
"""The text-reuse engine: checking one new text against N stored texts, against a pair-by-pair baseline.

    python benchmarks/bench_reuse.py --n 2000            # a fresh SQLite file under var/, N generated 心得
    python benchmarks/bench_reuse.py --calibrate         # the per-type recall / false-flag table (seeds 1..3)

The corpus is generated like the calibration set (integrity/tests/corpus.py: material quotes, slogans, own
sentences from templates) plus 2 % planted copies. Stored rows are what `reuse.index_text` stores; they are
bulk-inserted here so a large N loads in minutes. Measured in the same run:
  engine   — `reuse.check(row)` of one new text: LSH band lookup in the database, MinHash prefilter, weighted
             overlap (corpus document frequencies) on the few candidates, passages for the matches.
  baseline — pair by pair: load every stored text's shingles and compute the same weighted overlap with each.
Both must find the same planted source.
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup(db_path):
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


# Real 心得 name the writer's own places, projects, people and figures; the calibration generator's sentences
# come from a few templates, so at hundreds of thousands of texts every sentence would recur in thousands of
# them. For scale, each honest text also gets specifics drawn from a large space (3-character place names from
# 120 characters: 1.7 M; figures), so the corpus's vocabulary grows with it as a real one does.
SPECIFIC_CHARS = ("安宝北滨昌城春大德东丰福富港光广海和河红宏华怀黄惠吉嘉建江金锦京井景静九康乐丽利连林龙隆罗茂美"
                  "民明南宁平浦普启前桥青清庆泉仁瑞润三山上尚胜盛石双顺松泰塘天田通同万旺文西溪霞仙祥新星兴秀阳"
                  "杨永玉园源远岳云长振正中忠洲竹庄凤鹤")
SPECIFICS = ["{p}社区{n}号楼的{m}户居民向我反映了{q}片区的{a}问题",
             "我先后{k}次到{p}村蹲点，和{q}组的{m}户群众一起商量{a}的办法",
             "{p}项目今年完成投资{n}万元，带动{q}街{m}名群众就近就业",
             "在{p}镇调研时，{q}合作社负责人提出{a}方面的{m}条建议，已经落实{k}条",
             "针对{p}路沿线{m}家商户的诉求，我们协调{q}公司在{k}周内完成了{a}整改"]


def _name(rng, size=3):
    return "".join(rng.choice(SPECIFIC_CHARS) for _ in range(size))


def varied(doc, rng):
    """An honest text with 3–5 of the writer's own specifics put in among its own sentences."""
    from dataclasses import replace

    from integrity.tests.corpus import AREAS

    lines = doc.text.split("\n")
    for _ in range(rng.randint(3, 5)):
        said = rng.choice(SPECIFICS).format(p=_name(rng), q=_name(rng, 2), a=rng.choice(AREAS),
                                            n=rng.randint(2, 9999), m=rng.randint(2, 999), k=rng.randint(2, 30))
        i = rng.randrange(4, len(lines) + 1) if len(lines) > 4 else len(lines)
        lines.insert(i, said + "。")
    return replace(doc, text="\n".join(lines))


KEEP = 1000  # the first texts are kept in memory: the new texts of the timed checks copy them


def bulk_load(n, rng, chunk=20_000):
    """N generated texts stored as `reuse.index_text` stores them, in chunks so a million fit in memory.

    Each text's signature is made as index_text makes it (reuse.signature_set) from the document frequencies
    of the texts loaded before it, as when texts arrive one by one. 2 % are copies (40 % rewritten) of an earlier text."""
    import datetime as dt

    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction

    from integrity import engine, reuse
    from integrity.models import ReuseBand, ReuseShingle, ReuseText
    from integrity.tests.corpus import UNITS, copy_of, honest
    from orgs.models import Unit

    unit = Unit.objects.create(name="基准测试单位", path="/", depth=0) if not Unit.objects.exists() else \
        Unit.objects.first()
    ct = ContentType.objects.get_for_model(Unit)
    kept, kept_rows, recent, df = [], [], [], Counter()
    start = ReuseText.objects.count()
    band_sql = f"INSERT INTO {ReuseBand._meta.db_table} (text_id, key) VALUES (%s, %s)"
    # 64 band rows a text: inserting them into a growing index is most of a large load, so the band indexes are
    # dropped for the load and built once at the end (SQLite; the benchmark's own throwaway file).
    with connection.cursor() as cur:
        cur.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL",
                    [ReuseBand._meta.db_table])
        band_indexes = cur.fetchall()
        for name, _ in band_indexes:
            cur.execute(f'DROP INDEX "{name}"')
    for first in range(0, n, chunk):
        docs = []
        for i in range(first, min(n, first + chunk)):
            if i > 50 and rng.random() < 0.02:
                docs.append(copy_of(rng.choice(recent), rng, f"c{i}", rng.choice(UNITS), "rewritten40"))
            else:
                docs.append(varied(honest(rng, f"h{i}", UNITS[i % len(UNITS)]), rng))
            if len(recent) < 5000:
                recent.append(docs[-1])
            elif rng.random() < 0.1:
                recent[rng.randrange(5000)] = docs[-1]  # sources spread over the whole corpus
        sets = [engine.shingle_set(d.text) for d in docs]
        rows = []
        for j, (d, hashes) in enumerate(zip(docs, sets, strict=True)):
            arr = engine.to_array(hashes)
            sig = engine.signature(reuse.signature_set(list(hashes), df, first + j))
            df.update(hashes)
            rows.append(ReuseText(kind="writing", content_type=ct, object_id=start + first + j + 1, unit=unit,
                                  title=d.key, written_on=dt.date(2026, 1, 1) + dt.timedelta(days=(first + j) % 300),
                                  year=2026, text=d.text, shingles=arr.tobytes(), signature=sig.tobytes(),
                                  shingle_count=len(arr), own_count=len(arr), counted=True))
        with transaction.atomic():
            ReuseText.objects.bulk_create(rows, batch_size=1000)
            with connection.cursor() as cur:
                cur.executemany(band_sql, [(r.pk, k) for r in rows
                                           for k in engine.band_keys(engine.sig_from_bytes(r.signature))])
        if len(kept) < KEEP:
            kept += docs[:KEEP - len(kept)]
            kept_rows += rows[:KEEP - len(kept_rows)]
        print(f"  loaded {min(n, first + chunk):,} texts", flush=True)
    with transaction.atomic(), connection.cursor() as cur:
        items = list(df.items())
        for i in range(0, len(items), 50_000):
            cur.executemany(f"INSERT INTO {ReuseShingle._meta.db_table} (hash, df) VALUES (%s, %s)",
                            items[i:i + 50_000])
    with connection.cursor() as cur:
        for _, sql in band_indexes:
            cur.execute(sql)
    reuse._corpus_recount()
    connection.cursor().execute("ANALYZE")
    return kept, kept_rows, unit, len(df)


def kept_from(db_n, rng):
    """The first KEEP texts of a corpus bulk_load made earlier (--keep-db): their documents drawn again from the
    same seed, their rows read back. The rounds then replay identically for every run on the same file."""
    from integrity.models import ReuseText
    from integrity.tests.corpus import UNITS, copy_of, honest
    from orgs.models import Unit

    docs = []
    for i in range(KEEP):  # bulk_load's draws, in its order
        if i > 50 and rng.random() < 0.02:
            docs.append(copy_of(rng.choice(docs), rng, f"c{i}", rng.choice(UNITS), "rewritten40"))
        else:
            docs.append(varied(honest(rng, f"h{i}", UNITS[i % len(UNITS)]), rng))
    rows = list(ReuseText.objects.order_by("pk")[:KEEP])
    assert all(r.text == d.text for d, r in zip(docs, rows, strict=True)), "the file was not made by bulk_load"
    return docs, rows, Unit.objects.first(), db_n


def baseline(row):
    """Pair by pair: every stored text's shingles against the new one, with the same weights."""
    from integrity import engine, reuse
    from integrity.models import ReuseText

    arr = engine.from_bytes(row.shingles)
    others = ReuseText.objects.exclude(pk=row.pk).exclude(kind="material").values_list("pk", "shingles")
    everything = set(int(h) for h in arr)
    arrays = []
    for pk, data in others.iterator(chunk_size=5000):
        a = engine.from_bytes(data)
        arrays.append((pk, a))
        everything.update(int(h) for h in a)
    weights = engine.Weights(reuse._weights(everything, len(arrays) + 1))
    limit = reuse.threshold(row.kind)
    return [pk for pk, a in arrays if engine.weighted_overlap(arr, a, weights)[0] >= limit]


def sizes():
    """Bytes of the reuse index (SQLite's dbstat, where the build has it): texts, bands, shingle counts."""
    from django.db import connection

    try:
        with connection.cursor() as cur:
            cur.execute("SELECT name, SUM(pgsize) FROM dbstat WHERE name LIKE 'integrity_reuse%' GROUP BY name")
            return dict(cur.fetchall())
    except Exception:  # noqa: BLE001 — dbstat is optional in SQLite builds; the size is then not reported
        return {}


def recheck_rate(sample, n):
    """A whole-scope re-check (reuse.recheck) signs and checks every text in turn against the whole corpus: time a run of
    `sample` stored texts, exactly as recheck iterates them, and the process's peak memory; the whole corpus
    takes n/sample times as long (each check's cost does not depend on the others)."""
    from integrity import reuse
    from integrity.models import ReuseText

    def rss():  # resident MiB now (the load before this held the corpus's frequencies; that is not the re-check's)
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmRSS")) / 1024

    import gc

    gc.collect()
    before = rss()
    qs = ReuseText.objects.exclude(kind="material").exclude(signature__isnull=True).order_by("pk")
    t = time.perf_counter()
    checked = 0
    for row in qs.iterator(chunk_size=200):
        reuse.resign(row.pk)  # as recheck does: signed again with the corpus as it stands, then checked
        reuse.check(row)
        checked += 1
        if checked >= sample:
            break
    per = (time.perf_counter() - t) / checked
    after = rss()
    print(f"  re-check: {checked:,} stored texts in {per * checked:.0f} s ({per * 1000:.1f} ms each); the whole "
          f"corpus of {n:,} ≈ {per * n / 3600:.1f} h on one core; resident memory {before:,.0f} MiB before, {after:,.0f} MiB after")


def bench(n, rounds, base_rounds, recheck_sample=0, keep_db=False, resign_kept=False):
    import datetime as dt

    from django.db import transaction

    from integrity import reuse
    from integrity.models import ReuseShingle, ReuseText
    from integrity.tests.corpus import COPY_TYPES, UNITS, copy_of, honest
    from orgs.models import Unit

    rng = random.Random(5)
    t0 = time.perf_counter()
    if keep_db and ReuseText.objects.count() >= n:
        docs, rows, unit, distinct = kept_from(ReuseShingle.objects.count(), rng)
        print(f"  the file's {ReuseText.objects.count():,} texts are used as they are (--keep-db)")
    else:
        docs, rows, unit, distinct = bulk_load(n, rng)
    load_s = time.perf_counter() - t0
    # The rounds' new texts are rolled back at the end, so a kept file replays the same rounds next time.
    rounds_txn = transaction.atomic()
    rounds_txn.__enter__()
    # The library the generated texts quote, as a real installation has it: quotes of it weigh nothing and are
    # reported apart. (Added with the rounds, so a kept file stays as bulk_load left it.)
    from integrity.tests.calibration import load_library

    load_library(unit)
    if resign_kept:  # as the background job (reuse.resign_stale) leaves them once it has run
        t = time.perf_counter()
        changed = sum(reuse.resign(r.pk) for r in rows)
        print(f"  re-signed the first {len(rows):,} texts as the background job would: {changed:,} changed, "
              f"{time.perf_counter() - t:.0f} s")
    engine_ms, base_ms, cands = [], [], []
    KINDS = (*COPY_TYPES, "honest")
    by_type, false_flags = {how: [0, 0] for how in COPY_TYPES}, 0
    found_engine = found_base = 0
    # The rounds draw from their own generator: drawn from the load's, a kept file's rounds (which follow only the
    # first KEEP texts' draws) replayed the draws of the texts stored after those, and an "honest" new text came
    # out with another stored text's own sentences and figures, a copy in all but name.
    rng = random.Random(1_000_003)
    for r in range(rounds):
        src_i = rng.randrange(len(docs))
        how = KINDS[r % len(KINDS)]
        if how == "honest":  # a new honest text: any match is a false flag
            new = varied(honest(rng, f"new{r}", rng.choice(UNITS)), rng)
        else:
            new = copy_of(docs[src_i], rng, f"new{r}", rng.choice(UNITS), how)
        row = reuse.index_text(Unit(pk=10_000_000 + r), kind="writing", text=new.text, unit=unit,
                               written_on=dt.date(2026, 12, 1), title=new.key)
        cands.append(len(reuse._candidates(row)))
        t = time.perf_counter()
        report = reuse.check(row)
        engine_ms.append((time.perf_counter() - t) * 1000)
        if how == "honest":
            false_flags += bool(report.matches)
            continue
        hit = rows[src_i].pk in {m.source.pk for m in report.matches}
        found_engine += hit
        by_type[how][0] += hit
        by_type[how][1] += 1
        if r < base_rounds:
            t = time.perf_counter()
            found = baseline(row)
            base_ms.append((time.perf_counter() - t) * 1000)
            found_base += rows[src_i].pk in found
    transaction.set_rollback(True)
    rounds_txn.__exit__(None, None, None)
    med = statistics.median
    q = sorted(engine_ms)[max(0, -(-len(engine_ms) * 95 // 100) - 1)]  # nearest rank
    print(f"N = {n:,} stored texts ({distinct:,} distinct shingles; loaded in {load_s:.0f} s), {rounds} checks of "
          f"a new text (copies of each type in turn), candidates per check median {med(cands)}, max {max(cands)}")
    print(f"  engine (LSH + weighted verify + passages): median {med(engine_ms):.1f} ms, p95 {q:.1f} ms, "
          f"max {max(engine_ms):.1f} ms; planted source found in {found_engine}/{sum(b for _, b in by_type.values())} ("
          + ", ".join(f"{how} {a}/{b}" for how, (a, b) in by_type.items()) + f"); honest texts flagged {false_flags}/{rounds - sum(b for _, b in by_type.values())}")
    if base_ms:
        print(f"  pair-by-pair baseline (same scoring, all N), {len(base_ms)} rounds: median {med(base_ms):.1f} ms, "
              f"max {max(base_ms):.1f} ms; ratio baseline/engine {med(base_ms) / med(engine_ms):.1f}x; "
              f"planted source found in {found_base}/{len(base_ms)}")
    if recheck_sample:
        recheck_rate(recheck_sample, n)
    for name, size in sorted(sizes().items()):
        if size >= 2**20:
            print(f"  {name}: {size / 2**20:,.0f} MiB")


def calibrate(seeds):
    from django.db import transaction

    from integrity.tests.calibration import evaluate, load_library
    from integrity.tests.corpus import COPY_TYPES
    from orgs import services as org

    totals, planted, false = Counter(), Counter(), Counter()
    for seed in seeds:
        with transaction.atomic():
            root = org.unit_create(name=f"校准市{seed}", level="city")
            load_library(root)
            table, f, _ = evaluate(seed=seed, root_unit=root, check_each=False)
            transaction.set_rollback(True)
        for how, (found, count) in table.items():
            totals[how] += found
            planted[how] += count
        false.update(f)
    print(f"seeds {seeds}: per seed 36 honest documents and copies of each type")
    print("| copy type | found / planted | recall |")
    print("|---|---|---|")
    for how in COPY_TYPES:
        print(f"| {how} | {totals[how]}/{planted[how]} | {totals[how] / planted[how]:.0%} |")
    print(f"false flags: {dict(false) or 0}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--base-rounds", type=int, default=None, help="pair-by-pair rounds (default: all)")
    parser.add_argument("--recheck", type=int, default=0, help="time a re-check of this many stored texts")
    parser.add_argument("--db", help="SQLite file to keep (default: a temporary one)")
    parser.add_argument("--keep-db", action="store_true",
                        help="with --db: use the texts already there (from an earlier run with the same --n)")
    parser.add_argument("--resign-kept", action="store_true",
                        help="re-sign the first 1,000 texts (the rounds' sources) before the rounds, as the "
                             "background job would have by then")
    parser.add_argument("--calibrate", action="store_true")
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--cap", type=int, help="try another reuse.SIGNATURE_DF_CAP")
    parser.add_argument("--part", type=int, help="try another reuse.SIGNATURE_MIN_PART")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=ROOT / "var") as tmp:
        setup(Path(args.db) if args.db else Path(tmp) / "reuse.sqlite3")
        from integrity import reuse

        reuse.SIGNATURE_DF_CAP = args.cap or reuse.SIGNATURE_DF_CAP
        reuse.SIGNATURE_MIN_PART = args.part or reuse.SIGNATURE_MIN_PART
        print(f"signature: shingles in at most max({reuse.COMMON_MIN_DF}, min({reuse.COMMON_RATIO:.0%} of the corpus, "
              f"{reuse.SIGNATURE_DF_CAP})) texts, at least 1/{reuse.SIGNATURE_MIN_PART} of a text's own")
        if args.calibrate:
            calibrate([int(s) for s in args.seeds.split(",")])
        else:
            bench(args.n, args.rounds, args.rounds if args.base_rounds is None else args.base_rounds,
                  args.recheck, keep_db=args.keep_db, resign_kept=args.resign_kept)


if __name__ == "__main__":
    main()
