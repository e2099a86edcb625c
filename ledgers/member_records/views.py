"""Member records, care list, screenings and yearly statistics."""

from decimal import Decimal

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header

from branches import selectors as org_selectors
from branches.forms import DATE
from branches.permissions import Action, can
from ledgers.member_records import selectors, services
from ledgers.models import MemberRecord, RecordKind, Screening
from wujin_branch.pages import form_page


class RecordForm(forms.Form):
    kind = forms.ChoiceField(label="类别", choices=RecordKind.choices)
    occurred_on = forms.DateField(label="日期", widget=DATE)
    title = forms.CharField(label="事项", max_length=200)
    detail = forms.CharField(label="情况", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    amount = forms.DecimalField(label="金额（元，受助/慰问时填）", max_digits=12, decimal_places=2, required=False,
                                min_value=Decimal("0"))  # fmt: skip
    by_whom = forms.CharField(label="组织/经办人", max_length=100, required=False)


class ScreeningForm(forms.Form):
    held_on = forms.DateField(label="排查日期", widget=DATE)
    scope = forms.CharField(label="排查范围", max_length=200)
    includes_delegates = forms.BooleanField(label="包含党代表", required=False)
    findings = forms.CharField(label="排查结果", widget=forms.Textarea(attrs={"rows": 3}))
    handling = forms.CharField(label="处理情况", widget=forms.Textarea(attrs={"rows": 3}), required=False)


def year_param(request):
    try:
        return int(request.GET.get("year", ""))
    except ValueError:
        return timezone.localdate().year


def _record_create(*, actor, member, amount, **fields):
    return services.member_record_create(
        actor=actor, member=member, amount_fen=int(amount * 100) if amount is not None else None, **fields
    )


@login_required
def member_records(request, pk):
    member = org_selectors.get_member_for_user(request.user, pk)
    can_edit = can(request.user, Action.EDIT, member.branch)
    if request.method == "POST" and not can_edit:
        return HttpResponse(status=404)
    return form_page(
        request,
        RecordForm(request.POST or None, initial={"occurred_on": timezone.localdate()}),
        lambda d: _record_create(actor=request.user, member=member, **d),
        done=lambda _: "已记录。",
        template="ledgers/member_records.html",
        back=reverse("member_records", args=[member.pk]),
        context={
            "member": member,
            "branch": member.branch,
            "records": MemberRecord.objects.filter(member=member).select_related("created_by"),
            "can_edit": can_edit,
        },
    )


@login_required
def care_page(request, pk):
    branch = org_selectors.get_branch_for_user(request.user, pk)
    return render(request, "ledgers/care_list.html", {"branch": branch, "rows": selectors.care_list(branch)})


@login_required
def screening_list(request, pk):
    org = org_selectors.get_org_for_user(request.user, pk)
    can_add = can(request.user, Action.EDIT, org) or can(request.user, Action.APPROVE, org)
    if request.method == "POST" and not can_add:
        return HttpResponse(status=404)
    rows = Screening.objects.filter(organization__path__startswith=org.path).select_related("organization")
    return form_page(
        request,
        ScreeningForm(request.POST or None, initial={"held_on": timezone.localdate()}),
        lambda d: services.screening_create(actor=request.user, organization=org, **d),
        done=lambda _: "排查清理情况已记录。",
        template="ledgers/screening_list.html",
        back=reverse("screening_list", args=[org.pk]),
        context={"org": org, "rows": rows[:200], "can_add": can_add},
    )


@login_required
def statistics(request, pk):
    org = org_selectors.get_org_for_user(request.user, pk)
    year = year_param(request)
    stats = selectors.yearly_statistics(org, year)
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(
            selectors.statistics_xlsx(org, stats),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = content_disposition_header(True, f"{org.name}-{year}年度党内统计.xlsx")
        return response
    sections = {}
    for section, label, count in stats.rows:
        share = count * 100 / stats.total if stats.total and section not in selectors.NO_SHARE else None
        sections.setdefault(section, []).append((label, count, share))
    this_year = timezone.localdate().year
    return render(
        request,
        "ledgers/statistics.html",
        {
            "org": org,
            "stats": stats,
            "sections": sections,
            "year": year,
            "years": range(this_year, this_year - 6, -1),
        },
    )
