"""Dashboards for the review: the district's overview of every committee, a committee's own
list of what waits for it, and the Excel export of results. Reads are in ``dashboards``."""

from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from assessment.models import AssessmentStatus as S
from branches.models import OrgKind, OrgStatus
from branches.permissions import Action, has_role, is_district
from branches.selectors import get_org_for_user
from review import dashboard_cache, dashboards, results
from review.services import COMMITTEE_ROLES, DISTRICT_ROLES
from review.stage_plans import is_committee
from review.stage_progress import stage_progress
from wujin_branch.pages import querystring
from wujin_branch.replica import use_replica

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE_SIZE = 50

STATUS_CHOICES = [
    ("", "全部"),
    ("按环节", [(g.key, g.label) for g in dashboards.STATUS_GROUPS]),
    ("按状态", list(S.choices)),
]


class DistrictFilterForm(forms.Form):
    period = forms.TypedChoiceField(label="考核周期", coerce=int, required=False)
    committee = forms.TypedChoiceField(label="党(工)委", coerce=int, required=False, empty_value=None)
    status = forms.ChoiceField(label="状态", choices=STATUS_CHOICES, required=False)
    veto = forms.ChoiceField(label="一票否决", choices=[("", "全部"), ("1", "有"), ("0", "无")], required=False)
    score_min = forms.DecimalField(label="分数不低于", min_value=0, max_value=100, decimal_places=1, required=False)
    score_max = forms.DecimalField(label="分数不高于", min_value=0, max_value=100, decimal_places=1, required=False)

    def __init__(self, data, *, periods, committees):
        super().__init__(data)
        self.fields["period"].choices = [(p.pk, p.name) for p in periods]
        self.fields["committee"].choices = [("", "全部")] + [(c.pk, c.name) for c in committees]


def _parse(request, periods, committees):
    """(form, period, Filters): invalid fields are dropped and shown on the form."""
    form = DistrictFilterForm(request.GET, periods=periods, committees=committees)
    form.is_valid()
    data = form.cleaned_data
    period = dashboards.pick_period(periods, data.get("period"))
    by_pk = {c.pk: c for c in committees}
    filters = dashboards.Filters(
        committee=by_pk.get(data.get("committee")),
        status=data.get("status") or "",
        veto={"1": True, "0": False}.get(data.get("veto") or ""),
        score_min=data.get("score_min"),
        score_max=data.get("score_max"),
    )
    return form, period, filters


def _require_district(user):
    if not is_district(user):
        raise Http404


@login_required
@require_GET
def district_dashboard(request):
    _require_district(request.user)
    with use_replica():  # the access check above read the primary
        return _district_dashboard(request)


def _district_dashboard(request):
    periods = dashboards.dashboard_periods()
    committees = dashboards.committees_list()
    form, period, filters = _parse(request, periods, committees)
    ctx = {"form": form, "period": period, "periods": periods, "filters": filters, "groups": dashboards.STATUS_GROUPS}
    # The filters' two long selects (every committee; every status in groups) cost more to
    # render through Django's widget templates than the rest of the page: kept like the overview,
    # by what was chosen (organizations' names are in the fragment's tokens).
    ctx["selects"] = dashboard_cache.fragment(
        "district-selects", request.user, (request.GET.get("committee", ""), request.GET.get("status", "")),
        lambda: render_to_string("review/_district_selects.html", {"form": form}),
    )
    if period is not None:
        # Computed only when the cached overview is missing (or a test reads it).
        ctx["o"] = SimpleLazyObject(
            lambda: dashboards.district_overview(request.user, period, filters, committees=committees)
        )
        query = {k: v for k, v in request.GET.items() if v and k != "period"}
        ctx["base_query"] = urlencode({"period": period.pk, **query})
        # Links from the chart's bars keep the other filters and replace the score range.
        ctx["bar_query"] = urlencode(
            {"period": period.pk, **{k: v for k, v in query.items() if k not in ("score_min", "score_max")}}
        )
        ctx["overview"] = dashboard_cache.fragment(
            "district", request.user, (ctx["base_query"],),
            lambda: render_to_string("review/_district_overview.html", ctx, request),
        )  # fmt: skip
        # Read live, not cached: the records it counts are written all over the platform.
        shown = [filters.committee] if filters.committee else [c for c in committees if c.status == OrgStatus.ACTIVE]
        ctx["stage"] = stage_progress(period, shown)
    return render(request, "review/district_dashboard.html", ctx)


@login_required
@require_GET
def results_xlsx(request):
    _require_district(request.user)
    with use_replica():
        periods = dashboards.dashboard_periods()
        committees = dashboards.committees_list()
        _, period, filters = _parse(request, periods, committees)
        if period is None:
            raise Http404("尚无考核周期")
        content = results.results_workbook(request.user, period, filters, committees=committees)
    response = HttpResponse(content, content_type=XLSX)
    name = f"{period.name}-考核结果-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


@login_required
@require_GET
def committee_dashboard(request, pk):
    """A committee's branches in a period; its reviewers and district staff only."""
    committee = get_org_for_user(request.user, pk, Action.APPROVE)
    if committee.kind not in (OrgKind.COMMITTEE, OrgKind.GENERAL_BRANCH) or not has_role(
        request.user, COMMITTEE_ROLES | DISTRICT_ROLES, committee
    ):
        raise Http404("未找到该党(工)委")
    with use_replica():  # the access checks above read the primary
        return _committee_dashboard(request, committee)


def _committee_dashboard(request, committee):
    periods = dashboards.dashboard_periods()
    period = dashboards.pick_period(periods, request.GET.get("period"))
    status = request.GET.get("status", "")
    if status not in dashboards.GROUPS_BY_KEY and status not in S.values:
        status = ""
    waiting = request.GET.get("waiting") == "1"
    ctx = {
        "committee": committee,
        "periods": periods,
        "period": period,
        "status": status,
        "waiting": waiting,
        "groups_all": dashboards.STATUS_GROUPS,
        "status_values": S.choices,
        "is_reviewer": has_role(request.user, COMMITTEE_ROLES, committee),
        "badges": dashboards.STATUS_BADGES,
    }
    if period is not None:
        o = dashboards.committee_overview(committee, period, status=status, waiting=waiting)
        paginator = Paginator(o.pop("rows"), PAGE_SIZE)
        paginator.count = o.pop("rows_count")  # known from the counts: no count query
        page = paginator.get_page(request.GET.get("page"))  # its rows are read only when listed
        query = {"period": period.pk, "status": status, "waiting": "1" if waiting else ""}
        ctx.update(o, page=page, querystring=querystring(**query))

        def rows_html():
            for a in page:
                a.waiting_label = dashboards.COMMITTEE_WAITING.get(a.status, "")
                a.open_returns = o["returns_by_branch"].get(a.branch_id, 0)
            return render_to_string("review/_committee_rows.html", {
                k: ctx[k] for k in ("committee", "period", "is_reviewer", "badges", "page", "querystring")
            })  # fmt: skip

        # The rows show assessments and branch names (the fragment's tokens) and each branch's
        # open returns (records, not counted by those tokens: their counts are in the key).
        returns = tuple(sorted(o["returns_by_branch"].items()))
        ctx["rows_html"] = dashboard_cache.fragment("committee-rows", request.user, (
            committee.pk, period.pk, status, waiting, page.number, ctx["is_reviewer"], returns,
        ), rows_html)  # fmt: skip
        summary = SimpleLazyObject(lambda: dashboards.district_overview(
            request.user, period, dashboards.Filters(committee=committee), committees=[committee]
        ))  # its pass rate, target and chart; computed only when the cached fragment is missing  # fmt: skip

        def summary_html():
            below = sum(b.count for b in summary.bars if not b.passing)
            return render_to_string("review/_committee_summary.html",
                                    {"o": summary, "period": period, "below_line": below}, request)  # fmt: skip

        ctx["summary"] = summary
        ctx["stage"] = stage_progress(period, [committee]) if is_committee(committee) else None
        ctx["summary_html"] = dashboard_cache.fragment("committee", request.user, (committee.pk, period.pk),
                                                       summary_html)  # fmt: skip
    return render(request, "review/committee_dashboard.html", ctx)
