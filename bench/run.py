"""Benchmark, not a test: district-scale data in PostgreSQL, then time the main pages.

    .venv/bin/python bench/run.py [--repeat 30] [--only member_list] [--seed 1]

Uses DATABASE_URL if set, else postgres://postgres@127.0.0.1:5432/wujin_bench. Creates
the database if missing, migrates, seeds 3,000 branches / 90,000 members with a year of
activity records unless they are already there, then requests each page in PAGES as the
given user and prints median and p95 time and the number of SQL queries. The functions in
MEASURES (no page: a district-wide count, a PDF) are timed the same way, fewer times, and
printed as rows of the same table. A row that fails shows its error.
"""

import argparse
import logging
import math
import os
import statistics
import sys
import time
import unicodedata
from pathlib import Path
from typing import NamedTuple
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/wujin_bench"
BRANCHES = 3000
MEMBERS_PER_BRANCH = 30


class Page(NamedTuple):
    label: str
    user: str  # a key of the users built in ``bench_context``: district | reviewer | secretary
    url: str  # URL name
    args: tuple = ()  # context keys whose objects' pks (or plain values, e.g. year) are the URL arguments
    query: dict | None = None  # query string; "{key}" is replaced by that context object's pk
    target_ms: float | None = None  # the goal; a slower median is marked in the table


class Measure(NamedTuple):
    """Timed work that is not a page: ``run(objects)`` returns (a size in bytes or None, a note)."""

    label: str
    run: object
    target_ms: float | None = None


# The pages to time. Add a row when a page is added; the context keys are built in
# ``bench_context`` (root, big_committee, big_branch, member, record, busy_branch, year).
PAGES = [
    Page("组织树·全区", "district", "org_tree", ("root",)),
    Page("组织树·最大党(工)委", "reviewer", "org_tree", ("big_committee",)),
    Page("支部页·最大支部", "secretary", "branch_detail", ("big_branch",)),
    Page("党员列表·第一页", "district", "member_list"),
    Page("党员列表·拼音搜索 zhang", "district", "member_list", query={"q": "zhang"}),
    Page("党员列表·按支部", "district", "member_list", query={"branch": "{big_branch}"}),
    Page("党员详情", "district", "member_detail", ("member",)),
    Page("空壳支部列表", "district", "shell_list"),
    Page("30天未记录的支部·全区", "district", "silent_list"),
    Page("花名册导出·最大支部", "secretary", "roster_export", ("big_branch",)),
    Page("考核看板·全区", "district", "district_dashboard"),
    Page("考核看板·最大党(工)委", "reviewer", "committee_dashboard", ("big_committee",)),
    Page("考核结果导出·全区", "district", "results_xlsx"),
    Page("组织生活日历·最大支部·本年", "secretary", "branch_calendar", ("big_branch",), {"year": "{year}"}, 100),
    Page("组织生活记录·党员大会", "secretary", "activity_detail", ("record",), target_ms=100),
    Page("组织生活记录列表·最大支部", "secretary", "activity_list", ("big_branch",)),
    Page("组织生活台账（网页）·记录最多的支部", "district", "life_ledger", ("busy_branch", "year")),
    # The download: the stored PDF when it is made from the same HTML (ledgers.books.pdfs). The
    # warm-up request stores it if the worker has not; laying it out is the 台账 PDF row below.
    Page("台账 PDF 下载·记录最多的支部", "district", "life_ledger_pdf", ("busy_branch", "year"), target_ms=3000),
    Page("联系服务群众台账 PDF·记录最多的支部", "district", "service_ledger_pdf", ("busy_branch", "year")),
    Page("党员信息台账 PDF·最大支部", "district", "member_ledger_pdf", ("big_branch", "year")),
    Page("支部自评·最大支部", "secretary", "assessment_self", ("assessment",), target_ms=150),
    Page("评分表 PDF·最大支部", "secretary", "score_sheet_pdf", ("assessment",), target_ms=500),
    Page("党费收缴表·最大支部·本月", "secretary", "dues_month", ("big_branch",)),
    Page("党内统计·全区", "district", "statistics", ("root",)),
]


def _compliance_counts(objects):
    import datetime

    from ledgers.activities.selectors import compliance_counts

    year = objects["year"]
    counts = compliance_counts(datetime.date(year, 1, 1), datetime.date(year, 12, 31))
    return None, f"{len(counts):,} 个支部"


def _ledger_pdf(objects):
    from ledgers.books.life import ledger_pdf

    content = ledger_pdf(objects["busy_branch"], objects["year"])  # laid out every time, never stored
    return len(content), f"{objects['busy_records']} 条记录"


def _daily_reminders(objects):
    """The morning task for the whole district (the first run writes the notices, later
    runs find them sent and add nothing)."""
    from django.utils import timezone

    from review.reminders import daily_reminders

    made = daily_reminders(on=timezone.localdate())
    return None, f"新通知：未记录 {made['silent']:,}，截止提醒 {made['deadlines']:,}"


def _dues_month_save(objects):
    """Last month's grid of the biggest branch saved in one go, every member ticked; each run
    alternates the amounts, so half the runs create or change every row."""
    from branches.models import Standing, User
    from ledgers import dues

    branch = objects["big_branch"]
    month = dues.add_months(dues.month_start(dues.today()), -1)
    ids = list(branch.members.filter(standing=Standing.ACTIVE, joined_on__lt=month).values_list("pk", flat=True))
    objects["dues_flip"] = not objects.get("dues_flip")
    amount = 4050 if objects["dues_flip"] else 4000
    rows = [dues.PaymentInput(member_id=pk, paid=True, amount_fen=amount) for pk in ids]
    dues.dues_month_save(actor=User.objects.get(username="district"), branch=branch, month=month, rows=rows)
    return None, f"{len(ids)} 名党员"


def _suggestions_all(objects):
    from assessment.models import Assessment
    from assessment.services import suggestions_run

    period = objects["assessment"].period
    ids = list(Assessment.objects.filter(period=period).values_list("branch_id", flat=True))
    n = suggestions_run(period=period, branch_ids=ids)
    return None, f"{n:,} 个支部"


# Timed work that is not a page, printed in the same table.
MEASURES = [
    Measure("建议分与一票否决·全区全部支部", _suggestions_all, 30000),
    Measure("compliance_counts·全区全部支部·本年", _compliance_counts, 5000),
    Measure("党费收缴表保存·最大支部·上月", _dues_month_save, 300),
    Measure("每日提醒·全区（30天未记录、截止提醒）", _daily_reminders),
    # What the worker does after a record is saved (not in a request: the download is the row above).
    Measure("台账 PDF 排版·记录最多的支部·本年（后台）", _ledger_pdf),
]


# ---------------------------------------------------------------- database


def ensure_database(url):
    """Create the PostgreSQL database named in ``url`` if it does not exist."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        return
    name = unquote(parts.path.lstrip("/"))
    params = {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 5432,
        "user": unquote(parts.username or "postgres"),
        "dbname": "postgres",
    }
    if parts.password:
        params["password"] = unquote(parts.password)
    with psycopg.connect(autocommit=True, **params) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"已创建数据库 {name}")


def setup_django(url):
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wujin_branch.settings")
    os.environ.setdefault("TESTING", "1")  # simple static storage, no manifest needed
    os.environ.setdefault("SECURE_SSL_REDIRECT", "False")  # the test client speaks plain http
    hosts = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
    if "testserver" not in hosts:
        hosts.append("testserver")
    os.environ["ALLOWED_HOSTS"] = ",".join(hosts)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    # A failing page is reported in its row; keep Django's traceback logging out of the table.
    logging.getLogger("django.request").setLevel(logging.CRITICAL)


def migrate_and_seed(seed):
    from django.core.management import call_command

    from branches.models import Organization, OrgKind
    from ledgers.models import Activity

    call_command("migrate", interactive=False, verbosity=0)
    n = Organization.objects.filter(kind=OrgKind.BRANCH).count()
    if n == BRANCHES and Activity.objects.exists():
        print(f"数据库中已有 {n:,} 个支部及组织生活记录，跳过生成数据。")
        return
    if n == BRANCHES:
        print(f"数据库中已有 {n:,} 个支部，但没有组织生活记录（较早的种子数据），清空后重新生成。")
    elif n:
        print(f"数据库中有 {n:,} 个支部（不是 {BRANCHES:,}），清空后重新生成。")
    t = time.perf_counter()
    call_command(
        "seed_demo",
        scale="district",
        seed=seed,
        branches=BRANCHES,
        members_per_branch=MEMBERS_PER_BRANCH,
        flush=Organization.objects.exists(),
    )
    print(f"生成全区规模数据用时 {time.perf_counter() - t:.1f} 秒")


def ensure_open_period():
    """The review dashboards need an open period with assessments: create and open one if none exists."""
    import datetime

    from assessment.models import Period, PeriodStatus, RubricVersion
    from assessment.services import period_create, period_open_run
    from branches.models import Organization, OrgKind, Role
    from wujin_branch.models import Job

    if Period.objects.filter(status=PeriodStatus.OPEN, assessments__isnull=False).exists():
        return
    actor = _user_with_role(Organization.objects.get(kind=OrgKind.DISTRICT, depth=1), Role.DISTRICT, "bench_district")
    year = datetime.date.today().year - 1
    period = period_create(
        actor=actor, name=f"{year}年度党支部规范化建设考核", year=year, stage=2,
        window_start=datetime.date(year, 1, 1), window_end=datetime.date(year, 12, 31),
        self_deadline=datetime.date(year + 1, 1, 15), committee_deadline=datetime.date(year + 1, 1, 31),
        district_deadline=datetime.date(year + 1, 2, 28), rubric=RubricVersion.objects.get(code="2016"),
    )  # fmt: skip
    job = Job.objects.create(kind="period_open", params={"period_id": period.pk}, created_by=actor)
    t = time.perf_counter()
    period_open_run(job_id=job.pk)
    print(f"已创建并开始考核周期 {period.name}，用时 {time.perf_counter() - t:.1f} 秒")


# ---------------------------------------------------------------- context


def _user_with_role(org, role, fallback_username):
    from branches.models import RoleAssignment, User

    ra = RoleAssignment.objects.filter(organization=org, role=role).select_related("user").order_by("id").first()
    if ra:
        return ra.user
    user, _ = User.objects.get_or_create(username=fallback_username, defaults={"full_name": fallback_username})
    RoleAssignment.objects.get_or_create(user=user, organization=org, role=role)
    return user


def bench_context():
    from django.db.models import Count
    from django.db.models.functions import Substr
    from django.utils import timezone

    from branches.models import CommitteeSeat, Member, Organization, OrgKind, Position, Role, Standing
    from ledgers.models import Activity, ActivityType

    root = Organization.objects.get(kind=OrgKind.DISTRICT, depth=1)
    prefix_len = Organization.steplen * 2
    biggest = (
        Organization.objects.filter(kind=OrgKind.BRANCH)
        .annotate(prefix=Substr("path", 1, prefix_len))
        .values("prefix")
        .annotate(n=Count("id"))
        .order_by("-n", "prefix")
        .first()
    )
    big_committee = Organization.objects.get(path=biggest["prefix"])
    top = (
        Member.objects.filter(standing=Standing.ACTIVE)
        .values("branch")
        .annotate(n=Count("id"))
        .order_by("-n", "branch")
        .first()
    )
    big_branch = Organization.objects.get(pk=top["branch"])
    seat = (
        CommitteeSeat.objects.filter(
            term__branch=big_branch, term__ended_on__isnull=True, position=Position.SECRETARY, holder__isnull=False
        )
        .select_related("holder")
        .first()
    )
    member = seat.holder if seat else Member.objects.filter(branch=big_branch).order_by("id").first()
    district = _user_with_role(root, Role.DISTRICT, "bench_district")
    users = {
        "district": district,
        "reviewer": _user_with_role(big_committee, Role.REVIEWER, "bench_reviewer"),
        "secretary": _user_with_role(big_branch, Role.SECRETARY, "bench_secretary"),
    }
    year = timezone.localdate().year
    this_year = Activity.objects.filter(held_on__year=year)
    # The record page: the biggest branch's best attended 党员大会 with photos.
    record = (
        this_year.filter(branch=big_branch, type=ActivityType.CONGRESS, photo_count__gt=0)
        .order_by("-expected_count", "-id")
        .first()
        or this_year.filter(branch=big_branch).order_by("-expected_count", "-id").first()
    )
    busy = this_year.values("branch").annotate(n=Count("id")).order_by("-n", "branch").first()
    from assessment.models import Assessment

    objects = {
        "assessment": Assessment.objects.filter(branch=big_branch).order_by("-period__created_at").first(),
        "root": root,
        "big_committee": big_committee,
        "big_branch": big_branch,
        "member": member,
        "record": record,
        "busy_branch": Organization.objects.get(pk=busy["branch"]) if busy else big_branch,
        "busy_records": busy["n"] if busy else 0,
        "year": year,
    }
    return objects, users, top["n"], biggest["n"]


# ---------------------------------------------------------------- timing


def _url(page, objects):
    from urllib.parse import urlencode

    from django.urls import reverse

    url = reverse(page.url, args=[getattr(objects[k], "pk", objects[k]) for k in page.args])
    if page.query:
        values = {name: getattr(obj, "pk", obj) for name, obj in objects.items()}
        query = {k: v.format(**values) for k, v in page.query.items()}
        url += "?" + urlencode(query)
    return url


def _fetch(client, url):
    response = client.get(url)
    if getattr(response, "streaming", False):
        body = b"".join(response.streaming_content)
    else:
        body = response.content
    return response, len(body)


def _problem(response):
    if response.status_code >= 400:
        return f"HTTP {response.status_code}"
    if response.status_code in (301, 302, 303, 307, 308):
        return f"HTTP {response.status_code} → {response.get('Location', '')}"
    return ""


def time_page(page, clients, objects, repeat):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    row = {"label": page.label, "user": page.user, "target": page.target_ms}
    try:
        url = _url(page, objects)
        row["url"] = url
        client = clients[page.user]
        response, _ = _fetch(client, url)  # warm-up: caches, templates, connection
        if problem := _problem(response):
            row["error"] = problem
            return row
        with CaptureQueriesContext(connection) as ctx:
            _, size = _fetch(client, url)
        # Read now: the next request's request_started signal clears the query log.
        queries = len(ctx.captured_queries)
        samples = []
        for _ in range(repeat):
            t = time.perf_counter()
            _fetch(client, url)
            samples.append((time.perf_counter() - t) * 1000)
    except Exception as e:  # a page under construction must not stop the benchmark
        row["error"] = f"{type(e).__name__}: {str(e).splitlines()[0][:100] if str(e) else ''}"
        return row
    samples.sort()
    row.update(
        queries=queries,
        median=statistics.median(samples),
        p95=samples[max(0, math.ceil(0.95 * len(samples)) - 1)],
        kb=size / 1024,
    )
    return row


def time_measure(measure, objects, repeat):
    """Like ``time_page`` for a function: a warm-up call, then ``repeat`` timed calls."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    row = {"label": measure.label, "user": "—", "target": measure.target_ms}
    try:
        measure.run(objects)  # warm-up
        reset_queries()
        with CaptureQueriesContext(connection) as ctx:
            size, note = measure.run(objects)
        queries = len(ctx.captured_queries)
        samples = []
        for _ in range(repeat):
            t = time.perf_counter()
            measure.run(objects)
            samples.append((time.perf_counter() - t) * 1000)
    except Exception as e:
        row["error"] = f"{type(e).__name__}: {str(e).splitlines()[0][:100] if str(e) else ''}"
        return row
    samples.sort()
    row.update(
        queries=queries,
        median=statistics.median(samples),
        p95=samples[max(0, math.ceil(0.95 * len(samples)) - 1)],
        kb=size / 1024 if size is not None else None,
        note=note,
        repeat=repeat,
    )
    return row


def _width(s):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def _pad(s, width, right=False):
    gap = " " * max(0, width - _width(s))
    return gap + s if right else s + gap


def print_table(rows, repeat):
    headers = ["页面", "用户", "中位数 ms", "p95 ms", "SQL 数", "大小 KB", "目标 ms"]
    body = []
    for r in rows:
        if "error" in r:
            body.append([r["label"], r["user"], "错误：" + r["error"]])
            continue
        target = r.get("target")
        mark = "" if target is None else f"≤{target:g}" + (" 超出" if r["median"] > target else "")
        size = "" if r.get("kb") is None else f"{r['kb']:.1f}"
        label = r["label"] + (f"（{r['note']}，{r['repeat']} 次）" if r.get("note") else "")
        body.append([label, r["user"], f"{r['median']:.1f}", f"{r['p95']:.1f}", str(r["queries"]), size, mark])
    if not body:
        print("没有与 --only 匹配的页面或计时项。")
        return
    widths = [max([_width(h), *(_width(b[i]) for b in body if len(b) > i and len(b) == len(headers))])
              for i, h in enumerate(headers)]  # fmt: skip
    line = "  ".join(_pad(h, w, right=2 <= i < 6) for i, (h, w) in enumerate(zip(headers, widths, strict=True)))
    print()
    print(f"每个页面请求 {repeat} 次（另有 1 次预热、1 次统计 SQL）：")
    print(line)
    print("-" * _width(line))
    for b in body:
        if len(b) == len(headers):
            print("  ".join(_pad(c, w, right=2 <= i < 6) for i, (c, w) in enumerate(zip(b, widths, strict=True))))
        else:
            print("  ".join([_pad(b[0], widths[0]), _pad(b[1], widths[1]), b[2]]))


def main(argv=None):
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
    from django.db import connection
    from django.test import Client

    from branches.models import Member, Organization, OrgKind
    from ledgers.models import Activity, Attendance

    print(f"数据库：{connection.settings_dict['NAME']}（{connection.vendor}）")
    migrate_and_seed(args.seed)
    ensure_open_period()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # the pages should meet a database with current statistics
    objects, users, big_branch_members, big_committee_branches = bench_context()
    print(
        f"支部 {Organization.objects.filter(kind=OrgKind.BRANCH).count():,} 个，"
        f"党员 {Member.objects.count():,} 名；最大党(工)委：{objects['big_committee'].name}"
        f"（{big_committee_branches} 个支部），最大支部：{objects['big_branch'].name}（{big_branch_members} 名党员）"
    )
    clients = {}
    for key, user in users.items():
        clients[key] = Client()
        clients[key].force_login(user)
    print(
        f"组织生活记录 {Activity.objects.count():,} 条，出勤 {Attendance.objects.count():,} 条；"
        f"记录最多的支部：{objects['busy_branch'].name}（本年 {objects['busy_records']} 条）"
    )
    pages = [p for p in PAGES if args.only in p.url or args.only in p.label]
    rows = [time_page(p, clients, objects, args.repeat) for p in pages]
    measures = [m for m in MEASURES if args.only in m.label]
    if any(m.run is _ledger_pdf for m in measures):
        from wujin_branch import fonts

        fonts.build()  # the PDF font subset, built once per machine
    rows += [time_measure(m, objects, args.measure_repeat) for m in measures]
    print_table(rows, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
