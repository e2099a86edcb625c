"""发展党员 pages: the branch's pipeline, one person's 25-step timeline, recording a step,
correcting or withdrawing a recorded one (with a reason, kept as 更正记录), the activists'
half-yearly examinations, new applicant, stop, and the yearly plan beside the actual structure.

Branch staff write (Action.EDIT); committee reviewers read everything, including the
rule breaks shown in red, and approve plans (Action.APPROVE). Foreign or missing ids are 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from branches import selectors as org_selectors
from branches.permissions import Action, can
from ledgers import development as dev
from ledgers.development import corrections as fixes
from ledgers.development.forms import (
    ApplicantCreateForm,
    ApplicantForm,
    ExaminationForm,
    ExaminationWithdrawForm,
    PlanForm,
    StepCorrectForm,
    StepForm,
    StopCorrectForm,
    StopForm,
    WithdrawForm,
)
from ledgers.models import ActivistExamination, DevelopmentPlan, DevStage
from ledgers.pages import at_year
from wujin_branch.errors import DomainError
from wujin_branch.pages import form_page
from wujin_branch.storage import stored_response

DEV_FORM = "ledgers/dev_form.html"


def _year(request):
    this = timezone.localdate().year
    try:
        y = int(request.GET.get("year") or request.POST.get("year") or this)
    except ValueError:
        y = this
    return max(2000, min(y, this + 1))


# ---------------------------------------------------------------- pages


@login_required
def dev_list(request, pk):
    branch = org_selectors.get_branch_for_user(request.user, pk)
    stage = request.GET.get("stage") or None
    if stage not in DevStage.values:
        stage = None
    data = dev.pipeline(branch, stage=stage)
    exams = dev.examination_status(branch)
    year = timezone.localdate().year
    return render(
        request,
        "ledgers/dev_list.html",
        {
            "branch": branch,
            "stage": stage,
            "stages": DevStage.choices,
            "counts": [(s, data["counts"][s.value]) for s in DevStage],
            "groups": data["groups"],
            "year": year,
            "plan": DevelopmentPlan.objects.filter(branch=branch, year=year).first(),
            "can_edit": can(request.user, Action.EDIT, branch) and branch.is_active,
            "exams_overdue": [r for r in exams if r.overdue],
            "n_activists": len(exams),
            "exam_months": dev.examination_months(),
        },
    )


@login_required
def dev_applicant_new(request, pk):
    branch = org_selectors.get_branch_for_user(request.user, pk, Action.EDIT)
    if not branch.is_active:
        raise Http404
    form = ApplicantCreateForm(request.POST or None, request.FILES or None, initial={"ethnicity": "汉族"})
    return form_page(
        request, form,
        lambda d: dev.applicant_create(actor=request.user, branch=branch, applied_on=d["applied_on"], note=d["note"],
                                       material=d["material"], **form.person_data()),
        done=lambda a: f"已登记入党申请人 {a.name}。",
        to=lambda a: reverse("dev_applicant", args=[a.pk]),
        template=DEV_FORM, back=reverse("dev_list", args=[branch.pk]), context={
            "branch": branch, "title": "登记入党申请人",
            "intro": f"递交入党申请书时应年满{dev.min_age()}周岁。登记后即记录第1步“递交入党申请书”。",
        },
    )  # fmt: skip


@login_required
def dev_applicant(request, pk):
    a = dev.get_applicant_for_user(request.user, pk)
    branch = a.branch
    can_edit = can(request.user, Action.EDIT, branch) and branch.is_active
    ctx = dev.applicant_page(a)
    ctx.update(
        {
            "a": a,
            "branch": branch,
            "can_edit": can_edit and a.stage != DevStage.STOPPED,
            "can_stop": can_edit and a.stage in (DevStage.APPLICANT, DevStage.ACTIVIST, DevStage.CANDIDATE),
            "can_fix": can_edit and a.member_id is None and a.stage != DevStage.STOPPED,
            "can_see_id": can(request.user, Action.SEE_ID, branch),
            "can_correct": can_edit,
            "corrections": fixes.corrections_of(a),
            "exam_months": dev.examination_months(),
        }
    )
    return render(request, "ledgers/dev_applicant.html", ctx)


@login_required
def dev_applicant_edit(request, pk):
    a = dev.get_applicant_for_user(request.user, pk, Action.EDIT)
    if a.member_id or a.stage == DevStage.STOPPED or not a.branch.is_active:
        raise Http404
    full_id = can(request.user, Action.SEE_ID, a.branch)  # only district staff get the full number
    initial = {f: getattr(a, f) for f in dev.APPLICANT_FIELDS if f != "id_number" or full_id}
    initial["version"] = a.version
    form = ApplicantForm(request.POST or None, initial=initial, masked_id=None if full_id else a.id_number_masked)
    return form_page(
        request, form,
        lambda d: dev.applicant_update(actor=request.user, applicant=a, version=d["version"], **form.person_data()),
        done=lambda _: "已保存。",
        template=DEV_FORM, back=reverse("dev_applicant", args=[a.pk]),
        context={"branch": a.branch, "title": f"修改 {a.name} 的个人信息"},
    )  # fmt: skip


@login_required
def dev_step(request, pk, code):
    a = dev.get_applicant_for_user(request.user, pk, Action.EDIT)
    step = dev.STEP.get(code)
    if step is None or a.stage == DevStage.STOPPED or not a.branch.is_active:
        raise Http404
    dates = dict(a.steps.values_list("code", "done_on"))
    if code in dates:
        messages.info(request, f"第{code}步已经记录。")
        return redirect("dev_applicant", pk=a.pk)
    full = dev.full_members_on(a.branch, timezone.localdate()) if step.vote else None
    dues = [d for d in dev.dues_for(dates, dev.active_rules(), on=timezone.localdate()) if d.rule.to_step == code]
    form = StepForm(
        request.POST or None,
        request.FILES or None,
        step=step,
        full_members=full,
        initial={"done_on": timezone.localdate()},
    )
    roster_note = {17: f"{a.name} 已列入党员名册（预备党员）。", 24: f"{a.name} 已在党员名册中转为正式党员。"}
    return form_page(
        request, form,
        lambda d: dev.step_record(
            actor=request.user, applicant=a, code=code, done_on=d["done_on"], people=d.get("people", ""),
            note=d["note"], votes=form.votes(), training_days=d.get("training_days"),
            training_hours=d.get("training_hours"), material=d["material"], exception_reason=d["exception_reason"],
        ),
        done=lambda _: [f"已记录第{code}步“{step.name}”。", *([roster_note[code]] if code in roster_note else [])],
        template=DEV_FORM, back=reverse("dev_applicant", args=[a.pk]), context={
            "branch": a.branch, "title": f"{a.name} · 第{code}步 {step.name}", "intro": step.hint,
            "stage_label": dev.STAGES[step.stage], "dues": dues,
        },
    )  # fmt: skip


def _recorded_step(request, pk, code):
    a = dev.get_applicant_for_user(request.user, pk, Action.EDIT)
    step = a.steps.filter(code=code).first()
    if step is None or not a.branch.is_active:
        raise Http404
    step.applicant = a
    return a, step


def _correct_initial(row):
    initial = {"version": row.version, "done_on": row.done_on, "note": row.note}
    if row.code == dev.STOP_CODE:
        return initial
    initial.update({k: getattr(row, k) for k in ["people", "exception_reason", *dev.VOTE_FIELDS]})
    if row.code == 11:
        days, hours, rest = fixes.split_training_note(row.note)
        initial.update({"training_days": days, "training_hours": hours, "note": rest})
    return initial


@login_required
def dev_step_correct(request, pk, code):
    a, row = _recorded_step(request, pk, code)
    initial = _correct_initial(row)
    if code == dev.STOP_CODE:
        form = StopCorrectForm(request.POST or None, initial=initial)
    else:
        step = dev.STEP[code]
        form = StepCorrectForm(request.POST or None, request.FILES or None, step=step, initial=initial)

    def correct(d):
        kw = {"done_on": d["done_on"], "note": d["note"]}
        if code != dev.STOP_CODE:
            kw.update(exception_reason=d["exception_reason"], material=d["material"])
            if "people" in form.fields:
                kw["people"] = d["people"]
            if step.vote:
                kw["votes"] = form.votes()
            if code == 11:
                kw.update(training_days=d["training_days"], training_hours=d["training_hours"])
        return fixes.step_correct(actor=request.user, step=row, version=d["version"], reason=d["reason"], **kw)

    warning = {
        17: "更正日期将同步修改党员名册中的入党日期。",
        24: "更正日期将同步修改党员名册中的转正日期。",
    }.get(code, "")
    return form_page(
        request, form, correct,
        done=lambda _: f"已更正{fixes.step_label(code)}，原内容已保留在更正记录中。",
        template=DEV_FORM, back=reverse("dev_applicant", args=[a.pk]), context={
            "branch": a.branch, "title": f"更正：{a.name} · {fixes.step_label(code)}", "warning": warning,
            "intro": "更正后将重新核对时限和顺序规定；原内容、更正人、时间和理由保留在“更正记录”中。",
        },
    )  # fmt: skip


@login_required
def dev_step_withdraw(request, pk, code):
    a, row = _recorded_step(request, pk, code)
    form = WithdrawForm(request.POST or None, initial={"version": row.version})
    later = fixes.later_steps(row)
    if later:
        warning = (
            f"只能撤回最近录入的一步：{fixes.step_label(code)}之后还录入了"
            f"{'、'.join(fixes.step_label(r.code) for r in later)}。"
        )
    else:
        warning = {
            17: "撤回后，该同志将从党员名册中移除（名册中已有党费、出勤等记录的不能撤回）。",
            24: "撤回后，党员名册中该同志将恢复为预备党员。",
        }.get(code, "撤回后可重新记录这一步。")
    return form_page(
        request, form,
        lambda d: fixes.step_withdraw(actor=request.user, step=row, version=d["version"], reason=d["reason"]),
        done=lambda _: f"已撤回{fixes.step_label(code)}，原内容已保留在更正记录中。",
        template=DEV_FORM, back=reverse("dev_applicant", args=[a.pk]), context={
            "branch": a.branch, "title": f"撤回：{a.name} · {fixes.step_label(code)}（{row.done_on:%Y-%m-%d}）",
            "warning": warning, "intro": "用于撤回误录的步骤；原内容、撤回人、时间和理由保留在“更正记录”中。",
        },
    )  # fmt: skip


@login_required
def dev_examination_new(request, pk):
    a = dev.get_applicant_for_user(request.user, pk, Action.EDIT)
    if a.stage == DevStage.STOPPED or not a.branch.is_active:
        raise Http404
    form = ExaminationForm(request.POST or None, initial={"examined_on": timezone.localdate()})
    return form_page(
        request, form,
        lambda d: dev.examination_record(actor=request.user, applicant=a, **d),
        done=lambda _: "已记录入党积极分子考察。",
        template=DEV_FORM, back=reverse("dev_applicant", args=[a.pk]), context={
            "branch": a.branch, "title": f"入党积极分子考察：{a.name}",
            "intro": f"党支部每{dev.examination_months()}个月对入党积极分子进行一次考察。",
        },
    )  # fmt: skip


@login_required
def dev_examination_withdraw(request, pk):
    """Withdraw an examination recorded by mistake; it stays listed as 已撤销 with the reason."""
    exam = ActivistExamination.objects.filter(pk=pk).first()
    if exam is None:
        raise Http404
    a = dev.get_applicant_for_user(request.user, exam.applicant_id, Action.EDIT)
    return form_page(
        request, ExaminationWithdrawForm(request.POST or None),
        lambda d: dev.examination_withdraw(actor=request.user, examination=exam, reason=d["reason"]),
        done=lambda _: "已撤销该考察记录，撤销理由已保留。",
        template=DEV_FORM, back=reverse("dev_applicant", args=[a.pk]), context={
            "branch": a.branch, "title": f"撤销考察记录：{a.name} · {exam.examined_on:%Y-%m-%d}",
            "intro": "用于撤销误录的考察记录；原内容、撤销人、时间和理由保留，并在该同志的页面列出。",
        },
    )  # fmt: skip


@login_required
def dev_stop(request, pk):
    a = dev.get_applicant_for_user(request.user, pk, Action.EDIT)
    if a.stage not in (DevStage.APPLICANT, DevStage.ACTIVIST, DevStage.CANDIDATE) or not a.branch.is_active:
        raise Http404
    form = StopForm(request.POST or None, initial={"stopped_on": timezone.localdate()})
    return form_page(
        request, form,
        lambda d: dev.applicant_stop(actor=request.user, applicant=a, stopped_on=d["stopped_on"], reason=d["reason"]),
        done=lambda _: f"已终止对 {a.name} 的培养。",
        template=DEV_FORM, back=reverse("dev_applicant", args=[a.pk]), context={
            "branch": a.branch, "title": f"终止培养：{a.name}",
            "warning": "终止培养后不能再记录发展步骤，原因将保留在档案中。",
        },
    )  # fmt: skip


@login_required
def dev_material(request, pk):
    step = dev.get_step_for_user(request.user, pk)
    if not step.material:
        raise Http404
    ext = step.material.name.rsplit(".", 1)[-1].lower()
    filename = f"{step.applicant.name}-第{step.code}步-{dev.STEP[step.code].name}.{ext}"
    if ext == "jpg":
        return stored_response(step.material, content_type="image/jpeg", filename=filename)
    return stored_response(step.material, as_attachment=True, filename=filename)


@login_required
def dev_plan(request, pk):
    branch = org_selectors.get_branch_for_user(request.user, pk)
    year = _year(request)
    can_edit = can(request.user, Action.EDIT, branch) and branch.is_active
    if request.method == "POST" and not can_edit:
        raise Http404
    data = dev.plan_page(branch, year)

    def context():
        this = timezone.localdate().year
        return {
            **data,
            "branch": branch,
            "year": year,
            "years": range(this + 1, this - 6, -1),
            "can_edit": can_edit,
            "can_approve": can(request.user, Action.APPROVE, branch),
        }

    if not can_edit:
        return render(request, "ledgers/dev_plan.html", {**context(), "form": None})
    plan = data["plan"]
    form = PlanForm(request.POST or None, initial={f: getattr(plan, f) for f in dev.PLAN_FIELDS} if plan else {})
    return form_page(
        request, form,
        lambda d: dev.plan_save(actor=request.user, branch=branch, year=year, **d),
        done=lambda _: f"{year}年发展党员计划已保存。",
        template="ledgers/dev_plan.html", context=context, back=at_year("dev_plan", branch, year),
    )  # fmt: skip


@login_required
@require_POST
def dev_plan_approve(request, pk):
    plan = DevelopmentPlan.objects.select_related("branch").filter(pk=pk).first()
    if plan is None or not can(request.user, Action.APPROVE, plan.branch):
        raise Http404
    approved = request.POST.get("approved", "1") == "1"
    try:
        dev.plan_approve(actor=request.user, plan=plan, approved=approved)
    except DomainError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, "已审批该计划。" if approved else "已撤回审批。")
    return redirect(reverse("dev_plan", args=[plan.branch_id]) + f"?year={plan.year}")
