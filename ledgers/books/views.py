"""The three 台账 (党组织生活台账, 党员信息台账, 联系服务群众台账): a web page, a PDF and an
Excel workbook each, generated from the records. The work is in ``ledger``,
``members`` and ``service``; here every ledger gets the same access check
(viewers of the branch), year check and download headers.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from branches.permissions import Action
from branches.selectors import get_branch_for_user
from ledgers.books import life, members_xlsx
from ledgers.books import members as ledger_members
from ledgers.books import service as ledger_service

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FIRST_YEAR = 2000
YEARS_SHOWN = 6


@dataclass(frozen=True)
class LedgerKind:
    template: str
    build: Callable  # (branch, year, user) -> the ledger
    pdf: Callable  # (branch, year, user, ledger, full_ids) -> bytes
    xlsx: Callable  # (branch, year, user, ledger) -> bytes


LIFE = LedgerKind(
    "ledgers/ledger.html",
    lambda b, y, u: life.life_ledger(b, y),
    lambda b, y, u, led, full: life.ledger_pdf(b, y, ledger=led, cached=True),  # a stored book (ledgers.books.pdfs)
    lambda b, y, u, led: life.ledger_xlsx(b, y, ledger=led),
)
MEMBERS = LedgerKind(
    "ledgers/member_ledger.html",
    lambda b, y, u: ledger_members.member_ledger(b, y, user=u),  # the user decides masked or full ID numbers
    # stored with masked numbers; district staff's 完整身份证号 copy is laid out afresh, never kept
    lambda b, y, u, led, full: ledger_members.member_ledger_pdf(b, y, user=u, ledger=led, full_ids=full),
    lambda b, y, u, led: members_xlsx.member_ledger_xlsx(b, y, user=u, ledger=led),
)
SERVICE = LedgerKind(
    "ledgers/service_ledger.html",
    lambda b, y, u: ledger_service.service_ledger(b, y),
    lambda b, y, u, led, full: ledger_service.service_ledger_pdf(b, y, ledger=led, cached=True),
    lambda b, y, u, led: ledger_service.service_ledger_xlsx(b, y, ledger=led),
)


def _branch_and_year(request, pk, year):
    branch = get_branch_for_user(request.user, pk, Action.VIEW)
    if not FIRST_YEAR <= year <= timezone.localdate().year:
        raise Http404("没有该年度的台账")
    return branch, year


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    # filename*=utf-8''… for the Chinese name (RFC 6266), with an ASCII fallback for old clients.
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-store"
    return response


def page_view(kind: LedgerKind):
    @login_required
    @require_GET
    def view(request, pk, year):
        branch, year = _branch_and_year(request, pk, year)
        this_year = timezone.localdate().year
        return render(request, kind.template, {
            "ledger": kind.build(branch, year, request.user),
            "years": range(this_year, max(FIRST_YEAR, this_year - YEARS_SHOWN + 1) - 1, -1),
        })  # fmt: skip

    return view


def download_view(kind: LedgerKind, fmt: str):
    @login_required
    @require_GET
    def view(request, pk, year):
        branch, year = _branch_and_year(request, pk, year)
        ledger = kind.build(branch, year, request.user)
        if fmt == "pdf":  # ?id=full: the identity numbers in full, for those who may see them
            content = kind.pdf(branch, year, request.user, ledger, request.GET.get("id") == "full")
            return _download(content, "application/pdf", ledger.filename(fmt))
        return _download(kind.xlsx(branch, year, request.user, ledger), XLSX, ledger.filename(fmt))

    return view


ledger_page, ledger_pdf, ledger_xlsx = page_view(LIFE), download_view(LIFE, "pdf"), download_view(LIFE, "xlsx")
member_ledger, member_ledger_pdf, member_ledger_xlsx = (
    page_view(MEMBERS), download_view(MEMBERS, "pdf"), download_view(MEMBERS, "xlsx")
)  # fmt: skip
service_ledger, service_ledger_pdf, service_ledger_xlsx = (
    page_view(SERVICE), download_view(SERVICE, "pdf"), download_view(SERVICE, "xlsx")
)  # fmt: skip
