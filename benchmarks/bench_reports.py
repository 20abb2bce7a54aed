"""Reports (issue 13): generating one bulletin .docx and building one group's yearly archive.

    DATABASE_URL=sqlite:////tmp/reports-bench.sqlite3 python benchmarks/bench_reports.py

Runs in-process against a seeded database (city scale is enough to read the cost per group; the province
run is the lead's). The bulletin is generated for the root unit's whole subtree; as the baseline in the same
run, the same subtree's figures alone (period_figures, what the dashboard shows), so the document's own cost
is visible. The archive is built for the group with the most sessions. Nothing is kept: every write runs
inside a transaction that is rolled back.
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.utils import timezone  # noqa: E402

from orgs.models import StudyGroup, Unit  # noqa: E402
from reports import selectors, services  # noqa: E402
from reports.models import Office  # noqa: E402


class Rollback(Exception):
    pass


def timed(fn, rounds):
    out = []
    for _ in range(rounds):
        start = time.perf_counter()
        try:
            with transaction.atomic():
                fn()
                raise Rollback
        except Rollback:
            pass
        out.append((time.perf_counter() - start) * 1000)
    return statistics.median(out), min(out)


def main(rounds=5):
    year = timezone.localdate().year
    root = Unit.objects.order_by("depth", "pk").first()
    groups = selectors.subtree_groups(root).count()
    office = Office(unit=root, mark=f"{root.name}宣传部文件", prefix="宣", printer="宣传部办公室", cc="办公室")

    def bulletin():
        office.save()
        services.bulletin_generate(office=office, unit=root, year=year, quarter=None, by=None, make_pdf=False)

    figures = timed(lambda: selectors.period_figures(root, year), rounds)
    doc = timed(bulletin, rounds)
    group = (StudyGroup.objects.annotate(n=Count("session_participations")).order_by("-n").first())

    def archive():
        build = services.archive_request(group=group, year=year, by=None)
        services.archive_build(build.pk)

    arch = timed(archive, rounds)
    sessions = group.n
    print(f"subtree: {root.name}, {groups} groups; archive group: {group.name}, {sessions} sessions")
    print(f"period_figures (baseline)   median {figures[0]:8.1f} ms  min {figures[1]:8.1f} ms")
    print(f"bulletin .docx (one step)   median {doc[0]:8.1f} ms  min {doc[1]:8.1f} ms  "
          f"(document itself ≈ {doc[0] - figures[0]:.1f} ms)")
    print(f"one group's archive zip     median {arch[0]:8.1f} ms  min {arch[1]:8.1f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
