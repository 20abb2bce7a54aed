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


def bulk_load(n, rng):
    import datetime as dt

    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    from integrity import engine, reuse
    from integrity.models import ReuseBand, ReuseShingle, ReuseText
    from integrity.tests.corpus import UNITS, copy_of, honest
    from orgs.models import Unit

    unit = Unit.objects.create(name="基准测试单位", path="/", depth=0) if not Unit.objects.exists() else \
        Unit.objects.first()
    ct = ContentType.objects.get_for_model(Unit)
    docs = []
    for i in range(n):
        if i > 50 and rng.random() < 0.02:
            docs.append(copy_of(rng.choice(docs[:50]), rng, f"c{i}", rng.choice(UNITS), "rewritten40"))
        else:
            docs.append(honest(rng, f"h{i}", UNITS[i % len(UNITS)]))
    rows, bands, df = [], [], Counter()
    start = ReuseText.objects.count()
    sets = [engine.shingle_set(d.text) for d in docs]
    for hashes in sets:
        df.update(hashes)
    # As index_text does, the signature leaves out phrasing common in the corpus (here: the final corpus).
    limit = max(reuse.COMMON_MIN_DF, reuse.COMMON_RATIO * n)
    for i, d in enumerate(docs):
        hashes = sets[i]
        arr = engine.to_array(hashes)
        sig = engine.signature(sorted(h for h in hashes if df[h] <= limit))
        rows.append(ReuseText(kind="writing", content_type=ct, object_id=start + i + 1, unit=unit, title=d.key,
                              written_on=dt.date(2026, 1, 1) + dt.timedelta(days=i % 300), year=2026, text=d.text,
                              shingles=arr.tobytes(), signature=sig.tobytes(), shingle_count=len(arr), own_count=len(arr), counted=True))
    ReuseText.objects.bulk_create(rows, batch_size=1000)
    for r in rows:
        bands += [ReuseBand(text_id=r.pk, key=k) for k in engine.band_keys(engine.sig_from_bytes(r.signature))]
    ReuseBand.objects.bulk_create(bands, batch_size=5000)
    ReuseShingle.objects.bulk_create([ReuseShingle(hash=h, df=c) for h, c in df.items()], batch_size=5000,
                                     ignore_conflicts=True)
    connection.cursor().execute("ANALYZE")
    return docs, rows, unit


def baseline(row):
    """Pair by pair: every stored text's shingles against the new one, with the same weights."""
    from integrity import engine, reuse
    from integrity.models import ReuseText

    arr = engine.from_bytes(row.shingles)
    others = list(ReuseText.objects.exclude(pk=row.pk).exclude(kind="material").values_list("pk", "shingles"))
    everything = set(int(h) for h in arr)
    arrays = []
    for pk, data in others:
        a = engine.from_bytes(data)
        arrays.append((pk, a))
        everything.update(int(h) for h in a)
    weights = engine.Weights(reuse._weights(everything, len(others) + 1))
    limit = reuse.threshold(row.kind)
    return [pk for pk, a in arrays if engine.weighted_overlap(arr, a, weights)[0] >= limit]


def bench(n, rounds):
    import datetime as dt

    from integrity import reuse
    from integrity.tests.corpus import UNITS, copy_of

    rng = random.Random(5)
    t0 = time.perf_counter()
    docs, rows, unit = bulk_load(n, rng)
    load_s = time.perf_counter() - t0
    engine_ms, base_ms = [], []
    found_engine = found_base = 0
    for r in range(rounds):
        src_i = rng.randrange(min(50, n))
        new = copy_of(docs[src_i], rng, f"new{r}", rng.choice(UNITS), "rewritten20")
        from orgs.models import Unit

        row = reuse.index_text(Unit(pk=10_000_000 + r), kind="writing", text=new.text, unit=unit,
                               written_on=dt.date(2026, 12, 1), title=new.key)
        t = time.perf_counter()
        report = reuse.check(row)
        engine_ms.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        found = baseline(row)
        base_ms.append((time.perf_counter() - t) * 1000)
        found_engine += rows[src_i].pk in {m.source.pk for m in report.matches}
        found_base += rows[src_i].pk in found
    med = statistics.median
    print(f"N = {n} stored texts (loaded in {load_s:.1f} s), {rounds} checks of a new text (a 20%-rewritten copy)")
    print(f"  engine (LSH + weighted verify + passages): median {med(engine_ms):.1f} ms, max {max(engine_ms):.1f} ms")
    print(f"  pair-by-pair baseline (same scoring, all N): median {med(base_ms):.1f} ms, max {max(base_ms):.1f} ms")
    print(f"  ratio baseline/engine: {med(base_ms) / med(engine_ms):.1f}x; the planted source found by the engine "
          f"in {found_engine}/{rounds}, by the baseline in {found_base}/{rounds}")


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
    parser.add_argument("--calibrate", action="store_true")
    parser.add_argument("--seeds", default="1,2,3")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        setup(Path(tmp) / "reuse.sqlite3")
        if args.calibrate:
            calibrate([int(s) for s in args.seeds.split(",")])
        else:
            bench(args.n, args.rounds)


if __name__ == "__main__":
    main()
