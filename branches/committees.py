"""Writes for Party groups and the branch committee: groups and their leaders, terms, seats,
vacancies and by-elections, postponement (seed §二(一)). Same conventions as ``branches.services``."""


from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from branches.derived import group_number
from branches.models import (
    CommitteeSeat,
    CommitteeTerm,
    InterventionKind,
    Member,
    MemberStatus,
    Organization,
    OrgKind,
    PartyGroup,
    Position,
    Standing,
    TermIntervention,
    TermRuleSet,
    add_years,
)
from branches.permissions import Action, require
from branches.services import (
    MAX_COMMITTEE_SIZE,
    MAX_POSTPONEMENT_DAYS,
    SMALL_BRANCH_FULL_MEMBERS,
    SMALL_BRANCH_POSITIONS,
    locked,
)
from branches.term_models import years_text
from wujin_branch.errors import DomainError

# ---------------------------------------------------------------- party groups


@transaction.atomic
def group_save(
    *,
    actor,
    branch: Organization,
    name: str,
    leader: Member | None,
    members: list[Member],
    group: PartyGroup | None = None,
) -> PartyGroup:
    require(actor, Action.EDIT, branch)
    name = (name or "").strip()
    if not name:
        raise DomainError("请填写党小组名称。", field="name")
    clash = PartyGroup.objects.filter(branch=branch, is_active=True, name=name)
    if group:
        clash = clash.exclude(pk=group.pk)
    if clash.exists():
        raise DomainError("本支部已有同名党小组。", field="name")
    for m in members + ([leader] if leader else []):
        if m.branch_id != branch.pk or m.standing != Standing.ACTIVE:
            raise DomainError(f"{m.name} 不是本支部在册党员。")
    if leader and leader not in members:
        members = members + [leader]
    g = group or PartyGroup(branch=branch)
    g.name, g.leader, g.number = name, leader, group_number(name)
    g._history_user = actor
    g.save()
    current = {m.pk: m for m in Member.objects.filter(party_group=g)}
    wanted = {m.pk: m for m in members}
    changed = []
    for pk, m in current.items():
        if pk not in wanted:
            m.party_group = None
            changed.append(m)
    for pk, m in wanted.items():
        if pk not in current:
            m.party_group = g
            changed.append(m)
    for m in changed:
        m.version += 1
    if changed:
        bulk_update_with_history(changed, Member, ["party_group", "version"], default_user=actor)
    return g


@transaction.atomic
def group_dissolve(*, actor, group: PartyGroup) -> None:
    require(actor, Action.EDIT, group.branch)
    members = list(Member.objects.filter(party_group=group))
    for m in members:
        m.party_group = None
        m.version += 1
    if members:
        bulk_update_with_history(members, Member, ["party_group", "version"], default_user=actor)
    group.is_active = False
    group.leader = None
    group.save()


# ---------------------------------------------------------------- committee


def _check_holder(branch, member, occupied_ids):
    if member.branch_id != branch.pk or member.standing != Standing.ACTIVE:
        raise DomainError(f"{member.name} 不是本支部在册党员。")
    if member.status != MemberStatus.FULL:
        raise DomainError(f"{member.name} 是预备党员，没有被选举权，不能担任支部委员。")
    if member.pk in occupied_ids:
        raise DomainError(f"{member.name} 已在本届支委会任职。")


def _full_member_count(branch):
    return Member.objects.filter(branch=branch, standing=Standing.ACTIVE, status=MemberStatus.FULL).count()


def _check_size(branch, positions):
    if len(positions) > MAX_COMMITTEE_SIZE:
        raise DomainError(f"支委会委员最多 {MAX_COMMITTEE_SIZE} 人，不能再增加。")
    if _full_member_count(branch) < SMALL_BRANCH_FULL_MEMBERS and set(positions) - SMALL_BRANCH_POSITIONS:
        raise DomainError("正式党员不足7人的党支部不设支委会，只设书记（必要时设副书记）。")
    if positions.count(Position.SECRETARY) > 1:
        raise DomainError("每届只能有一名书记。")


def check_term_years(branch, elected_on, term_years):
    """The term lengths allowed for this branch type by the rule set in force on the election day."""
    rule_set = TermRuleSet.in_force_on(elected_on)
    allowed = rule_set.allowed_years(branch.branch_type) if rule_set else (2, 3, 5)
    if term_years not in allowed:
        kind = f"{branch.get_branch_type_display()}党支部" if branch.branch_type else "党支部"
        basis = f"按{rule_set.name}，" if rule_set else ""
        raise DomainError(f"{basis}{kind}每届任期为{years_text(allowed)}。", field="term_years")


@transaction.atomic
def term_intervention_record(
    *, actor, term: CommitteeTerm, kind: str, person: str, decided_on, note: str
) -> TermIntervention:
    """The upper committee records 整顿、选派 or 兼任 on a term not renewed on time."""
    branch = term.branch
    require(actor, Action.APPROVE, branch)
    term = locked(CommitteeTerm, term.pk)
    if term.ended_on is not None:
        raise DomainError("该届支委会已换届，无需督促。")
    if decided_on > timezone.localdate():
        raise DomainError("决定日期不能晚于今天。", field="decided_on")
    if decided_on <= term.effective_due_on:
        raise DomainError(f"本届{term.effective_due_on:%Y年%m月%d日}届满，届满后才需督促换届。", field="decided_on")
    person, note = (person or "").strip(), (note or "").strip()
    if kind != InterventionKind.RECTIFY and not person:
        raise DomainError("选派或兼任请填写人员姓名。", field="person")
    if not note:
        raise DomainError("请填写情况说明。", field="note")
    row = TermIntervention(term=term, kind=kind, person=person, decided_on=decided_on, note=note, recorded_by=actor)
    row.full_clean()
    row._history_user = actor
    row.save()
    return row


@transaction.atomic
def term_elect(
    *, actor, branch: Organization, elected_on, term_years: int, seats: list[tuple[str, Member, str]]
) -> CommitteeTerm:
    """换届选举: end the current term and start a new one with its seats (position, member, duties)."""
    require(actor, Action.EDIT, branch)
    branch = locked(Organization, branch.pk)
    if branch.kind != OrgKind.BRANCH or not branch.is_active:
        raise DomainError("只能为正常的党支部录入换届。")
    if elected_on > timezone.localdate():
        raise DomainError("选举日期不能晚于今天。", field="elected_on")
    check_term_years(branch, elected_on, term_years)
    positions = [p for p, _, _ in seats]
    if Position.SECRETARY not in positions:
        raise DomainError("换届选举须产生书记。")
    _check_size(branch, positions)
    holders = set()
    for _, m, _ in seats:
        _check_holder(branch, m, holders)
        holders.add(m.pk)
    previous = CommitteeTerm.objects.select_for_update().filter(branch=branch, ended_on__isnull=True).first()
    if previous:
        if elected_on < previous.elected_on:
            raise DomainError("新一届选举日期不能早于上一届。", field="elected_on")
        previous.ended_on = elected_on
        previous.save()
    term = CommitteeTerm(
        branch=branch, elected_on=elected_on, term_years=term_years, due_on=add_years(elected_on, term_years)
    )
    term.save()
    for position, m, duties in seats:
        CommitteeSeat.objects.create(term=term, position=position, holder=m, since=elected_on, duties=duties)
    return term


@transaction.atomic
def seat_add(
    *, actor, term: CommitteeTerm, position: str, member: Member, since, duties: str = "", by_election: bool = True
) -> CommitteeSeat:
    """增补 a post (by-election) to the current term, within the size limits."""
    require(actor, Action.EDIT, term.branch)
    term = locked(CommitteeTerm, term.pk)
    if term.ended_on:
        raise DomainError("该届已结束，不能再增补。")
    seats = list(term.seats.all())
    _check_size(term.branch, [s.position for s in seats] + [position])
    _check_holder(term.branch, member, {s.holder_id for s in seats if s.holder_id})
    if since < term.elected_on:
        raise DomainError("任职日期不能早于本届选举日期。", field="since")
    return CommitteeSeat.objects.create(
        term=term, position=position, holder=member, since=since, duties=duties, by_election=by_election
    )


@transaction.atomic
def seat_vacate(*, actor, seat: CommitteeSeat, vacated_on, note: str = "") -> CommitteeSeat:
    """出缺: the post stays, empty, until a by-election fills it."""
    require(actor, Action.EDIT, seat.term.branch)
    seat = locked(CommitteeSeat, seat.pk)
    if seat.holder_id is None:
        raise DomainError("该职务已经出缺。")
    if seat.term.ended_on:
        raise DomainError("该届已结束。")
    if vacated_on < seat.since:
        raise DomainError("出缺日期不能早于任职日期。", field="vacated_on")
    seat.holder = None
    seat.vacated_on = vacated_on
    seat._change_reason = note or "出缺"
    seat._history_user = actor
    seat.save()
    return seat


@transaction.atomic
def seat_fill(*, actor, seat: CommitteeSeat, member: Member, since, duties: str | None = None) -> CommitteeSeat:
    """补选: fill a vacant post."""
    require(actor, Action.EDIT, seat.term.branch)
    seat = locked(CommitteeSeat, seat.pk)
    if seat.holder_id is not None:
        raise DomainError("该职务目前有人任职，请先登记出缺。")
    if seat.term.ended_on:
        raise DomainError("该届已结束，请录入新一届换届选举。")
    occupied = set(
        CommitteeSeat.objects.filter(term=seat.term, holder__isnull=False).values_list("holder_id", flat=True)
    )
    _check_holder(seat.term.branch, member, occupied)
    if seat.vacated_on and since < seat.vacated_on:
        raise DomainError("补选日期不能早于出缺日期。", field="since")
    seat.holder = member
    seat.since = since
    seat.vacated_on = None
    seat.by_election = True
    if duties is not None:
        seat.duties = duties
    seat._change_reason = "补选"
    seat._history_user = actor
    seat.save()
    return seat


@transaction.atomic
def term_postpone(*, actor, term: CommitteeTerm, until, reason: str) -> CommitteeTerm:
    """延期换届: approved by the upper committee (or the district), at most about one year."""
    require(actor, Action.APPROVE, term.branch)
    term = locked(CommitteeTerm, term.pk)
    if term.ended_on:
        raise DomainError("该届已结束。")
    if not reason:
        raise DomainError("请填写延期原因。", field="reason")
    if until <= term.due_on:
        raise DomainError("延期日期应晚于届满日期。", field="until")
    if (until - term.due_on).days > MAX_POSTPONEMENT_DAYS:
        raise DomainError("延期换届一般不超过一年。", field="until")
    term.postponed_until = until
    term.postponement_reason = reason
    term.postponement_approved_by = actor
    term.postponement_approved_on = timezone.localdate()
    term.version += 1
    term._history_user = actor
    term.save()
    return term
