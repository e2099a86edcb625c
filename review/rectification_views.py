"""The district's end of a rectification the branch does not cooperate with: mark it 软弱涣散,
then dissolve (撤销) or merge (撤并) it — forms on the rectification page, posted here."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone

from assessment.selectors import get_assessment_for_user
from branches.forms import DATE
from branches.models import Organization, OrgKind, OrgStatus
from review import rectification_outcome as outcome
from review.models import Rectification, RectificationOutcome, ReviewEvent
from wujin_branch.pages import form_page, with_token

COMMITTEE_PATH_LEN = Organization.steplen * 2


class WeakForm(forms.Form):
    marked_on = forms.DateField(label="认定日期", widget=DATE)
    reason = forms.CharField(label="认定软弱涣散的理由", widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="如：整改任务逾期未完成、多次督促仍不召开组织生活")  # fmt: skip


class ReorganizeForm(forms.Form):
    outcome = forms.ChoiceField(label="处理方式", choices=RectificationOutcome.choices, widget=forms.RadioSelect)
    occurred_on = forms.DateField(label="撤销或撤并日期", widget=DATE)
    target = forms.ModelChoiceField(label="并入或接收党员的党支部", queryset=None, required=False,
                                    empty_label="请选择（撤销且无在册党员时可不选）")  # fmt: skip
    reason = forms.CharField(label="撤销或撤并的原因", widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, branch, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = (
            Organization.objects.filter(kind=OrgKind.BRANCH, status=OrgStatus.ACTIVE,
                                        path__startswith=branch.path[:COMMITTEE_PATH_LEN])
            .exclude(pk=branch.pk).order_by("path")
        )  # fmt: skip


def district_forms(r):
    """The two forms for the rectification page (district staff, rectification open)."""
    today = timezone.localdate()
    if not r.weak_marked_on:
        return {"weak_form": with_token(WeakForm(initial={"marked_on": today}))}
    return {"end_form": with_token(ReorganizeForm(initial={"occurred_on": today}, branch=r.assessment.branch))}


def outcome_events(r):
    return ReviewEvent.objects.filter(assessment_id=r.assessment_id, code__in=list(outcome.LABELS)).select_related(
        "actor"
    )


def _rectification(request, pk):
    if not outcome.may_escalate(request.user):
        raise Http404
    r = get_object_or_404(Rectification.objects.select_related("assessment__branch"), pk=pk)
    get_assessment_for_user(request.user, r.assessment_id)  # the same 404 outside the scope
    return r


@login_required
def rectification_weak(request, pk):
    r = _rectification(request, pk)
    form = WeakForm(request.POST or None, initial={"marked_on": timezone.localdate()})
    back = reverse("rectification_detail", args=[r.pk])
    return form_page(
        request, form,
        lambda d: outcome.rectification_mark_weak(actor=request.user, rectification=r, reason=d["reason"],
                                                  marked_on=d["marked_on"], version=r.version),
        done=lambda x: f"已认定{x.assessment.branch.name}为软弱涣散党组织，理由已记录。",
        template="review/rectification_escalate.html", back=back, to=lambda x: back,
        context={"title": f"认定软弱涣散：{r.assessment.branch.name}", "r": r,
                 "confirm": "认定为软弱涣散党组织后不能撤回，确认？"},
    )  # fmt: skip


@login_required
def rectification_reorganize(request, pk):
    r = _rectification(request, pk)
    form = ReorganizeForm(request.POST or None, branch=r.assessment.branch,
                          initial={"occurred_on": timezone.localdate()})  # fmt: skip
    back = reverse("rectification_detail", args=[r.pk])
    return form_page(
        request, form,
        lambda d: outcome.rectification_end_by_reorganizing(
            actor=request.user, rectification=r, outcome=d["outcome"], reason=d["reason"],
            occurred_on=d["occurred_on"], target=d["target"], version=r.version,
        ),
        done=lambda x: f"{x.assessment.branch.name}已{x.get_outcome_display()}，整顿结束，记录仍可查阅。",
        template="review/rectification_escalate.html", back=back, to=lambda x: back,
        context={"title": f"撤销或撤并：{r.assessment.branch.name}", "r": r,
                 "confirm": "撤销或撤并后该支部不再是正常党支部，确认？"},
    )  # fmt: skip
