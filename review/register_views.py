"""合格支部名录 and the 评先评优 check: district staff for the district, reviewers for their
committee's branches; anyone else gets a 404."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from branches.permissions import Action, can_any
from review import register
from wujin_branch.pages import querystring

PAGE_SIZE = 50


def _require_reviewer_or_district(user):
    if not can_any(user, Action.APPROVE):
        raise Http404


@login_required
@require_GET
def qualified_register(request):
    _require_reviewer_or_district(request.user)
    periods = register.register_periods()
    period = next((p for p in periods if str(p.pk) == request.GET.get("period", "")), None)
    q = request.GET.get("q", "").strip()[:50]
    rows = register.qualified_register(request.user, period=period, q=q)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "review/register.html", {
        "page": page, "periods": periods, "period": period, "q": q,
        "querystring": querystring(period=period.pk if period else "", q=q),
    })  # fmt: skip


@login_required
@require_GET
def honour_check(request):
    _require_reviewer_or_district(request.user)
    q = request.GET.get("q", "").strip()[:50]
    return render(request, "review/honour_check.html", {"q": q, "results": register.honour_check(request.user, q)})
