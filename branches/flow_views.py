"""Pages for 流动党员 (register, end) and 区管党员领导干部 (the flag, 民主生活会, who has none in a year)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse

from branches import flow_selectors, selectors
from branches import flow_services as flows
from branches.flow_forms import CadreForm, FlowEndForm, FlowStartForm, LifeMeetingForm
from branches.models import Organization, OrgKind, OrgStatus
from branches.permissions import Action, can, can_any
from wujin_branch.pages import form_page, year_param, years_choice


@login_required
def member_flow_start(request, pk):
    member = selectors.get_member_for_user(request.user, pk, Action.EDIT)
    targets = Organization.objects.filter(kind=OrgKind.BRANCH, status=OrgStatus.ACTIVE).exclude(pk=member.branch_id)
    form = FlowStartForm(request.POST or None, branches_qs=targets.order_by("path").only("id", "name"))
    return form_page(
        request,
        form,
        lambda d: flows.member_flow_start(actor=request.user, member=member, **d),
        done=lambda _: f"已登记 {member.name} 的流动情况。",
        to=lambda _: reverse("member_detail", args=[member.pk]),
        template="branches/form.html",
        back=reverse("member_detail", args=[member.pk]),
        context={"title": f"登记流动党员：{member.name}"},
    )


@login_required
def flow_end(request, pk):
    flow = selectors.get_flow_for_user(request.user, pk)
    if not flows.may_end_flow(request.user, flow):
        raise Http404("未找到该流动登记")
    own = flow.member.branch
    back_to = own if can(request.user, Action.VIEW, own) else flow.in_branch  # the user's side of the flow
    return form_page(
        request,
        FlowEndForm(request.POST or None),
        lambda d: flows.member_flow_end(actor=request.user, flow=flow, **d),
        done=lambda _: f"已登记 {flow.member.name} 流动结束。",
        template="branches/form.html",
        back=reverse("branch_detail", args=[back_to.pk]),
        context={
            "title": f"流动结束：{flow.member.name}（{flow.out_side} → {flow.in_side}）",
            "confirm": f"登记后 {flow.member.name} 不再列为流动党员。确定登记流动结束吗？",
        },
    )


@login_required
def member_cadre(request, pk):
    member = selectors.get_member_for_user(request.user, pk, Action.APPROVE)
    form = CadreForm(
        request.POST or None, initial={"version": member.version, "is_district_cadre": member.is_district_cadre}
    )
    return form_page(
        request,
        form,
        lambda d: flows.member_set_district_cadre(
            actor=request.user, member=member, value=d["is_district_cadre"], version=d["version"]
        ),
        done=lambda m: f"已将 {m.name} {'标记为' if m.is_district_cadre else '取消'}区管党员领导干部。",
        to=lambda m: reverse("member_detail", args=[m.pk]),
        template="branches/form.html",
        back=reverse("member_detail", args=[member.pk]),
        context={"title": f"区管党员领导干部：{member.name}"},
    )


def _require_overseer(user):
    if not can_any(user, Action.APPROVE):  # district staff and committees
        raise Http404


@login_required
def cadre_list(request):
    _require_overseer(request.user)
    year = year_param(request)
    missing = request.GET.get("missing") == "1"
    return render(
        request,
        "branches/cadre_list.html",
        {
            "year": year,
            "years": years_choice(),
            "missing": missing,
            "cadres": list(flow_selectors.district_cadres(request.user, year, missing_only=missing)),
            "meetings": list(flow_selectors.life_meetings_of_year(request.user, year)),
        },
    )


@login_required
def life_meeting_create(request):
    _require_overseer(request.user)
    form = LifeMeetingForm(
        request.POST or None,
        orgs_qs=flow_selectors.life_meeting_orgs(request.user),
        cadres_qs=flow_selectors.cadre_choices(request.user),
    )
    return form_page(
        request,
        form,
        lambda d: flows.life_meeting_create(actor=request.user, **d),
        done=lambda m: f"已登记{m.organization.name}民主生活会。",
        to=lambda m: reverse("life_meeting_detail", args=[m.pk]),
        template="branches/form.html",
        back=reverse("cadre_list"),
        context={"title": "登记民主生活会（区管党员领导干部参加）"},
    )
