"""Reads that build pages. Every list starts from ``orgs_visible_to`` / ``branches_visible_to``."""

import datetime
from dataclasses import dataclass, field
from operator import attrgetter
from typing import NamedTuple

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Subquery, prefetch_related_objects
from django.db.models.functions import Coalesce, Substr
from django.http import Http404
from django.utils import timezone

from branches.flow_models import relation_outside
from branches.models import (
    GROUP_ORDER,
    POSITION_ORDER,
    PRE_1949_CUTOFF,
    CommitteeSeat,
    CommitteeTerm,
    FlowDirection,
    Member,
    MemberFlow,
    MemberStatus,
    Organization,
    OrgKind,
    OrgStatus,
    PartyGroup,
    Position,
    Standing,
)
from branches.permissions import ROLE_ACTIONS, Action, can, scope_q, user_scopes


def today():
    return timezone.localdate()


# ---------------------------------------------------------------- access


def orgs_visible_to(user, action=Action.VIEW):
    return Organization.objects.filter(scope_q(user, action))


def branches_visible_to(user, action=Action.VIEW):
    return orgs_visible_to(user, action).filter(kind=OrgKind.BRANCH)


def members_visible_to(user, action=Action.VIEW):
    return Member.objects.filter(scope_q(user, action, prefix="branch__"))


def get_for_user(queryset, pk, user, action=Action.VIEW, *, branch="branch", missing="未找到"):
    """The one getter shape for every object type: the row, or 404 whether it is missing or its
    branch (``branch``: a dotted attribute path, or None for an organization itself) is outside
    the user's scope — the same 404, so a foreign id tells nothing."""
    obj = queryset.filter(pk=pk).first()
    if obj is None or not can(user, action, attrgetter(branch)(obj) if branch else obj):
        raise Http404(missing)
    return obj


def get_org_for_user(user, pk, action=Action.VIEW):
    """The organization, or 404 whether it is missing or outside the user's scope."""
    return get_for_user(Organization.objects, pk, user, action, branch=None, missing="未找到该组织")


def get_branch_for_user(user, pk, action=Action.VIEW):
    org = get_org_for_user(user, pk, action)
    if org.kind != OrgKind.BRANCH:
        raise Http404("未找到该支部")
    return org


def get_member_for_user(user, pk, action=Action.VIEW):
    """The member, or 404. To view, the 流入 branch of an open flow may see the member it
    manages (流入地主管) though the member's relation is in another branch; editing stays with
    the member's own branch."""
    qs = Member.objects.select_related("branch", "party_group")
    if action != Action.VIEW:
        return get_for_user(qs, pk, user, action, missing="未找到该党员")
    m = qs.filter(pk=pk).first()
    if m is not None and can(user, action, m.branch):
        return m
    if m is not None:
        managing = MemberFlow.objects.open().filter(member=m, in_branch__isnull=False).select_related("in_branch")
        if any(can(user, action, f.in_branch) for f in managing):
            return m
    raise Http404("未找到该党员")


def get_flow_for_user(user, pk):
    """A flow record for its two branches: the member's (流出, 协管) and the 流入 one (主管) —
    either may see it and end it (``flow_services.may_end_flow``); else 404."""
    f = MemberFlow.objects.select_related("member__branch", "in_branch").filter(pk=pk).first()
    if f is None or not (
        can(user, Action.VIEW, f.member.branch) or (f.in_branch_id and can(user, Action.VIEW, f.in_branch))
    ):
        raise Http404("未找到该流动登记")
    return f


def get_group_for_user(user, pk, action=Action.VIEW):
    return get_for_user(PartyGroup.objects.select_related("branch"), pk, user, action, missing="未找到该党小组")


def get_term_for_user(user, pk, action=Action.VIEW):
    return get_for_user(CommitteeTerm.objects.select_related("branch"), pk, user, action, missing="未找到该届次")


def get_seat_for_user(user, pk, action=Action.VIEW):
    return get_for_user(
        CommitteeSeat.objects.select_related("term__branch", "holder"),
        pk,
        user,
        action,
        branch="term.branch",
        missing="未找到该职务",
    )


# ---------------------------------------------------------------- branch page


@dataclass
class Alert:
    level: str  # "danger" | "warning" | "info"
    message: str


def active_members(branch):
    return Member.objects.filter(branch=branch, standing=Standing.ACTIVE)


def with_flow_direction(members):
    """``flow_direction``: the direction of each member's open flow, or None (a subquery)."""
    flows = MemberFlow.objects.filter(member=OuterRef("pk"), ended_on__isnull=True)
    return members.annotate(flow_direction=Subquery(flows.values("direction")[:1]))


# what the branch page shows of a flow (``out_side`` / ``in_side`` read the names)
_FLOW_COLUMNS = ("id", "direction", "in_branch_id", "counterpart", "started_on", "ended_on", "member_id",
                 "member__name", "member__branch_id", "member__branch__name", "in_branch__name")  # fmt: skip


def branch_flows(branch):
    """The branch's open flows, one query: (流出 — its members working away, which it assists;
    流入 — members it manages: from a branch of the district, or whose relation is outside it)."""
    rows = list(
        MemberFlow.objects.open()
        .filter(member__standing=Standing.ACTIVE)
        .touching(branch)
        .select_related("member__branch", "in_branch")
        .only(*_FLOW_COLUMNS)
        .order_by("member__name_pinyin", "id")
    )
    def assists(f):
        return f.member.branch_id == branch.pk and f.direction == FlowDirection.OUT

    return [f for f in rows if assists(f)], [f for f in rows if not assists(f)]


ROSTER_PAGE = 200
_ROSTER_COLUMNS = ("id", "name", "status", "party_group__name", "joined_on", "flow_direction",
                   "is_kongua", "is_lost", "is_hardship", "is_district_cadre")  # fmt: skip
_STATUS_LABELS = dict(MemberStatus.choices)


class RosterRow(NamedTuple):
    """A roster row: what the branch page shows of a member, and what ``member_flags`` reads."""

    pk: int
    name: str
    status: str
    group_name: str | None
    joined_on: datetime.date
    flow_direction: str | None  # of the member's open flow (流出, or 流入 from outside the district)
    is_kongua: bool
    is_lost: bool
    is_hardship: bool
    is_district_cadre: bool

    @property
    def is_flowing(self):
        return bool(self.flow_direction)

    @property
    def is_pre_1949(self):
        return self.joined_on < PRE_1949_CUTOFF

    def get_status_display(self):
        return _STATUS_LABELS.get(self.status, self.status)


def roster_page(branch) -> list[RosterRow]:
    """The first members of the branch page's roster as plain rows (``roster_rows``): a member
    has some forty columns, a model instance per row costs more than the row's HTML, and the
    page lists up to 200 (the secretary's home)."""
    rows = (
        with_flow_direction(active_members(branch))
        .order_by("name_pinyin", "id")
        .values_list(*_ROSTER_COLUMNS)[:ROSTER_PAGE]
    )
    return [RosterRow(*r) for r in rows]


def roster_counts(rows) -> dict:
    """The branch page's member counts from its complete roster (``RosterRow``): those whose
    relation is in the district (a member has one open flow at most; 流入 from outside the
    district is shown apart)."""
    inside = [r for r in rows if r.flow_direction != FlowDirection.IN]
    return {
        "total": len(inside),
        "full": sum(r.status == MemberStatus.FULL for r in inside),
        "probationary": sum(r.status == MemberStatus.PROBATIONARY for r in inside),
        "lost": sum(r.is_lost for r in inside),
        "kongua": sum(r.is_kongua for r in inside),
        "hardship": sum(r.is_hardship for r in inside),
        "pre1949": sum(r.joined_on < PRE_1949_CUTOFF for r in inside),
        "ungrouped": sum(r.group_name is None for r in inside),
    }


def current_term(branch):
    seats = CommitteeSeat.objects.select_related("holder").order_by("id")
    return (
        CommitteeTerm.objects.filter(branch=branch, ended_on__isnull=True)
        .prefetch_related(Prefetch("seats", queryset=seats))
        .select_related("postponement_approved_by")
        .first()
    )


def sorted_seats(term):
    if term is None:
        return []
    return sorted(term.seats.all(), key=lambda s: (POSITION_ORDER[s.position], s.id))


def term_alerts(term, *, on=None) -> list[Alert]:
    """Alerts about a branch's committee: vacant 书记 first (a one-vote veto), then terms."""
    on = on or today()
    alerts = []
    seats = list(term.seats.all()) if term else []
    secretary = next((s for s in seats if s.position == Position.SECRETARY and s.holder_id), None)
    if secretary is None:
        alerts.append(Alert("danger", "党支部书记缺职（一票否决情形），请尽快选举或补选书记。"))
    if term is None:
        alerts.append(Alert("danger", "尚未录入支委会届次信息。"))
        return alerts
    for s in seats:
        if s.holder_id is None and s.position != Position.SECRETARY:
            alerts.append(
                Alert("warning", f"{s.get_position_display()}出缺（{s.vacated_on or '日期未填'}起），应及时补选。")
            )
    due = term.effective_due_on
    if due < on:
        alerts.append(Alert("danger", f"本届支委会已于 {due:%Y年%m月%d日} 届满，逾期未换届。"))
    elif (due - on).days <= settings.ELECTION_DUE_SOON_DAYS:
        alerts.append(
            Alert("warning", f"本届支委会将于 {due:%Y年%m月%d日} 届满（{(due - on).days} 天后），请准备换届。")
        )
    if term.postponed_until:
        alerts.append(Alert("info", f"已经上级党组织批准延期换届至 {term.postponed_until:%Y年%m月%d日}。"))
    return alerts


def branch_page(branch, *, roster=None):
    """Everything the branch page shows, in a fixed number of queries (``roster``: the
    branch's ``roster_page`` when the caller has read it; the counts then come from it
    when it holds every member). The branch's terms
    are read at once (the current one, as ``current_term`` picks it, and the last five
    ended); the current term's seats and 督促换届 steps are prefetched."""
    terms = list(CommitteeTerm.objects.filter(branch=branch).order_by("-elected_on", "-id"))
    term = next((t for t in terms if t.ended_on is None), None)
    if term is not None:
        seat_fields = [f.name for f in CommitteeSeat._meta.concrete_fields if f.name != "holder"]
        seats = CommitteeSeat.objects.select_related("holder").only(*seat_fields, "holder__name").order_by("id")
        prefetch_related_objects([term], Prefetch("seats", queryset=seats), "interventions")
    groups = list(
        PartyGroup.objects.filter(branch=branch, is_active=True)
        .select_related("leader")
        .only("id", "name", "number", "branch_id", "is_active", "leader_id", "leader__name")
        .annotate(n_members=Count("members", filter=Q(members__standing=Standing.ACTIVE)))
        .order_by(*GROUP_ORDER)
    )
    # counted where the relation is: one flowing in from outside the district is shown apart
    if roster is not None and len(roster) < ROSTER_PAGE:
        counts = roster_counts(roster)  # the whole roster is at hand: no second pass over the members
    else:
        counts = active_members(branch).alias(outside=relation_outside()).filter(outside=False).aggregate(
            total=Count("id"),
            full=Count("id", filter=Q(status=MemberStatus.FULL)),
            probationary=Count("id", filter=Q(status=MemberStatus.PROBATIONARY)),
            lost=Count("id", filter=Q(is_lost=True)),
            kongua=Count("id", filter=Q(is_kongua=True)),
            hardship=Count("id", filter=Q(is_hardship=True)),
            pre1949=Count("id", filter=Q(joined_on__lt=PRE_1949_CUTOFF)),
            ungrouped=Count("id", filter=Q(party_group__isnull=True)),
        )
    flows_out, flows_in = branch_flows(branch)
    counts["flow_out"], counts["flow_in"] = len(flows_out), len(flows_in)
    counts["from_outside"] = sum(1 for f in flows_in if f.direction == FlowDirection.IN)
    alerts = term_alerts(term) if branch.is_active else []
    if branch.is_active and counts["full"] < 7 and term:
        extra = [s for s in term.seats.all() if s.position not in (Position.SECRETARY, Position.DEPUTY)]
        if extra:
            alerts.append(Alert("info", "正式党员不足7人的党支部一般只设书记（必要时设副书记），不设支委会。"))
    if groups and counts["ungrouped"]:
        alerts.append(Alert("info", f"有 {counts['ungrouped']} 名党员尚未编入党小组。"))
    return {
        "term": term,
        "seats": sorted_seats(term),
        "past_terms": [t for t in terms if t.ended_on is not None][:5],
        "groups": groups,
        "counts": counts,
        "flows_out": flows_out,
        "flows_in": flows_in,
        "alerts": alerts,
        "changes": list(branch.changes.all()[:10]),
    }


# ---------------------------------------------------------------- tree


@dataclass
class ChildStats:
    org: Organization
    branches: int = 0
    members: int = 0
    secretary_vacant: int = 0
    overdue: int = 0
    due_soon: int = 0
    empty: int = 0
    extra: dict = field(default_factory=dict)


def _step(node_depth):
    return Organization.steplen * node_depth


def tree_children(user, node, *, include_inactive=False):
    """The visible children of ``node`` with subtree statistics, in four grouped queries.

    Each statistic is one ``GROUP BY substr(path, 1, child-prefix-length)`` over the
    subtree, so the cost does not grow with the number of children.
    """
    on = today()
    children_qs = orgs_visible_to(user).filter(path__startswith=node.path, depth=node.depth + 1)
    if not include_inactive:
        children_qs = children_qs.filter(status=OrgStatus.ACTIVE)
    children = list(children_qs.order_by("kind", "path"))
    if not children:
        return []
    plen = _step(node.depth + 1)
    stats = {c.path: ChildStats(org=c) for c in children}

    branches = Organization.objects.filter(
        path__startswith=node.path, kind=OrgKind.BRANCH, status=OrgStatus.ACTIVE, depth__gt=node.depth
    )
    has_secretary = CommitteeSeat.objects.filter(
        term__branch=OuterRef("pk"), term__ended_on__isnull=True, position=Position.SECRETARY, holder__isnull=False
    )
    has_member = Member.objects.filter(branch=OuterRef("pk"), standing=Standing.ACTIVE).filter(~relation_outside())
    rows = (
        branches.annotate(prefix=Substr("path", 1, plen))
        .order_by()  # the tree manager orders by path, which would split the groups
        .values("prefix")
        .annotate(
            n=Count("id"),
            vacant=Count("id", filter=~Q(Exists(has_secretary))),
            empty=Count("id", filter=~Q(Exists(has_member))),
        )
    )
    for r in rows:
        if r["prefix"] in stats:
            s = stats[r["prefix"]]
            s.branches, s.secretary_vacant, s.empty = r["n"], r["vacant"], r["empty"]

    member_rows = (
        Member.objects.filter(branch__path__startswith=node.path, standing=Standing.ACTIVE)
        .filter(~relation_outside())  # counted where the relation is (branches.flow_models)
        .annotate(prefix=Substr("branch__path", 1, plen))
        .order_by()
        .values("prefix")
        .annotate(n=Count("id"))
    )
    for r in member_rows:
        if r["prefix"] in stats:
            stats[r["prefix"]].members = r["n"]

    soon = on + datetime.timedelta(days=settings.ELECTION_DUE_SOON_DAYS)
    term_rows = (
        CommitteeTerm.objects.filter(
            ended_on__isnull=True, branch__path__startswith=node.path, branch__status=OrgStatus.ACTIVE
        )
        .annotate(prefix=Substr("branch__path", 1, plen), due=Coalesce("postponed_until", "due_on"))
        .order_by()
        .values("prefix")
        .annotate(
            overdue=Count("id", filter=Q(due__lt=on)),
            due_soon=Count("id", filter=Q(due__gte=on, due__lte=soon)),
        )
    )
    for r in term_rows:
        if r["prefix"] in stats:
            stats[r["prefix"]].overdue = r["overdue"]
            stats[r["prefix"]].due_soon = r["due_soon"]
    return [stats[c.path] for c in children]


def visible_ancestors(user, node):
    """Breadcrumbs: the ancestors the user may see (``orgs_visible_to`` worked out on the
    paths: one query, none when no scope reaches above the node, e.g. a branch secretary)."""
    scopes = [sc.path for sc in user_scopes(user) if Action.VIEW in ROLE_ACTIONS[sc.role]]
    paths = [node.path[: Organization.steplen * d] for d in range(1, node.depth)]
    paths = [p for p in paths if any(p.startswith(sc) for sc in scopes)]
    if not paths:
        return []
    return list(Organization.objects.filter(path__in=paths).order_by("depth"))


def tree_root_for(user):
    """Where the tree browser starts for this user: the shallowest organization in scope."""
    scopes = sorted(user_scopes(user), key=lambda s: len(s.path))
    if not scopes:
        return None
    return Organization.objects.get(pk=scopes[0].org_id)


# ---------------------------------------------------------------- lists


def branch_on(moves, current_branch_id, day):
    """The branch a member was in on ``day``, from their transfers (接转) in date order as
    (occurred_on, from_branch_id): where the first transfer after ``day`` came from (None:
    from outside the district), else the current branch. ``ledgers.activities.services.roster_on`` is
    the same rule in SQL; this serves rosters built from rows already loaded."""
    for occurred_on, from_branch_id in moves:
        if occurred_on > day:
            return from_branch_id
    return current_branch_id


def members_list(user, *, branch=None):
    qs = with_flow_direction(members_visible_to(user).select_related("branch", "party_group"))
    if branch is not None:
        qs = qs.filter(branch=branch)
    return qs


def parents_by_path(orgs):
    """Parent names for a page of organizations, in one query."""
    paths = {o.path[: -Organization.steplen] for o in orgs if o.depth > 1}
    names = dict(Organization.objects.filter(path__in=paths).values_list("path", "name"))
    return {o.pk: names.get(o.path[: -Organization.steplen], "") for o in orgs}
