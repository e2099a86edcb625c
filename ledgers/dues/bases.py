"""The yearly base verification (党费基数核定): the page and the all-or-nothing save,
with reductions and waivers that need the branch's decision and upper approval."""

import datetime
from dataclasses import dataclass

from django.db import transaction
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from branches.models import Member, Standing
from branches.signals import announce_members_changed
from ledgers.dues.common import clean_fields, require_writable, today, yuan
from ledgers.dues.rates import BASE_GROUPS, FIRST_MONTH, FIXED_GROUPS, dues_compute, group_guess, rates_in_force
from ledgers.models import DuesBase, DuesGroup
from wujin_branch.errors import DomainError


def verification_date(year: int) -> datetime.date:
    """The date whose rate table applies to a year's verification: today, kept inside the year."""
    return min(max(today(), datetime.date(year, 1, 1)), datetime.date(year, 12, 31))


def _check_year(year):
    if not FIRST_MONTH.year <= int(year) <= today().year + 1:
        raise DomainError(f"年度应在{FIRST_MONTH.year}年至{today().year + 1}年之间。")


@dataclass
class BaseRow:
    member: Member
    base: DuesBase | None  # this year's verified base
    previous: DuesBase | None  # the latest earlier one, to start from
    group: str
    declared_fen: int | None
    chosen_fen: int | None
    preview_fen: int | None = None
    preview_text: str = ""

    @property
    def group_label(self):
        return DuesGroup(self.group).label

    @property
    def preview_yuan(self):
        return yuan(self.preview_fen)

    @property
    def computed_yuan(self):
        return yuan(self.base.computed_monthly_fen) if self.base else ""


def dues_bases_page(branch, year: int) -> dict:
    """The verification page for a branch and year: active members with this year's base
    (or last year's as a starting point) and the amount it gives. Three queries."""
    members = list(
        Member.objects.filter(branch=branch, standing=Standing.ACTIVE)
        .select_related("party_group")
        .order_by("name_pinyin", "id")
    )
    bases = DuesBase.objects.filter(member__branch=branch, member__standing=Standing.ACTIVE, year__lte=year)
    this_year, previous = {}, {}
    for b in bases.select_related("rule").order_by("year", "id"):
        (this_year if b.year == year else previous)[b.member_id] = b
    on = verification_date(year)
    rates = rates_in_force(on)
    rows = []
    for m in members:
        base = this_year.get(m.pk)
        src = base or previous.get(m.pk)
        group = src.group if src else group_guess(m)
        declared = src.declared_base_fen if src and group in BASE_GROUPS else None
        chosen = src.computed_monthly_fen if src and group == DuesGroup.FARMER else None
        row = BaseRow(m, base, previous.get(m.pk), group, declared, chosen)
        if base:
            row.preview_fen, row.preview_text = base.monthly_fen, base.rule_text
        elif group in FIXED_GROUPS or declared:
            try:
                row.preview_fen, _, row.preview_text = dues_compute(
                    group, declared or 0, on, chosen_fen=chosen, rates=rates
                )
            except DomainError as e:
                row.preview_text = e.message
        rows.append(row)
    return {
        "rows": rows,
        "on": on,
        "missing": sum(1 for r in rows if r.base is None),
        "verified": sum(1 for r in rows if r.base is not None),
        "reduced": sum(1 for r in rows if r.base is not None and r.base.reduced),
    }


def dues_bases_missing(branch, year: int) -> int:
    """Active members without a verified base for the year (one query)."""
    return Member.objects.filter(branch=branch, standing=Standing.ACTIVE).exclude(dues_bases__year=year).count()


@dataclass
class BaseInput:
    """One member's line of the verification form, already parsed (amounts in 分)."""

    member_id: int
    group: str
    declared_base_fen: int | None = None
    chosen_fen: int | None = None  # farmers: the amount the branch chose within the range
    reduced: bool = False
    reduced_fen: int | None = None  # the amount after reduction; 0 or empty is a waiver
    reduction_reason: str = ""
    branch_decision: str = ""
    upper_approval: str = ""


BASE_FIELDS = [
    "group", "declared_base_fen", "computed_monthly_fen", "rule", "rule_text", "monthly_fen", "reduced",
    "reduction_reason", "branch_decision", "upper_approval", "verified_on", "verified_by",
]  # fmt: skip


def dues_bases_save(*, actor, branch, year: int, rows: list[BaseInput]) -> dict:
    """Save a year's verification for the rows given, all or nothing.

    A reduction or waiver needs the reason, the branch's decision and the upper
    committee's approval; otherwise nothing is saved and every problem is listed.
    Unchanged rows are not rewritten (no empty history entries).
    """
    require_writable(actor, branch)
    year = int(year)
    _check_year(year)
    ids = [r.member_id for r in rows]
    if len(set(ids)) != len(ids):
        raise DomainError("同一党员出现了两次，请刷新页面后重新填写。")
    members = Member.objects.filter(branch=branch, standing=Standing.ACTIVE).in_bulk(ids)
    if len(members) != len(ids):
        raise DomainError("名单中有不属于本支部在册党员的人员，请刷新页面后重新填写。")
    on = verification_date(year)
    rates = rates_in_force(on)
    now_day = today()
    errors, values_by_member = [], {}
    for r in rows:
        m = members[r.member_id]
        try:
            if r.group in BASE_GROUPS and not r.declared_base_fen:
                raise DomainError("请填写月工资（离退休费）基数")
            declared = int(r.declared_base_fen or 0) if r.group in BASE_GROUPS else 0
            computed, rule, text = dues_compute(r.group, declared, on, chosen_fen=r.chosen_fen, rates=rates)
        except DomainError as e:
            errors.append(f"{m.name}：{e.message.rstrip('。')}。")
            continue
        reason, decision, approval = (s.strip() for s in (r.reduction_reason, r.branch_decision, r.upper_approval))
        monthly = computed
        if r.reduced:
            needed = (("减免原因", reason), ("支部决定", decision), ("上级党委批准", approval))
            missing = [label for label, value in needed if not value]
            if missing:
                errors.append(f"{m.name}：减免党费须经支部研究决定并报上级党委批准，请填写{'、'.join(missing)}。")
                continue
            monthly = int(r.reduced_fen or 0)
            if monthly < 0 or monthly >= computed:
                errors.append(f"{m.name}：减免后的月交纳额应低于按标准应交的{yuan(computed)}元（免交填0）。")
                continue
        else:
            reason = decision = approval = ""
        values_by_member[m.pk] = {
            "group": r.group,
            "declared_base_fen": declared,
            "computed_monthly_fen": computed,
            "rule": rule,
            "rule_text": text,
            "monthly_fen": monthly,
            "reduced": bool(r.reduced),
            "reduction_reason": reason,
            "branch_decision": decision,
            "upper_approval": approval,
        }
    if errors:
        raise DomainError("；".join(errors))
    new, changed = [], []
    with transaction.atomic():
        existing = {b.member_id: b for b in DuesBase.objects.select_for_update().filter(member_id__in=ids, year=year)}
        for member_id, values in values_by_member.items():
            old = existing.get(member_id)
            if old is None:
                obj = DuesBase(member=members[member_id], year=year, verified_on=now_day, verified_by=actor, **values)
                clean_fields(obj, ["member", "rule", "verified_by"], members[member_id].name)
                new.append(obj)
            elif any(getattr(old, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(old, k, v)
                old.verified_on, old.verified_by = now_day, actor
                clean_fields(old, ["member", "rule", "verified_by"], members[member_id].name)
                changed.append(old)
        if new:
            bulk_create_with_history(new, DuesBase, default_user=actor)
        if changed:
            bulk_update_with_history(changed, DuesBase, BASE_FIELDS, default_user=actor)
        if new or changed:
            announce_members_changed(branch.pk, days=[datetime.date(year, 1, 1)])
    return {"created": len(new), "updated": len(changed), "unchanged": len(values_by_member) - len(new) - len(changed)}
