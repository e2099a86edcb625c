"""党组织生活台账: web, PDF and Excel, generated from the records (the work is in ``ledger``)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from branches.permissions import Action
from branches.selectors import get_branch_for_user

from . import ledger as ledgers

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FIRST_YEAR = 2000


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


@login_required
@require_GET
def ledger_page(request, pk, year):
    branch, year = _branch_and_year(request, pk, year)
    this_year = timezone.localdate().year
    return render(request, "ledgers/ledger.html", {
        "ledger": ledgers.life_ledger(branch, year),
        "years": range(this_year, max(FIRST_YEAR, this_year - 5) - 1, -1),
    })  # fmt: skip


@login_required
@require_GET
def ledger_pdf(request, pk, year):
    branch, year = _branch_and_year(request, pk, year)
    ledger = ledgers.life_ledger(branch, year)
    content = ledgers.ledger_pdf(branch, year, ledger=ledger, cached=True)
    return _download(content, "application/pdf", ledger.filename("pdf"))


@login_required
@require_GET
def ledger_xlsx(request, pk, year):
    branch, year = _branch_and_year(request, pk, year)
    ledger = ledgers.life_ledger(branch, year)
    content = ledgers.ledger_xlsx(branch, year, ledger=ledger)
    return _download(content, XLSX, ledger.filename("xlsx"))
