"""Pages for 联系服务群众: the service system, the year-end review and 问题上报."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from branches import selectors as org_selectors
from branches.forms import DATE
from branches.permissions import Action, can, can_any
from ledgers.models import Escalation, EscalationStatus, ServiceKind, ServiceSystem
from ledgers.pages import at_year
from ledgers.service import selectors as service_selectors
from ledgers.service import services as service
from wujin_branch.pages import form_page, url_year, year_param, years_choice
from wujin_branch.services import today


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
        label="处理状态", choices=[(s.value, s.label) for s in service.REPLY_STATUSES], widget=forms.RadioSelect
    )


# ================================================================ 联系服务群众

SERVICE_FORM = "ledgers/service_form.html"


@login_required
def service_page(request, pk):
    """年初有目标、月月有举措、年终有考核, and the branch's escalations with their replies."""
    branch = org_selectors.get_branch_for_user(request.user, pk)
    year = year_param(request, allow_next=True)
    system = ServiceSystem.objects.filter(branch=branch, year=year).first()
    opens = service.service_review_opens(year)
    return render(
        request,
        "ledgers/service_page.html",
        {
            "branch": branch,
            "year": year,
            "years": years_choice(allow_next=True),
            "system": system,
            "months": service.service_months(branch, year),
            "review_opens": opens,
            "review_open": today() >= opens,
            "escalations": service_selectors.escalations_of(branch)[:50],
            "can_edit": can(request.user, Action.EDIT, branch) and branch.is_active,
            "can_approve": can(request.user, Action.APPROVE, branch),
        },
    )


@login_required
def service_system_edit(request, pk, year):
    branch = org_selectors.get_branch_for_user(request.user, pk, Action.EDIT)
    if not branch.is_active:
        raise Http404
    year = url_year(year, allow_next=True)
    system = ServiceSystem.objects.filter(branch=branch, year=year).first()
    initial = {"kind": system.kind, "name": system.name, "goal": system.goal} if system else {}
    return form_page(
        request,
        ServiceSystemForm(request.POST or None, initial=initial),
        lambda d: service.service_system_save(actor=request.user, branch=branch, year=year, **d),
        done=lambda _: "已保存本年度联系服务群众制度。",
        template=SERVICE_FORM,
        back=at_year("service_page", branch, year),
        context={"branch": branch, "title": f"{year}年联系服务群众：服务制度与年度目标"},
    )


@login_required
def service_review(request, pk, year):
    branch = org_selectors.get_branch_for_user(request.user, pk, Action.EDIT)
    if not branch.is_active:
        raise Http404
    year = url_year(year, allow_next=True)
    system = ServiceSystem.objects.select_related("branch").filter(branch=branch, year=year).first()
    back = at_year("service_page", branch, year)
    if system is None:
        messages.error(request, "请先确定本年度的服务制度和目标。")
        return redirect(back)
    opens = service.service_review_opens(year)
    if today() < opens:
        messages.info(request, f"年终考核自 {opens:%Y年%m月%d日} 起填写。")
        return redirect(back)
    initial = {"year_end_review": system.year_end_review, "reviewed_on": system.reviewed_on or today()}
    return form_page(
        request,
        ServiceReviewForm(request.POST or None, initial=initial),
        lambda d: service.service_review_save(actor=request.user, system=system, **d),
        done=lambda _: "已保存年终考核。",
        template=SERVICE_FORM,
        back=back,
        context={"branch": branch, "title": f"{year}年联系服务群众：年终考核"},
    )


@login_required
def escalation_new(request, pk):
    branch = org_selectors.get_branch_for_user(request.user, pk, Action.EDIT)
    if not branch.is_active:
        raise Http404
    return form_page(
        request,
        EscalationForm(request.POST or None, initial={"raised_on": today()}),
        lambda d: service.escalation_raise(actor=request.user, branch=branch, **d),
        done=lambda _: "已上报上级党组织，答复后可在此查看。",
        to=lambda e: reverse("escalation_detail", args=[e.pk]),
        template=SERVICE_FORM,
        back=reverse("service_page", args=[branch.pk]),
        context={
            "branch": branch,
            "title": "向上级党组织反映问题",
            "intro": "支部无法解决的群众诉求，报上级党组织协调解决。",
        },
    )


ESCALATION_PAGE = "ledgers/service_escalation.html"


@login_required
def escalation_detail(request, pk):
    e = service_selectors.get_escalation_for_user(request.user, pk)
    form = None
    if can(request.user, Action.APPROVE, e.branch):
        form = ReplyForm(initial={"reply": e.reply, "status": e.status if e.replied_on else EscalationStatus.REPLIED})
    return render(request, ESCALATION_PAGE, {"e": e, "branch": e.branch, "form": form})


@login_required
def escalation_reply(request, pk):
    e = service_selectors.get_escalation_for_user(request.user, pk, Action.APPROVE)
    return form_page(
        request,
        ReplyForm(request.POST or None, initial={"reply": e.reply, "status": EscalationStatus.REPLIED}),
        lambda d: service.escalation_reply(actor=request.user, escalation=e, **d),
        done=lambda _: "已答复，支部可在“联系服务群众”页面查看。",
        template=ESCALATION_PAGE,
        back=reverse("escalation_inbox"),
        context={"e": e, "branch": e.branch},
    )


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
    qs = service_selectors.escalation_inbox(request.user, status=None if status == "all" else status)
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
