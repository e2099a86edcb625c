"""以奖代补 pages: the list (everyone sees the rewards of what they may see, with totals per
stage), the district's entry form and the Excel export."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from assessment.models import Stage
from branches.forms import DATE
from branches.models import Organization, OrgStatus
from branches.permissions import is_district
from review import rewards
from review.result_models import fen_to_yuan
from wujin_branch.errors import DomainError
from wujin_branch.pages import form_page, querystring

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class RewardForm(forms.Form):
    organization = forms.ModelChoiceField(label="受表彰的党(工)委或党支部", queryset=None, empty_label="请选择")
    stage = forms.TypedChoiceField(label="阶段", choices=Stage.choices, coerce=int)
    amount = forms.CharField(label="奖补金额（元）", max_length=20,
                             help_text="按元填写，最多两位小数，如 5000 或 3000.50")  # fmt: skip
    document_number = forms.CharField(label="决定文号", max_length=60)
    decided_on = forms.DateField(label="决定日期", widget=DATE)
    reason = forms.CharField(label="表彰事由", widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="如：规范化建设推进情况较好、合格率提前达到目标")  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = Organization.objects.filter(
            kind__in=rewards.REWARDABLE_KINDS, status=OrgStatus.ACTIVE
        ).order_by("path")
        self.fields["decided_on"].initial = timezone.localdate()

    def clean_amount(self):
        try:
            return rewards.yuan_to_fen(self.cleaned_data["amount"])
        except DomainError as e:
            raise forms.ValidationError(e.message) from e


def _stage(request):
    raw = request.GET.get("stage", "")
    return int(raw) if raw.isdigit() and int(raw) in Stage.values else None


@login_required
@require_GET
def reward_list(request):
    stage = _stage(request)
    visible = rewards.rewards_visible_to(request.user)
    rows = visible.filter(stage=stage) if stage else visible
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    totals = rewards.totals_per_stage(visible)
    return render(request, "review/rewards.html", {
        "page": page, "stage": stage, "stages": [(s.value, s.label.split("：")[0]) for s in Stage],
        "totals": totals, "all_count": sum(t.count for t in totals),
        "all_yuan": fen_to_yuan(sum(t.amount_fen for t in totals)),
        "may_record": is_district(request.user), "querystring": querystring(stage=stage or ""),
    })  # fmt: skip


@login_required
def reward_new(request):
    if not is_district(request.user):
        raise Http404
    form = RewardForm(request.POST or None)
    return form_page(
        request, form,
        lambda d: rewards.reward_record(actor=request.user, organization=d["organization"], stage=d["stage"],
                                        amount_fen=d["amount"], document_number=d["document_number"],
                                        decided_on=d["decided_on"], reason=d["reason"]),
        done=lambda r: f"已登记{r.organization.name}以奖代补 {r.amount_yuan} 元（{r.document_number}）。",
        template="branches/form.html", context={"title": "登记以奖代补", "confirm": "确认登记这笔以奖代补？"},
        back=reverse("reward_list"),
    )  # fmt: skip


@login_required
@require_GET
def reward_xlsx(request):
    if not is_district(request.user):
        raise Http404
    content = rewards.rewards_workbook(request.user, stage=_stage(request))
    response = HttpResponse(content, content_type=XLSX)
    name = f"以奖代补-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response
