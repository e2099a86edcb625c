"""示范支部 pages: the list (committees see their branches', the district all), the
nomination form (reviewers and district staff), the district's commend / decline buttons."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from branches.forms import DATE
from branches.models import OrgKind, OrgStatus
from branches.permissions import Action, can_any
from branches.selectors import branches_visible_to
from review import model_branches as mb
from wujin_branch.pages import form_page, querystring, with_token


class NominateForm(forms.Form):
    branch = forms.ModelChoiceField(label="党支部", queryset=None, empty_label="请选择")
    year = forms.IntegerField(label="年度", min_value=2016)
    reason = forms.CharField(label="推荐理由", widget=forms.Textarea(attrs={"rows": 4}),
                             help_text="党员管理严格、组织生活规范、模范带头作用明显的具体表现")  # fmt: skip
    evidence = forms.CharField(label="主要事迹和佐证材料", required=False, widget=forms.Textarea(attrs={"rows": 4}),
                               help_text="可写明台账、照片记录所在的月份和活动")  # fmt: skip

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = (
            branches_visible_to(user, Action.APPROVE)
            .filter(kind=OrgKind.BRANCH, status=OrgStatus.ACTIVE)
            .order_by("path")
        )
        self.fields["year"].initial = timezone.localdate().year


class CommendForm(forms.Form):
    commended_on = forms.DateField(label="表彰日期", widget=DATE)
    document_number = forms.CharField(label="表彰文件文号", max_length=60)
    note = forms.CharField(label="审定意见", required=False)


class DeclineForm(forms.Form):
    note = forms.CharField(label="未予表彰的原因")


def _require_reviewer_or_district(user):
    if not can_any(user, Action.APPROVE):
        raise Http404


@login_required
@require_GET
def nomination_list(request):
    _require_reviewer_or_district(request.user)
    status = request.GET.get("status", "")
    rows = mb.nominations_visible_to(request.user, status=status)
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    may_decide = mb.may_decide(request.user)
    for n in page:
        if may_decide and n.status == mb.N.NOMINATED:
            n.commend_form = with_token(CommendForm(prefix=f"c{n.pk}", initial={"commended_on": timezone.localdate()}))
            n.decline_form = with_token(DeclineForm(prefix=f"d{n.pk}"))
    return render(request, "review/model_branches.html", {
        "page": page, "status": status, "statuses": mb.N.choices, "may_decide": may_decide,
        "querystring": querystring(status=status),
    })  # fmt: skip


@login_required
def nominate(request):
    _require_reviewer_or_district(request.user)
    initial = {}
    if (b := request.GET.get("branch", "")).isdigit():
        initial["branch"] = int(b)
    form = NominateForm(request.POST or None, user=request.user, initial=initial)
    back = reverse("model_branch_list")
    return form_page(
        request, form,
        lambda d: mb.model_branch_nominate(actor=request.user, branch=d["branch"], year=d["year"],
                                           reason=d["reason"], evidence=d["evidence"]),
        done=lambda n: f"已推荐{n.branch.name}为{n.year}年度示范支部，待区委组织部审定。",
        template="review/model_branch_form.html", context={}, back=back,
    )  # fmt: skip


def _decision(request, pk, form_class, prefix, act, done):
    if not mb.may_decide(request.user):
        raise Http404
    n = get_object_or_404(mb.nominations_visible_to(request.user), pk=pk)
    form = form_class(request.POST or None, prefix=f"{prefix}{n.pk}")
    back = reverse("model_branch_list")
    return form_page(request, form, lambda d: act(n, d), done=done, template="review/model_branch_decide.html",
                     context={"n": n, "prefix": prefix}, back=back)  # fmt: skip


@login_required
def commend(request, pk):
    return _decision(
        request, pk, CommendForm, "c",
        lambda n, d: mb.model_branch_commend(actor=request.user, nomination=n, commended_on=d["commended_on"],
                                             document_number=d["document_number"], note=d["note"], version=n.version),
        done=lambda n: f"已表彰{n.branch.name}为{n.year}年度示范支部（{n.document_number}）。",
    )  # fmt: skip


@login_required
def decline(request, pk):
    return _decision(
        request, pk, DeclineForm, "d",
        lambda n, d: mb.model_branch_decline(actor=request.user, nomination=n, note=d["note"], version=n.version),
        done=lambda n: f"{n.branch.name}未予表彰，原因已记录。",
    )  # fmt: skip
