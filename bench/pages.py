"""What the benchmark times: the pages (as a given user) and the measures (work that is
not a page). Add a row when a page is added; the context keys are built in
``bench.objects.bench_context`` (root, big_committee, big_branch, member, record, busy_branch,
year, assessment)."""

from typing import NamedTuple


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
    needs_font: bool = False  # lays out a PDF: the font subset is built first


# The pages to time.
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
    # The stored copy (identity numbers masked, rebuilt by the worker); with ?id=full laid out afresh.
    Page("党员信息台账 PDF·最大支部", "district", "member_ledger_pdf", ("big_branch", "year"), target_ms=500),
    Page("党员信息台账 PDF·完整身份证号", "district", "member_ledger_pdf", ("big_branch", "year"), {"id": "full"}),
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
    Measure("台账 PDF 排版·记录最多的支部·本年（后台）", _ledger_pdf, needs_font=True),
]
