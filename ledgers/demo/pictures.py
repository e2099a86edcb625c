"""Demo photos (drawn, never downloaded) and a fast simhash for bulk minutes."""

import datetime
import hashlib
import io
import random

from PIL import Image, ImageDraw

from ledgers.activities import textsim
from ledgers.demo.common import PHOTO_SIZE
from wujin_branch import images

# ---------------------------------------------------------------- fast simhash


class PieceSimhash:
    """``textsim.simhash`` of a text given as pieces, with the pieces' trigrams counted once.

    The weight of each of the 64 bits is a sum over the text's trigrams, so it is the sum
    over the pieces (trigrams inside one piece, cached) plus the few trigrams that cross
    a boundary (cached by the two characters either side). Counts are packed 16 bits per
    bit position into one Python int, so adding a piece is one integer addition. Gives the
    same value as ``textsim.simhash`` (tested).
    """

    LANE = 16
    _LANES = sum(1 << (16 * i) for i in range(64))
    _BINARY = bytes.maketrans(b"\x00\x01", b"01")
    _UNARY = bytes.maketrans(b"01", b"\x00\x01")

    def __init__(self):
        self._pieces = {}
        self._trigrams = {}
        self._cross = {}  # (last two characters, next two) -> the trigrams across that boundary

    def _tri(self, t):
        v = self._trigrams.get(t)
        if v is None:
            h = int.from_bytes(hashlib.blake2b(t.encode(), digest_size=8).digest(), "big")
            # Bit i of h becomes 1 in lane i: byte 2i of the little-endian number (16-bit lanes).
            lanes = bytearray(2 * 64)
            lanes[0::2] = f"{h:064b}"[::-1].encode().translate(self._UNARY)
            v = self._trigrams[t] = int.from_bytes(lanes, "little")
        return v

    def _piece(self, p):
        r = self._pieces.get(p)
        if r is None:
            n = textsim.normalize(p)
            r = self._pieces[p] = (n, sum(self._tri(n[i : i + 3]) for i in range(len(n) - 2)))
        return r

    def _crossing(self, tail, head):
        """The trigrams that start in ``tail`` (the text's last two characters, or fewer) and end
        in ``head`` (the next piece's first two): those completed by that piece."""
        s = tail + head
        return sum(self._tri(s[i : i + 3]) for i in range(len(tail)) if i + 3 <= len(s))

    def __call__(self, pieces) -> int | None:
        cache, cross = self._pieces, self._cross
        ones = total = 0
        tail = ""
        for p in pieces:
            r = cache.get(p)
            n, packed = r if r is not None else self._piece(p)
            if not n:
                continue
            if tail:
                # Each trigram over a boundary is counted once, by the piece that completes it
                # (a one-character piece completes none of the next boundary's: that one does).
                key = (tail, n[:2])
                v = cross.get(key)
                if v is None:
                    v = cross[key] = self._crossing(tail, n[:2])
                ones += v
            ones += packed
            total += len(n)
            tail = n[-2:] if len(n) >= 2 else (tail + n)[-2:]
        if total < textsim.MIN_CHARS:
            return None
        # Bit i is set when more than half of the trigrams have it: add to every 16-bit count
        # what lifts "count > n / 2" into the lane's top bit, then read the 64 top bits.
        lift = (1 << (self.LANE - 1)) - ((total - 2) // 2 + 1)
        tops = ((ones + lift * self._LANES) >> (self.LANE - 1)) & self._LANES
        value = int(tops.to_bytes(128, "little")[::2][::-1].translate(self._BINARY), 2)
        return images.to_signed64(value)


# ---------------------------------------------------------------- photos


def draw_photo(seed: int, size=PHOTO_SIZE, taken: datetime.datetime | None = None) -> bytes:
    """A JPEG of coloured shapes on a gradient (no text), different for every ``seed``."""
    rng = random.Random(seed)
    w, h = size
    c1 = [rng.randrange(256) for _ in range(3)]
    c2 = [rng.randrange(256) for _ in range(3)]
    ramp = Image.linear_gradient("L").resize(size).rotate(rng.choice([0, 90, 180, 270]), expand=False)
    img = Image.merge(
        "RGB", [ramp.point(lambda v, a=a, b=b: a + (b - a) * v // 255) for a, b in zip(c1, c2, strict=True)]
    )
    d = ImageDraw.Draw(img)
    for _ in range(rng.randint(6, 12)):
        x0, y0 = rng.randrange(w), rng.randrange(h)
        x1, y1 = x0 + rng.randint(w // 16, w // 2), y0 + rng.randint(h // 16, h // 2)
        colour = tuple(rng.randrange(256) for _ in range(3))
        k = rng.random()
        if k < 0.4:
            d.rectangle((x0, y0, x1, y1), fill=colour)
        elif k < 0.8:
            d.ellipse((x0, y0, x1, y1), fill=colour)
        else:
            d.polygon([(rng.randrange(w), rng.randrange(h)) for _ in range(3)], fill=colour)
    buf = io.BytesIO()
    exif = Image.Exif()
    exif[271] = rng.choice(["HUAWEI", "Xiaomi", "OPPO", "vivo", "Apple", "HONOR"])
    if taken is not None:
        exif[306] = f"{taken:%Y:%m:%d %H:%M:%S}"
    img.save(buf, "JPEG", quality=82, exif=exif)
    return buf.getvalue()


def resized_copy(data: bytes, factor=0.85) -> bytes:
    """The same picture, smaller and re-encoded (what a messenger app does to a photo)."""
    img = Image.open(io.BytesIO(data))
    exif = img.getexif()
    small = img.resize((int(img.width * factor), int(img.height * factor)))
    buf = io.BytesIO()
    small.save(buf, "JPEG", quality=75, exif=exif)
    return buf.getvalue()


