"""Existing members' 党费起算月, so that the dues the platform already tracked read as before.

Until now a member's dues were owed from the month of joining, but only from the month the
branch first recorded a payment on the platform (its earliest payment row). That branch
floor is kept for every existing member, with one correction: a member entered on the
platform after that (a member with a join date years back, added later) owes from the month
of entry — unless payments were already recorded for them before it. So:

    dues_from = max(month joined, branch's first payment month, min(month entered, own first payment month))

In a branch that has recorded no payment yet nothing was owed; its members start this month
(never invented as owed). Historical rows get their member's value.
"""

import datetime

from django.db import migrations
from django.db.models import Min
from django.utils import timezone

BATCH = 2000


def month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def backfill(apps, schema_editor):
    Member = apps.get_model("branches", "Member")
    HistoricalMember = apps.get_model("branches", "HistoricalMember")
    DuesPayment = apps.get_model("ledgers", "DuesPayment")
    this_month = month(timezone.localdate())
    branch_first = dict(
        DuesPayment.objects.values("member__branch_id").annotate(first=Min("month")).values_list(
            "member__branch_id", "first"
        )
    )
    own_first = dict(
        DuesPayment.objects.values("member_id").annotate(first=Min("month")).values_list("member_id", "first")
    )
    chosen = {}
    batch = []
    for m in Member.objects.only("pk", "branch_id", "joined_on", "created_at").order_by("pk").iterator(BATCH):
        entered = month(timezone.localtime(m.created_at).date() if timezone.is_aware(m.created_at) else m.created_at)
        since = branch_first.get(m.branch_id)
        if since is None:
            start = this_month
        else:
            paid = own_first.get(m.pk)
            start = max(month(since), min(entered, month(paid)) if paid else entered)
        m.dues_from = max(month(m.joined_on), start)
        chosen[m.pk] = m.dues_from
        batch.append(m)
        if len(batch) >= BATCH:
            Member.objects.bulk_update(batch, ["dues_from"])
            batch = []
    if batch:
        Member.objects.bulk_update(batch, ["dues_from"])
    batch = []
    for h in HistoricalMember.objects.only("history_id", "id", "joined_on").order_by("history_id").iterator(BATCH):
        h.dues_from = chosen.get(h.id) or month(h.joined_on)
        batch.append(h)
        if len(batch) >= BATCH:
            HistoricalMember.objects.bulk_update(batch, ["dues_from"])
            batch = []
    if batch:
        HistoricalMember.objects.bulk_update(batch, ["dues_from"])


class Migration(migrations.Migration):
    dependencies = [
        ("ledgers", "0007_private_storage_callable"),
        ("branches", "0003_member_dues_from"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
