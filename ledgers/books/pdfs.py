"""The three ledger PDFs: one renderer, and the finished files kept in the private store.

A year's 党组织生活台账 of a busy branch is a book of 100-odd pages that WeasyPrint lays
out in several seconds, while the HTML it is made from takes a fifth of a second. So the
hash of that HTML tells exactly whether a stored PDF is still right (same HTML, same PDF),
with no list of what could change it: records, attendance, photos, a member's name, the
branch's name. The moment of generation printed on the cover is left out of the hash
(templates wrap it in ``<time class="generated">``), so a stored PDF shows when it was made,
and so is the folder of the built font (machines may keep it in different places).

Files live in the private store under ``ledger-pdf/<kind>/<branch>/<year>/<hash>.pdf``, read
and written through the Storage API only, so a PDF built by one web process or worker is
found by every other (a bucket, or one shared MEDIA_ROOT). A file appears whole (a bucket's
PUT; the local store links a finished temporary file into place), and a new one replaces the
branch's older ones for that year, found by listing the folder. When a record is saved, a
Celery task builds the new life ledger a little later (``schedule_life_ledger``), so a
download is usually a file read; a miss is rendered in the request and kept.
"""

import hashlib
import posixpath
import re

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone

from wujin_branch import outbox
from wujin_branch.pdf import PdfRenderer, file_fetcher, stored_url
from wujin_branch.storage import private_storage

CACHE_DIR = "ledger-pdf"
PHOTO_DIR = "photos/display/"  # what a ledger PDF may read from the store: EXIF-free copies only
GENERATED_RE = re.compile(r'<time class="generated">[^<]*</time>')


def local_fetcher():
    """The ledgers' PDFs may read the built font and the photos' display copies, nothing else."""
    return file_fetcher(private_storage, "台账 PDF", prefixes=(PHOTO_DIR,))


def photo_uri(photo) -> str | None:
    """The ``stored:`` address of a photo's display copy (EXIF-free), for an <img> in a ledger PDF."""
    name = photo.display.name
    if not name:
        return None
    return stored_url(name)


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
    page header, and the ``stored:`` address of each entry's photos."""
    from django.template.loader import render_to_string

    from wujin_branch.fonts import font_family_css, pdf_font_css

    for e in getattr(ledger, "entries", ()):
        if hasattr(e, "photos"):
            e.photo_uris = [uri for uri in (photo_uri(p) for p in e.photos) if uri]
    fonts = {"font_css": pdf_font_css(), "font_family": font_family_css()}
    return render_to_string(template, {"ledger": ledger, "kind": ledger.KIND, **fonts, **context})


def render_pdf(html: str) -> bytes:
    """A ledger's HTML (it carries its own @font-face rules) as PDF, photos read from the store."""
    renderer = PdfRenderer(storage=private_storage, prefixes=(PHOTO_DIR,), label="台账 PDF", font_stylesheet=False)
    return renderer.pdf(html)


def html_key(html: str) -> str:
    """What a stored PDF is keyed by: the HTML without the moment it was generated and without
    the folder this machine keeps the built font in."""
    from wujin_branch.fonts import font_dir

    html = GENERATED_RE.sub("", html).replace(font_dir().resolve().as_uri(), "")
    return hashlib.sha256(html.encode()).hexdigest()[:32]


def _folder(kind: str, branch_id: int, year: int) -> str:
    return f"{CACHE_DIR}/{kind}/{int(branch_id)}/{int(year)}"


def stored_name(kind: str, branch_id: int, year: int, html: str) -> str:
    """The name in the private store of the PDF made from this HTML."""
    return posixpath.join(_folder(kind, branch_id, year), f"{html_key(html)}.pdf")


def stored_pdf(kind: str, branch_id: int, year: int, html: str) -> bytes | None:
    """The stored PDF made from exactly this HTML, or None."""
    try:
        with private_storage.open(stored_name(kind, branch_id, year, html), "rb") as f:
            return f.read()
    except FileNotFoundError:  # never built, or replaced by a newer one a moment ago
        return None


def _keep(name: str, content: bytes) -> None:
    """Save ``content`` under ``name`` unless it is there already (two processes storing the
    same HTML at once keep one file: same name, equivalent content)."""
    if not private_storage.exists(name):
        saved = private_storage.save(name, ContentFile(content))
        if saved != name:  # the same PDF was stored meanwhile under the name: keep that one
            private_storage.delete(saved)


def _prune(folder: str, keep: set[str]) -> None:
    """Remove the PDFs of ``folder`` other than ``keep``."""
    try:
        _, files = private_storage.listdir(folder)
    except FileNotFoundError:
        files = []
    for old in files:
        path = posixpath.join(folder, old)
        if old.endswith(".pdf") and path not in keep:
            private_storage.delete(path)


def store_pdf(kind: str, branch_id: int, year: int, html: str, content: bytes) -> str:
    """Keep ``content`` as the PDF of this HTML and remove the older PDFs of that ledger, branch
    and year; returns its name in the private store."""
    name = stored_name(kind, branch_id, year, html)
    _keep(name, content)
    _prune(_folder(kind, branch_id, year), {name})
    return name


class Joiner:
    """One PDF of several PDFs' pages in book order, with their bookmarks and the first one's
    title. Parts may come in any order (``add``); each is appended as soon as those before it
    are in, so joining goes on while later parts are still being laid out."""

    def __init__(self, count: int):
        from pypdf import PdfWriter

        self.contents: list[bytes | None] = [None] * count
        self.writer = PdfWriter()
        self.appended = 0
        self.metadata = None

    def add(self, index: int, content: bytes) -> None:
        import io

        from pypdf import PdfReader

        self.contents[index] = content
        while self.appended < len(self.contents) and self.contents[self.appended] is not None:
            reader = PdfReader(io.BytesIO(self.contents[self.appended]))
            if self.appended == 0:
                self.metadata = reader.metadata
            self.writer.append(reader)
            self.appended += 1

    def pdf(self) -> bytes:
        import io

        assert self.appended == len(self.contents), "a part is missing"
        if len(self.contents) == 1:
            return self.contents[0]
        if self.metadata:
            self.writer.add_metadata(dict(self.metadata))
        out = io.BytesIO()
        self.writer.write(out)
        return out.getvalue()


def join_pdfs(contents: list[bytes]) -> bytes:
    """One PDF of these PDFs' pages in order, with their bookmarks and the first one's title."""
    joiner = Joiner(len(contents))
    for i, content in enumerate(contents):
        joiner.add(i, content)
    return joiner.pdf()


def parts_pdf(kind: str, branch_id: int, year: int, parts: list[str], *, keep: bool = True) -> bytes:
    """A book laid out in parts (each its own document) and joined. With ``keep`` each part is
    kept under ``<kind>-parts`` keyed by its own HTML and taken from there when unchanged, so a
    changed record lays out only its part again; parts no longer in the book are removed.

    The parts not stored are laid out side by side in ``LEDGER_PDF_PROCESSES`` forked processes
    (``wujin_branch.pdf_processes``); this process stores each part and joins it in as it comes.
    The parts carry no @font-face rules: one renderer gives them the built font, registered
    once for all of them (``wujin_branch.pdf.PdfRenderer``), before the children are forked."""
    from wujin_branch.pdf_processes import render_all

    folder_kind = f"{kind}-parts"
    names = [stored_name(folder_kind, branch_id, year, html) for html in parts]
    joiner = Joiner(len(parts))
    missing = []
    for i, html in enumerate(parts):
        content = stored_pdf(folder_kind, branch_id, year, html) if keep else None
        if content is None:
            missing.append(i)
        else:
            joiner.add(i, content)

    def laid_out(j, done):
        if keep:
            _keep(names[missing[j]], done.pdf)
        joiner.add(missing[j], done.pdf)

    if missing:
        renderer = PdfRenderer(storage=private_storage, prefixes=(PHOTO_DIR,), label="台账 PDF")
        render_all(renderer, [parts[i] for i in missing], processes=settings.LEDGER_PDF_PROCESSES,
                   timeout=settings.LEDGER_PDF_TIMEOUT, on_done=laid_out)  # fmt: skip
    if keep:
        _prune(_folder(folder_kind, branch_id, year), set(names))
    return joiner.pdf()


def cached_pdf(kind: str, branch_id: int, year: int, html: str) -> bytes:
    """The PDF of ``html``: the stored file when there is one, else rendered now and kept."""
    content = stored_pdf(kind, branch_id, year, html)
    if content is None:
        content = render_pdf(html)
        store_pdf(kind, branch_id, year, html, content)
    return content


def _prebuilding() -> bool:
    """Whether a worker builds ahead. Not when tasks run eagerly (the SQLite demo, the tests):
    that would put the slow layout back into the request that saved the change."""
    from wujin_branch.celery import app

    return not app.conf.task_always_eager and settings.LEDGER_PDF_PREBUILD


def schedule_life_ledger(branch_id: int, *years: int) -> None:
    """After this transaction commits, have a worker build the branch's life ledger PDFs of
    ``years`` in ``LEDGER_PDF_DELAY`` seconds; a burst of edits then costs one build (the
    later tasks find the PDF already made from the same HTML and stop)."""
    if not _prebuilding():
        return
    from ledgers.books.tasks import build_life_ledger_pdf

    for year in sorted(set(years)):
        outbox.enqueue(build_life_ledger_pdf, branch_id, year, countdown=settings.LEDGER_PDF_DELAY)


def member_ledger_years(*days) -> list[int]:
    """The years whose 党员信息台账 a change touches: this year (the roster's present state shows
    in it) and the years of the change's dates (a payment's month, a transfer's day), none later."""
    this_year = timezone.localdate().year
    return sorted({this_year, *(d.year for d in days if d is not None and d.year <= this_year)})


def schedule_member_ledger(branch_ids, years) -> None:
    """After this transaction commits, have a worker build the masked 党员信息台账 PDFs of these
    branches and years ``LEDGER_PDF_DELAY`` seconds later. One task per branch and year however
    many members a change touched (a roster import, a month of dues); changes within the same
    ``LEDGER_PDF_DELAY`` window share one task (its outbox key names the window), and the task
    runs after that window has closed, so it lays out what the last of them left."""
    if not _prebuilding():
        return
    from ledgers.books.tasks import build_member_ledger_pdf

    delay = max(int(settings.LEDGER_PDF_DELAY), 1)
    window = int(timezone.now().timestamp()) // delay
    for branch_id in sorted({int(b) for b in branch_ids if b}):
        for year in sorted(set(years)):
            key = f"member-ledger-pdf:{branch_id}:{year}:{window}"
            outbox.enqueue(build_member_ledger_pdf, branch_id, year, key=key, countdown=delay)
