"""Values derived from what a user typed and stored on the row, set by the services (and by
data migrations for existing rows): a 党小组's ordering number, a member's default 党费起算月."""

import datetime
import re
import unicodedata

_CN_DIGITS = dict(zip("零〇一二两三四五六七八九", (0, 0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9), strict=True))
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_NUMERAL = "[0-9零〇一二两三四五六七八九十百千]+"
_GROUP_NUMBER = re.compile(rf"第\s*({_NUMERAL})|({_NUMERAL})\s*(?:党小组|小组|组)")


def _cn_number(text: str) -> int | None:
    """一 → 1, 十二 → 12, 二十 → 20, 一百零五 → 105, 12 → 12; anything else → None."""
    if text.isdigit():
        return int(text)
    total, digit = 0, None
    for ch in text:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            total += (1 if digit is None else digit) * _CN_UNITS[ch]
            digit = None
        else:
            return None
    return total + (digit or 0)


def default_dues_from(joined_on: datetime.date, entered_on: datetime.date) -> datetime.date:
    """党费起算月 of a member entered on the platform on ``entered_on``: that month, or the month
    of joining when later (a member is never owed dues for months before coming onto the platform)."""
    return max(joined_on, entered_on).replace(day=1)


def group_number(name: str) -> int | None:
    """The number in a Party group's name, for ordering: 第三党小组 → 3, 第12党小组 → 12,
    机关第一党小组 → 1, 二组 → 2; 离退休党小组 → None (listed after the numbered ones)."""
    text = unicodedata.normalize("NFKC", name or "")
    for match in _GROUP_NUMBER.finditer(text):
        number = _cn_number(match.group(1) or match.group(2))
        if number is not None:
            return min(number, 32767)
    return None
