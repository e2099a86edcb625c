"""Pages about branches read from their records: the branch page (the secretary's home, with
what is due), the likely 空壳 branches, and branches silent for 30 days."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F
from django.http import Http404
from django.shortcuts import render

from branches import selectors as org_selectors
from branches.models import Role
from branches.permissions import Action, can_any, user_scopes
from branches.views import branch_context
from ledgers.activities import selectors as activities_selectors


@login_required
def shell_list(request):
    if not can_any(request.user, Action.MANAGE):
        raise Http404
    qs = activities_selectors.shell_orgs(request.user)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "branches/shell_list.html",
        {
            "page": page,
            "parents": org_selectors.parents_by_path(page.object_list),
        },
    )


@login_required
def silent_list(request):
    """Branches with no organization-life record for 30 days: the ones to ring before the
    quarter ends, not to blame after it. Most silent first."""
    if not can_any(request.user, Action.MANAGE):
        raise Http404
    on = org_selectors.today()
    qs = activities_selectors.silent_branches(org_selectors.branches_visible_to(request.user), on=on).order_by(
        F("last_held").asc(nulls_first=True), "path"
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    for b in page.object_list:
        b.days_silent = (on - b.last_held).days if b.last_held else None
    return render(request, "branches/silent_list.html", {
        "page": page,
        "parents": org_selectors.parents_by_path(page.object_list),
        "days": activities_selectors.SILENT_DAYS,
    })  # fmt: skip


# ---------------------------------------------------------------- branch


@login_required
def branch_detail(request, pk):
    branch = org_selectors.get_branch_for_user(request.user, pk)
    ctx = branch_context(request, branch)
    ctx["members"] = org_selectors.roster_page(branch)
    ctx.update(org_selectors.branch_page(branch, roster=ctx["members"]))
    ctx["ancestors"] = org_selectors.visible_ancestors(request.user, branch)
    ctx["this_year"] = org_selectors.today().year
    if branch.is_active:
        on = org_selectors.today()
        records, ctx["returned_records"] = activities_selectors.home_records(branch, on.year)
        ctx["due_now"] = activities_selectors.due_now(branch, today=on, groups=ctx["groups"], records=records)
    ctx["is_secretary_view"] = any(
        s.org_id == branch.pk and s.role in (Role.SECRETARY, Role.WORKER) for s in user_scopes(request.user)
    )
    return render(request, "branches/branch_detail.html", ctx)
