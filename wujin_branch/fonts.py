"""The CJK font embedded in the PDFs: a GB 2312 subset of Debian's Noto Sans CJK SC.

WeasyPrint loads and re-subsets every font it uses for each document. Pointing it at the
whole Noto CJK collection (about 20 MB, ten faces) is slow where HarfBuzz's subsetter is
missing and picks the collection's first face (Japanese glyph forms) when given the file,
so ``manage.py build_pdf_font`` extracts the Simplified Chinese face once, keeps only the
characters of GB 2312 plus the punctuation and symbols used in records, and renames it.
The templates list the full Noto Sans CJK SC after it as a fallback, so a rare character
in a name (outside GB 2312) still renders, from the system font, glyph by glyph.
"""

import contextlib
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

FAMILY = "WujinLedgerSans"
FALLBACK_FAMILIES = ['"Noto Sans CJK SC"', '"Noto Sans SC"', '"Source Han Sans SC"', "sans-serif"]
SOURCE_DIR = Path("/usr/share/fonts/opentype/noto")
# Bump when the character set or the build changes: a new file name forces a rebuild.
BUILD_VERSION = 1

# Characters used in records beyond GB 2312 (common in names, dates and headings).
EXTRA_CHARS = (
    "〇「」『』《》〈〉【】〔〕〖〗·•—–―‘’“”…‰℃№※√×÷±≤≥≠①②③④⑤⑥⑦⑧⑨⑩"
    "堃喆玥昇赟珺琇婕旻昳暐炜玮祎禕頔犇淼焱垚鑫燚彧晟昶曌璟瑄瑾"
)
EXTRA_RANGES = [
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x00FF),  # Latin-1 supplement (°, ±, ×, ÷, ·)
    (0x2000, 0x206F),  # general punctuation
    (0x2100, 0x214F),  # letterlike symbols (℃, №)
    (0x2160, 0x217F),  # Roman numerals
    (0x2190, 0x21FF),  # arrows
    (0x2460, 0x24FF),  # enclosed alphanumerics
    (0x2500, 0x257F),  # box drawing
    (0x25A0, 0x25FF),  # geometric shapes
    (0x3000, 0x303F),  # CJK symbols and punctuation
    (0x3200, 0x32FF),  # enclosed CJK letters
    (0xFE30, 0xFE4F),  # CJK compatibility forms
    (0xFF00, 0xFFEF),  # full-width forms
]


@dataclass(frozen=True)
class Face:
    weight: int  # CSS weight
    style: str  # name table subfamily
    source: Path

    @property
    def filename(self):
        return f"{FAMILY}-{self.style}-v{BUILD_VERSION}.otf"


FACES = [
    Face(400, "Regular", SOURCE_DIR / "NotoSansCJK-Regular.ttc"),
    Face(700, "Bold", SOURCE_DIR / "NotoSansCJK-Bold.ttc"),
]


class PdfFontMissing(ImproperlyConfigured):
    pass


@contextlib.contextmanager
def _quiet(logger_name):
    """fontTools logs every table at INFO (and the project's root logger shows INFO)."""
    logger = logging.getLogger(logger_name)
    old = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(old)


def font_dir() -> Path:
    return Path(getattr(settings, "PDF_FONT_DIR", settings.BASE_DIR / "var" / "fonts"))


def charset() -> set[int]:
    """Every code point of GB 2312 (symbols and both levels of hanzi) plus ``EXTRA_*``."""
    out = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                ch = bytes((hi, lo)).decode("gb2312")
            except UnicodeDecodeError:
                continue
            out.add(ord(ch))
    for start, end in EXTRA_RANGES:
        out.update(range(start, end + 1))
    out.update(ord(c) for c in EXTRA_CHARS)
    return out


def _find_sc_face(path: Path) -> int:
    """Index of "Noto Sans CJK SC" (not the Mono face) in a collection, by its name table."""
    from fontTools.ttLib import TTCollection

    collection = TTCollection(str(path), lazy=True)
    try:
        for i, font in enumerate(collection.fonts):
            names = font["name"]
            family = names.getDebugName(16) or names.getDebugName(1) or ""
            if family.strip() == "Noto Sans CJK SC":
                return i
    finally:
        collection.close()
    raise PdfFontMissing(f"{path} 中没有 Noto Sans CJK SC 字形（no 'Noto Sans CJK SC' face in {path}).")


def _rename(font, style: str):
    """Give the subset its own names (OFL: a modified font should not pose as the original)."""
    names = font["name"]
    full = FAMILY if style == "Regular" else f"{FAMILY} {style}"
    values = {
        1: FAMILY,
        2: "Bold" if style == "Bold" else "Regular",
        3: f"{FAMILY}-{style};v{BUILD_VERSION}",
        4: full,
        6: f"{FAMILY}-{style}",
        16: FAMILY,
        17: style,
    }
    names.names = [n for n in names.names if n.nameID not in values]
    for name_id, value in values.items():
        names.setName(value, name_id, 3, 1, 0x409)  # Windows, Unicode BMP, English
        names.setName(value, name_id, 1, 0, 0)  # Macintosh, Roman, English
    if "CFF " in font:
        cff = font["CFF "].cff
        cff.fontNames = [f"{FAMILY}-{style}"]
        top = cff.topDictIndex[0]
        for attr in ("FullName", "FamilyName"):
            if hasattr(top, attr):
                setattr(top, attr, full if attr == "FullName" else FAMILY)


_DROP_FEATURES = {"locl", "vert", "vrt2", "vkna", "vkrt", "vpal", "vhal", "valt"}


def build_face(face: Face, out_dir: Path, codepoints: set[int]) -> Path:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    index = _find_sc_face(face.source)
    font = TTFont(str(face.source), fontNumber=index, lazy=False)
    options = subset.Options()
    # Horizontal Simplified Chinese only: the collection's locl (JP/KR/TC forms) and vertical
    # alternates would double the glyph count for nothing.
    options.layout_features = [f for f in options.layout_features if f not in _DROP_FEATURES]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = False
    options.glyph_names = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=codepoints)
    with _quiet("fontTools"):
        subsetter.subset(font)
    _rename(font, face.style)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / face.filename
    # Write next to the target and rename, so a concurrent build or render never sees half a file.
    fd, tmp = tempfile.mkstemp(dir=out_dir, prefix=".tmp-", suffix=".otf")
    os.close(fd)
    try:
        font.save(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    finally:
        font.close()
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


def _is_fresh(target: Path, source: Path) -> bool:
    return target.exists() and target.stat().st_size > 0 and target.stat().st_mtime >= source.stat().st_mtime


def build(*, force=False, out_dir: Path | None = None, log=None) -> list[Path]:
    """Build the missing or outdated faces; return the paths of the faces built now."""
    out_dir = out_dir or font_dir()
    regular = FACES[0]
    if not regular.source.exists():
        raise PdfFontMissing(
            f"未找到 {regular.source}：请先安装 Debian 软件包 fonts-noto-cjk（make install 会在 root 下自动安装）。"
            f" / {regular.source} not found: install the Debian package fonts-noto-cjk."
        )
    built = []
    codepoints = None
    for face in FACES:
        if not face.source.exists():
            continue  # the bold face is optional; headings then use synthetic bold
        target = out_dir / face.filename
        if not force and _is_fresh(target, face.source):
            if log:
                log(f"{target} 已是最新，跳过 / up to date, skipped")
            continue
        codepoints = codepoints or charset()
        built.append(build_face(face, out_dir, codepoints))
        if log:
            log(f"已生成 {target}（{target.stat().st_size // 1024} KB）/ built")
    return built


def built_faces() -> list[tuple[Face, Path]]:
    out_dir = font_dir()
    return [(f, out_dir / f.filename) for f in FACES if (out_dir / f.filename).exists()]


def pdf_font_css() -> str:
    """@font-face rules for the built subset (file:// URLs) and the font-family stack to use."""
    faces = built_faces()
    if not faces or faces[0][0].weight != 400:
        raise PdfFontMissing(
            f"PDF 中文字体尚未生成（{font_dir() / FACES[0].filename}）：请运行 make install 或 "
            "python manage.py build_pdf_font。"
            f" / The PDF CJK font is missing ({font_dir() / FACES[0].filename}): "
            "run `make install` or `python manage.py build_pdf_font`."
        )
    rules = [
        f'@font-face {{ font-family: "{FAMILY}"; src: url("{path.resolve().as_uri()}") format("opentype"); '
        f"font-weight: {face.weight}; font-style: normal; }}"
        for face, path in faces
    ]
    return "\n".join(rules)


def font_family_css() -> str:
    """The CSS ``font-family`` value: the subset first, the full system font for anything else."""
    return ", ".join([f'"{FAMILY}"', *FALLBACK_FAMILIES])
