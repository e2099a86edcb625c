"""Benchmark, not a test: district-scale data in PostgreSQL, then time the main pages.

    .venv/bin/python bench/run.py [--repeat 30] [--only member_list] [--seed 1]

Uses DATABASE_URL if set, else postgres://postgres@127.0.0.1:5432/wujin_bench. Creates
the database if missing, migrates, seeds 3,000 branches / 90,000 members with a year of
activity records unless they are already there (``bench.db``), then requests each page in
``bench.pages.PAGES`` as the given user and prints median and p95 time and the number of SQL
queries. The functions in MEASURES (no page: a district-wide count, a PDF) are timed the
same way, fewer times, and printed as rows of the same table. A row that fails shows its
error. Last, each review dashboard is timed next to a hand-written SQL query for the same
numbers (``bench.floors``). The load test (many users over HTTP) is ``bench/loadtest.py``.
"""

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):  # run as a script: import ``bench.*`` from the project, not bench/ itself
    sys.path[0:1] = [str(ROOT)]


def main(argv=None):
    from bench.db import DEFAULT_DATABASE_URL, ensure_database, prepare, setup_django

    parser = argparse.ArgumentParser(description="全区规模数据下的页面性能测试")
    parser.add_argument("--repeat", type=int, default=30, help="每个页面计时的请求次数（默认 30）")
    parser.add_argument("--seed", type=int, default=1, help="生成数据用的随机种子（默认 1）")
    parser.add_argument("--only", default="", help="只测 URL 名或标题包含该字符串的页面")
    parser.add_argument(
        "--measure-repeat", type=int, default=5, help="非页面测量（全区统计、台账 PDF）的计时次数（默认 5）"
    )
    args = parser.parse_args(argv)

    url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    ensure_database(url)
    setup_django(url)
    from django.test import Client

    from bench import floors
    from bench.objects import bench_context, describe
    from bench.pages import MEASURES, PAGES
    from bench.timing import print_table, time_measure, time_page

    prepare(args.seed)
    objects, users, sizes = bench_context()
    describe(objects, sizes)
    clients = {}
    for key, user in users.items():
        clients[key] = Client()
        clients[key].force_login(user)
    pages = [p for p in PAGES if args.only in p.url or args.only in p.label]
    rows = [time_page(p, clients, objects, args.repeat) for p in pages]
    measures = [m for m in MEASURES if args.only in m.label]
    if any(m.needs_font for m in measures):
        from wujin_branch import fonts

        fonts.build()  # the PDF font subset, built once per machine
    rows += [time_measure(m, objects, args.measure_repeat) for m in measures]
    print_table(rows, args.repeat)
    from wujin_branch import versions

    def forget():  # as a change would: the next request renders the dashboard afresh
        versions.bump(versions.ASSESSMENTS)

    floor_rows = [
        floors.compare(f, clients, objects, args.repeat, invalidate=forget) for f in floors.FLOORS if args.only in f.url
    ]
    if floor_rows:
        floors.print_floors(floor_rows, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
