"""党员信息台账 and 联系服务群众台账: web, PDF and Excel, generated from the records.

The work is in ``ledger_members`` and ``ledger_service``; access, the year check and the
downloads are those of the 党组织生活台账 (``ledger_views``).
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from . import ledger_members, ledger_service
from .ledger_views import FIRST_YEAR, XLSX, _branch_and_year, _download


def _years():
    this_year = timezone.localdate().year
    return range(this_year, max(FIRST_YEAR, this_year - 5) - 1, -1)


# ---------------------------------------------------------------- 党员信息台账


@login_required
@require_GET
def member_ledger(request, pk, year):
    branch, year = _branch_and_year(request, pk, year)
    return render(request, "ledgers/member_ledger.html", {
        "ledger": ledger_members.member_ledger(branch, year, user=request.user),
        "years": _years(),
    })  # fmt: skip


@login_required
@require_GET
def member_ledger_pdf(request, pk, year):
    branch, year = _branch_and_year(request, pk, year)
    ledger = ledger_members.member_ledger(branch, year, user=request.user)
    content = ledger_members.member_ledger_pdf(branch, year, user=request.user, ledger=ledger)
    return _download(content, "application/pdf", ledger.filename("pdf"))


@login_required
@require_GET
def member_ledger_xlsx(request, pk, year):
    branch, year = _branch_and_year(request, pk, year)
    ledger = ledger_members.member_ledger(branch, year, user=request.user)
    content = ledger_members.member_ledger_xlsx(branch, year, user=request.user, ledger=ledger)
    return _download(content, XLSX, ledger.filename("xlsx"))


# ---------------------------------------------------------------- 联系服务群众台账


@login_required
@require_GET
def service_ledger(request, pk, year):
    branch, year = _branch_and_year(request, pk, year)
    return render(request, "ledgers/service_ledger.html", {
        "ledger": ledger_service.service_ledger(branch, year),
        "years": _years(),
    })  # fmt: skip


@login_required
@require_GET
def service_ledger_pdf(request, pk, year):
    branch, year = _branch_and_year(request, pk, year)
    ledger = ledger_service.service_ledger(branch, year)
    content = ledger_service.service_ledger_pdf(branch, year, ledger=ledger, cached=True)
    return _download(content, "application/pdf", ledger.filename("pdf"))


@login_required
@require_GET
def service_ledger_xlsx(request, pk, year):
    branch, year = _branch_and_year(request, pk, year)
    ledger = ledger_service.service_ledger(branch, year)
    content = ledger_service.service_ledger_xlsx(branch, year, ledger=ledger)
    return _download(content, XLSX, ledger.filename("xlsx"))
