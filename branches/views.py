"""Pages for organizations: home, the tree, found, edit, move, merge, dissolve."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse

from branches import selectors
from branches import services as branches
from branches.forms import (
    OrgCreateForm,
    OrgDissolveForm,
    OrgForm,
    OrgMergeForm,
    OrgMoveForm,
)
from branches.models import Organization, OrgKind, OrgStatus
from branches.permissions import Action, can, scope_signature, user_scopes
from branches.services import ALLOWED_CHILD_KINDS
from wujin_branch import branch_cache
from wujin_branch.pages import form_page


def branch_context(request, branch):
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
    ctx = {
        "node": node,
        "ancestors": selectors.visible_ancestors(request.user, node),
        "can_manage": can(request.user, Action.MANAGE, node),
        "child_kinds": [OrgKind(k) for k in ALLOWED_CHILD_KINDS[node.kind]],
        "show_inactive": show_inactive,
    }

    def body():
        children = selectors.tree_children(request.user, node, include_inactive=show_inactive)
        totals = {
            "branches": sum(c.branches for c in children),
            "members": sum(c.members for c in children),
            "secretary_vacant": sum(c.secretary_vacant for c in children),
            "overdue": sum(c.overdue for c in children),
            "due_soon": sum(c.due_soon for c in children),
            "empty": sum(c.empty for c in children),
        }
        return render_to_string("branches/_org_tree_body.html", {**ctx, "children": children, "totals": totals})

    # Counts over the subtree, kept until a member, organization, term, seat or flow changes
    # anywhere (``wujin_branch.branch_cache``); what the user sees below the node depends on scope.
    scopes = scope_signature(request.user)
    parts = (node.pk, show_inactive, ctx["can_manage"], scopes, selectors.today().isoformat())
    ctx["body"] = branch_cache.tree_fragment("org-tree", parts, body)
    return render(request, "branches/org_tree.html", ctx)


# ---------------------------------------------------------------- organizations


def _org_page(org):
    """A branch's page, or a committee's tree."""
    return reverse("branch_detail" if org.is_branch else "org_tree", args=[org.pk])


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

    def create(d):
        extra = {
            k: d[k]
            for k in ("code", "committee_kind", "branch_type", "regional_kind", "has_own_room", "term_years")
            if k in d and d[k] not in (None, "")
        }
        return branches.org_create(
            actor=request.user,
            parent=parent,
            kind=d["kind"],
            name=d["name"],
            founded_on=d["founded_on"],
            reason=d.get("reason", ""),
            **extra,
        )

    return form_page(
        request,
        form,
        create,
        done=lambda org: f"已设立“{org.name}”。",
        to=_org_page,
        template="branches/form.html",
        back=reverse("org_tree", args=[parent.pk]),
        context={
            "title": f"在“{parent.name}”下设立组织",
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
    return form_page(
        request,
        form,
        lambda d: branches.org_update(
            actor=request.user, org=org, version=d["version"], **{f: d[f] for f in fields if f in d}
        ),
        done=lambda _: "已保存。",
        template="branches/form.html",
        back=_org_page(org),
        context={"title": f"修改“{org.name}”的基本信息"},
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
    return form_page(
        request,
        form,
        lambda d: branches.org_move(
            actor=request.user,
            org=org,
            new_parent=d["new_parent"],
            occurred_on=d["occurred_on"],
            reason=d["reason"],
        ),
        done=lambda _: f"已将“{org.name}”调整至“{form.cleaned_data['new_parent'].name}”。",
        template="branches/form.html",
        back=_org_page(org),
        context={"title": f"调整“{org.name}”的隶属关系"},
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
    return form_page(
        request,
        form,
        lambda d: branches.org_merge(
            actor=request.user, org=org, into=d["into"], occurred_on=d["occurred_on"], reason=d["reason"]
        ),
        done=lambda moved: f"“{org.name}”已撤并至“{form.cleaned_data['into'].name}”，转移党员 {moved} 名。",
        to=lambda _: reverse("branch_detail", args=[form.cleaned_data["into"].pk]),
        template="branches/form.html",
        back=reverse("branch_detail", args=[org.pk]),
        context={
            "title": f"撤并“{org.name}”",
            "warning": "撤并后本支部的在册党员将全部转入接收支部，党小组解散，本支部标记为“已撤并”，历史记录保留。",
        },
    )


@login_required
def org_dissolve(request, pk):
    org = selectors.get_org_for_user(request.user, pk, Action.MANAGE)
    if org.kind == OrgKind.DISTRICT or not org.is_active:
        raise Http404
    form = OrgDissolveForm(request.POST or None, branches_qs=_target_branches(request.user, org))

    def after(_):
        parent = Organization.objects.get_parent(org)
        return reverse("org_tree", args=[parent.pk]) if parent else reverse("home")

    return form_page(
        request,
        form,
        lambda d: branches.org_dissolve(
            actor=request.user,
            org=org,
            occurred_on=d["occurred_on"],
            reason=d["reason"],
            transfer_to=d.get("transfer_to"),
        ),
        done=lambda moved: f"“{org.name}”已撤销" + (f"，转移党员 {moved} 名。" if moved else "。"),
        to=after,
        template="branches/form.html",
        back=reverse("org_tree", args=[org.pk]),
        context={"title": f"撤销“{org.name}”", "warning": "撤销后组织标记为“已撤销”，不会被删除，历史记录保留。"},
    )
