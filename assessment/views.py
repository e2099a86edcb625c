"""Rubric, rules table, periods with bulk opening, the branch self-assessment, read-only views."""

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from assessment import milestones, rubric_writes, rules, selectors, services
from assessment.models import (
    EDITABLE_BY_BRANCH,
    AssessmentStatus,
    Period,
    RubricItem,
    RubricVersion,
    Stage,
    StageMeasure,
    VetoKind,
)
from branches import selectors as org_selectors
from branches.forms import DATE
from branches.permissions import Action, can, is_district
from wujin_branch.errors import DomainError
from wujin_branch.jobs import get_job, job_response
from wujin_branch.pages import form_page


def _district_only(request):
    if not is_district(request.user):
        raise Http404


# ---------------------------------------------------------------- rubric


@login_required
def rubric_list(request):
    _district_only(request)
    return render(request, "assessment/rubric_list.html", {"versions": selectors.versions()})


class CopyForm(forms.Form):
    code = forms.CharField(label="新版本代码", max_length=32)
    name = forms.CharField(label="名称", max_length=100)
    vacancy_grace_days = forms.IntegerField(
        label="书记出缺补选期限（天）", min_value=0, max_value=366,
        help_text="考核期内党支部书记出缺超过这一天数才补选的，按“党支部书记缺职”一票否决；作出审核、验收决定时仍缺职的，一律否决。",
    )  # fmt: skip


@login_required
def rubric_detail(request, pk):
    version = get_object_or_404(RubricVersion, pk=pk)
    if request.method == "POST":
        _district_only(request)

    def context():
        ctx = selectors.rubric_overview(version)
        ctx.update({"version": version, "in_use": version.in_use, "is_district": is_district(request.user),
                    "rules": rules.RULES})  # fmt: skip
        return ctx

    return form_page(
        request,
        CopyForm(request.POST or None, initial={"name": version.name, "vacancy_grace_days": version.vacancy_grace_days}),  # noqa: E501
        lambda d: rubric_writes.rubric_copy(actor=request.user, source=version, **d),
        done=lambda new: f"已复制为新版本“{new.code}”，可在使用前修改。",
        to=lambda new: reverse("rubric_detail", args=[new.pk]),
        template="assessment/rubric_detail.html",
        back=reverse("rubric_detail", args=[version.pk]),
        context=context,
    )


class ItemForm(forms.Form):
    requirement = forms.CharField(label="考核要求", max_length=100)
    standard = forms.CharField(label="考核标准", widget=forms.Textarea(attrs={"rows": 4}))
    points = forms.CharField(label="分值", max_length=6)


@login_required
def rubric_item_edit(request, pk):
    _district_only(request)
    item = get_object_or_404(RubricItem.objects.select_related("section__version"), pk=pk)
    form = ItemForm(request.POST or None, initial={"requirement": item.requirement, "standard": item.standard,
                                                   "points": item.points})  # fmt: skip
    return form_page(
        request,
        form,
        lambda d: rubric_writes.rubric_item_update(actor=request.user, item=item, **d),
        done=lambda _: "已保存。",
        template="branches/form.html",
        back=reverse("rubric_detail", args=[item.section.version_id]),
        context={
            "title": f"修改考核标准第 {item.code} 项",
            "warning": "已被考核周期使用的版本不能修改。" if item.section.version.in_use else "",
        },
    )


@login_required
def rules_table(request):
    items = RubricItem.objects.select_related("section__version").order_by("section__version", "section__order",
                                                                             "order")  # fmt: skip
    version = request.GET.get("version")
    items = items.filter(section__version_id=version) if version else items.filter(section__version__code="2016")
    rows = [(i, rules.RULES.get(i.rule)) for i in items]
    return render(request, "assessment/rules_table.html", {"rows": rows, "vetoes": VetoKind.objects.all(),
                                                           "veto_rules": rules.VETO_RULES})  # fmt: skip


# ---------------------------------------------------------------- periods


class PeriodForm(forms.ModelForm):
    class Meta:
        model = Period
        fields = ["name", "year", "stage", "window_start", "window_end", "self_deadline", "committee_deadline",
                  "district_deadline", "pass_line", "notice_days", "target_rate", "target_on", "rubric",
                  "term_rules"]  # fmt: skip
        widgets = {f: DATE for f in ["window_start", "window_end", "self_deadline", "committee_deadline",
                                     "district_deadline", "target_on"]}  # fmt: skip
        labels = {"rubric": "考核细则版本"}  # the model field has no Chinese verbose_name


@login_required
def period_list(request):
    _district_only(request)
    year = timezone.localdate().year
    form = PeriodForm(request.POST or None, initial={
        "name": f"{year}年度党支部规范化建设考核", "year": year, "stage": Stage.TWO,
        "window_start": datetime.date(year, 1, 1), "window_end": datetime.date(year, 12, 31),
        "self_deadline": datetime.date(year + 1, 1, 15), "committee_deadline": datetime.date(year + 1, 1, 31),
        "district_deadline": datetime.date(year + 1, 2, 28), "pass_line": 85, "notice_days": 5,
        "rubric": RubricVersion.objects.filter(code="2016").first(),
    })  # fmt: skip
    return form_page(
        request,
        form,
        lambda d: services.period_create(actor=request.user, **d),
        done=lambda p: f"已创建考核周期“{p.name}”。",
        to=lambda p: reverse("period_detail", args=[p.pk]),
        template="assessment/period_list.html",
        back=reverse("period_list"),
        context=lambda: {"periods": selectors.periods_with_counts()},
    )


@login_required
def period_detail(request, pk):
    _district_only(request)
    period = get_object_or_404(Period.objects.select_related("rubric"), pk=pk)
    from wujin_branch.models import Job

    job = Job.objects.filter(params__period_id=period.pk).order_by("-created_at").first()
    counts = selectors.period_status_counts(period)
    return render(
        request,
        "assessment/period_detail.html",
        {
            "period": period,
            # in workflow order, each state by its name (the values are for code, not for people)
            "counts": [(st, counts[st]) for st in AssessmentStatus if st in counts],
            "job": job,
        },
    )


@login_required
@require_POST
def period_open(request, pk):
    _district_only(request)
    period = get_object_or_404(Period, pk=pk)
    try:
        services.period_open(actor=request.user, period=period)
    except DomainError as e:
        messages.error(request, e.message)
    return redirect("period_detail", pk=period.pk)


@login_required
@require_POST
def period_suggest(request, pk):
    _district_only(request)
    period = get_object_or_404(Period, pk=pk)
    services.suggestions_queue_all(actor=request.user, period=period)
    messages.success(request, "已开始为全部支部重新计算建议分。")
    return redirect("period_detail", pk=period.pk)


@login_required
def job_status(request, pk):
    """A job's progress, to the user who started it and to district staff."""
    job = get_job(pk)
    if job is None or (job.created_by_id != request.user.pk and not is_district(request.user)):
        raise Http404
    return job_response(request, job)


@login_required
@require_POST
def job_resume(request, pk):
    """继续 an interrupted period opening or suggestions run (both are idempotent: run again)."""
    from assessment.tasks import period_open_task, suggestions_task
    from wujin_branch import jobs

    _district_only(request)
    job = get_job(pk)
    task = {"period_open": period_open_task, "suggestions": suggestions_task}.get(getattr(job, "kind", None))
    if task is None:
        raise Http404
    if jobs.resume(job, task):
        messages.success(request, "已重新开始，已完成的部分不会重复。")
    else:
        messages.info(request, "该任务没有中断，无需继续。")
    return redirect("period_detail", pk=job.params.get("period_id"))


# ---------------------------------------------------------------- assessment pages


@login_required
def branch_assessment(request, pk):
    """From a branch to its current assessment (self-assessment for branch staff)."""
    branch = org_selectors.get_branch_for_user(request.user, pk)
    a = selectors.current_assessment(branch)
    if a is None:
        return render(request, "assessment/no_period.html", {"branch": branch})
    if can(request.user, Action.EDIT, branch) and a.status in EDITABLE_BY_BRANCH:
        return redirect("assessment_self", pk=a.pk)
    return redirect("assessment_view", pk=a.pk)


@login_required
@require_POST
def assessment_refresh(request, pk):
    a = selectors.get_assessment_for_user(request.user, pk, Action.EDIT)
    try:
        services.suggestions_refresh_one(actor=request.user, assessment=a)
    except DomainError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, "已按最新记录重新计算建议分和一票否决情形。")
    return redirect("assessment_self", pk=a.pk)


@login_required
@login_required
@require_POST
def veto_enter(request, pk):
    a = selectors.get_assessment_for_user(request.user, pk, Action.APPROVE)
    kind = VetoKind.objects.filter(pk=request.POST.get("kind"), active=True).first()
    if kind is None:
        messages.error(request, "请选择一票否决情形。")
        return redirect("assessment_view", pk=a.pk)
    try:
        services.veto_enter(actor=request.user, assessment=a, kind=kind, detail=request.POST.get("detail", ""))
    except DomainError as e:
        messages.error(request, e.message)
    else:
        messages.warning(request, f"已认定一票否决情形：{kind.name}。")
    return redirect("assessment_view", pk=a.pk)


@login_required
@require_POST
def veto_lift(request, pk):
    from assessment.models import Veto

    veto = Veto.objects.select_related("assessment__branch").filter(pk=pk).first()
    if veto is None or not can(request.user, Action.APPROVE, veto.assessment.branch):
        raise Http404
    try:
        services.veto_lift(actor=request.user, veto=veto, reason=request.POST.get("reason", ""))
    except DomainError as e:
        messages.error(request, e.message)
    return redirect("assessment_view", pk=veto.assessment_id)


# ---------------------------------------------------------------- stage milestones


class MilestonesForm(forms.Form):
    """One name and due date per measure; a measure without a date is not tracked."""

    def __init__(self, *args, current, **kwargs):
        super().__init__(*args, **kwargs)
        for measure, label in StageMeasure.choices:
            m = current.get(measure)
            self.fields[f"name_{measure}"] = forms.CharField(label=f"{label}：任务名称", max_length=60, required=False,
                                                             initial=m.name if m else label)  # fmt: skip
            self.fields[f"due_{measure}"] = forms.DateField(label=f"{label}：完成期限", required=False, widget=DATE,
                                                            initial=m.due_on if m else None,
                                                            help_text="不填则本周期不统计这一项")  # fmt: skip


@login_required
def period_milestones(request, pk):
    _district_only(request)
    period = get_object_or_404(Period, pk=pk)
    current = {m.measure: m for m in milestones.milestones_of(period)}
    form = MilestonesForm(request.POST or None, current=current)
    back = reverse("period_detail", args=[period.pk])
    return form_page(
        request, form,
        lambda d: milestones.milestones_save(actor=request.user, period=period, rows=[
            milestones.MilestoneRow(m, d[f"name_{m}"], d[f"due_{m}"]) for m in StageMeasure.values
        ]),
        done=lambda rows: f"已保存阶段任务（{len(rows)}项）。",
        template="assessment/period_milestones.html", back=back, context={"period": period},
    )  # fmt: skip
