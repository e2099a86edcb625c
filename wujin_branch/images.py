"""Checking and processing uploaded photos.

Every upload is proven to be a real raster image before anything is stored: Pillow must
identify it as JPEG/PNG/WebP, ``verify()`` it, then reopen and fully decode it, with a
pixel limit far below Pillow's default so a decompression bomb is refused instead of
eating the worker's memory. Only re-encoded copies without metadata (so no GPS) are
ever shown; the original is kept privately.
"""

import datetime
import hashlib
import io
from dataclasses import dataclass

import imagehash
from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from wujin_branch.errors import DomainError

ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "MPO": "jpg"}
DISPLAY_SIZE = 1600
THUMB_SIZE = 360


@dataclass
class ProcessedImage:
    original: ContentFile
    display: ContentFile
    thumb: ContentFile
    width: int
    height: int
    taken_at: datetime.datetime | None
    phash: int
    bands: tuple[int, int, int, int]
    sha256: str
    name: str


def _limits():
    return settings.PHOTO_MAX_BYTES, settings.PHOTO_MAX_PIXELS


def check_and_process(upload) -> ProcessedImage:
    """Validate one uploaded file and build the stored variants; raise DomainError in Chinese."""
    name = getattr(upload, "name", "") or "photo"
    max_bytes, max_pixels = _limits()
    size = getattr(upload, "size", None)
    if not size:
        raise DomainError(f"“{name}”是空文件，请重新选择照片。")
    if size > max_bytes:
        raise DomainError(f"“{name}”超过 {max_bytes // (1024 * 1024)} MB，请压缩后再上传。")
    upload.seek(0)
    data = upload.read()
    if len(data) != size or not data:
        raise DomainError(f"“{name}”读取不完整，请重新上传。")

    old_limit = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = max_pixels
    try:
        try:
            with Image.open(io.BytesIO(data)) as probe:
                fmt = probe.format
                if fmt not in ALLOWED_FORMATS:
                    raise DomainError(f"“{name}”不是支持的照片格式（仅支持 JPG、PNG、WebP）。")
                if probe.width * probe.height > max_pixels:
                    raise DomainError(f"“{name}”像素过大（{probe.width}×{probe.height}），请缩小后再上传。")
                probe.verify()
            img = Image.open(io.BytesIO(data))
            img.load()
        except DomainError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise DomainError(f"“{name}”像素过大，请缩小后再上传。") from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as e:
            raise DomainError(f"“{name}”不是有效的图片文件，已拒绝上传。") from e
    finally:
        Image.MAX_IMAGE_PIXELS = old_limit

    taken_at = exif_taken_at(img)
    upright = ImageOps.exif_transpose(img)
    if upright.mode not in ("RGB", "L"):
        background = Image.new("RGB", upright.size, "white")
        rgba = upright.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        upright = background
    elif upright.mode == "L":
        upright = upright.convert("RGB")
    ph = int(str(imagehash.phash(upright)), 16)
    return ProcessedImage(
        original=ContentFile(data, name=f"o.{ALLOWED_FORMATS[fmt]}"),
        display=ContentFile(_jpeg(upright, DISPLAY_SIZE), name="d.jpg"),
        thumb=ContentFile(_jpeg(upright, THUMB_SIZE), name="t.jpg"),
        width=upright.width,
        height=upright.height,
        taken_at=taken_at,
        phash=to_signed64(ph),
        bands=hash_bands(ph),
        sha256=hashlib.sha256(data).hexdigest(),
        name=name[:200],
    )


def _jpeg(img, size):
    copy = img.copy()
    copy.thumbnail((size, size))
    out = io.BytesIO()
    copy.save(out, "JPEG", quality=82, optimize=True)  # no exif= argument: metadata is dropped
    return out.getvalue()


_EXIF_DATETIME_ORIGINAL = 36867
_EXIF_DATETIME = 306


def exif_taken_at(img) -> datetime.datetime | None:
    """Capture time from EXIF (DateTimeOriginal, else DateTime), as local time."""
    try:
        exif = img.getexif()
    except Exception:
        return None
    raw = None
    try:
        raw = exif.get_ifd(ExifTags.IFD.Exif).get(_EXIF_DATETIME_ORIGINAL)
    except Exception:
        raw = None
    raw = raw or exif.get(_EXIF_DATETIME)
    if not raw:
        return None
    try:
        naive = datetime.datetime.strptime(str(raw).strip("\x00 ")[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    return timezone.make_aware(naive)


def to_signed64(n: int) -> int:
    """Store an unsigned 64-bit hash in a signed BIGINT column."""
    return n - (1 << 64) if n >= (1 << 63) else n


def to_unsigned64(n: int) -> int:
    return n + (1 << 64) if n < 0 else n


def hash_bands(n: int) -> tuple[int, int, int, int]:
    n = to_unsigned64(n)
    return tuple((n >> (16 * i)) & 0xFFFF for i in range(4))


def hamming(a: int, b: int) -> int:
    return (to_unsigned64(a) ^ to_unsigned64(b)).bit_count()
