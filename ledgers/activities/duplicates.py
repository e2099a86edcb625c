"""Stopping a duplicate before it is saved.

A record of the same type, date and group as another of the branch's records, or whose minutes
are nearly identical to another of its records (the simhash the integrity checks use), is most
likely the same meeting entered twice — by a double tap, or by two people. The form shows
"可能与已有记录重复" with links to those records, and saves only when asked again (仍然保存).
Voided records are not compared (``Activity.objects`` leaves them out).
"""

from django.db.models import Q

from ledgers.activities import textsim
from ledgers.models import Activity
from wujin_branch import images
from wujin_branch.errors import DomainError

LIMIT = 5
MESSAGE = "可能与已有记录重复：请先核对下列记录。确认不是重复记录后，点击“仍然保存”。"
CONFIRM = "confirm_duplicate"  # the POST field of the 仍然保存 button


class PossibleDuplicate(DomainError):
    def __init__(self, records):
        super().__init__(MESSAGE)
        self.records = records


def possible_duplicates(*, branch, type, held_on, party_group=None, content="", exclude=None) -> list[Activity]:
    """The branch's live records this one may duplicate, oldest first (two queries at most)."""
    qs = Activity.objects.filter(branch=branch).select_related("party_group", "created_by")
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    same = list(qs.filter(type=type, held_on=held_on, party_group=party_group).order_by("created_at", "id")[:LIMIT])
    h = textsim.simhash(content)
    if h is not None and len(same) < LIMIT:
        bands = textsim.bands(h)
        near = qs.filter(Q(tband0=bands[0]) | Q(tband1=bands[1]) | Q(tband2=bands[2]) | Q(tband3=bands[3]))
        seen = {a.pk for a in same}
        for a in near.exclude(pk__in=seen).order_by("created_at", "id")[:50]:
            if a.text_hash is not None and images.hamming(a.text_hash, h) <= textsim.MAX_DISTANCE:
                a.near_text = True
                same.append(a)
                if len(same) >= LIMIT:
                    break
    return same


def refuse_duplicates(request, **record):
    """Raise ``PossibleDuplicate`` unless the form was sent with 仍然保存."""
    if request.POST.get(CONFIRM):
        return
    found = possible_duplicates(**record)
    if found:
        raise PossibleDuplicate(found)
