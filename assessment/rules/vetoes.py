"""One-vote veto (一票否决) detection: each returns ``{branch_id: [(text, evidence), …]}``."""

from collections import defaultdict

from django.db.models import Q

from assessment.rules.base import link, veto_rule
from branches.models import CommitteeSeat, Position, Sanction, SanctionKind


@veto_rule("secretary_vacant", "考核期截止时（或今天，取较早者）党支部没有在任书记：书记缺职。")
def veto_secretary_vacant(ctx):
    on = min(ctx.end, ctx.today)
    # The 书记 seat of the term in office on that day, held on that day: filled now, or
    # vacated only after it.
    filled = set(
        CommitteeSeat.objects.filter(
            term__branch_id__in=ctx.branch_ids,
            term__elected_on__lte=on,
            position=Position.SECRETARY,
            since__lte=on,
        )
        .filter(Q(term__ended_on__isnull=True) | Q(term__ended_on__gt=on))
        .filter(Q(holder__isnull=False) | Q(vacated_on__gt=on))
        .values_list("term__branch_id", flat=True)
    )
    return {
        bid: [("考核期截止时党支部书记缺职。", [link("支部页面", "branch_detail", bid)])]
        for bid in ctx.branch_ids
        if bid not in filled
    }


def _sanctions_in_window(ctx, min_kind, positions):
    """Sanctions of at least ``min_kind`` in effect during the window, of people who held one
    of ``positions`` in the branch's committee during the window. Two queries."""
    seats = (
        CommitteeSeat.objects.filter(term__branch_id__in=ctx.branch_ids, position__in=positions, holder__isnull=False)
        .filter(Q(term__ended_on__isnull=True) | Q(term__ended_on__gte=ctx.start))
        .values_list("term__branch_id", "holder_id", "position")
    )
    holders = defaultdict(set)
    for bid, member_id, position in seats:
        holders[member_id].add((bid, position))
    hits = defaultdict(list)
    if not holders:
        return hits
    sanctions = (
        Sanction.objects.filter(member_id__in=list(holders), kind__gte=min_kind, imposed_on__lte=ctx.end)
        .filter(Q(effective_until__isnull=True) | Q(effective_until__gte=ctx.start))
        .select_related("member")
    )
    for s in sanctions:
        for bid, position in holders[s.member_id]:
            hits[bid].append(
                (
                    f"{Position(position).label}{s.member.name}于{s.imposed_on}受{s.get_kind_display()}处分。",
                    [link(s.member.name, "member_detail", s.member_id)],
                )
            )
    return hits


@veto_rule("secretary_sanctioned", "考核期内在任的党支部书记受党内警告以上处分（处分影响期与考核期有重叠）。")
def veto_secretary_sanctioned(ctx):
    return _sanctions_in_window(ctx, SanctionKind.WARNING, [Position.SECRETARY])


@veto_rule(
    "committee_member_sanctioned",
    "考核期内在任的其他支委班子成员受党内严重警告以上处分（处分影响期与考核期有重叠）。",
)
def veto_member_sanctioned(ctx):
    others = [p for p in Position.values if p != Position.SECRETARY]
    return _sanctions_in_window(ctx, SanctionKind.SERIOUS_WARNING, others)


@veto_rule("no_special_fund", "考核年度未落实党建工作专项经费（经费页面未登记专项经费）。")
def veto_no_special_fund(ctx):
    from ledgers.models import FundingYear

    funded = set(
        FundingYear.objects.filter(branch_id__in=ctx.branch_ids, year=ctx.year, has_special_fund=True).values_list(
            "branch_id", flat=True
        )
    )
    return {
        bid: [(f"{ctx.year}年度未落实党建工作专项经费。", [link("党建工作经费", "funding_page", bid)])]
        for bid in ctx.branch_ids
        if bid not in funded
    }
