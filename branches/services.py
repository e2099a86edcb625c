"""Every write to organizations, members, groups and committees.

Services take keyword-only arguments and an explicit ``actor``, check the actor's right
again (views check too), run ``full_clean()`` and save inside one transaction. Broken
rules raise ``DomainError`` with a Chinese message; a stale edit raises ``StaleEditError``.
"""

import datetime

from django.db import transaction
from django.utils import timezone
from pypinyin import Style, lazy_pinyin
from simple_history.utils import bulk_update_with_history

from branches.derived import default_dues_from
from branches.flow_services import end_flows_on_transfer
from branches.models import (
    CommitteeSeat,
    CommitteeTerm,
    Member,
    MemberStatus,
    MemberTransfer,
    Organization,
    OrgChange,
    OrgChangeKind,
    OrgKind,
    OrgStatus,
    PartyGroup,
    Position,
    Sanction,
    Standing,
    TransferDirection,
)
from branches.permissions import Action, require
from branches.signals import announce_members_changed
from wujin_branch import versions
from wujin_branch.errors import DomainError
from wujin_branch.services import check_version, clean

MAX_COMMITTEE_SIZE = 7
SMALL_BRANCH_FULL_MEMBERS = 7
SMALL_BRANCH_POSITIONS = {Position.SECRETARY, Position.DEPUTY}
MAX_POSTPONEMENT_DAYS = 366

ALLOWED_CHILD_KINDS = {
    OrgKind.DISTRICT: {OrgKind.COMMITTEE},
    OrgKind.COMMITTEE: {OrgKind.GENERAL_BRANCH, OrgKind.BRANCH},
    OrgKind.GENERAL_BRANCH: {OrgKind.BRANCH},
    OrgKind.BRANCH: set(),
}


def locked(model, pk):
    return model.objects.select_for_update().get(pk=pk)


def name_pinyin(name: str) -> tuple[str, str]:
    """Full pinyin (for sorting) and initials (for search), e.g. 张三 → ("zhang san", "zs")."""
    full = " ".join(lazy_pinyin(name, errors="ignore")).lower()
    initials = "".join(lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore")).lower()
    return full, initials


# ---------------------------------------------------------------- organizations


@transaction.atomic
def org_create(
    *, actor, parent: Organization, kind: str, name: str, founded_on: datetime.date, reason: str = "", **fields
) -> Organization:
    require(actor, Action.MANAGE, parent)
    if kind not in ALLOWED_CHILD_KINDS[parent.kind]:
        raise DomainError(f"“{parent.get_kind_display()}”下不能设立“{OrgKind(kind).label}”。")
    if not parent.is_active:
        raise DomainError("上级组织已撤销或撤并，不能在其下设立组织。")
    parent = locked(Organization, parent.pk)
    org = Organization(kind=kind, name=name, founded_on=founded_on, **fields)
    clean(org, exclude=["path", "depth", "numchild"])
    org = Organization.objects.add_child(parent, instance=org)
    versions.bump(versions.ORGS)  # the review dashboards count branches per committee
    OrgChange.objects.create(
        organization=org,
        kind=OrgChangeKind.FOUNDED,
        occurred_on=founded_on,
        reason=reason or "新设立",
        to_parent=parent,
        actor=actor,
    )
    return org


@transaction.atomic
def org_update(*, actor, org: Organization, version: int | None, **fields) -> Organization:
    require(actor, Action.MANAGE, org)
    org = locked(Organization, org.pk)
    check_version(org, version)
    old_name = org.name
    for k, v in fields.items():
        setattr(org, k, v)
    clean(org, exclude=["path", "depth", "numchild"])
    org._history_user = actor
    org.save()
    versions.bump(versions.ORGS)
    if org.name != old_name:
        OrgChange.objects.create(
            organization=org,
            kind=OrgChangeKind.RENAMED,
            occurred_on=timezone.localdate(),
            reason=f"由“{old_name}”更名为“{org.name}”",
            old_name=old_name,
            actor=actor,
        )
    return org


@transaction.atomic
def org_move(*, actor, org: Organization, new_parent: Organization, occurred_on, reason: str) -> Organization:
    """调整隶属关系: the whole subtree moves (treebeard rewrites paths set-based)."""
    require(actor, Action.MANAGE, org)
    require(actor, Action.MANAGE, new_parent)
    if not reason:
        raise DomainError("请填写调整原因。")
    if org.kind not in ALLOWED_CHILD_KINDS[new_parent.kind]:
        raise DomainError(f"“{new_parent.get_kind_display()}”下不能设立“{org.get_kind_display()}”。")
    if new_parent.path.startswith(org.path):
        raise DomainError("不能调整到自身或其下级组织之下。")
    old_parent = Organization.objects.get_parent(org)
    if old_parent and old_parent.pk == new_parent.pk:
        raise DomainError("新的上级组织与原上级组织相同。")
    Organization.objects.move(org, new_parent, pos="last-child")
    versions.bump(versions.ORGS)
    org.refresh_from_db()
    OrgChange.objects.create(
        organization=org,
        kind=OrgChangeKind.MOVED,
        occurred_on=occurred_on,
        reason=reason,
        from_parent=old_parent,
        to_parent=new_parent,
        actor=actor,
    )
    return org


def _transfer_members_bulk(*, members, to_branch, occurred_on, note, actor):
    members = list(members)
    for m in members:
        m.branch = to_branch
        m.party_group = None
        m.version += 1
        m.updated_at = timezone.now()
    bulk_update_with_history(
        members,
        Member,
        ["branch", "party_group", "version", "updated_at"],
        default_user=actor,
        default_change_reason=note,
    )
    return members


@transaction.atomic
def org_merge(*, actor, org: Organization, into: Organization, occurred_on, reason: str) -> int:
    """撤并: members move to ``into``; the branch is kept, marked merged, never deleted."""
    require(actor, Action.MANAGE, org)
    require(actor, Action.VIEW, into)
    if not reason:
        raise DomainError("请填写撤并原因。")
    org = locked(Organization, org.pk)
    if not org.is_active:
        raise DomainError("该组织已撤销或撤并。")
    if org.kind != OrgKind.BRANCH or into.kind != OrgKind.BRANCH or not into.is_active:
        raise DomainError("只能将党支部撤并到另一个正常的党支部。")
    if into.pk == org.pk:
        raise DomainError("不能撤并到自身。")
    moved = _move_all_members(
        org=org, to_branch=into, occurred_on=occurred_on, actor=actor, note=f"{org.name}撤并至{into.name}"
    )
    _close_org(org, status=OrgStatus.MERGED, occurred_on=occurred_on, merged_into=into, actor=actor)
    OrgChange.objects.create(
        organization=org,
        kind=OrgChangeKind.MERGED,
        occurred_on=occurred_on,
        reason=reason,
        merged_into=into,
        members_moved=moved,
        actor=actor,
    )
    return moved


@transaction.atomic
def org_dissolve(*, actor, org: Organization, occurred_on, reason: str, transfer_to: Organization | None = None) -> int:
    """撤销: a branch with members needs somewhere to transfer them; sub-organizations first."""
    require(actor, Action.MANAGE, org)
    if not reason:
        raise DomainError("请填写撤销原因。")
    org = locked(Organization, org.pk)
    if not org.is_active:
        raise DomainError("该组织已撤销或撤并。")
    if Organization.objects.filter(path__startswith=org.path, depth__gt=org.depth, status=OrgStatus.ACTIVE).exists():
        raise DomainError("该组织下仍有正常的下级组织，请先撤销、撤并或调整下级组织。")
    n_active = Member.objects.filter(branch=org, standing=Standing.ACTIVE).count()
    moved = 0
    if n_active:
        if transfer_to is None:
            raise DomainError(f"该支部仍有 {n_active} 名在册党员，请选择接收党员的支部。")
        require(actor, Action.VIEW, transfer_to)
        if transfer_to.kind != OrgKind.BRANCH or not transfer_to.is_active or transfer_to.pk == org.pk:
            raise DomainError("接收党员的必须是另一个正常的党支部。")
        moved = _move_all_members(
            org=org,
            to_branch=transfer_to,
            occurred_on=occurred_on,
            actor=actor,
            note=f"{org.name}撤销，党员转至{transfer_to.name}",
        )
    _close_org(org, status=OrgStatus.DISSOLVED, occurred_on=occurred_on, actor=actor)
    OrgChange.objects.create(
        organization=org,
        kind=OrgChangeKind.DISSOLVED,
        occurred_on=occurred_on,
        reason=reason,
        merged_into=transfer_to,
        members_moved=moved,
        actor=actor,
    )
    return moved


def _move_all_members(*, org, to_branch, occurred_on, actor, note):
    members = list(Member.objects.select_for_update().filter(branch=org, standing=Standing.ACTIVE))
    _transfer_members_bulk(members=members, to_branch=to_branch, occurred_on=occurred_on, note=note, actor=actor)
    MemberTransfer.objects.bulk_create(
        MemberTransfer(
            member=m,
            direction=TransferDirection.INTERNAL,
            occurred_on=occurred_on,
            from_branch=org,
            to_branch=to_branch,
            note=note,
            actor=actor,
        )
        for m in members
    )
    if members:
        announce_members_changed(org.pk, to_branch.pk, days=[occurred_on])
    return len(members)


def _close_org(org, *, status, occurred_on, actor, merged_into=None):
    org.status = status
    org.ended_on = occurred_on
    org.merged_into = merged_into
    org.version += 1
    org._history_user = actor
    org.save()
    versions.bump(versions.ORGS)  # merged or dissolved: no longer counted
    groups = list(PartyGroup.objects.select_for_update().filter(branch=org, is_active=True))
    for g in groups:
        g.is_active = False
    bulk_update_with_history(groups, PartyGroup, ["is_active"], default_user=actor)  # queryset.update() has no history
    for term in CommitteeTerm.objects.filter(branch=org, ended_on__isnull=True):
        term.ended_on = occurred_on
        term._history_user = actor
        term.save()


# ---------------------------------------------------------------- members

MEMBER_FIELDS = [
    "party_group",
    "name",
    "gender",
    "ethnicity",
    "birth_date",
    "education",
    "occupation",
    "id_number",
    "phone",
    "work_unit",
    "address",
    "joined_on",
    "full_member_on",
    "status",
    "dues_from",
    "is_kongua",
    "kongua_handling",
    "is_lost",
    "lost_since",
    "lost_handling",
    "is_hardship",
    "hardship_note",
]


def member_rules(m: Member):
    if m.status == MemberStatus.FULL and not m.full_member_on:
        raise DomainError("正式党员请填写转正日期。", field="full_member_on")
    if m.status == MemberStatus.PROBATIONARY and m.full_member_on:
        raise DomainError("预备党员不应填写转正日期。", field="full_member_on")
    if m.full_member_on and m.full_member_on < m.joined_on:
        raise DomainError("转正日期不能早于入党日期。", field="full_member_on")
    if m.joined_on <= m.birth_date or m.age_on(m.joined_on) < 18:
        raise DomainError("入党时应年满十八周岁，请核对出生日期和入党日期。", field="joined_on")
    if m.joined_on > timezone.localdate():
        raise DomainError("入党日期不能晚于今天。", field="joined_on")
    if m.dues_from is None:
        m.dues_from = default_dues_from(m.joined_on, timezone.localdate())
    # a month; months before joining are never owed anyway, so an earlier month means the month of joining
    m.dues_from = max(m.dues_from.replace(day=1), m.joined_on.replace(day=1))
    if m.dues_from > timezone.localdate():
        raise DomainError("党费起算月不能晚于本月。", field="dues_from")
    if m.party_group_id and m.party_group.branch_id != m.branch_id:
        raise DomainError("党小组不属于该支部。", field="party_group")
    m.id_number = (m.id_number or "").strip().upper()
    if not validate_id_number(m.id_number):
        raise DomainError("身份证号格式不正确（应为18位，最后一位校验码须正确）。", field="id_number")
    m.name_pinyin, m.name_initials = name_pinyin(m.name)


def validate_id_number(n: str) -> bool:
    """GB 11643 check digit for 18-digit resident identity numbers."""
    if len(n) != 18 or not n[:17].isdigit():
        return False
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(c) * w for c, w in zip(n[:17], weights, strict=True)) % 11]
    return n[17] == check


def _id_taken(id_number, exclude_pk=None):
    qs = Member.objects.filter(id_number=id_number)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.exists()


@transaction.atomic
def member_create(*, actor, branch: Organization, transfer_from: str = "", transfer_on=None, **data) -> Member:
    """Add a member to the roster; ``transfer_from`` records a transfer in from outside the district.

    ``dues_from`` (党费起算月) defaults to this month: dues are owed from when the member comes
    onto the platform (or joins, when later), not from a join date years back."""
    require(actor, Action.EDIT, branch)
    if branch.kind != OrgKind.BRANCH or not branch.is_active:
        raise DomainError("只能在正常的党支部中添加党员。")
    m = Member(branch=branch, **{k: v for k, v in data.items() if k in MEMBER_FIELDS})
    member_rules(m)
    if _id_taken(m.id_number):
        raise DomainError("该身份证号已登记在册（可能在其他支部），请通过组织关系接转办理。", field="id_number")
    clean(m)
    m._history_user = actor
    m.save()
    if transfer_from:
        MemberTransfer.objects.create(
            member=m,
            direction=TransferDirection.IN,
            occurred_on=transfer_on or timezone.localdate(),
            to_branch=branch,
            counterpart=transfer_from,
            actor=actor,
        )
    announce_members_changed(branch.pk, days=[m.joined_on, transfer_on])
    return m


@transaction.atomic
def member_update(*, actor, member: Member, version: int | None, **data) -> Member:
    require(actor, Action.EDIT, member.branch)
    m = locked(Member, member.pk)
    check_version(m, version)
    for k, v in data.items():
        if k in MEMBER_FIELDS and not (k == "dues_from" and v is None):  # 党费起算月 left empty: unchanged
            setattr(m, k, v)
    member_rules(m)
    if _id_taken(m.id_number, exclude_pk=m.pk):
        raise DomainError("该身份证号已被其他党员使用。", field="id_number")
    m.updated_at = timezone.now()
    clean(m)
    m._history_user = actor
    m.save()
    announce_members_changed(m.branch_id)
    return m


@transaction.atomic
def member_transfer(
    *,
    actor,
    member: Member,
    direction: str,
    occurred_on,
    to_branch: Organization | None = None,
    counterpart: str = "",
    note: str = "",
) -> MemberTransfer:
    """Transfer out of the district (转出) or to another branch in the district (区内转接)."""
    require(actor, Action.EDIT, member.branch)
    m = locked(Member, member.pk)
    if m.standing != Standing.ACTIVE:
        raise DomainError("该党员不在册，不能办理转出。")
    from_branch = m.branch
    if direction == TransferDirection.INTERNAL:
        if to_branch is None or to_branch.kind != OrgKind.BRANCH or not to_branch.is_active:
            raise DomainError("请选择接收的党支部。", field="to_branch")
        if to_branch.pk == from_branch.pk:
            raise DomainError("接收支部不能是本支部。", field="to_branch")
        m.branch = to_branch
        m.party_group = None
        counterpart = counterpart or to_branch.name
    elif direction == TransferDirection.OUT:
        if not counterpart:
            raise DomainError("请填写转入的党组织名称。", field="counterpart")
        m.standing = Standing.TRANSFERRED_OUT
        m.left_on = occurred_on
        m.party_group = None
    else:
        raise DomainError("从区外转入的党员请通过“添加党员”登记，并填写转入来源党组织。")
    _vacate_seats_of(m, occurred_on)
    end_flows_on_transfer(
        member=m, to_branch=to_branch if direction == TransferDirection.INTERNAL else None, on=occurred_on, actor=actor
    )
    m.version += 1
    m.updated_at = timezone.now()
    m._history_user = actor
    m.save()
    announce_members_changed(from_branch.pk, to_branch.pk if to_branch else None, days=[occurred_on])
    return MemberTransfer.objects.create(
        member=m,
        direction=direction,
        occurred_on=occurred_on,
        from_branch=from_branch,
        to_branch=to_branch if direction == TransferDirection.INTERNAL else None,
        counterpart=counterpart,
        note=note,
        actor=actor,
    )


def _vacate_seats_of(member, on):
    for seat in CommitteeSeat.objects.select_for_update().filter(holder=member, term__ended_on__isnull=True):
        seat.holder = None
        seat.vacated_on = on
        seat.save()


@transaction.atomic
def sanction_create(
    *, actor, member: Member, kind: int, imposed_on, reason: str, effective_until=None, decided_by: str = ""
) -> Sanction:
    require(actor, Action.EDIT, member.branch)
    s = Sanction(
        member=member,
        kind=kind,
        imposed_on=imposed_on,
        effective_until=effective_until,
        reason=reason,
        decided_by=decided_by,
    )
    if effective_until and effective_until < imposed_on:
        raise DomainError("影响期截止日期不能早于处分日期。", field="effective_until")
    clean(s)
    s.save()
    announce_members_changed(member.branch_id, days=[imposed_on])
    return s


