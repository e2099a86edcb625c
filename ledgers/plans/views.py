"""Pages for the branch's annual plans and its members' personal study plans."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render

from branches import selectors as org_selectors
from branches.permissions import Action, can
from ledgers.models import PlanKind
from ledgers.pages import at_year
from ledgers.plans import selectors as plans_selectors
from ledgers.plans import services as plans
from ledgers.plans.notes import study_note_counts
from wujin_branch.errors import DomainError
from wujin_branch.pages import download, form_page, url_year, year_param, years_choice


class PlanForm(forms.Form):
    text = forms.CharField(label="计划内容", widget=forms.Textarea(attrs={"rows": 10}), required=False)
    file = forms.FileField(
        label="计划文件（PDF 或 Word）",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.doc,.docx"}),
        help_text="可只填写内容、只上传文件，或两者都有。",
    )
    remove_file = forms.BooleanField(label="删除已上传的文件", required=False)


# ================================================================ plans


@login_required
def plans_page(request, pk):
    """Which of the year's plans exist, and the personal study plans at a glance."""
    branch = org_selectors.get_branch_for_user(request.user, pk)
    year = year_param(request, allow_next=True)
    return render(
        request,
        "ledgers/plans_page.html",
        {
            "branch": branch,
            "year": year,
            "years": years_choice(allow_next=True),
            "slots": plans.plans_checklist(branch, year),
            "study": plans.study_plan_counts(branch, year),
            "can_edit": can(request.user, Action.EDIT, branch) and branch.is_active,
        },
    )


@login_required
def plan_edit(request, pk, year, kind):
    branch = org_selectors.get_branch_for_user(request.user, pk, Action.EDIT)
    if not branch.is_active or kind not in PlanKind.values:
        raise Http404
    year = url_year(year, allow_next=True)
    plan = next(s.plan for s in plans.plans_checklist(branch, year) if s.kind == kind)
    form = PlanForm(request.POST or None, request.FILES or None, initial={"text": plan.text if plan else ""})
    if plan is None or not plan.file:
        del form.fields["remove_file"]
    return form_page(
        request,
        form,
        lambda d: plans.plan_save(
            actor=request.user,
            branch=branch,
            year=year,
            kind=kind,
            text=d["text"],
            upload=d["file"] or None,
            remove_file=d.get("remove_file", False),
        ),
        done=lambda _: f"已保存{year}年{PlanKind(kind).label}。",
        template="ledgers/plans_form.html",
        back=at_year("plans_page", branch, year),
        context={"branch": branch, "plan": plan, "title": f"{year}年{PlanKind(kind).label}"},
    )


@login_required
def plan_file(request, pk):
    plan = plans_selectors.get_plan_for_user(request.user, pk)
    return download(plan.file, f"{plan.branch.name}-{plan.year}年{plan.get_kind_display()}")


@login_required
def study_plans_page(request, pk):
    """党员个人学习计划: one yes/no row per member, saved in one request."""
    branch = org_selectors.get_branch_for_user(request.user, pk)
    year = year_param(request, allow_next=True)
    can_edit = can(request.user, Action.EDIT, branch) and branch.is_active
    typed = None
    error = ""
    if request.method == "POST":
        if not can_edit:
            raise Http404
        ids = [int(x) for x in request.POST.getlist("m") if x.isdigit()]
        rows = {i: (f"plan_{i}" in request.POST, f"notes_{i}" in request.POST) for i in ids}
        files = {i: request.FILES.get(f"file_{i}") for i in ids if request.FILES.get(f"file_{i}")}
        try:
            done = plans.study_plans_save(actor=request.user, branch=branch, year=year, rows=rows, files=files)
        except DomainError as e:
            typed, error = rows, e.message + "（本次未保存；如选择了文件，请重新选择。）"
        else:
            messages.success(request, f"已保存（新增 {done['created']}，修改 {done['updated']}）。")
            return redirect(at_year("study_plans", branch, year))
    grid = []
    note_counts = study_note_counts(branch, year)
    for member, sp in plans.study_plan_grid(branch, year):
        if typed is not None and member.pk in typed:
            has_plan, notes = typed[member.pk]
        else:
            has_plan, notes = (sp.has_plan, sp.keeps_notes) if sp else (False, False)
        grid.append({"member": member, "plan": sp, "has_plan": has_plan, "keeps_notes": notes,
                     "notes": note_counts.get(member.pk, 0)})  # fmt: skip
    return render(
        request,
        "ledgers/plans_study.html",
        {
            "branch": branch,
            "year": year,
            "years": years_choice(allow_next=True),
            "grid": grid,
            "with_plan": sum(r["has_plan"] for r in grid),
            "with_notes": sum(r["keeps_notes"] for r in grid),
            "error": error,
            "can_edit": can_edit,
        },
    )


@login_required
def study_plan_file(request, pk):
    sp = plans_selectors.get_study_plan_for_user(request.user, pk)
    return download(sp.file, f"{sp.member.name}-{sp.year}年个人学习计划")
