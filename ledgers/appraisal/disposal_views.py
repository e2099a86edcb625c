"""Pages for 不合格党员处置: a member's follow-up (branch), the committee's list of open ones."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse

from branches.forms import DATE, VersionedForm
from branches.permissions import Action, can, can_any
from branches.selectors import parents_by_path
from ledgers.appraisal import disposals
from ledgers.models import DisposalKind, DisposalOutcome, Grade
from wujin_branch.pages import form_page, with_token

PAGE = "ledgers/disposal_page.html"


class DisposalForm(forms.Form):
    kind = forms.ChoiceField(label="处置方式", choices=[("", "—")] + DisposalKind.choices)
    decided_on = forms.DateField(label="支部党员大会决定日期", widget=DATE)
    meeting = forms.TypedChoiceField(label="支部党员大会记录", coerce=int, required=False, empty_value=None)
    decision = forms.CharField(label="支部党员大会决定", widget=forms.Textarea(attrs={"rows": 4}))
    deadline = forms.DateField(label="改正期限（限期改正必填）", widget=DATE, required=False)
    upper_approved_on = forms.DateField(label="上级党组织批准日期（除名须填写）", widget=DATE, required=False)

    def __init__(self, *args, meetings, **kwargs):
        super().__init__(*args, **kwargs)
        self.meetings = {m.pk: m for m in meetings}
        self.fields["meeting"].choices = [("", "（不关联）")] + [(m.pk, f"{m.held_on} {m.topic}") for m in meetings]


class CloseForm(VersionedForm):
    closed_on = forms.DateField(label="办结日期", widget=DATE)
    outcome = forms.ChoiceField(label="处置结果", choices=[("", "—")] + DisposalOutcome.choices)
    outcome_note = forms.CharField(label="结果说明", max_length=300, required=False)
    upper_approved_on = forms.DateField(label="上级党组织批准日期（除名须填写）", widget=DATE, required=False)


def _context(request, result):
    branch = result.appraisal.branch
    rows = list(result.disposals.select_related("meeting").order_by("decided_on", "id"))
    open_one = next((d for d in rows if d.is_open), None)
    may_edit = can(request.user, Action.EDIT, branch) and branch.is_active
    close_form = None
    if may_edit and open_one is not None:
        close_form = with_token(CloseForm(initial={"version": open_one.version}))
    return {"result": result, "branch": branch, "disposals": rows, "open_one": open_one, "close_form": close_form}


@login_required
def disposal_page(request, pk):
    """One 不合格 member's follow-up: the disposals so far and the form for a new one."""
    result = disposals.get_result_for_user(request.user, pk)
    if result.grade != Grade.UNQUALIFIED:
        raise Http404("未找到该评议结果")
    ctx = _context(request, result)
    may_create = can(request.user, Action.EDIT, ctx["branch"]) and ctx["branch"].is_active and ctx["open_one"] is None
    if request.method == "POST" and not may_create:
        raise Http404
    if not may_create:
        return render(request, PAGE, {**ctx, "form": None})
    form = DisposalForm(request.POST or None, meetings=list(disposals.congress_meetings(ctx["branch"])))

    def act(d):
        mid = d.pop("meeting")
        meeting = form.meetings.get(mid) if mid else None
        return disposals.disposal_create(actor=request.user, result=result, meeting=meeting, **d)

    back = reverse("disposal_page", args=[result.pk])
    return form_page(request, form, act, done=lambda d: f"已记录处置：{d.get_kind_display()}。",
                     template=PAGE, back=back, context=ctx)  # fmt: skip


@login_required
def disposal_close(request, pk):
    d = disposals.get_disposal_for_user(request.user, pk, Action.EDIT)
    form = CloseForm(request.POST or None, initial={"version": d.version})
    back = reverse("disposal_page", args=[d.result_id])
    return form_page(
        request,
        form,
        lambda c: disposals.disposal_close(actor=request.user, disposal=d, **c),
        done=lambda x: f"处置已办结：{x.get_outcome_display()}。",
        template=PAGE,
        back=back,
        context=lambda: {**_context(request, d.result), "form": None, "close_form": form},
    )


@login_required
def disposal_inbox(request):
    """Open 不合格党员处置 of every branch under the reviewer's committees."""
    if not can_any(request.user, Action.APPROVE):
        raise Http404
    page = Paginator(disposals.open_disposals(request.user), 50).get_page(request.GET.get("page"))
    items = list(page.object_list)
    parents = parents_by_path([d.branch for d in items])
    for d in items:
        d.parent_name = parents.get(d.branch_id, "")
    return render(request, "ledgers/disposal_inbox.html", {"page": page, "items": items})
