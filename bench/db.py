"""The bench database: created if missing, migrated, seeded at district scale once (reused
afterwards), with an open assessment period for the review dashboards."""

import logging
import os
import sys
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/wujin_bench"
BRANCHES = 3000
MEMBERS_PER_BRANCH = 30


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
    from bench.objects import user_with_role

    actor = user_with_role(Organization.objects.get(kind=OrgKind.DISTRICT, depth=1), Role.DISTRICT, "bench_district")
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


def prepare(seed):
    """Migrated, seeded, an open period, fresh planner statistics: ready to time."""
    from django.db import connection

    print(f"数据库：{connection.settings_dict['NAME']}（{connection.vendor}）")
    migrate_and_seed(seed)
    ensure_open_period()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # the pages should meet a database with current statistics
