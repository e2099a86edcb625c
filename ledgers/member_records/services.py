"""Member records (training, rewards, help and visits, integrity) and screenings (排查清理)."""

import datetime

from django.db import transaction

from branches.models import (
    Member,
)
from branches.permissions import Action, can, require
from branches.signals import announce_members_changed
from ledgers.models import MemberRecord, RecordKind, Screening
from wujin_branch.errors import DomainError


@transaction.atomic
def member_record_create(*, actor, member: Member, kind, occurred_on, title, detail="", amount_fen=None, by_whom=""):
    require(actor, Action.EDIT, member.branch)
    if kind not in RecordKind.values:
        raise DomainError("类别无效。", field="kind")
    if occurred_on > datetime.date.today() + datetime.timedelta(days=1):
        raise DomainError("日期不能晚于今天。", field="occurred_on")
    if amount_fen is not None and kind not in (RecordKind.HELP, RecordKind.VISIT, RecordKind.REWARD):
        amount_fen = None
    r = MemberRecord(
        member=member,
        kind=kind,
        occurred_on=occurred_on,
        title=title.strip(),
        detail=detail,
        amount_fen=amount_fen,
        by_whom=by_whom,
        created_by=actor,
    )
    r.full_clean()
    r._history_user = actor
    r.save()
    announce_members_changed(member.branch_id, days=[occurred_on])
    return r


@transaction.atomic
def screening_create(*, actor, organization, held_on, scope, includes_delegates, findings, handling=""):
    """排查清理 can be done by a branch (its staff) or by a committee for its subtree."""
    if not (can(actor, Action.EDIT, organization) or can(actor, Action.APPROVE, organization)):
        raise DomainError("您没有权限执行此操作。")
    s = Screening(
        organization=organization,
        held_on=held_on,
        scope=scope,
        includes_delegates=includes_delegates,
        findings=findings,
        handling=handling,
        created_by=actor,
    )
    s.full_clean()
    s._history_user = actor
    s.save()
    return s
