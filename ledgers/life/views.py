"""Pages for 组织生活会 filing (报送备案): the branch files the package from its record's
filing page; the committee sees what awaits 备案 and marks it 已备案 or returns it; a
党委 / 党总支 records its 班子会议."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from branches import selectors as org_selectors
from branches.forms import DATE
from branches.permissions import Action, can, can_any
from ledgers.activities.selectors import get_activity_for_user
from ledgers.life import selectors, services
from ledgers.models import ActivityType, FilingStatus
from wujin_branch.pages import form_page, with_token

PAGE = "ledgers/minutes_filing.html"


class FilingForm(forms.Form):
    note = forms.CharField(label="报送说明（可不填）", max_length=services.NOTE_MAX, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip

    def __init__(self, *args, members, speeches, **kwargs):
        super().__init__(*args, **kwargs)
        self.members = members
        for m in members:
            s = speeches.get(m.pk)
            self.fields[f"gist_{m.pk}"] = forms.CharField(
                label=m.name, required=False, initial=s.gist if s else "", widget=forms.Textarea(attrs={"rows": 2})
            )

    def speech_rows(self):
        return [(m, self[f"gist_{m.pk}"]) for m in self.members]

    def speeches(self):
        return {m.pk: self.cleaned_data.get(f"gist_{m.pk}", "") for m in self.members}


class FilingReturnForm(forms.Form):
    reason = forms.CharField(label="退回理由", max_length=services.REASON_MAX, widget=forms.Textarea(attrs={"rows": 3}))


class TeamMeetingForm(forms.Form):
    held_on = forms.DateField(label="会议日期", widget=DATE)
    place = forms.CharField(label="地点", max_length=100)
    host = forms.CharField(label="主持人", max_length=50)
    attendees = forms.CharField(label="参加人员", max_length=300)
    content = forms.CharField(label="批评和自我批评情况", widget=forms.Textarea(attrs={"rows": 6}))


def _life_activity(request, pk, action=Action.VIEW):
    a = get_activity_for_user(request.user, pk, action)
    if a.type != ActivityType.LIFE:
        raise Http404("未找到该记录")
    return a


def _context(request, a, *, return_form=None):
    filings = list(selectors.filings_of(a))
    latest = filings[0] if filings else None  # the record's state is its latest row
    open_filing = latest if latest and latest.status == FilingStatus.FILED else None
    accepted = latest if latest and latest.status == FilingStatus.ACCEPTED else None
    members = list(selectors.present_members(a))
    # a 发言 of someone no longer marked present is not shown and does not count
    present = {m.pk for m in members}
    speeches = {mid: s for mid, s in selectors.speeches_of(a).items() if mid in present}
    upper = selectors.upper_of(a.branch)
    team_meeting = None
    if upper is not None:
        dates = {m.held_on: m for m in selectors.team_meetings_of(upper)}
        day = selectors.team_meeting_before(dates, a.held_on)
        team_meeting = dates.get(day)
    gaps = selectors.package_gaps(level=a.life_level, team_check=a.team_check, personal_check=a.personal_check,
                                  speech_count=len(speeches), present_count=a.present_count)  # fmt: skip
    can_decide = open_filing is not None and can(request.user, Action.APPROVE, a.branch)
    return {
        "activity": a,
        "branch": a.branch,
        "filings": filings,
        "open_filing": open_filing,
        "accepted": accepted,
        "speeches": [(m, speeches.get(m.pk)) for m in members],
        "attachments": list(a.attachments.all()),
        "gaps": gaps,
        "upper": upper,
        "team_meeting": team_meeting,
        "may_file": (
            can(request.user, Action.EDIT, a.branch)
            and a.branch.is_active
            and not a.voided
            and open_filing is None
            and accepted is None
        ),  # fmt: skip
        "can_decide": can_decide,
        "accept_form": with_token(forms.Form()) if can_decide else None,
        "return_form": (return_form or with_token(FilingReturnForm())) if can_decide else None,
    }


@login_required
def minutes_filing(request, pk):
    """The package of one 组织生活会: its parts, the filing path, and the branch's 报送 form."""
    a = _life_activity(request, pk)
    ctx = _context(request, a)
    if request.method == "POST" and not ctx["may_file"]:
        raise Http404
    members = [m for m, _ in ctx["speeches"]]
    form = FilingForm(request.POST or None, members=members, speeches={m.pk: s for m, s in ctx["speeches"] if s})
    if not ctx["may_file"]:
        return render(request, PAGE, {**ctx, "form": None})
    back = reverse("minutes_filing", args=[a.pk])
    return form_page(
        request,
        form,
        lambda d: services.minutes_file(actor=request.user, activity=a, speeches=form.speeches(), note=d["note"]),
        done=lambda _: "会议记录已报送上级党组织，备案后将在记录上显示。",
        template=PAGE,
        back=back,
        context=ctx,
    )


@login_required
@require_POST
def minutes_filing_accept(request, pk):
    a = _life_activity(request, pk, Action.APPROVE)
    form = forms.Form(request.POST)
    return form_page(
        request,
        form,
        lambda d: services.minutes_accept(actor=request.user, activity=a),
        done=lambda _: "已备案，支部会收到通知。",
        template=PAGE,
        back=reverse("minutes_filing_inbox"),
        context=lambda: {**_context(request, a), "form": None, "accept_form": form},
    )


@login_required
@require_POST
def minutes_filing_return(request, pk):
    a = _life_activity(request, pk, Action.APPROVE)
    form = FilingReturnForm(request.POST)
    return form_page(
        request,
        form,
        lambda d: services.minutes_return(actor=request.user, activity=a, reason=d["reason"]),
        done=lambda _: "已退回支部，支部补齐后可重新报送。",
        template=PAGE,
        back=reverse("minutes_filing_inbox"),
        context=lambda: {**_context(request, a, return_form=form), "form": None},
    )


@login_required
def minutes_filing_inbox(request):
    """组织生活会会议记录 awaiting 备案 from every branch under the reviewer's committees."""
    if not can_any(request.user, Action.APPROVE):
        raise Http404
    page = Paginator(selectors.awaiting_filing(request.user), 50).get_page(request.GET.get("page"))
    return render(request, "ledgers/minutes_filing_inbox.html",
                  {"page": page, "items": selectors.with_parent_names(page.object_list)})  # fmt: skip


@login_required
def team_meetings(request, pk):
    """A 党委 / 党总支's 班子会议 before its branches' 组织生活会: the list, and the form for its reviewers."""
    org = org_selectors.get_org_for_user(request.user, pk)
    if org.kind not in selectors.UPPER_KINDS:
        raise Http404("未找到该组织")
    may_record = can(request.user, Action.APPROVE, org) and org.is_active
    ctx = {"org": org, "meetings": list(selectors.team_meetings_of(org)[:100]), "may_record": may_record,
           "lead_days": selectors.TEAM_MEETING_LEAD_DAYS}  # fmt: skip
    if request.method == "POST" and not may_record:
        raise Http404
    if not may_record:
        return render(request, "ledgers/team_meetings.html", {**ctx, "form": None})
    back = reverse("team_meetings", args=[org.pk])
    return form_page(
        request,
        TeamMeetingForm(request.POST or None),
        lambda d: services.team_meeting_create(actor=request.user, organization=org, **d),
        done=lambda m: f"已记录{m.held_on:%Y年%m月%d日}的班子会议。",
        template="ledgers/team_meetings.html",
        back=back,
        context=ctx,
    )
