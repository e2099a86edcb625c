"""党费 (dues): the dated rate table, the yearly base verification, the monthly grid,
arrears with the six-month flag, reminders and the monthly digest mail.

Services (every write) are keyword-only with an explicit ``actor``; selectors build the
pages in a fixed number of queries (one branch at a time, computed in Python).

Money is integer 分 (fen) everywhere; ``yuan()`` only formats it for people.

Which months a member is expected to pay (used by the grid and by arrears):

- from the member's 党费起算月 (``Member.dues_from``: the month the member came onto the
  platform, or joined when later; editable by the branch). Earlier months are never owed:
  what was paid then can be entered in one go (``dues_backfill``, 补录);
- not before the month of ``joined_on`` (预备党员 pay from admission, the month of the branch
  meeting included), nor before the month after a transfer in, from outside the district or
  from another branch in it (the old organization collects up to the month of transfer);
- not in a year whose verified monthly amount is 0 (a waiver approved by the upper
  committee; the latest verified base of that year or an earlier one applies);
- arrears count only complete months, at most ``DUES_ARREARS_LOOKBACK_MONTHS`` back.

The package:

- ``common``: months and money, the access and field checks;
- ``rates``: the dated rate table and the monthly amount for a base;
- ``members``: who the branch collects from, and from which month;
- ``bases``: the yearly base verification (page and save);
- ``grid``: the monthly grid (page and save);
- ``backfill``: months already paid entered in one go (补录), amounts from the verified bases;
- ``arrears``: arrears with the six-month flag, and reminders;
- ``digest``: the monthly digest mail and the one asked for now.

Everything other code uses is importable from the package itself (``dues.dues_month_save``).
"""

from ledgers.dues.arrears import (
    ARREARS_FLAG_MONTHS,
    ARREARS_FLAG_TEXT,
    REMINDER_WAYS,
    Arrears,
    ArrearsRow,
    arrears_lookback_months,
    dues_arrears_for,
    dues_reminder_record,
)
from ledgers.dues.backfill import BACKFILL_MAX_MONTHS, BackfillResult, dues_backfill
from ledgers.dues.bases import (
    BASE_FIELDS,
    BaseInput,
    BaseRow,
    dues_bases_missing,
    dues_bases_page,
    dues_bases_save,
    verification_date,
)
from ledgers.dues.common import (
    add_months,
    month_end,
    month_label,
    month_start,
    months_between,
    parse_month,
    today,
    yuan,
    yuan_to_fen,
)
from ledgers.dues.digest import (
    DIGEST_STAFF_ROLES,
    dues_digest_all,
    dues_digest_for_actor,
    dues_digest_request,
    dues_digest_send,
    dues_digest_text,
    staff_emails,
)
from ledgers.dues.grid import (
    BACK_PAYMENT_WARN_MONTHS,
    PAYMENT_FIELDS,
    PREPAY_MONTHS,
    GridRow,
    MonthSaveResult,
    PaymentInput,
    dues_month_grid,
    dues_month_save,
    expected_amount,
)
from ledgers.dues.members import (
    DUES_ELSEWHERE_NOTE,
    TRANSFER_IN,
    amount_for_year,
    collected_from,
    dues_first_month,
    first_expected_month,
    members_with_dues,
    on_roster_in,
)
from ledgers.dues.rates import (
    BASE_GROUPS,
    FIRST_MONTH,
    FIXED_GROUPS,
    dues_compute,
    dues_rule_for,
    group_guess,
    min_monthly_fen,
    rates_in_force,
)

__all__ = [
    "DUES_ELSEWHERE_NOTE",
    "ARREARS_FLAG_MONTHS",
    "ARREARS_FLAG_TEXT",
    "REMINDER_WAYS",
    "Arrears",
    "ArrearsRow",
    "arrears_lookback_months",
    "dues_arrears_for",
    "dues_reminder_record",
    "BACKFILL_MAX_MONTHS",
    "BackfillResult",
    "dues_backfill",
    "BASE_FIELDS",
    "BaseInput",
    "BaseRow",
    "dues_bases_missing",
    "dues_bases_page",
    "dues_bases_save",
    "verification_date",
    "add_months",
    "month_end",
    "month_label",
    "month_start",
    "months_between",
    "parse_month",
    "today",
    "yuan",
    "yuan_to_fen",
    "DIGEST_STAFF_ROLES",
    "dues_digest_all",
    "dues_digest_for_actor",
    "dues_digest_request",
    "dues_digest_send",
    "dues_digest_text",
    "staff_emails",
    "BACK_PAYMENT_WARN_MONTHS",
    "PAYMENT_FIELDS",
    "PREPAY_MONTHS",
    "GridRow",
    "MonthSaveResult",
    "PaymentInput",
    "dues_month_grid",
    "dues_month_save",
    "expected_amount",
    "TRANSFER_IN",
    "amount_for_year",
    "collected_from",
    "dues_first_month",
    "first_expected_month",
    "members_with_dues",
    "on_roster_in",
    "BASE_GROUPS",
    "FIRST_MONTH",
    "FIXED_GROUPS",
    "dues_compute",
    "dues_rule_for",
    "group_guess",
    "min_monthly_fen",
    "rates_in_force",
]
