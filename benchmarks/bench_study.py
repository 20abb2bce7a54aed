"""Issue 3's benchmarks on a seeded province: material search, the 第一时间 timeliness page, and the
照搬照抄 check of one new plan against every plan (against a pair-by-pair comparison in the same run).

    python benchmarks/bench_study.py --db var/bench-province.sqlite3
    DATABASE_URL=postgres://... python benchmarks/bench_study.py

Pages are fetched over loopback from one gunicorn sync worker, interleaved with GET /bench/baseline
(same middleware and log-in check, no work); figures are ratios to that baseline of the same run.
"""

import argparse
import sys
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import (  # noqa: E402
    LOGIN_CODE,
    MACHINE_NOTE,
    default_db_url,
    env_for,
    gunicorn,
    manage,
    measure,
    page_stats,
    print_pages,
    shell_json,
    write_result,
)

# Words a secretary types: two-character words (研讨, 全会) as well as longer phrases.
QUERIES = ["研讨", "全会", "学习", "乡村振兴", "党的建设", "习近平文化思想", "意识形态", "基层治理", "安全生产", "理论学习中心组"]

FIXTURES = LOGIN_CODE + r'''
import json
from materials.models import Material
from orgs.models import Unit
root = Unit.objects.filter(parent__isnull=True).order_by("id").first()
u = supervisor("bench_province", root)
material = Material.objects.filter(important=True).order_by("-published_on", "-id").first()
print("JSON" + json.dumps({"cookie": login_cookie(u), "root": root.pk, "material": material.pk if material else None,
                           "materials": Material.objects.count()}))
'''


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="a seeded SQLite file (default: DATABASE_URL)")
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    url = default_db_url(args.db)
    env = env_for(url)
    manage(env, "migrate", "--noinput", "-v0")
    fx = shell_json(env, FIXTURES)
    cookie = fx["cookie"]
    cases = {"baseline": ("/bench/baseline", cookie)}
    for i, q in enumerate(QUERIES):
        cases[f"search_{i}_{q}"] = (f"/materials/?q={quote(q)}", cookie)
    if fx["material"]:
        cases["timeliness_province"] = (f"/materials/first-item/timeliness/?unit={fx['root']}&material={fx['material']}",
                                        cookie)
    report = {"database": url.split("://")[0], "materials": fx["materials"], "machine": MACHINE_NOTE}
    with gunicorn(env) as (base, _pid):
        measure(base, cases, 1)  # warm-up
        timings, sizes = measure(base, cases, args.rounds)
    stats = page_stats(timings, sizes)
    # Search as one population: p95 over every query and round.
    all_search = sorted(t for name, ts in timings.items() if name.startswith("search_") for t in ts)
    p95 = all_search[min(len(all_search) - 1, int(len(all_search) * 0.95))] * 1000
    floor = stats["baseline"]["median_ms"]
    report.update(pages=stats, search_p95_ms=round(p95, 1), search_p95_ratio=round(p95 / floor, 1))
    _, copy_out = manage(env, "bench_plan_copycheck", "--rounds", str(args.rounds))
    report["copycheck"] = copy_out.strip().splitlines()
    out_file = write_result(f"study-{report['database']}", report)
    print(f"\n数据库：{report['database']}；学习资料 {fx['materials']} 份")
    print_pages(stats)
    print(f"资料检索（全部查询）p95：{p95:.1f} ms，为基线中位数的 {p95 / floor:.1f} 倍")
    print("照搬照抄比对：\n  " + "\n  ".join(report["copycheck"]))
    print(f"结果：{out_file}")


if __name__ == "__main__":
    main()
