"""What is announced to the layers above the roster (which this app may not import).

``members_changed`` is sent inside the transaction that changed what is known of members of
``branch_ids`` (a member added, edited, transferred, sanctioned, a roster imported; from the
ledgers: their records, dues, development) with the ``days`` the change is dated on (a
transfer's day, a payment's month; none for an edit of the present state). The ledgers listen
(``ledgers.apps``) and write their work in the same transaction: the 党员信息台账 PDF is
built again (``ledgers.books.pdfs.schedule_member_ledger``). Send once per change, not once
per member: a bulk change sends one signal for all its branches.
"""

from django.dispatch import Signal

members_changed = Signal()


def announce_members_changed(*branch_ids, days=()) -> None:
    members_changed.send(sender=None, branch_ids=[b for b in branch_ids if b], days=[d for d in days if d])
