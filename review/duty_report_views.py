"""党(工)委书记述职 pages: the year's list of committees (district staff all, a reviewer their
own), making the pack, downloading it, and the district's 述职评议."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from branches.forms import DATE
from branches.permissions import Action, can_any, is_district
from branches.selectors import get_org_for_user
from review import duty_reports as dr
from review.result_models import ReportGrade
from wujin_branch.errors import DomainError
from wujin_branch.pages import download, form_page, url_year, with_token, year_param, years_choice


class RateForm(forms.Form):
    grade = forms.ChoiceField(label="评议等次", choices=[("", "请选择")] + ReportGrade.choices)
    comment = forms.CharField(label="评议意见", widget=forms.Textarea(attrs={"rows": 3}))
    rated_on = forms.DateField(label="评议日期", widget=DATE)


def _viewer_or_404(user):
    """Committee reviewers and district staff (the menu shows the page to them)."""
    if not can_any(user, Action.APPROVE):
        raise Http404


@login_required
@require_GET
def duty_report_list(request):
    _viewer_or_404(request.user)
    year = year_param(request)
    rows = dr.year_rows(request.user, year)
    return render(request, "review/duty_reports.html", {
        "year": year, "years": years_choice(), "rows": rows, "grades": dr.grade_counts(rows),
        "is_district": is_district(request.user),
    })  # fmt: skip


@login_required
@require_POST
def duty_report_generate(request, pk, year):
    committee = get_org_for_user(request.user, pk)
    if not dr.may_see(request.user, committee):
        raise Http404
    url_year(year)
    try:
        report = dr.duty_report_generate(actor=request.user, committee=committee, year=year)
    except DomainError as e:
        messages.error(request, e.message)
        return redirect(f"{reverse('duty_report_list')}?year={year}")
    messages.success(request, f"已生成{committee.name}{year}年度述职材料。")
    return redirect("duty_report_detail", pk=report.pk)


@login_required
@require_GET
def duty_report_detail(request, pk):
    report = dr.get_report_for_user(request.user, pk)
    rate_form = None
    if is_district(request.user) and not report.is_rated and report.pack:
        rate_form = with_token(RateForm(initial={"rated_on": timezone.localdate()}))
    return render(request, "review/duty_report.html", {
        "report": report, "rate_form": rate_form,
        "events": report.events.select_related("actor").order_by("at", "id"),
    })  # fmt: skip


@login_required
@require_GET
def duty_report_pdf(request, pk):
    report = dr.get_report_for_user(request.user, pk)
    return download(report.pack, stem=dr.pack_filename(report).removesuffix(".pdf"))


@login_required
def duty_report_rate(request, pk):
    report = dr.get_report_for_user(request.user, pk)
    if not is_district(request.user):
        raise Http404
    form = RateForm(request.POST or None, initial={"rated_on": timezone.localdate()})
    back = reverse("duty_report_detail", args=[report.pk])
    return form_page(
        request, form,
        lambda d: dr.duty_report_rate(actor=request.user, report=report, grade=d["grade"], comment=d["comment"],
                                      rated_on=d["rated_on"], version=report.version),
        done=lambda r: f"已记录{r.committee.name}{r.year}年度述职评议：{r.get_grade_display()}。",
        template="review/duty_report_rate.html", back=back, to=lambda r: back,
        context={"title": f"述职评议：{report.committee.name}{report.year}年度"},
    )  # fmt: skip
