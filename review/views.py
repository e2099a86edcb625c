"""Workflow pages: submit, committee review and return, declaration, district scoring and
acceptance, publication, objections, confirmation, rectification, inspection, notices."""

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from assessment import selectors as a_selectors
from assessment.models import Assessment, Period, RubricItem
from assessment.models import AssessmentStatus as S
from branches import selectors as org_selectors
from branches.forms import DATE
from branches.permissions import Action, has_role, is_district
from ledgers.activities.forms import MultipleFileField, MultipleFileInput
from review import adopt, rectification_views, services
from review.models import (
    Objection,
    ObjectionStatus,
    Rectification,
    RectificationStatus,
    RectificationTask,
    normalize_reference,
)
from wujin_branch.errors import DomainError
from wujin_branch.models import Notice
from wujin_branch.notices import mark_all_read
from wujin_branch.pages import form_page, querystring


def _fail(request, e):
    messages.error(request, e.message)


def _post_rows(post, prefix):
    rows = {}
    for key, value in post.items():
        if key.startswith(f"{prefix}_score_"):
            try:
                item_id = int(key.rsplit("_", 1)[1])
            except ValueError:
                continue
            rows[item_id] = (value, post.get(f"{prefix}_remark_{item_id}", ""))
    return rows


# ---------------------------------------------------------------- branch


@login_required
@require_POST
def submit(request, pk):
    a = a_selectors.get_assessment_for_user(request.user, pk, Action.EDIT)
    try:
        services.submit(actor=request.user, assessment=a, comment=request.POST.get("comment", ""))
    except DomainError as e:
        _fail(request, e)
        return redirect("assessment_self", pk=a.pk)
    messages.success(request, "已报送党(工)委审核。报送后考核表和所依据的记录将被锁定。")
    return redirect("assessment_view", pk=a.pk)


# ---------------------------------------------------------------- scoring pages (committee, district)

COLUMN_PAGES = {
    "committee": ("committee_score", "committee_remark", "党(工)委审核评分", services.committee_scores_save),
    "district": ("district_score", "district_remark", "区委组织部验收评分", services.district_scores_save),
}


def _score_page(request, pk, which):
    a = a_selectors.get_assessment_for_user(request.user, pk, Action.APPROVE)
    column, remark, title, save = COLUMN_PAGES[which]
    step = services.STEPS["committee_review" if which == "committee" else "accept"]
    if not has_role(request.user, step.roles, a.branch):
        raise Http404
    posted, error = {}, None
    if request.method == "POST":
        posted = _post_rows(request.POST, which)
        try:
            saved = save(actor=request.user, assessment=a, version=request.POST.get("version"), rows=posted)
        except DomainError as e:
            error = e.message
        else:
            messages.success(request, "评分已保存。")
            if getattr(saved, "judged_vetoes", None):
                found = "；".join(saved.judged_vetoes)
                messages.warning(request, f"存在一票否决情形：{found}。有一票否决情形的支部不能推荐申报为合格支部。")
            return redirect("assessment_view", pk=a.pk)
        a.refresh_from_db()
    sheet = a_selectors.assessment_sheet(a)
    editable = a.status in step.sources
    adopting, missing = request.method == "GET" and editable and bool(request.GET.get("adopt")), []
    if adopting:
        posted, missing = adopt.adopted(sheet, column, remark)
    return render(request, "review/score_column.html", {
        "a": a, "branch": a.branch, "period": a.period, "title": title, "prefix": which, "column": column,
        "remark": remark, "posted": posted, "error": error, "editable": editable, "adopting": adopting,
        "adopt_missing": missing, "adopt_label": adopt.SOURCES[column][2], "differs": adopt.differing(sheet, column),
        "below_label": adopt.SOURCE_LABEL[adopt.SOURCES[column][0]],
        "version": request.POST.get("version") if error else a.version, **sheet,
    })  # fmt: skip


@login_required
def committee_score(request, pk):
    return _score_page(request, pk, "committee")


@login_required
def district_score(request, pk):
    return _score_page(request, pk, "district")


@login_required
@require_POST
def act(request, pk, action):
    """The buttons on the assessment page: return, recommend, not recommend, accept, confirm."""
    a = a_selectors.get_assessment_for_user(request.user, pk)
    comment = request.POST.get("comment", "")
    try:
        if action == "committee_return":
            items = {
                k[len("item_comment_") :]: v for k, v in request.POST.items() if k.startswith("item_comment_") and v
            }
            services.committee_return(actor=request.user, assessment=a, comment=comment, item_comments=items)
        elif action == "recommend":
            services.committee_decide(actor=request.user, assessment=a, recommend=True, comment=comment)
        elif action == "not_recommend":
            services.committee_decide(actor=request.user, assessment=a, recommend=False, comment=comment)
        elif action == "district_return":
            services.district_return(actor=request.user, assessment=a, comment=comment)
        elif action == "accept":
            done = services.accept(actor=request.user, assessment=a, comment=comment)
            if done.status == S.NOT_PASSED and getattr(done, "judged_vetoes", None):
                messages.warning(request, f"存在一票否决情形（{'；'.join(done.judged_vetoes)}），不能验收为合格，"
                                          "已评定为验收不合格。")  # fmt: skip
        elif action == "confirm":
            services.confirm(actor=request.user, assessment=a, comment=comment)
        else:
            raise Http404
    except DomainError as e:
        _fail(request, e)
    else:
        a.refresh_from_db()
        messages.success(request, f"已处理，当前状态：{a.get_status_display()}。")
    return redirect("assessment_view", pk=a.pk)


# ---------------------------------------------------------------- declaration


@login_required
def declaration_new(request, pk):
    """A committee's 申报表: its recommended branches for a period, submitted as a batch."""
    committee = org_selectors.get_org_for_user(request.user, pk, Action.APPROVE)
    if not has_role(request.user, services.COMMITTEE_ROLES, committee):
        raise Http404
    periods = Period.objects.filter(status="open").order_by("-year")
    period = periods.filter(pk=request.GET.get("period") or request.POST.get("period")).first() or periods.first()
    candidates = (
        Assessment.objects.filter(period=period, status=S.RECOMMENDED, branch__path__startswith=committee.path)
        .select_related("branch")
        .order_by("branch__path")
        if period
        else Assessment.objects.none()
    )
    if request.method == "POST":
        chosen = candidates.filter(pk__in=request.POST.getlist("assessment"))
        try:
            d = services.declaration_submit(actor=request.user, committee=committee, period=period,
                                            assessments=list(chosen), note=request.POST.get("note", ""))  # fmt: skip
        except DomainError as e:
            _fail(request, e)
        else:
            messages.success(request, f"已向区委组织部申报 {d.entries.count()} 个支部。")
            return redirect("committee_dashboard", pk=committee.pk)
    return render(
        request,
        "review/declaration_new.html",
        {
            "committee": committee,
            "period": period,
            "periods": periods,
            "candidates": [a for a in candidates if not _doubtful(a, period)],
            "doubtful": [a for a in candidates if _doubtful(a, period)],
        },
    )


def _doubtful(a, period) -> bool:
    """Below the pass line or with a veto: listed apart and left unticked (申报 only on purpose)."""
    return a.has_veto or (a.committee_total is not None and a.committee_total < period.pass_line)


# ---------------------------------------------------------------- publication and objections


@login_required
def publication_new(request, pk):
    if not is_district(request.user):
        raise Http404
    period = get_object_or_404(Period, pk=pk)
    candidates = Assessment.objects.filter(period=period, status=S.ACCEPTED).select_related("branch")
    candidates = candidates.order_by("branch__path")
    if request.method == "POST":
        chosen = list(candidates.filter(pk__in=request.POST.getlist("assessment")))
        try:
            starts = datetime.date.fromisoformat(request.POST.get("starts_on") or timezone.localdate().isoformat())
            pub = services.publish(actor=request.user, period=period, assessments=chosen,
                                   title=request.POST.get("title", ""), starts_on=starts,
                                   contact=request.POST.get("contact", ""))  # fmt: skip
        except ValueError:
            messages.error(request, "公示开始日期格式不正确。")
        except DomainError as e:
            _fail(request, e)
        else:
            messages.success(request, f"已发布公示，公示期 {pub.starts_on} 至 {pub.ends_on}。")
            return redirect("period_detail", pk=period.pk)
    return render(
        request,
        "review/publication_new.html",
        {
            "period": period,
            "candidates": candidates,
            "today": timezone.localdate(),
        },
    )


@login_required
def objection_list(request):
    if not is_district(request.user):
        raise Http404
    qs = Objection.objects.select_related("entry__assessment__branch", "entry__publication", "handled_by")
    # A 受理编号 read out on the phone (any case, dashes or spaces) or a branch name finds the
    # objection whatever its state.
    q = request.GET.get("q", "").strip()
    status = request.GET.get("status", "" if q else ObjectionStatus.PENDING)
    if q:
        qs = qs.filter(Q(reference=normalize_reference(q)) | Q(entry__assessment__branch__name__icontains=q))
    if status in ObjectionStatus.values:
        qs = qs.filter(status=status)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(request, "review/objection_list.html", {"page": page, "status": status, "q": q,
                                                          "querystring": querystring(q=q, status=status),
                                                          "statuses": ObjectionStatus.choices})  # fmt: skip


@login_required
@require_POST
def objection_handle(request, pk):
    if not is_district(request.user):
        raise Http404
    o = get_object_or_404(Objection, pk=pk)
    try:
        services.objection_handle(actor=request.user, objection=o, upheld=request.POST.get("decision") == "upheld",
                                  note=request.POST.get("note", ""))  # fmt: skip
    except DomainError as e:
        _fail(request, e)
    else:
        messages.success(request, "异议已处理。")
    return redirect("objection_list")


# ---------------------------------------------------------------- rectification


class RectificationForm(forms.Form):
    reason = forms.CharField(label="整顿原因", widget=forms.Textarea(attrs={"rows": 3}))
    deadline = forms.DateField(label="整顿期限", widget=DATE)
    tasks = forms.CharField(label="整改任务（每行一项）", widget=forms.Textarea(attrs={"rows": 5}))


@login_required
def rectification_new(request, pk):
    a = a_selectors.get_assessment_for_user(request.user, pk, Action.APPROVE)
    form = RectificationForm(request.POST or None,
                             initial={"deadline": timezone.localdate() + datetime.timedelta(days=90)})  # fmt: skip
    return form_page(
        request,
        form,
        lambda d: services.rectification_start(actor=request.user, assessment=a, reason=d["reason"],
                                               deadline=d["deadline"], tasks=d["tasks"].splitlines()),
        done=lambda _: "已启动整顿。",
        to=lambda r: reverse("rectification_detail", args=[r.pk]),
        template="branches/form.html",
        back=reverse("assessment_view", args=[a.pk]),
        context={"title": f"启动整顿：{a.branch.name}"},
    )  # fmt: skip


@login_required
def rectification_detail(request, pk):
    r = get_object_or_404(
        Rectification.objects.select_related("assessment__branch", "assessment__period", "weak_marked_by",
                                             "outcome_change__merged_into"), pk=pk,
    )  # fmt: skip
    a = a_selectors.get_assessment_for_user(request.user, r.assessment_id)
    if request.method == "POST":
        try:
            if "task" in request.POST:
                task = get_object_or_404(RectificationTask, pk=request.POST["task"], rectification=r)
                done = request.POST.get("done_on") or None
                services.rectification_task_update(
                    actor=request.user, task=task, progress=request.POST.get("progress", ""),
                    done_on=datetime.date.fromisoformat(done) if done else None,
                )  # fmt: skip
            elif "reassess" in request.POST:
                services.reassess(actor=request.user, rectification=r, summary=request.POST.get("summary", ""))
                messages.success(request, "整顿完成，支部可重新自评。")
                return redirect("assessment_view", pk=a.pk)
        except (DomainError, ValueError) as e:
            messages.error(request, getattr(e, "message", "日期格式不正确。"))
        return redirect("rectification_detail", pk=r.pk)
    open_ = r.status == RectificationStatus.OPEN
    return render(
        request,
        "review/rectification.html",
        {
            "r": r,
            "a": a,
            "branch": a.branch,
            "tasks": r.tasks.all(),
            "can_close": open_ and has_role(request.user, services.COMMITTEE_ROLES | services.DISTRICT_ROLES, a.branch),
            "outcome_events": rectification_views.outcome_events(r),
            **(rectification_views.district_forms(r) if open_ and is_district(request.user) else {}),
        },
    )


# ---------------------------------------------------------------- inspection


class InspectionForm(forms.Form):
    inspected_on = forms.DateField(label="考察日期", widget=DATE)
    inspectors = forms.CharField(label="考察人员", max_length=200)
    items = forms.ModelMultipleChoiceField(label="考察项目", queryset=RubricItem.objects.none(), required=False,
                                           widget=forms.CheckboxSelectMultiple)  # fmt: skip
    findings = forms.CharField(label="考察情况", widget=forms.Textarea(attrs={"rows": 4}))
    photos = MultipleFileField(
        label="现场照片",
        required=False,
        widget=MultipleFileInput(attrs={"accept": "image/*"}),
    )


@login_required
def inspection_new(request, pk):
    a = a_selectors.get_assessment_for_user(request.user, pk, Action.APPROVE)
    if not is_district(request.user) and not has_role(request.user, services.COMMITTEE_ROLES, a.branch):
        raise Http404
    form = InspectionForm(request.POST or None, request.FILES or None, initial={"inspected_on": timezone.localdate()})
    form.fields["items"].queryset = RubricItem.objects.filter(section__version=a.period.rubric)

    def record(d):
        from review.inspections import inspection_record

        adjustments = {}
        for key, value in request.POST.items():
            if key.startswith("adjust_score_") and value.strip():
                item_id = int(key.rsplit("_", 1)[1])
                adjustments[item_id] = (value, request.POST.get(f"adjust_reason_{item_id}", ""))
        try:
            return inspection_record(actor=request.user, assessment=a, inspected_on=d["inspected_on"],
                                     inspectors=d["inspectors"], items=list(d["items"]), findings=d["findings"],
                                     photos=d["photos"], adjustments=adjustments)  # fmt: skip
        except DomainError as e:
            raise DomainError(e.message) from e  # every refusal above the form, even the photos'

    return form_page(
        request,
        form,
        record,
        done=lambda _: "实地考察情况已记录。",
        template="review/inspection_new.html",
        back=reverse("assessment_view", args=[a.pk]),
        context=lambda: {"a": a, "branch": a.branch, **a_selectors.assessment_sheet(a),
                         "can_adjust": is_district(request.user)},
    )  # fmt: skip


# ---------------------------------------------------------------- notices


@login_required
def notice_list(request):
    qs = Notice.objects.filter(user=request.user)
    if request.method == "POST":
        mark_all_read(request.user)
        return redirect("my_notices")
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(request, "review/notices.html", {"page": page})
