"""Writes for 流动党员 (flow records) and 区管党员领导干部 (the flag, 民主生活会).

Who may do what:
- A flow is registered by the branch holding the member (``Member.branch``: the 流出 side, or
  for a member whose relation is outside the district the 流入 branch that keeps them).
- A flow is ended (the member is back, or the relation moved) by either branch of the district
  it links: the member's branch or the 流入 branch (主管).
- The 区管党员领导干部 flag and the 民主生活会 are the district's and the committees' (APPROVE):
  a branch does not decide who is a district-managed cadre.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from branches.flow_models import FlowDirection, LifeMeeting, MemberFlow
from branches.models import Member, Organization, OrgKind, OrgStatus, Standing
from branches.permissions import Action, can, require
from wujin_branch.errors import DomainError
from wujin_branch.services import check_version, clean, clean_text


def _locked_member(member) -> Member:
    return Member.objects.select_for_update().select_related("branch").get(pk=member.pk)


@transaction.atomic
def member_flow_start(
    *,
    actor,
    member: Member,
    direction: str,
    started_on: datetime.date,
    in_branch: Organization | None = None,
    counterpart: str = "",
    note: str = "",
) -> MemberFlow:
    """Register a 流动党员: out of the member's branch (to a branch of the district, or to
    ``counterpart`` outside it), or in from ``counterpart`` outside the district."""
    require(actor, Action.EDIT, member.branch)
    m = _locked_member(member)
    if m.standing != Standing.ACTIVE:
        raise DomainError("该党员不在册，不能登记流动。")
    if MemberFlow.objects.open().filter(member=m).exists():
        raise DomainError("该党员已有未结束的流动登记，请先登记流动结束。")
    counterpart = (counterpart or "").strip()
    if started_on > timezone.localdate():
        raise DomainError("流动开始日期不能晚于今天。", field="started_on")
    if direction == FlowDirection.OUT:
        if in_branch is not None:
            if in_branch.kind != OrgKind.BRANCH or in_branch.status != OrgStatus.ACTIVE:
                raise DomainError("流入地请选择正常的党支部。", field="in_branch")
            if in_branch.pk == m.branch_id:
                raise DomainError("流入地党支部不能是本支部。", field="in_branch")
            counterpart = ""
        elif not counterpart:
            raise DomainError("请选择区内流入地党支部，或填写区外流入地党组织。", field="counterpart")
    elif direction == FlowDirection.IN:
        if in_branch is not None:
            raise DomainError("区内党员流入本支部，应由其所在支部登记流出到本支部。", field="in_branch")
        if not counterpart:
            raise DomainError("请填写流出地（组织关系所在）党组织。", field="counterpart")
    else:
        raise DomainError("请选择流动方向。", field="direction")
    flow = MemberFlow(
        member=m,
        direction=direction,
        in_branch=in_branch,
        counterpart=counterpart,
        started_on=started_on,
        note=clean_text(note, "流动情况说明", required=False, max_length=200),
        actor=actor,
    )
    clean(flow)
    flow._history_user = actor
    flow.save()
    return flow


def may_end_flow(user, flow: MemberFlow) -> bool:
    return can(user, Action.EDIT, flow.member.branch) or bool(
        flow.in_branch_id and can(user, Action.EDIT, flow.in_branch)
    )


@transaction.atomic
def member_flow_end(*, actor, flow: MemberFlow, ended_on: datetime.date, note: str = "") -> MemberFlow:
    """流动结束: either branch of the district the flow links may record it."""
    if actor is None or not may_end_flow(actor, flow):
        raise DomainError("您没有权限执行此操作。")
    f = MemberFlow.objects.select_for_update().get(pk=flow.pk)
    if f.ended_on is not None:
        raise DomainError("该流动登记已经结束。")
    if ended_on < f.started_on:
        raise DomainError("流动结束日期不能早于开始日期。", field="ended_on")
    if ended_on > timezone.localdate():
        raise DomainError("流动结束日期不能晚于今天。", field="ended_on")
    f.ended_on = ended_on
    if note:
        f.note = clean_text(f"{f.note}；{note}" if f.note else note, "流动情况说明", max_length=200)
    clean(f)
    f._history_user = actor
    f.save()
    return f


def end_flows_on_transfer(*, member: Member, to_branch: Organization | None, on: datetime.date, actor) -> None:
    """A transfer closes the open flow it settles: out of the district (the relation has left),
    or to the branch the member had flowed into (the relation followed the member).
    Called inside ``member_transfer``'s transaction."""
    for f in MemberFlow.objects.select_for_update().filter(member=member, ended_on__isnull=True):
        if to_branch is None or f.in_branch_id == to_branch.pk:
            f.ended_on = max(on, f.started_on)
            f._history_user = actor
            f.save()


# ---------------------------------------------------------------- 区管党员领导干部


@transaction.atomic
def member_set_district_cadre(*, actor, member: Member, value: bool, version: int | None) -> Member:
    require(actor, Action.APPROVE, member.branch)
    m = _locked_member(member)
    check_version(m, version)
    m.is_district_cadre = bool(value)
    m.updated_at = timezone.now()
    m._history_user = actor
    m.save()
    return m


@transaction.atomic
def life_meeting_create(
    *,
    actor,
    organization: Organization,
    held_on: datetime.date,
    topic: str,
    minutes: str,
    participants,
) -> LifeMeeting:
    """民主生活会 of a unit's Party organization; participants are 区管党员领导干部 of its subtree."""
    require(actor, Action.APPROVE, organization)
    if organization.kind == OrgKind.DISTRICT or organization.status != OrgStatus.ACTIVE:
        raise DomainError("请选择正常的单位党组织。", field="organization")
    if held_on > timezone.localdate():
        raise DomainError("召开日期不能晚于今天。", field="held_on")
    people = list(participants or [])
    if not people:
        raise DomainError("请选择参会的区管党员领导干部。", field="participants")
    ids = [p.pk for p in people]
    ok = set(
        Member.objects.filter(
            pk__in=ids,
            is_district_cadre=True,
            standing=Standing.ACTIVE,
            branch__path__startswith=organization.path,
        ).values_list("pk", flat=True)
    )
    if len(ok) != len(set(ids)):
        raise DomainError(f"参会人员须是“{organization.name}”所属的区管党员领导干部。", field="participants")
    meeting = LifeMeeting(
        organization=organization,
        held_on=held_on,
        topic=clean_text(topic, "主题", max_length=200, field="topic"),
        minutes=clean_text(minutes, "会议记录", field="minutes"),
        actor=actor,
    )
    clean(meeting)
    meeting._history_user = actor
    meeting.save()
    meeting.participants.set(ok)
    return meeting
