"""Demo 党费: bases, months paid and a few members in arrears."""

import datetime
from collections import defaultdict

from django.db.models import DateTimeField, F
from django.db.models.functions import Cast

from branches.demo.common import dues_start
from branches.models import (
    CommitteeSeat,
    Member,
    MemberStatus,
    MemberTransfer,
    Occupation,
    Standing,
    TransferDirection,
)
from branches.services import member_update
from ledgers import (
    dues,
)
from ledgers.demo.bulk import Tables
from ledgers.demo.common import YUAN, D, days
from ledgers.demo.people import World, aware
from ledgers.models import DuesBase, DuesGroup, DuesPayment, PaymentMethod

# ---------------------------------------------------------------- 党费

SALARY = {  # monthly base in yuan, by occupation
    Occupation.PUBLIC_SERVANT: (5200, 9800), Occupation.PROFESSIONAL: (4800, 13500),
    Occupation.MANAGER: (6000, 16000), Occupation.WORKER: (3200, 6500), Occupation.OTHER: (2800, 5500),
    Occupation.SOLDIER: (5000, 8000),
}  # fmt: skip
PENSION = (2300, 6200)


def _months(first: D, last: D):
    m = first
    while m <= last:
        yield m
        m = dues.add_months(m, 1)


class DuesSeeder:
    def __init__(self, w: World):
        self.w = w

    def run(self):
        w, rng = self.w, self.w.rng
        moved_in = dict(
            MemberTransfer.objects.filter(direction=TransferDirection.IN)
            .order_by("occurred_on", "id")
            .values_list("member_id", "occurred_on")
        )
        self.flowing = {m.pk: m._demo_flag for b in w.branches for m in b.members
                        if getattr(m, "_demo_flag", "") in ("flow_out", "flow_in")}  # fmt: skip
        reductions = 0
        cutoff = w.today - days(400)
        others = [m for b in w.branches if not b.demo for m in b.members if m.joined_on <= cutoff]
        stopped = next((m for m in others if m.is_lost or m.is_kongua), others[-1] if others else None)
        for b in w.branches:
            members = list(Member.objects.filter(branch=b.org, standing=Standing.ACTIVE).order_by("id"))
            self._start_dues(b, members)
            salaries = {}
            reduce_member = None
            if reductions < 2 and (b.demo or rng.random() < 0.25):
                hardship = [m for m in members if m.is_hardship]
                reduce_member = hardship[0] if hardship else None
            for year in (w.last, w.this):
                rows = []
                for m in members:
                    if m.joined_on > D(year, 12, 31):
                        continue
                    group = dues.group_guess(m)
                    if group == DuesGroup.EMPLOYED and m.occupation == Occupation.OTHER and b.profile == "village":
                        group = DuesGroup.FARMER
                    row = dues.BaseInput(member_id=m.pk, group=group)
                    if group in dues.BASE_GROUPS:
                        if m.pk not in salaries:
                            lo, hi = PENSION if group == DuesGroup.RETIRED else SALARY.get(m.occupation, (3000, 6000))
                            if m.is_hardship:
                                lo, hi = 1800, 2600
                            salaries[m.pk] = rng.randint(lo, hi) * YUAN
                        else:
                            salaries[m.pk] = int(salaries[m.pk] * rng.uniform(1.0, 1.06)) // YUAN * YUAN
                        row.declared_base_fen = salaries[m.pk]
                    elif group == DuesGroup.FARMER:
                        row.chosen_fen = rng.choice([50, 100, 100, 100])
                    if m is reduce_member:
                        computed = dues.dues_compute(group, row.declared_base_fen or 0, dues.verification_date(year),
                                                     chosen_fen=row.chosen_fen)[0]  # fmt: skip
                        if computed > 20:
                            reduced = max(20, computed // 2 // 10 * 10)
                            row.reduced, row.reduced_fen = True, reduced
                            row.reduction_reason = f"{m.hardship_note or '家庭经济困难'}，本人申请减交党费"
                            row.branch_decision = f"{year}年1月支部委员会研究同意，每月交纳{dues.yuan(reduced)}元"
                            upper = b.committee.name if b.committee else "上级党委"
                            row.upper_approval = f"{upper}{year}年1月{rng.randint(10, 28)}日批复同意"
                    rows.append(row)
                if rows:
                    dues.dues_bases_save(actor=b.user, branch=b.org, year=year, rows=rows)
                    w.counts["dues_bases"] += len(rows)
                    # verified in January of that year, not today
                    verified = D(year, 1, rng.randint(5, 25))
                    ids = [r.member_id for r in rows] if hasattr(rows[0], "member_id") else None
                    ids = ids or list(Member.objects.filter(branch=b.org).values_list("pk", flat=True))
                    DuesBase.objects.filter(member_id__in=ids, year=year).update(verified_on=verified)
                    DuesBase.history.filter(member_id__in=ids, year=year).update(
                        verified_on=verified, history_date=aware(verified, rng=rng)
                    )
            if reduce_member is not None and DuesBase.objects.filter(member=reduce_member, reduced=True).exists():
                reductions += 1
            # Who pays how. One member with six or more months unpaid (outside the demo branch).
            habits = {}
            for m in members:
                habit = "normal"
                if self.flowing.get(m.pk) == "flow_out":
                    habit = "quarterly"
                elif stopped is not None and m.pk == stopped.pk:
                    habit = "stopped"
                elif m.is_lost:
                    habit = "recent"
                elif rng.random() < 0.04 and not b.demo:
                    habit = "recent"
                habits[m.pk] = habit
            newcomer = None
            if b.demo:  # one ordinary member two months behind (not on the committee)
                seated = set(CommitteeSeat.objects.filter(term__branch=b.org).values_list("holder_id", flat=True))
                pick = next(
                    (m for m in reversed(members) if habits[m.pk] == "normal" and m.pk not in seated
                     and m.status == MemberStatus.FULL),
                    None,
                )  # fmt: skip
                if pick:
                    habits[pick.pk] = "two_late"
                newcomer = self._newcomer(b, members, habits, seated)
            self._payments(b, members, habits, moved_in)
            if b.demo and newcomer is not None:
                self._backfill(b, newcomer)
        self._reminders()

    def _payments(self, b, members, habits, moved_in):
        w, rng = self.w, self.w.rng
        this_month = dues.month_start(w.today)
        stop_from = dues.add_months(this_month, -rng.randint(7, 9))
        per_month = defaultdict(list)
        method = PaymentMethod.PAYROLL if b.profile in ("organ", "institution") else None
        for m in members:
            moved = moved_in.get(m.pk) if m.pk in moved_in and m.joined_on <= moved_in[m.pk] else None
            first = dues.dues_first_month(joined_on=m.joined_on, dues_from=m.dues_from, transfer_in_on=moved)
            habit = habits[m.pk]
            recent_gap = rng.randint(1, 3)
            proxy = f"{m.name[0]}{rng.choice(['建国', '秀英', '国平', '美华', '志刚'])}（家属）"
            for month in _months(first, this_month):
                if habit == "stopped" and month >= stop_from:
                    continue
                if habit == "recent" and month >= dues.add_months(this_month, -recent_gap):
                    continue
                if habit == "two_late" and month >= dues.add_months(this_month, -2):
                    continue
                if habit == "quarterly":  # paid by a relative for the quarter at its start
                    paid_on = D(month.year, (month.month - 1) // 3 * 3 + 1, 1) + days(rng.randint(2, 20))
                    how, by = PaymentMethod.WECHAT, proxy
                else:
                    pay_day = 10 if method else rng.randint(3, 24)
                    paid_on = month + days(pay_day - 1)
                    how = method or rng.choice(
                        [PaymentMethod.CASH, PaymentMethod.WECHAT, PaymentMethod.WECHAT, PaymentMethod.ALIPAY]
                    )
                    by = ""
                if paid_on > w.today:
                    continue
                per_month[month].append(dues.PaymentInput(member_id=m.pk, paid=True, paid_on=paid_on, method=how,
                                                          paid_by=by))  # fmt: skip
        if b.demo:
            # The branch people log into is entered through the grid's service, month by month.
            for month in sorted(per_month):
                r = dues.dues_month_save(actor=b.user, branch=b.org, month=month, rows=per_month[month])
                w.counts["dues_payments"] += r.created
        else:
            w.counts["dues_payments"] += _bulk_payments(b, per_month)
            return
        # Typed in on the day of payment, not today.
        recorded = Cast(F("paid_on"), DateTimeField()) + datetime.timedelta(hours=9)
        # By member id, not a join: PostgreSQL planned the joined UPDATE of the history table
        # badly on a fresh (un-analysed) database and took minutes.
        member_ids = list(Member.objects.filter(branch=b.org).values_list("pk", flat=True))
        DuesPayment.objects.filter(member_id__in=member_ids).update(recorded_at=recorded)
        DuesPayment.history.filter(member_id__in=member_ids).update(recorded_at=recorded, history_date=recorded)

    def _start_dues(self, b, members):
        """The demo's platform has recorded dues since January last year (``dues_start``):
        members admitted earlier through the (back-dated) development records start then too."""
        start = dues_start(self.w.today)
        for m in members:
            if m.dues_from < start:
                m.dues_from = member_update(actor=b.user, member=m, version=None, dues_from=start).dues_from

    def _newcomer(self, b, members, habits, seated):
        """A member with a join date years back, entered on the platform three months ago:
        the 党费起算月 is that month, so nothing before it is owed (no random numbers drawn:
        the rest of the demo stays the same for a seed)."""
        w = self.w
        m = next(
            (m for m in members if habits[m.pk] == "normal" and m.pk not in seated and m.status == MemberStatus.FULL
             and m.joined_on.year < w.last - 5 and m.pk not in self.flowing),
            None,
        )  # fmt: skip
        if m is None:
            return None
        entered = dues.add_months(dues.month_start(w.today), -3)
        m.dues_from = member_update(actor=b.user, member=m, version=None, dues_from=entered).dues_from
        return m

    def _backfill(self, b, m):
        """The newcomer's months of this year before the 党费起算月, paid on paper at the time,
        entered in one go (补录); last year's stay as they were: not recorded, not owed."""
        first, last = dues.month_start(self.w.today).replace(month=1), dues.add_months(m.dues_from, -1)
        if first <= last:
            r = dues.dues_backfill(actor=b.user, member=m, first_month=first, last_month=last)
            self.w.counts["dues_payments"] += len(r.created)

    def _reminders(self):
        w, rng = self.w, self.w.rng
        for b in w.branches:
            arrears = dues.dues_arrears_for(b.org, w.today)
            for row in arrears.rows:
                if row.run < 1 or (not row.flagged and rng.random() < 0.5):
                    continue
                for k in range(min(3, row.run)):
                    on = w.today - days(rng.randint(3, 20) + 30 * k)
                    dues.dues_reminder_record(actor=b.user, member=row.member, reminded_on=on,
                                              way=rng.choice(dues.REMINDER_WAYS),
                                              note="已告知欠交情况，本人表示尽快补交" if k == 0 else "")  # fmt: skip
                    w.counts["dues_reminders"] += 1


def _bulk_payments(b, per_month) -> int:
    """The other branches' payments written as rows (COPY on PostgreSQL), history included: the
    month-by-month service took a third of the demo's ledger time. The amounts are the verified
    bases', as the grid's; typed in on the day of payment."""
    rows, by_year = [], {}
    ids = {r.member_id for month_rows in per_month.values() for r in month_rows}
    for month in sorted(per_month):
        if month.year not in by_year:
            by_year[month.year] = dues.members_with_dues(b.org, month.year).in_bulk(ids)
        members = by_year[month.year]
        for r in per_month[month]:
            amount = dues.expected_amount(members[r.member_id], month.year)[0]
            if amount is None or amount <= 0:
                continue  # not owed: the service would refuse it
            rows.append(
                {"member_id": r.member_id, "month": month, "amount_fen": amount, "paid_on": r.paid_on,
                 "method": str(r.method), "paid_by": r.paid_by, "recorded_by_id": b.user.pk,
                 "recorded_at": aware(r.paid_on, 9)}
            )  # fmt: skip
    tables = Tables()
    first = tables.reserve(DuesPayment, len(rows))
    for k, r in enumerate(rows):
        r["id"] = first + k
    tables.write(DuesPayment, rows)
    history = {"history_change_reason": None, "history_type": "+", "history_user_id": b.user.pk}
    tables.write(DuesPayment.history.model, [{**r, "history_date": r["recorded_at"], **history} for r in rows])
    return len(rows)
