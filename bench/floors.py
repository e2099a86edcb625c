"""Hand-written SQL for the numbers each review dashboard shows: the floor a page cannot beat
(the database's own work, no ORM, no template). ``compare`` times the page and its floor side by
side in one run and prints the ratio (goal: the page within 3× its floor).

Each floor returns the same numbers the page shows, in as few statements as a person would
write: the committees, branch counts per committee, one grouped pass over the period's
assessments, the overdue rows, the pending objections (district); the committee's counts, its
silent branches, its returned records and its first page of rows (committee).
"""

import math
import statistics
import time
from typing import NamedTuple

from bench.timing import fetch, pad, text_width


class Floor(NamedTuple):
    label: str
    user: str
    url: str  # URL name
    args: tuple  # context keys whose pks are the URL arguments
    sql: object  # (objects) -> list of (sql, params)


def _statuses():
    from assessment.models import AssessmentStatus

    return list(AssessmentStatus.values)


def _period_id(objects):
    from assessment.models import Period, PeriodStatus

    return Period.objects.filter(status=PeriodStatus.OPEN).order_by("-year", "-created_at", "-id").first().pk


SCORE = "COALESCE(a.district_total, a.self_total)"
BINS = [
    f"{SCORE} < 60", f"{SCORE} >= 60 AND {SCORE} < 70", f"{SCORE} >= 70 AND {SCORE} < 80",
    f"{SCORE} >= 80 AND {SCORE} < 85", f"{SCORE} >= 85 AND {SCORE} < 90", f"{SCORE} >= 90 AND {SCORE} < 95",
    f"{SCORE} >= 95",
]  # fmt: skip


def _aggregates_sql(where):
    per_status = ", ".join(f"count(*) FILTER (WHERE a.status = '{s}')" for s in _statuses())
    bins = ", ".join(f"count(*) FILTER (WHERE {b})" for b in BINS)
    return f"""
        SELECT substr(o.path, 1, 8), count(*), count(*) FILTER (WHERE a.status = 'confirmed'),
               count(*) FILTER (WHERE a.has_veto), count(*) FILTER (WHERE a.district_total IS NOT NULL),
               count(*) FILTER (WHERE a.district_total IS NULL AND a.self_total IS NOT NULL),
               {per_status}, {bins},
               count(*) FILTER (WHERE a.status IN ('draft', 'returned')),
               count(*) FILTER (WHERE a.status IN ('submitted', 'district_returned', 'committee_reviewed',
                                                   'recommended')),
               count(*) FILTER (WHERE a.status = 'declared')
        FROM assessment_assessment a JOIN branches_organization o ON o.id = a.branch_id
        WHERE a.period_id = %s {where}
        GROUP BY 1"""


def district_sql(objects):
    period = _period_id(objects)
    return [
        ("SELECT id, name, path, status FROM branches_organization WHERE depth = 2 AND kind <> 'branch' "
         "ORDER BY path", []),
        ("SELECT substr(path, 1, 8), count(*) FROM branches_organization "
         "WHERE kind = 'branch' AND status = 'active' AND depth > 2 GROUP BY 1", []),
        (_aggregates_sql(""), [period]),
        ("SELECT a.id, a.status, o.name, o.path FROM assessment_assessment a "
         "JOIN branches_organization o ON o.id = a.branch_id WHERE a.period_id = %s "
         "AND a.status IN ('draft', 'returned', 'submitted', 'district_returned', 'committee_reviewed', "
         "'recommended', 'declared') ORDER BY o.path LIMIT 50", [period]),
        ("SELECT count(*) FROM review_objection WHERE status = 'pending'", []),
    ]  # fmt: skip


def committee_sql(objects):
    period = _period_id(objects)
    path = objects["big_committee"].path
    like = path + "%"
    return [
        ("SELECT a.status, count(*) FROM assessment_assessment a JOIN branches_organization o ON o.id = a.branch_id "
         "WHERE a.period_id = %s AND o.path LIKE %s GROUP BY 1", [period, like]),
        ("SELECT count(*) FROM branches_organization o WHERE o.path LIKE %s AND o.kind = 'branch' "
         "AND o.status = 'active' AND (o.founded_on IS NULL OR o.founded_on <= current_date - 30) "
         "AND NOT EXISTS (SELECT 1 FROM ledgers_activity x WHERE x.branch_id = o.id "
         "AND x.held_on > current_date - 30 AND x.held_on <= current_date)", [like]),
        ("SELECT count(*) FROM ledgers_activity x JOIN branches_organization o ON o.id = x.branch_id "
         "WHERE o.path LIKE %s AND x.returned", [like]),
        ("SELECT count(*) FROM assessment_assessment a JOIN branches_organization o ON o.id = a.branch_id "
         "WHERE a.period_id = %s AND o.path LIKE %s", [period, like]),
        ("SELECT a.id, a.status, a.self_total, a.district_total, o.name, o.path, "
         "(SELECT count(*) FROM ledgers_activity x WHERE x.branch_id = a.branch_id AND x.returned) "
         "FROM assessment_assessment a JOIN branches_organization o ON o.id = a.branch_id "
         "WHERE a.period_id = %s AND o.path LIKE %s ORDER BY o.path LIMIT 50", [period, like]),
        ("SELECT count(*) FROM branches_organization WHERE kind = 'branch' AND status = 'active' "
         "AND depth > 2 AND path LIKE %s", [like]),
        (_aggregates_sql("AND o.path LIKE %s"), [period, like]),
    ]  # fmt: skip


FLOORS = [
    Floor("考核看板·全区", "district", "district_dashboard", (), district_sql),
    Floor("考核看板·最大党(工)委", "reviewer", "committee_dashboard", ("big_committee",), committee_sql),
]


def _run_sql(statements):
    from django.db import connection

    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)
            cursor.fetchall()


def _stats(samples):
    samples = sorted(samples)
    return statistics.median(samples), samples[max(0, math.ceil(0.95 * len(samples)) - 1)]


def compare(floor, clients, objects, repeat, *, invalidate=None):
    """The page's median time as served (its aggregates cached while the data is unchanged),
    without the cache (``invalidate`` forgets the cached fragments before each such request,
    as a change to the data would) and its floor's, alternating in one loop so that a busy
    machine slows all three alike."""
    from django.urls import reverse

    url = reverse(floor.url, args=[objects[k].pk for k in floor.args])
    client = clients[floor.user]
    statements = floor.sql(objects)
    row = {"label": floor.label, "url": url}
    try:
        fetch(client, url)
        _run_sql(statements)  # warm-up both
        page, cold, sql = [], [], []
        for _ in range(repeat):
            t = time.perf_counter()
            _run_sql(statements)
            sql.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            fetch(client, url)
            page.append((time.perf_counter() - t) * 1000)
            if invalidate is not None:
                invalidate()
                t = time.perf_counter()
                fetch(client, url)
                cold.append((time.perf_counter() - t) * 1000)
    except Exception as e:
        row["error"] = f"{type(e).__name__}: {str(e).splitlines()[0][:100] if str(e) else ''}"
        return row
    row["page"], row["sql"] = _stats(page)[0], _stats(sql)[0]
    row["cold"] = _stats(cold)[0] if cold else None
    return row


def print_floors(rows, repeat):
    print()
    print(f"看板与 SQL 下限（同一次运行中交替计时，各 {repeat} 次，中位数；目标：页面 ≤ 3× SQL 下限）：")
    headers = ["看板", "页面 ms", "页面·无缓存 ms", "SQL 下限 ms", "倍数", "无缓存倍数"]
    body = []
    for r in rows:
        if "error" in r:
            body.append([r["label"], "错误：" + r["error"]])
            continue
        cold = r["cold"]
        body.append([
            r["label"], f"{r['page']:.1f}", "—" if cold is None else f"{cold:.1f}", f"{r['sql']:.1f}",
            f"{r['page'] / r['sql']:.1f}×" + (" 超出" if r["page"] > 3 * r["sql"] else ""),
            "—" if cold is None else f"{cold / r['sql']:.1f}×",
        ])  # fmt: skip
    widths = [
        max(text_width(h), *(text_width(b[i]) for b in body if len(b) == len(headers))) for i, h in enumerate(headers)
    ]
    print("  ".join(pad(h, w, right=i > 0) for i, (h, w) in enumerate(zip(headers, widths, strict=True))))
    for b in body:
        if len(b) == len(headers):
            print("  ".join(pad(c, w, right=i > 0) for i, (c, w) in enumerate(zip(b, widths, strict=True))))
        else:
            print("  ".join(b))
