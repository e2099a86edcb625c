"""Pages for members: list and search, detail, create, edit, transfer, sanctions."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe

from branches import selectors
from branches import services as branches
from branches.flow_selectors import member_life_meetings
from branches.flow_services import may_end_flow
from branches.forms import (
    MemberCreateForm,
    MemberFilter,
    MemberForm,
    SanctionForm,
    TransferForm,
)
from branches.models import Organization, OrgKind, OrgStatus
from branches.permissions import Action, can, can_any, scope_signature
from branches.views import branch_context
from wujin_branch import branch_cache
from wujin_branch.pages import form_page

# ---------------------------------------------------------------- members


@login_required
def member_list(request):
    """The members one may see, filtered. A branch's plain list (no search, as its secretary
    opens it) is one fragment kept until the branch's data changes (``wujin_branch.branch_cache``);
    never one with full identity numbers, which stay out of the cache."""
    branch = None
    if request.GET.get("branch"):
        try:
            branch = selectors.get_branch_for_user(request.user, int(request.GET["branch"]))
        except (ValueError, Http404):
            raise Http404 from None
    can_see_id = can_any(request.user, Action.SEE_ID)

    def body():
        base = selectors.members_list(request.user)
        f = MemberFilter(request.GET or None, queryset=base, request=request)
        qs = f.qs.order_by("name_pinyin", "id")
        paginator = Paginator(qs, 50)
        # Counting a whole district's members is the page's dearest query: kept until a member,
        # organization, flow, term or seat changes anywhere (the filters read nothing else).
        query = sorted((k, v) for k, v in request.GET.lists() if k != "page")
        scopes = scope_signature(request.user)
        paginator.count = branch_cache.tree_value("member-count", (query, scopes), lambda: qs.count())
        page = paginator.get_page(request.GET.get("page"))
        params = request.GET.copy()
        params.pop("page", None)
        return render_to_string("branches/_member_list_body.html", {
            "filter": f, "page": page, "branch": branch, "querystring": params.urlencode(), "can_see_id": can_see_id,
        })  # fmt: skip

    if branch is not None and not can_see_id and set(request.GET) <= {"branch", "page"}:
        html = branch_cache.fragment("members", branch.pk, (request.GET.get("page", ""),), body)
    else:
        html = body()
    return render(request, "branches/member_list.html", {"branch": branch, "body": mark_safe(html)})


@login_required
def member_detail(request, pk):
    member = selectors.get_member_for_user(request.user, pk)
    branch = member.branch
    ctx = branch_context(request, branch)
    member_flows = list(member.flows.select_related("in_branch").order_by("-started_on", "-id"))
    member.flow_direction = next((f.direction for f in member_flows if f.is_open), None)  # for member_flags
    for f in member_flows:
        f.member = member  # the flow's sides read the member's branch
        f.can_end = f.is_open and may_end_flow(request.user, f)
    ctx.update(
        {
            "member": member,
            "flows": member_flows,
            "has_open_flow": member.flow_direction is not None,
            "can_set_cadre": can(request.user, Action.APPROVE, branch),
            "life_meetings": list(member_life_meetings(member)) if member.is_district_cadre else [],
            "can_see_id": can(request.user, Action.SEE_ID, branch),
            "transfers": member.transfers.select_related("from_branch", "to_branch").all(),
            "sanctions": member.sanctions.all(),
            "seats": member.seats.select_related("term").order_by("-term__elected_on"),
            "history": member.history.select_related("history_user").order_by("-history_date")[:20],
        }
    )
    return render(request, "branches/member_detail.html", ctx)


def _member_data(d):
    data = {k: v for k, v in d.items() if k != "version"}
    if not data.get("id_number"):  # a masked number left as it was: unchanged
        data.pop("id_number", None)
    for k in (
        "kongua_handling",
        "lost_handling",
        "hardship_note",
        "phone",
        "work_unit",
        "address",
    ):
        data[k] = data.get(k) or ""
    return data


@login_required
def member_create(request, pk):
    branch = selectors.get_branch_for_user(request.user, pk, Action.EDIT)
    form = MemberCreateForm(request.POST or None, branch=branch)
    return form_page(
        request,
        form,
        lambda d: branches.member_create(
            actor=request.user,
            branch=branch,
            transfer_from=d.pop("transfer_from", ""),
            transfer_on=d.pop("transfer_on", None),
            **_member_data(d),
        ),
        done=lambda m: f"已添加党员 {m.name}。",
        to=lambda m: reverse("member_detail", args=[m.pk]),
        template="branches/member_form.html",
        back=reverse("branch_detail", args=[branch.pk]),
        context={"branch": branch, "title": f"为“{branch.name}”添加党员"},
    )


@login_required
def member_edit(request, pk):
    member = selectors.get_member_for_user(request.user, pk, Action.EDIT)
    initial = MemberForm.initial_from(member)
    full_id = can(request.user, Action.SEE_ID, member.branch)  # only district staff get the full number
    if full_id:
        initial["id_number"] = member.id_number
    form = MemberForm(request.POST or None, branch=member.branch, initial=initial,
                      masked_id=None if full_id else member.id_number_masked)  # fmt: skip
    return form_page(
        request,
        form,
        lambda d: branches.member_update(actor=request.user, member=member, version=d["version"], **_member_data(d)),
        done=lambda _: "已保存。",
        template="branches/member_form.html",
        back=reverse("member_detail", args=[member.pk]),
        context={"branch": member.branch, "member": member, "title": f"修改党员信息：{member.name}"},
    )


@login_required
def member_transfer(request, pk):
    member = selectors.get_member_for_user(request.user, pk, Action.EDIT)
    targets = Organization.objects.filter(kind=OrgKind.BRANCH, status=OrgStatus.ACTIVE).exclude(pk=member.branch_id)
    form = TransferForm(request.POST or None, branches_qs=targets.order_by("path").only("id", "name"))
    return form_page(
        request,
        form,
        lambda d: branches.member_transfer(
            actor=request.user,
            member=member,
            direction=d["direction"],
            occurred_on=d["occurred_on"],
            to_branch=d.get("to_branch"),
            counterpart=d.get("counterpart", ""),
            note=d.get("note", ""),
        ),
        done=lambda _: f"已办理 {member.name} 的组织关系接转。",
        to=lambda _: reverse("branch_detail", args=[member.branch_id]),
        template="branches/form.html",
        back=reverse("member_detail", args=[member.pk]),
        context={"title": f"组织关系接转：{member.name}"},
    )


@login_required
def sanction_create(request, pk):
    member = selectors.get_member_for_user(request.user, pk, Action.EDIT)
    return form_page(
        request,
        SanctionForm(request.POST or None),
        lambda d: branches.sanction_create(actor=request.user, member=member, **d),
        done=lambda _: "已登记党纪处分。",
        template="branches/form.html",
        back=reverse("member_detail", args=[member.pk]),
        context={"title": f"登记党纪处分：{member.name}"},
    )
