"""The three ledger PDFs: one renderer, and the finished files kept on disk.

A year's 党组织生活台账 of a busy branch is a book of 100-odd pages that WeasyPrint lays
out in several seconds, while the HTML it is made from takes a fifth of a second. So the
hash of that HTML tells exactly whether a stored PDF is still right (same HTML, same PDF),
with no list of what could change it: records, attendance, photos, a member's name, the
branch's name. The moment of generation printed on the cover is left out of the hash
(templates wrap it in ``<time class="generated">``), so a stored PDF shows when it was made.

Files live in the private store under ``ledger-pdf/<kind>/<branch>/<year>/<hash>.pdf``; a
new one replaces the branch's older ones for that year. When a record is saved, a Celery
task builds the new life ledger a little later (``schedule_life_ledger``), so a download
is usually a file read; a miss is rendered in the request and kept.
"""

import hashlib
import os
import re
import tempfile
from pathlib import Path

from django.conf import settings

from wujin_branch import outbox
from wujin_branch.pdf import PdfRenderer, file_fetcher
from wujin_branch.storage import private_storage

CACHE_DIR = "ledger-pdf"
GENERATED_RE = re.compile(r'<time class="generated">[^<]*</time>')


def local_fetcher():
    """The ledgers' PDFs may read the built font and the private photo store, nothing else."""
    return file_fetcher([private_storage.location], "台账 PDF")


def photo_uri(photo) -> str | None:
    """file:// URL of a photo's display copy (EXIF-free), for an <img> in a ledger PDF."""
    name = photo.display.name
    if not name:
        return None
    return Path(private_storage.path(name)).resolve().as_uri()


class LedgerNames:
    """Title and download name of a ledger (a dataclass with ``branch`` and ``year``)."""

    KIND = ""  # 党组织生活台账 …, set by each ledger

    @property
    def title(self) -> str:
        return f"{self.branch.name}{self.year}年{self.KIND}"

    def filename(self, ext: str) -> str:
        return f"{self.branch.name}-{self.year}年{self.KIND}.{ext}"


def ledger_html(template: str, ledger, **context) -> str:
    """The HTML of a ledger PDF: ``template`` with the built font, the ledger's kind for the
    page header, and the file:// address of each entry's photos."""
    from django.template.loader import render_to_string

    from wujin_branch.fonts import font_family_css, pdf_font_css

    for e in getattr(ledger, "entries", ()):
        if hasattr(e, "photos"):
            e.photo_uris = [uri for uri in (photo_uri(p) for p in e.photos) if uri]
    fonts = {"font_css": pdf_font_css(), "font_family": font_family_css()}
    return render_to_string(template, {"ledger": ledger, "kind": ledger.KIND, **fonts, **context})


def render_pdf(html: str) -> bytes:
    """A ledger's HTML (it carries its own @font-face rules) as PDF, photos read from the store."""
    return PdfRenderer(roots=[private_storage.location], label="台账 PDF", font_stylesheet=False).pdf(html)


def html_key(html: str) -> str:
    """What a stored PDF is keyed by: the HTML without the moment it was generated."""
    return hashlib.sha256(GENERATED_RE.sub("", html).encode()).hexdigest()[:32]


def _folder(kind: str, branch_id: int, year: int) -> Path:
    return Path(private_storage.path(f"{CACHE_DIR}/{kind}/{int(branch_id)}/{int(year)}"))


def stored_pdf(kind: str, branch_id: int, year: int, html: str) -> bytes | None:
    """The stored PDF made from exactly this HTML, or None."""
    try:
        return (_folder(kind, branch_id, year) / f"{html_key(html)}.pdf").read_bytes()
    except FileNotFoundError:  # never built, or replaced by a newer one a moment ago
        return None


def store_pdf(kind: str, branch_id: int, year: int, html: str, content: bytes) -> Path:
    """Keep ``content`` as the PDF of this HTML (written whole, then renamed into place) and
    remove the older PDFs of that ledger, branch and year."""
    folder = _folder(kind, branch_id, year)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{html_key(html)}.pdf"
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(content)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    for old in folder.glob("*.pdf"):
        if old != target:
            old.unlink(missing_ok=True)
    return target


def cached_pdf(kind: str, branch_id: int, year: int, html: str) -> bytes:
    """The PDF of ``html``: the stored file when there is one, else rendered now and kept."""
    content = stored_pdf(kind, branch_id, year, html)
    if content is None:
        content = render_pdf(html)
        store_pdf(kind, branch_id, year, html, content)
    return content


def schedule_life_ledger(branch_id: int, *years: int) -> None:
    """After this transaction commits, have a worker build the branch's life ledger PDFs of
    ``years`` in ``LEDGER_PDF_DELAY`` seconds; a burst of edits then costs one build (the
    later tasks find the PDF already made from the same HTML and stop).

    Nothing is scheduled when tasks run eagerly (the SQLite demo, the tests): that would put
    the slow layout back into the request that saved the record.
    """
    from wujin_branch.celery import app

    if app.conf.task_always_eager or not settings.LEDGER_PDF_PREBUILD:
        return
    from ledgers.books.tasks import build_life_ledger_pdf

    for year in sorted(set(years)):
        outbox.enqueue(build_life_ledger_pdf, branch_id, year, countdown=settings.LEDGER_PDF_DELAY)
