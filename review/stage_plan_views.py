"""实施方案 pages. ``/branch/<pk>/plans/`` is a branch's annual plans (``ledgers.plans``) for a
branch and the committee's 实施方案 for a 党(工)委; the committee's reviewers file it, district
staff accept or return it; nobody else sees it (404, like a missing one)."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from branches.models import OrgKind, Role
from branches.permissions import has_role, is_district
from branches.selectors import get_org_for_user
from ledgers.plans import views as branch_plans
from review import dashboards
from review import stage_plans as sp
from review.stage_plan_models import StagePlan
from review.stage_progress import stage_progress
from wujin_branch.pages import download, form_page, with_token

VIEWER_ROLES = {Role.REVIEWER, Role.DISTRICT}


class StagePlanForm(forms.Form):
    text = forms.CharField(label="实施方案内容", widget=forms.Textarea(attrs={"rows": 12}), required=False,
                           help_text="明确职责任务、时间安排，以及“空壳”党组织清理、"
                                     "“失联”党员和违法违纪党员处理的措施。")  # fmt: skip
    file = forms.FileField(label="实施方案文件（PDF 或 Word）", required=False,
                           widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.doc,.docx"}),
                           help_text="可只填写内容、只上传文件，或两者都有。")  # fmt: skip
    remove_file = forms.BooleanField(label="删除已上传的文件", required=False)


class AcceptForm(forms.Form):
    note = forms.CharField(label="审核意见", required=False)


class ReturnForm(forms.Form):
    reason = forms.CharField(label="退回原因", widget=forms.Textarea(attrs={"rows": 3}))


def get_committee_for_user(user, pk):
    """A 党(工)委 its reviewers or district staff look at; 404 otherwise (missing or not theirs)."""
    org = get_org_for_user(user, pk)
    if not sp.is_committee(org) or not has_role(user, VIEWER_ROLES, org):
        raise Http404("未找到该党(工)委")
    return org


def get_stage_plan_for_user(user, pk) -> StagePlan:
    plan = StagePlan.objects.select_related("committee", "period").filter(pk=pk).first()
    if plan is None or not has_role(user, VIEWER_ROLES, plan.committee):
        raise Http404("未找到该实施方案")
    return plan


def _period(request):
    periods = dashboards.dashboard_periods()
    return periods, dashboards.pick_period(periods, request.GET.get("period"))


@login_required
@require_GET
def plans_page(request, pk):
    org = get_org_for_user(request.user, pk)
    if org.kind == OrgKind.BRANCH:
        return branch_plans.plans_page(request, pk)
    committee = get_committee_for_user(request.user, pk)
    periods, period = _period(request)
    ctx = {"committee": committee, "periods": periods, "period": period, "is_district": is_district(request.user)}
    if period is not None:
        plan = sp.plan_for(committee, period)
        open_to_file = plan is None or plan.status == sp.P.RETURNED
        ctx.update(plan=plan, events=sp.events_of(plan), table=stage_progress(period, [committee]),
                   may_file=sp.may_file(request.user, committee) and open_to_file)  # fmt: skip
        if plan is not None and plan.status == sp.P.SUBMITTED and sp.may_decide(request.user):
            ctx["accept_form"] = with_token(AcceptForm(prefix="a"))
            ctx["return_form"] = with_token(ReturnForm(prefix="r"))
    return render(request, "review/stage_plan.html", ctx)


@login_required
def stage_plan_submit(request, pk, period):
    committee = get_committee_for_user(request.user, pk)
    if not sp.may_file(request.user, committee):
        raise Http404
    period = next((p for p in dashboards.dashboard_periods() if p.pk == period), None)
    if period is None:
        raise Http404
    plan = sp.plan_for(committee, period)
    form = StagePlanForm(request.POST or None, request.FILES or None, initial={"text": plan.text if plan else ""})
    if plan is None or not plan.file:
        del form.fields["remove_file"]
    return form_page(
        request, form,
        lambda d: sp.stage_plan_submit(actor=request.user, committee=committee, period=period, text=d["text"],
                                       upload=d["file"] or None, remove_file=d.get("remove_file", False)),
        done=lambda p: f"已向区委组织部报送{committee.name}的实施方案。",
        template="review/stage_plan_form.html", back=sp.plan_page_url(committee, period),
        context={"committee": committee, "period": period, "plan": plan},
    )  # fmt: skip


def _decision(request, pk, form_class, prefix, act, done):
    if not sp.may_decide(request.user):
        raise Http404
    plan = get_stage_plan_for_user(request.user, pk)
    form = form_class(request.POST or None, prefix=prefix)
    return form_page(request, form, lambda d: act(plan, d), done=done, template="review/stage_plan_decide.html",
                     context={"plan": plan, "prefix": prefix}, back=sp.plan_page_url(plan, plan.period))  # fmt: skip


@login_required
def stage_plan_accept(request, pk):
    return _decision(
        request, pk, AcceptForm, "a",
        lambda p, d: sp.stage_plan_accept(actor=request.user, plan=p, note=d["note"], version=p.version),
        done=lambda p: f"{p.committee.name}的实施方案已审核通过。",
    )  # fmt: skip


@login_required
def stage_plan_return(request, pk):
    return _decision(
        request, pk, ReturnForm, "r",
        lambda p, d: sp.stage_plan_return(actor=request.user, plan=p, reason=d["reason"], version=p.version),
        done=lambda p: f"已将{p.committee.name}的实施方案退回修改，原因已告知该党(工)委。",
    )  # fmt: skip


@login_required
@require_GET
def stage_plan_file(request, pk):
    plan = get_stage_plan_for_user(request.user, pk)
    return download(plan.file, f"{plan.committee.name}-{plan.period.name}-实施方案")
