"""Near-duplicate minutes: a 64-bit simhash over character trigrams.

Chinese minutes have no spaces, so words are not a good unit; trigrams of the text with
white space and punctuation removed are. Two texts whose simhashes differ in at most
``MAX_DISTANCE`` bits are "nearly identical"; like photos, candidates are found through
four 16-bit bands stored on the row.
"""

import hashlib
import re
import unicodedata

from wujin_branch.images import hash_bands, to_signed64

MIN_CHARS = 60  # shorter texts are too generic to compare
MAX_DISTANCE = 3

_STRIP = re.compile(r"[\s\W_]+", re.UNICODE)


def normalize(text: str) -> str:
    return _STRIP.sub("", unicodedata.normalize("NFKC", text or "")).lower()


def simhash(text: str) -> int | None:
    t = normalize(text)
    if len(t) < MIN_CHARS:
        return None
    weights = [0] * 64
    for i in range(len(t) - 2):
        h = int.from_bytes(hashlib.blake2b(t[i : i + 3].encode(), digest_size=8).digest(), "big")
        for bit in range(64):
            weights[bit] += 1 if (h >> bit) & 1 else -1
    value = 0
    for bit in range(64):
        if weights[bit] > 0:
            value |= 1 << bit
    return to_signed64(value)


def bands(value: int) -> list[int]:
    return list(hash_bands(value))
