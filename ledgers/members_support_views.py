"""Pages for 民主评议党员, annual and personal study plans, and 联系服务群众.

Every page: login required, the object looked up through a scoped getter (a foreign or
missing id is a 404), the role checked (EDIT for the branch's own records, APPROVE for
the upper committee's replies, VIEW for reading). Forms only parse; the rules are in
``ledgers.members_support``, whose ``DomainError`` is shown on the form with what was typed.
"""

import os

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from branches import selectors as org_selectors
from branches.errors import DomainError
from branches.forms import DATE
from branches.permissions import Action, can, can_any

from . import members_support as ms
from .models import Escalation, EscalationStatus, Grade, PlanKind, ServiceKind, ServiceSystem

# ---------------------------------------------------------------- forms (parse only)


class AppraisalForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    held_on = forms.DateField(label="评议日期", widget=DATE)
    meeting = forms.TypedChoiceField(label="民主评议党员会议记录", coerce=int, required=False, empty_value=None)
    self_notes = forms.CharField(label="个人自评情况", widget=forms.Textarea(attrs={"rows": 5}))
    mutual_notes = forms.CharField(label="党员互评情况", widget=forms.Textarea(attrs={"rows": 5}))
    synthesis = forms.CharField(label="综合分析", widget=forms.Textarea(attrs={"rows": 4}), required=False)

    def __init__(self, *args, meetings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].choices = [("", "（不关联会议记录）")] + [
            (m.pk, f"{m.held_on} {m.topic}（实到 {m.present_count} 人）") for m in meetings
        ]
        self.fields["meeting"].help_text = (
            "关联后，参加评议人数取该会议的实到人数；不关联则取评议日期时支部名册人数。"
            if meetings
            else "本年度尚无“民主评议党员会议”记录，可先在组织生活记录中录入后再关联。"
        )


class PublishForm(forms.Form):
    posted_on = forms.DateField(label="公布日期", widget=DATE)


class PlanForm(forms.Form):
    text = forms.CharField(label="计划内容", widget=forms.Textarea(attrs={"rows": 10}), required=False)
    file = forms.FileField(
        label="计划文件（PDF 或 Word）",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.doc,.docx"}),
        help_text="可只填写内容、只上传文件，或两者都有。",
    )
    remove_file = forms.BooleanField(label="删除已上传的文件", required=False)


class ServiceSystemForm(forms.Form):
    kind = forms.ChoiceField(label="服务制度", choices=ServiceKind.choices)
    name = forms.CharField(label="名称（可选，如“红色代办”）", max_length=100, required=False)
    goal = forms.CharField(label="年度目标", widget=forms.Textarea(attrs={"rows": 5}))


class ServiceReviewForm(forms.Form):
    year_end_review = forms.CharField(label="年终考核情况", widget=forms.Textarea(attrs={"rows": 8}))
    reviewed_on = forms.DateField(label="考核日期", widget=DATE)


class EscalationForm(forms.Form):
    raised_on = forms.DateField(label="群众反映日期", widget=DATE)
    title = forms.CharField(label="问题", max_length=200)
    description = forms.CharField(
        label="具体情况",
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="写明反映人（可不具名）、问题经过、支部已做的工作和需要上级协调解决的事项。",
    )


class ReplyForm(forms.Form):
    reply = forms.CharField(label="答复意见", widget=forms.Textarea(attrs={"rows": 6}))
    status = forms.ChoiceField(
        label="处理状态", choices=[(s.value, s.label) for s in ms.REPLY_STATUSES], widget=forms.RadioSelect
    )


# ---------------------------------------------------------------- helpers


def _fail(form, err: DomainError):
    form.add_error(err.field if err.field in form.fields else None, err.message)


def _year(request, *, allow_next=False):
    last = ms.today().year + (1 if allow_next else 0)
    try:
        y = int(request.GET.get("year", ""))
    except ValueError:
        y = ms.today().year
    return max(ms.MIN_YEAR, min(y, last))


def _years(allow_next=False):
    t = ms.today().year
    return range(t + (1 if allow_next else 0), t - 6, -1)


def _url_year(year, *, allow_next=False):
    if not ms.MIN_YEAR <= year <= ms.today().year + (1 if allow_next else 0):
        raise Http404("年度无效")
    return year


def _at_year(name, branch, year):
    return f"{reverse(name, args=[branch.pk])}?year={year}"


def _download(fieldfile):
    if not fieldfile:
        raise Http404("未上传文件")
    return FileResponse(fieldfile.open("rb"), as_attachment=True, filename=os.path.basename(fieldfile.name))


# ================================================================ 民主评议党员


def _parse_tallies(post):
    """``{member_id: TallyInput | None}``, what was typed per row, and rows that do not parse."""
    rows, typed, errors = {}, {}, {}
    for raw in post.getlist("m"):
        try:
            mid = int(raw)
        except ValueError:
            continue
        vals = [post.get(f"{k}_{mid}", "").strip() for k in ("good", "average", "poor")]
        grade = post.get(f"grade_{mid}", "").strip()
        why = post.get(f"why_{mid}", "").strip()
        typed[mid] = (*vals, grade, why)
        if not any(vals) and not grade:
            rows[mid] = None
            continue
        try:
            nums = [int(v) if v else 0 for v in vals]
        except ValueError:
            errors[mid] = "票数应为整数。"
            continue
        rows[mid] = ms.TallyInput(*nums, grade=grade, reasoning=why)
    return rows, typed, errors


@login_required
def appraisal_page(request, pk):
    """The year's appraisal: notes, meeting, the tally grid (saved in one request), publication."""
    branch = org_selectors.get_branch_for_user(request.user, pk)
    year = _year(request)
    appraisal = ms.appraisal_for(branch, year)
    can_edit = can(request.user, Action.EDIT, branch) and branch.is_active
    typed = errors = None
    grid_error = ""
    version = appraisal.version if appraisal else None
    if request.method == "POST":
        if not can_edit or appraisal is None:
            raise Http404
        rows, typed, errors = _parse_tallies(request.POST)
        raw = request.POST.get("version", "")
        version = int(raw) if raw.isdigit() else -1  # kept on error: a stale grid stays stale
        if errors:
            grid_error = f"有 {len(errors)} 名党员的票数填写有误，请修改后再保存（本次未保存任何内容）。"
        else:
            try:
                done = ms.appraisal_results_save(actor=request.user, appraisal=appraisal, version=version, rows=rows)
            except ms.AppraisalGridError as e:
                errors, grid_error = e.rows, e.message
            except DomainError as e:
                grid_error = e.message
            else:
                n = f"新增 {done['created']}，修改 {done['updated']}，清除 {done['removed']}"
                messages.success(request, f"评议结果已保存（{n}）。")
                return redirect(_at_year("appraisal_page", branch, year))
    rows = ms.appraisal_grid(appraisal, posted=typed, errors=errors) if appraisal else []
    published = bool(appraisal and appraisal.published_on)
    return render(
        request,
        "ledgers/appraisal_page.html",
        {
            "branch": branch,
            "year": year,
            "years": _years(),
            "appraisal": appraisal,
            "version": version,
            "rows": rows,
            "ballots": ms.appraisal_ballots(appraisal) if appraisal else 0,
            "summary": ms.grade_summary(rows),
            "graded": sum(r.result is not None for r in rows),
            "rule_text": ms.grade_rule_text(),
            "grades": Grade.choices,
            "grid_error": grid_error,
            "can_edit": can_edit,
            "editable": can_edit and appraisal is not None and not published,
            "publish_form": PublishForm(initial={"posted_on": ms.today()}),
        },
    )


@login_required
def appraisal_edit(request, pk, year):
    """Create or change the year's appraisal notes, date and meeting link."""
    branch = org_selectors.get_branch_for_user(request.user, pk, Action.EDIT)
    if not branch.is_active:
        raise Http404
    year = _url_year(year)
    appraisal = ms.appraisal_for(branch, year)
    meetings = list(ms.appraisal_meetings(branch, year))
    if appraisal:
        initial = {
            "version": appraisal.version,
            "held_on": appraisal.held_on,
            "meeting": appraisal.meeting_id,
            "self_notes": appraisal.self_notes,
            "mutual_notes": appraisal.mutual_notes,
            "synthesis": appraisal.synthesis,
        }
    else:
        first = meetings[0] if meetings else None
        initial = {"held_on": first.held_on if first else ms.today(), "meeting": first.pk if first else None}
    form = AppraisalForm(request.POST or None, meetings=meetings, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        meeting = next((m for m in meetings if m.pk == d["meeting"]), None)
        fields = {k: d[k] for k in ("held_on", "self_notes", "mutual_notes", "synthesis")}
        try:
            if appraisal is None:
                ms.appraisal_create(actor=request.user, branch=branch, year=year, meeting=meeting, **fields)
            else:
                ms.appraisal_update(
                    actor=request.user, appraisal=appraisal, version=d["version"], meeting=meeting, **fields
                )
        except DomainError as e:
            _fail(form, e)
        else:
            messages.success(request, "已保存。" if appraisal else "已录入，请接着填写每名党员的评议票数。")
            return redirect(_at_year("appraisal_page", branch, year))
    return render(
        request,
        "ledgers/appraisal_form.html",
        {
            "branch": branch,
            "form": form,
            "title": f"{year}年度民主评议党员" + ("：修改" if appraisal else "：录入"),
            "back": _at_year("appraisal_page", branch, year),
            "published": bool(appraisal and appraisal.published_on),
        },
    )


@login_required
@require_POST
def appraisal_publish(request, pk):
    appraisal = ms.get_appraisal_for_user(request.user, pk, Action.EDIT)
    form = PublishForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写公布日期。")
    else:
        try:
            ms.appraisal_publish(actor=request.user, appraisal=appraisal, posted_on=form.cleaned_data["posted_on"])
        except DomainError as e:
            messages.error(request, e.message)
        else:
            messages.success(request, "评议结果已在党务公开栏公布（仅公布姓名和等次，不公布票数）。")
    return redirect(_at_year("appraisal_page", appraisal.branch, appraisal.year))


# ================================================================ plans


@login_required
def plans_page(request, pk):
    """Which of the year's plans exist, and the personal study plans at a glance."""
    branch = org_selectors.get_branch_for_user(request.user, pk)
    year = _year(request, allow_next=True)
    return render(
        request,
        "ledgers/plans_page.html",
        {
            "branch": branch,
            "year": year,
            "years": _years(allow_next=True),
            "slots": ms.plans_checklist(branch, year),
            "study": ms.study_plan_counts(branch, year),
            "can_edit": can(request.user, Action.EDIT, branch) and branch.is_active,
        },
    )


@login_required
def plan_edit(request, pk, year, kind):
    branch = org_selectors.get_branch_for_user(request.user, pk, Action.EDIT)
    if not branch.is_active or kind not in PlanKind.values:
        raise Http404
    year = _url_year(year, allow_next=True)
    plan = next(s.plan for s in ms.plans_checklist(branch, year) if s.kind == kind)
    form = PlanForm(request.POST or None, request.FILES or None, initial={"text": plan.text if plan else ""})
    if plan is None or not plan.file:
        del form.fields["remove_file"]
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            ms.plan_save(
                actor=request.user,
                branch=branch,
                year=year,
                kind=kind,
                text=d["text"],
                upload=d["file"] or None,
                remove_file=d.get("remove_file", False),
            )
        except DomainError as e:
            _fail(form, e)
        else:
            messages.success(request, f"已保存{year}年{PlanKind(kind).label}。")
            return redirect(_at_year("plans_page", branch, year))
    return render(
        request,
        "ledgers/plans_form.html",
        {
            "branch": branch,
            "form": form,
            "plan": plan,
            "title": f"{year}年{PlanKind(kind).label}",
            "back": _at_year("plans_page", branch, year),
        },
    )


@login_required
def plan_file(request, pk):
    return _download(ms.get_plan_for_user(request.user, pk).file)


@login_required
def study_plans_page(request, pk):
    """党员个人学习计划: one yes/no row per member, saved in one request."""
    branch = org_selectors.get_branch_for_user(request.user, pk)
    year = _year(request, allow_next=True)
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
            done = ms.study_plans_save(actor=request.user, branch=branch, year=year, rows=rows, files=files)
        except DomainError as e:
            typed, error = rows, e.message + "（本次未保存；如选择了文件，请重新选择。）"
        else:
            messages.success(request, f"已保存（新增 {done['created']}，修改 {done['updated']}）。")
            return redirect(_at_year("study_plans", branch, year))
    grid = []
    for member, sp in ms.study_plan_grid(branch, year):
        if typed is not None and member.pk in typed:
            has_plan, notes = typed[member.pk]
        else:
            has_plan, notes = (sp.has_plan, sp.keeps_notes) if sp else (False, False)
        grid.append({"member": member, "plan": sp, "has_plan": has_plan, "keeps_notes": notes})
    return render(
        request,
        "ledgers/plans_study.html",
        {
            "branch": branch,
            "year": year,
            "years": _years(allow_next=True),
            "grid": grid,
            "with_plan": sum(r["has_plan"] for r in grid),
            "with_notes": sum(r["keeps_notes"] for r in grid),
            "error": error,
            "can_edit": can_edit,
        },
    )


@login_required
def study_plan_file(request, pk):
    return _download(ms.get_study_plan_for_user(request.user, pk).file)


# ================================================================ 联系服务群众


@login_required
def service_page(request, pk):
    """年初有目标、月月有举措、年终有考核, and the branch's escalations with their replies."""
    branch = org_selectors.get_branch_for_user(request.user, pk)
    year = _year(request, allow_next=True)
    system = ServiceSystem.objects.filter(branch=branch, year=year).first()
    opens = ms.service_review_opens(year)
    return render(
        request,
        "ledgers/service_page.html",
        {
            "branch": branch,
            "year": year,
            "years": _years(allow_next=True),
            "system": system,
            "months": ms.service_months(branch, year),
            "review_opens": opens,
            "review_open": ms.today() >= opens,
            "escalations": ms.escalations_of(branch)[:50],
            "can_edit": can(request.user, Action.EDIT, branch) and branch.is_active,
            "can_approve": can(request.user, Action.APPROVE, branch),
        },
    )


@login_required
def service_system_edit(request, pk, year):
    branch = org_selectors.get_branch_for_user(request.user, pk, Action.EDIT)
    if not branch.is_active:
        raise Http404
    year = _url_year(year, allow_next=True)
    system = ServiceSystem.objects.filter(branch=branch, year=year).first()
    initial = {"kind": system.kind, "name": system.name, "goal": system.goal} if system else {}
    form = ServiceSystemForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            ms.service_system_save(actor=request.user, branch=branch, year=year, **form.cleaned_data)
        except DomainError as e:
            _fail(form, e)
        else:
            messages.success(request, "已保存本年度联系服务群众制度。")
            return redirect(_at_year("service_page", branch, year))
    return render(
        request,
        "ledgers/service_form.html",
        {
            "branch": branch,
            "form": form,
            "title": f"{year}年联系服务群众：服务制度与年度目标",
            "back": _at_year("service_page", branch, year),
        },
    )


@login_required
def service_review(request, pk, year):
    branch = org_selectors.get_branch_for_user(request.user, pk, Action.EDIT)
    if not branch.is_active:
        raise Http404
    year = _url_year(year, allow_next=True)
    system = ServiceSystem.objects.select_related("branch").filter(branch=branch, year=year).first()
    back = _at_year("service_page", branch, year)
    if system is None:
        messages.error(request, "请先确定本年度的服务制度和目标。")
        return redirect(back)
    opens = ms.service_review_opens(year)
    if ms.today() < opens:
        messages.info(request, f"年终考核自 {opens:%Y年%m月%d日} 起填写。")
        return redirect(back)
    initial = {"year_end_review": system.year_end_review, "reviewed_on": system.reviewed_on or ms.today()}
    form = ServiceReviewForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            ms.service_review_save(actor=request.user, system=system, **form.cleaned_data)
        except DomainError as e:
            _fail(form, e)
        else:
            messages.success(request, "已保存年终考核。")
            return redirect(back)
    return render(
        request,
        "ledgers/service_form.html",
        {"branch": branch, "form": form, "title": f"{year}年联系服务群众：年终考核", "back": back},
    )


@login_required
def escalation_new(request, pk):
    branch = org_selectors.get_branch_for_user(request.user, pk, Action.EDIT)
    if not branch.is_active:
        raise Http404
    form = EscalationForm(request.POST or None, initial={"raised_on": ms.today()})
    if request.method == "POST" and form.is_valid():
        try:
            e = ms.escalation_raise(actor=request.user, branch=branch, **form.cleaned_data)
        except DomainError as err:
            _fail(form, err)
        else:
            messages.success(request, "已上报上级党组织，答复后可在此查看。")
            return redirect("escalation_detail", pk=e.pk)
    return render(
        request,
        "ledgers/service_form.html",
        {
            "branch": branch,
            "form": form,
            "title": "向上级党组织反映问题",
            "intro": "支部无法解决的群众诉求，报上级党组织协调解决。",
            "back": reverse("service_page", args=[branch.pk]),
        },
    )


def _escalation_page(request, escalation, form):
    return render(
        request,
        "ledgers/service_escalation.html",
        {"e": escalation, "branch": escalation.branch, "form": form},
    )


@login_required
def escalation_detail(request, pk):
    e = ms.get_escalation_for_user(request.user, pk)
    form = None
    if can(request.user, Action.APPROVE, e.branch):
        form = ReplyForm(initial={"reply": e.reply, "status": e.status if e.replied_on else EscalationStatus.REPLIED})
    return _escalation_page(request, e, form)


@login_required
def escalation_reply(request, pk):
    e = ms.get_escalation_for_user(request.user, pk, Action.APPROVE)
    form = ReplyForm(request.POST or None, initial={"reply": e.reply, "status": EscalationStatus.REPLIED})
    if request.method == "POST" and form.is_valid():
        try:
            ms.escalation_reply(actor=request.user, escalation=e, **form.cleaned_data)
        except DomainError as err:
            _fail(form, err)
        else:
            messages.success(request, "已答复，支部可在“联系服务群众”页面查看。")
            return redirect("escalation_inbox")
    return _escalation_page(request, e, form)


INBOX_FILTERS = [
    (EscalationStatus.OPEN.value, "待答复"),
    (EscalationStatus.REPLIED.value, "已答复"),
    (EscalationStatus.RESOLVED.value, "已解决"),
    ("all", "全部"),
]


@login_required
def escalation_inbox(request):
    """Problems passed up by every branch under the reviewer's committees."""
    if not can_any(request.user, Action.APPROVE):
        raise Http404
    status = request.GET.get("status") or EscalationStatus.OPEN
    if status not in dict(INBOX_FILTERS):
        status = EscalationStatus.OPEN
    qs = ms.escalation_inbox(request.user, status=None if status == "all" else status)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    items: list[Escalation] = list(page.object_list)
    parents = org_selectors.parents_by_path([e.branch for e in items])
    for e in items:
        e.parent_name = parents.get(e.branch.pk, "")
    return render(
        request,
        "ledgers/service_inbox.html",
        {
            "page": page,
            "items": items,
            "status": status,
            "filters": INBOX_FILTERS,
        },
    )
