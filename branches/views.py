"""Pages for organizations, members, groups and committees.

Views parse input, look objects up through the scoped getters in ``selectors`` (a foreign
id is a 404, same as a missing one) and call ``services``; a ``DomainError`` is shown on
the form, which keeps what was typed.
"""

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from . import selectors, services
from .errors import DomainError
from .forms import (
    ElectionForm,
    GroupForm,
    MemberCreateForm,
    MemberFilter,
    MemberForm,
    OrgCreateForm,
    OrgDissolveForm,
    OrgForm,
    OrgMergeForm,
    OrgMoveForm,
    PostponeForm,
    SanctionForm,
    SeatAddForm,
    SeatFillForm,
    TransferForm,
    VacateForm,
)
from .models import Member, Organization, OrgKind, OrgStatus, Role
from .permissions import Action, can, can_any, user_scopes
from .services import ALLOWED_CHILD_KINDS


def _fail(form, err: DomainError):
    if err.field and err.field in form.fields:
        form.add_error(err.field, err.message)
    else:
        form.add_error(None, err.message)


def _branch_ctx(request, branch):
    return {
        "branch": branch,
        "can_edit": can(request.user, Action.EDIT, branch),
        "can_approve": can(request.user, Action.APPROVE, branch),
        "can_manage": can(request.user, Action.MANAGE, branch),
    }


# ---------------------------------------------------------------- home and tree


@login_required
def home(request):
    """One organization in scope: go straight to it. Several: list them."""
    scopes = user_scopes(request.user)
    if not scopes:
        return render(request, "branches/home.html", {"scopes": []})
    orgs = {s.org_id for s in scopes}
    if len(orgs) == 1:
        s = scopes[0]
        if s.org_kind == OrgKind.BRANCH:
            return redirect("branch_detail", pk=s.org_id)
        return redirect("org_tree", pk=s.org_id)
    return render(request, "branches/home.html", {"scopes": scopes})


@login_required
def org_tree(request, pk=None):
    if pk is None:
        node = selectors.tree_root_for(request.user)
        if node is None:
            raise Http404("您尚未被分配任何组织")
    else:
        node = selectors.get_org_for_user(request.user, pk)
    if node.kind == OrgKind.BRANCH:
        return redirect("branch_detail", pk=node.pk)
    show_inactive = request.GET.get("inactive") == "1"
    children = selectors.tree_children(request.user, node, include_inactive=show_inactive)
    totals = {
        "branches": sum(c.branches for c in children),
        "members": sum(c.members for c in children),
        "secretary_vacant": sum(c.secretary_vacant for c in children),
        "overdue": sum(c.overdue for c in children),
        "due_soon": sum(c.due_soon for c in children),
        "empty": sum(c.empty for c in children),
    }
    return render(
        request,
        "branches/org_tree.html",
        {
            "node": node,
            "children": children,
            "totals": totals,
            "ancestors": selectors.visible_ancestors(request.user, node),
            "can_manage": can(request.user, Action.MANAGE, node),
            "child_kinds": [OrgKind(k) for k in ALLOWED_CHILD_KINDS[node.kind]],
            "show_inactive": show_inactive,
        },
    )


@login_required
def shell_list(request):
    if not can_any(request.user, Action.MANAGE):
        raise Http404
    qs = selectors.shell_orgs(request.user)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "branches/shell_list.html",
        {
            "page": page,
            "parents": selectors.parents_by_path(page.object_list),
        },
    )


@login_required
def silent_list(request):
    """Branches with no organization-life record for 30 days: the ones to ring before the
    quarter ends, not to blame after it. Most silent first."""
    if not can_any(request.user, Action.MANAGE):
        raise Http404
    on = selectors.today()
    qs = selectors.silent_branches(selectors.branches_visible_to(request.user), on=on).order_by(
        F("last_held").asc(nulls_first=True), "path"
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    for b in page.object_list:
        b.days_silent = (on - b.last_held).days if b.last_held else None
    return render(request, "branches/silent_list.html", {
        "page": page,
        "parents": selectors.parents_by_path(page.object_list),
        "days": selectors.SILENT_DAYS,
    })  # fmt: skip


# ---------------------------------------------------------------- organizations


@login_required
def org_create(request, pk):
    parent = selectors.get_org_for_user(request.user, pk, Action.MANAGE)
    allowed = [k for k in ALLOWED_CHILD_KINDS[parent.kind]]
    if not allowed:
        raise Http404
    allowed.sort(key=lambda k: k != OrgKind.BRANCH)
    kind = request.POST.get("kind") or request.GET.get("kind") or allowed[0]
    if kind not in allowed:
        kind = allowed[0]
    form = OrgCreateForm(request.POST or None, allowed_kinds=allowed, kind=kind, initial={"kind": kind})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        extra = {
            k: d[k]
            for k in ("code", "committee_kind", "branch_type", "regional_kind", "has_own_room", "term_years")
            if k in d and d[k] not in (None, "")
        }
        try:
            org = services.org_create(
                actor=request.user,
                parent=parent,
                kind=d["kind"],
                name=d["name"],
                founded_on=d["founded_on"],
                reason=d.get("reason", ""),
                **extra,
            )
        except DomainError as e:
            _fail(form, e)
        else:
            messages.success(request, f"已设立“{org.name}”。")
            return redirect("branch_detail" if org.is_branch else "org_tree", pk=org.pk)
    return render(
        request,
        "branches/form.html",
        {
            "form": form,
            "title": f"在“{parent.name}”下设立组织",
            "back": reverse("org_tree", args=[parent.pk]),
            "kind_switch": [(k, OrgKind(k).label) for k in allowed],
            "kind": kind,
        },
    )


@login_required
def org_edit(request, pk):
    org = selectors.get_org_for_user(request.user, pk, Action.MANAGE)
    fields = [
        "name",
        "code",
        "committee_kind",
        "branch_type",
        "regional_kind",
        "founded_on",
        "has_own_room",
        "term_years",
    ]
    initial = {f: getattr(org, f) for f in fields}
    initial["version"] = org.version
    form = OrgForm(request.POST or None, kind=org.kind, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.org_update(
                actor=request.user, org=org, version=d["version"], **{f: d[f] for f in fields if f in d}
            )
        except DomainError as e:
            _fail(form, e)
        else:
            messages.success(request, "已保存。")
            return redirect("branch_detail" if org.is_branch else "org_tree", pk=org.pk)
    return render(
        request,
        "branches/form.html",
        {
            "form": form,
            "title": f"修改“{org.name}”的基本信息",
            "back": reverse("branch_detail" if org.is_branch else "org_tree", args=[org.pk]),
        },
    )


def _manageable_parents(user, org):
    kinds = [k for k, children in ALLOWED_CHILD_KINDS.items() if org.kind in children]
    return (
        selectors.orgs_visible_to(user, Action.MANAGE)
        .filter(kind__in=kinds, status=OrgStatus.ACTIVE)
        .exclude(path__startswith=org.path)
        .order_by("path")
    )


@login_required
def org_move(request, pk):
    org = selectors.get_org_for_user(request.user, pk, Action.MANAGE)
    if org.kind == OrgKind.DISTRICT or not org.is_active:
        raise Http404
    form = OrgMoveForm(request.POST or None, parents_qs=_manageable_parents(request.user, org))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.org_move(
                actor=request.user,
                org=org,
                new_parent=d["new_parent"],
                occurred_on=d["occurred_on"],
                reason=d["reason"],
            )
        except DomainError as e:
            _fail(form, e)
        else:
            messages.success(request, f"已将“{org.name}”调整至“{d['new_parent'].name}”。")
            return redirect("branch_detail" if org.is_branch else "org_tree", pk=org.pk)
    return render(
        request,
        "branches/form.html",
        {
            "form": form,
            "title": f"调整“{org.name}”的隶属关系",
            "back": reverse("branch_detail" if org.is_branch else "org_tree", args=[org.pk]),
        },
    )


def _target_branches(user, exclude):
    return (
        selectors.branches_visible_to(user, Action.MANAGE)
        .filter(status=OrgStatus.ACTIVE)
        .exclude(pk=exclude.pk)
        .order_by("path")
    )


@login_required
def org_merge(request, pk):
    org = selectors.get_branch_for_user(request.user, pk, Action.MANAGE)
    if not org.is_active:
        raise Http404
    form = OrgMergeForm(request.POST or None, branches_qs=_target_branches(request.user, org))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            moved = services.org_merge(
                actor=request.user, org=org, into=d["into"], occurred_on=d["occurred_on"], reason=d["reason"]
            )
        except DomainError as e:
            _fail(form, e)
        else:
            messages.success(request, f"“{org.name}”已撤并至“{d['into'].name}”，转移党员 {moved} 名。")
            return redirect("branch_detail", pk=d["into"].pk)
    return render(
        request,
        "branches/form.html",
        {
            "form": form,
            "title": f"撤并“{org.name}”",
            "back": reverse("branch_detail", args=[org.pk]),
            "warning": "撤并后本支部的在册党员将全部转入接收支部，党小组解散，本支部标记为“已撤并”，历史记录保留。",
        },
    )


@login_required
def org_dissolve(request, pk):
    org = selectors.get_org_for_user(request.user, pk, Action.MANAGE)
    if org.kind == OrgKind.DISTRICT or not org.is_active:
        raise Http404
    form = OrgDissolveForm(request.POST or None, branches_qs=_target_branches(request.user, org))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            moved = services.org_dissolve(
                actor=request.user,
                org=org,
                occurred_on=d["occurred_on"],
                reason=d["reason"],
                transfer_to=d.get("transfer_to"),
            )
        except DomainError as e:
            _fail(form, e)
        else:
            messages.success(request, f"“{org.name}”已撤销" + (f"，转移党员 {moved} 名。" if moved else "。"))
            parent = Organization.objects.get_parent(org)
            return redirect("org_tree", pk=parent.pk) if parent else redirect("home")
    return render(
        request,
        "branches/form.html",
        {
            "form": form,
            "title": f"撤销“{org.name}”",
            "back": reverse("org_tree", args=[org.pk]),
            "warning": "撤销后组织标记为“已撤销”，不会被删除，历史记录保留。",
        },
    )


# ---------------------------------------------------------------- branch


@login_required
def branch_detail(request, pk):
    branch = selectors.get_branch_for_user(request.user, pk)
    ctx = _branch_ctx(request, branch)
    ctx.update(selectors.branch_page(branch))
    ctx["ancestors"] = selectors.visible_ancestors(request.user, branch)
    ctx["members"] = selectors.active_members(branch).select_related("party_group").order_by("name_pinyin", "id")[:200]
    ctx["this_year"] = selectors.today().year
    if branch.is_active:
        from ledgers.selectors import due_now

        ctx["due_now"] = due_now(branch)
    ctx["is_secretary_view"] = any(
        s.org_id == branch.pk and s.role in (Role.SECRETARY, Role.WORKER) for s in user_scopes(request.user)
    )
    return render(request, "branches/branch_detail.html", ctx)


# ---------------------------------------------------------------- members


@login_required
def member_list(request):
    base = selectors.members_list(request.user)
    f = MemberFilter(request.GET or None, queryset=base)
    qs = f.qs.order_by("name_pinyin", "id")
    branch = None
    if request.GET.get("branch"):
        try:
            branch = selectors.get_branch_for_user(request.user, int(request.GET["branch"]))
        except (ValueError, Http404):
            raise Http404 from None
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "branches/member_list.html",
        {
            "filter": f,
            "page": page,
            "branch": branch,
            "querystring": params.urlencode(),
            "can_see_id": can_any(request.user, Action.SEE_ID),
        },
    )


@login_required
def member_detail(request, pk):
    member = selectors.get_member_for_user(request.user, pk)
    branch = member.branch
    ctx = _branch_ctx(request, branch)
    ctx.update(
        {
            "member": member,
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
    for k in (
        "flow_direction",
        "flow_counterpart",
        "flow_note",
        "kongua_handling",
        "lost_handling",
        "hardship_note",
        "phone",
    ):
        data[k] = data.get(k) or ""
    return data


@login_required
def member_create(request, pk):
    branch = selectors.get_branch_for_user(request.user, pk, Action.EDIT)
    form = MemberCreateForm(request.POST or None, branch=branch)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            m = services.member_create(
                actor=request.user,
                branch=branch,
                transfer_from=d.pop("transfer_from", ""),
                transfer_on=d.pop("transfer_on", None),
                **_member_data(d),
            )
        except DomainError as e:
            _fail(form, e)
        else:
            messages.success(request, f"已添加党员 {m.name}。")
            return redirect("member_detail", pk=m.pk)
    return render(
        request,
        "branches/member_form.html",
        {
            "form": form,
            "branch": branch,
            "title": f"为“{branch.name}”添加党员",
            "back": reverse("branch_detail", args=[branch.pk]),
        },
    )


@login_required
def member_edit(request, pk):
    member = selectors.get_member_for_user(request.user, pk, Action.EDIT)
    form = MemberForm(request.POST or None, branch=member.branch, initial=MemberForm.initial_from(member))
    if request.method == "POST" and form.is_valid():
        try:
            services.member_update(
                actor=request.user,
                member=member,
                version=form.cleaned_data["version"],
                **_member_data(form.cleaned_data),
            )
        except DomainError as e:
            _fail(form, e)
        else:
            messages.success(request, "已保存。")
            return redirect("member_detail", pk=member.pk)
    return render(
        request,
        "branches/member_form.html",
        {
            "form": form,
            "branch": member.branch,
            "member": member,
            "title": f"修改党员信息：{member.name}",
            "back": reverse("member_detail", args=[member.pk]),
        },
    )


@login_required
def member_transfer(request, pk):
    member = selectors.get_member_for_user(request.user, pk, Action.EDIT)
    targets = Organization.objects.filter(kind=OrgKind.BRANCH, status=OrgStatus.ACTIVE).exclude(pk=member.branch_id)
    form = TransferForm(request.POST or None, branches_qs=targets.order_by("path").only("id", "name"))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.member_transfer(
                actor=request.user,
                member=member,
                direction=d["direction"],
                occurred_on=d["occurred_on"],
                to_branch=d.get("to_branch"),
                counterpart=d.get("counterpart", ""),
                note=d.get("note", ""),
            )
        except DomainError as e:
            _fail(form, e)
        else:
            messages.success(request, f"已办理 {member.name} 的组织关系接转。")
            return redirect("branch_detail", pk=member.branch_id)
    return render(
        request,
        "branches/form.html",
        {
            "form": form,
            "title": f"组织关系接转：{member.name}",
            "back": reverse("member_detail", args=[member.pk]),
        },
    )


@login_required
def sanction_create(request, pk):
    member = selectors.get_member_for_user(request.user, pk, Action.EDIT)
    form = SanctionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.sanction_create(actor=request.user, member=member, **form.cleaned_data)
        except DomainError as e:
            _fail(form, e)
        else:
            messages.success(request, "已登记党纪处分。")
            return redirect("member_detail", pk=member.pk)
    return render(
        request,
        "branches/form.html",
        {
            "form": form,
            "title": f"登记党纪处分：{member.name}",
            "back": reverse("member_detail", args=[member.pk]),
        },
    )


# ---------------------------------------------------------------- groups


@login_required
def group_edit(request, pk):
    """Create (pk is the branch, url name group_create) or edit (pk is the group) a 党小组."""
    group = None
    if request.resolver_match.url_name == "group_edit":
        group = selectors.get_group_for_user(request.user, pk, Action.EDIT)
        if not group.is_active:
            raise Http404
        branch = group.branch
        initial = {
            "name": group.name,
            "leader": group.leader_id,
            "members": list(Member.objects.filter(party_group=group).values_list("pk", flat=True)),
        }
    else:
        branch = selectors.get_branch_for_user(request.user, pk, Action.EDIT)
        initial = {}
    form = GroupForm(request.POST or None, branch=branch, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.group_save(
                actor=request.user,
                branch=branch,
                name=d["name"],
                leader=d["leader"],
                members=list(d["members"]),
                group=group,
            )
        except DomainError as e:
            _fail(form, e)
        else:
            messages.success(request, "党小组已保存。")
            return redirect("branch_detail", pk=branch.pk)
    return render(
        request,
        "branches/form.html",
        {
            "form": form,
            "title": f"{'修改' if group else '新建'}党小组",
            "back": reverse("branch_detail", args=[branch.pk]),
        },
    )


@login_required
@require_POST
def group_dissolve(request, pk):
    group = selectors.get_group_for_user(request.user, pk, Action.EDIT)
    services.group_dissolve(actor=request.user, group=group)
    messages.success(request, f"党小组“{group.name}”已撤销，组员可重新编组。")
    return redirect("branch_detail", pk=group.branch_id)


# ---------------------------------------------------------------- committee


@login_required
def term_elect(request, pk):
    branch = selectors.get_branch_for_user(request.user, pk, Action.EDIT)
    form = ElectionForm(request.POST or None, branch=branch, initial={"term_years": branch.term_years})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.term_elect(
                actor=request.user,
                branch=branch,
                elected_on=d["elected_on"],
                term_years=d["term_years"],
                seats=form.seats(),
            )
        except DomainError as e:
            _fail(form, e)
        else:
            messages.success(request, "换届选举结果已录入。")
            return redirect("branch_detail", pk=branch.pk)
    return render(
        request,
        "branches/term_elect.html",
        {
            "form": form,
            "branch": branch,
            "back": reverse("branch_detail", args=[branch.pk]),
        },
    )


def _branch_form_action(request, form, call, *, branch_id, title, done, level=messages.SUCCESS):
    """A small committee form: on a valid POST call the service, show a message and go back
    to the branch; a refused call keeps the form with the Chinese message."""
    back = reverse("branch_detail", args=[branch_id])
    if request.method == "POST" and form.is_valid():
        try:
            call(**form.cleaned_data)
        except DomainError as e:
            _fail(form, e)
        else:
            messages.add_message(request, level, done)
            return redirect(back)
    return render(request, "branches/form.html", {"form": form, "title": title, "back": back})


@login_required
def seat_add(request, pk):
    term = selectors.get_term_for_user(request.user, pk, Action.EDIT)
    form = SeatAddForm(request.POST or None, branch=term.branch)
    call = partial(services.seat_add, actor=request.user, term=term)
    return _branch_form_action(request, form, call, branch_id=term.branch_id, title="增补支部委员",
                               done="已增补支部委员。")  # fmt: skip


@login_required
def seat_vacate(request, pk):
    seat = selectors.get_seat_for_user(request.user, pk, Action.EDIT)
    form = VacateForm(request.POST or None)
    call = partial(services.seat_vacate, actor=request.user, seat=seat)
    title = f"登记出缺：{seat.get_position_display()} {seat.holder or ''}"
    done = f"{seat.get_position_display()}已登记出缺，请及时补选。"
    return _branch_form_action(request, form, call, branch_id=seat.term.branch_id, title=title, done=done,
                               level=messages.WARNING)  # fmt: skip


@login_required
def seat_fill(request, pk):
    seat = selectors.get_seat_for_user(request.user, pk, Action.EDIT)
    form = SeatFillForm(request.POST or None, branch=seat.term.branch)
    call = partial(services.seat_fill, actor=request.user, seat=seat)
    return _branch_form_action(request, form, call, branch_id=seat.term.branch_id,
                               title=f"补选：{seat.get_position_display()}",
                               done=f"{seat.get_position_display()}补选结果已录入。")  # fmt: skip


@login_required
def term_postpone(request, pk):
    term = selectors.get_term_for_user(request.user, pk, Action.APPROVE)
    form = PostponeForm(request.POST or None)
    call = partial(services.term_postpone, actor=request.user, term=term)
    title = f"批准延期换届：{term.branch.name}（本届 {term.due_on:%Y年%m月%d日} 届满）"
    return _branch_form_action(request, form, call, branch_id=term.branch_id, title=title, done="已批准延期换届。")
