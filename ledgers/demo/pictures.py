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
    a boundary. Counts are packed 16 bits per bit position into one Python int, so adding
    a piece is one integer addition. Gives the same value as ``textsim.simhash`` (tested).
    """

    LANE = 16
    _LANES = sum(1 << (16 * i) for i in range(64))
    _BINARY = bytes.maketrans(b"\x00\x01", b"01")

    def __init__(self):
        self._pieces = {}
        self._trigrams = {}

    def _tri(self, t):
        v = self._trigrams.get(t)
        if v is None:
            h = int.from_bytes(hashlib.blake2b(t.encode(), digest_size=8).digest(), "big")
            v = 0
            for bit in range(64):
                if (h >> bit) & 1:
                    v |= 1 << (self.LANE * bit)
            self._trigrams[t] = v
        return v

    def _piece(self, p):
        r = self._pieces.get(p)
        if r is None:
            n = textsim.normalize(p)
            r = self._pieces[p] = (n, sum(self._tri(n[i : i + 3]) for i in range(len(n) - 2)))
        return r

    def __call__(self, pieces) -> int | None:
        norm = [self._piece(p) for p in pieces]
        text = "".join(n for n, _ in norm)
        total = len(text)
        if total < textsim.MIN_CHARS:
            return None
        ones, starts, offset = 0, set(), 0
        for n, packed in norm:
            if not n:
                continue
            ones += packed
            if offset:
                starts.update((offset - 2, offset - 1))
            offset += len(n)
        for s in starts:
            if 0 <= s <= total - 3:
                ones += self._tri(text[s : s + 3])
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


