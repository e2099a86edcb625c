"""Assessment pages that show its review: the self-assessment with what was returned, the sheet with its panel."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from assessment import selectors, services
from assessment.models import EDITABLE_BY_BRANCH, VetoKind
from branches.permissions import Action, can
from ledgers.activities.voids import steps_in_window
from review import adopt
from review.models import ReviewEvent
from review.selectors import panel
from wujin_branch.errors import DomainError


def _posted_rows(post, prefix="self"):
    rows = {}
    for key, value in post.items():
        if key.startswith(f"{prefix}_score_"):
            try:
                item_id = int(key.rsplit("_", 1)[1])
            except ValueError:
                continue
            rows[item_id] = (value, post.get(f"{prefix}_remark_{item_id}", ""))
    return rows


@login_required
def assessment_self(request, pk):
    a = selectors.get_assessment_for_user(request.user, pk, Action.EDIT)
    if a.status not in EDITABLE_BY_BRANCH:
        return redirect("assessment_view", pk=a.pk)
    posted, error = {}, None
    if request.method == "POST":
        posted = _posted_rows(request.POST)
        try:
            services.self_scores_save(actor=request.user, assessment=a, version=request.POST.get("version"),
                                      rows=posted)  # fmt: skip
        except DomainError as e:
            error = e.message
        else:
            messages.success(request, "自评分已保存。")
            return redirect("assessment_self", pk=a.pk)
        a.refresh_from_db()
    sheet = selectors.assessment_sheet(a)
    adopting, missing = request.method == "GET" and bool(request.GET.get("adopt")), []
    if adopting:
        posted, missing = adopt.adopted(sheet, "self_score", "self_remark")
    last_return = (
        ReviewEvent.objects.filter(assessment=a, code="review.committee.returned").order_by("-at").first()
        if a.status == "returned"
        else None
    )
    return render(
        request,
        "assessment/self.html",
        {
            "a": a,
            "branch": a.branch,
            "period": a.period,
            "error": error,
            "posted": posted,
            "version": request.POST.get("version") if error else a.version,
            "last_return": last_return,
            "return_items": (last_return.details.get("items", {}) if last_return else {}),
            "adopting": adopting,
            "adopt_missing": missing,
            **sheet,
        },
    )


@login_required
def assessment_view(request, pk):
    a = selectors.get_assessment_for_user(request.user, pk)
    sheet = selectors.assessment_sheet(a)
    declared = (
        ReviewEvent.objects.filter(assessment=a, code="review.branch.submitted").order_by("at").values("at").first()
    )
    return render(
        request,
        "assessment/view.html",
        {
            "a": a,
            "branch": a.branch,
            "period": a.period,
            "can_veto": can(request.user, Action.APPROVE, a.branch) and a.status in services.VETO_OPEN,
            "veto_kinds": VetoKind.objects.filter(active=True),
            "review": panel(request.user, a),
            "void_steps": steps_in_window(a.branch, a.period.window_start, a.period.window_end,
                                          declared_at=declared and declared["at"]),  # fmt: skip
            **sheet,
        },
    )
