"""Pages about branches read from their records: the branch page (the secretary's home, with
what is due), the likely 空壳 branches, and branches silent for 30 days."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F
from django.http import Http404
from django.shortcuts import render
from django.template.loader import render_to_string

from branches import selectors as org_selectors
from branches.permissions import Action, can_any
from branches.views import branch_context
from ledgers.activities import selectors as activities_selectors
from wujin_branch import branch_cache


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
    """The branch page (a secretary's home). Below the title it is one fragment kept per branch
    until any of the branch's data changes (``wujin_branch.branch_cache``), keyed also by the
    day (what is due now) and by what the user may do there."""
    branch = org_selectors.get_branch_for_user(request.user, pk)
    ctx = branch_context(request, branch)
    ctx["ancestors"] = org_selectors.visible_ancestors(request.user, branch)
    on = org_selectors.today()
    flags = (ctx["can_edit"], ctx["can_approve"], ctx["can_manage"], tuple(a.pk for a in ctx["ancestors"]))
    ctx["body"] = branch_cache.fragment("home", branch.pk, (on.isoformat(), flags), lambda: _home_body(ctx, on))
    return render(request, "branches/branch_detail.html", ctx)


def _home_body(ctx, on):
    branch = ctx["branch"]
    ctx = dict(ctx, this_year=on.year)
    ctx["members"] = org_selectors.roster_page(branch)
    ctx.update(org_selectors.branch_page(branch, roster=ctx["members"]))
    if branch.is_active:
        records, ctx["returned_records"] = activities_selectors.home_records(branch, on.year)
        ctx["due_now"] = activities_selectors.due_now(branch, today=on, groups=ctx["groups"], records=records)
    return render_to_string("branches/_branch_home_body.html", ctx)
