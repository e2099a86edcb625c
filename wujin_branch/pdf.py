"""The one WeasyPrint renderer: PDFs read only the built CJK font and the stored files a caller
allows (the ledgers' photos), never anything over the network.

Record text is escaped by the templates, so it cannot add an <img>; the fetcher is the
second fence, should a template ever print something unescaped. One ``PdfRenderer`` keeps
one font configuration and one parsed @font-face stylesheet for many documents: WeasyPrint
registers a stylesheet's fonts with fontconfig when it is parsed, and doing that once per
run instead of once per document is most of the saving in a bulk export.

Stored files are named in the HTML as ``stored:<name in the storage>`` and read through the
Storage API, so a PDF laid out by any web process or worker finds the photos wherever they
are kept (a local folder or a bucket), and the HTML, which keys the stored ledger PDFs, does
not depend on a machine's folders.
"""

import functools
import mimetypes
import re
from pathlib import Path

STORED = "stored:"  # the scheme of a stored file in a PDF's HTML

# WeasyPrint's default stylesheet gives every element five pseudo-elements for footnotes and
# notes (``::footnote-call { … }`` …). No PDF here has either, yet styling them (five for each
# of the 6,000 elements of a year's 党组织生活台账) is a tenth of the layout's time. The PDFs are
# laid out with that stylesheet less those five rules; the pages come out the same
# (tests/ledgers/test_pdf_processes.py compares them).
NOTE_RULES = re.compile(r"^::(?:footnote-call|footnote-marker|note-call|note-marker|note-callback) \{[^}\n]*\}$", re.M)


@functools.cache
def ua_stylesheet():
    """WeasyPrint's default stylesheet without the footnote and note rules, or None (WeasyPrint's
    own) when its text is not the one this was written for."""
    from weasyprint import CSS
    from weasyprint.css.counters import CounterStyle
    from weasyprint.html import UA

    css, removed = NOTE_RULES.subn("", UA)
    if removed != 5:
        return None
    # its @counter-style rules go to a throwaway registry: documents use WeasyPrint's own copy
    return CSS(string=css, counter_style=CounterStyle())


def stored_url(name: str) -> str:
    return STORED + name


def file_fetcher(storage=None, label="PDF", *, prefixes=()):
    """A URL fetcher for the built font (``file:`` under its folder) and, when ``storage`` is
    given, ``stored:`` names in it that start with one of ``prefixes``; anything else is refused."""
    from urllib.request import url2pathname

    from weasyprint.urls import URLFetcher, URLFetcherResponse

    from wujin_branch.fonts import font_dir

    allowed = font_dir().resolve()

    class LocalFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith(STORED) and storage is not None:
                name = url.removeprefix(STORED)
                if ".." in name.split("/") or not name.startswith(tuple(prefixes)):
                    raise ValueError(f"{label} 不读取该文件：{name[:80]}")
                with storage.open(name, "rb") as f:
                    body = f.read()
                kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
                return URLFetcherResponse(url, body=body, headers={"Content-Type": kind})
            if not url.startswith("file:"):
                raise ValueError(f"{label} 不读取外部资源：{url[:80]}")
            path = Path(url2pathname(url.split("?")[0].removeprefix("file:"))).resolve()
            if not path.is_relative_to(allowed):
                raise ValueError(f"{label} 不读取该文件：{path}")
            return super().fetch(path.as_uri(), headers)

    return LocalFetcher(allowed_protocols=["file"])


class PdfRenderer:
    """Lay out HTML as PDF. ``font_stylesheet=False`` for templates that carry the @font-face
    rules themselves (the ledgers); their images may be ``stored:`` files of ``storage`` under
    ``prefixes``."""

    def __init__(self, *, storage=None, prefixes=(), label="PDF", font_stylesheet=True):
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        from wujin_branch.fonts import pdf_font_css

        self.storage = storage
        self.fetcher = file_fetcher(storage, label, prefixes=prefixes)
        self.font_config = FontConfiguration()
        self.stylesheets = (
            [CSS(string=pdf_font_css(), font_config=self.font_config, url_fetcher=self.fetcher)]
            if font_stylesheet
            else []
        )

    def after_fork(self):
        """In a forked child (``wujin_branch.pdf_processes``): a store of its own, so a bucket
        client never shares the parent's connections (a lazy store is set up again on first use)."""
        from django.utils.functional import LazyObject, empty

        if isinstance(self.storage, LazyObject):
            self.storage._wrapped = empty

    def render(self, html: str):
        """Lay out one document (``weasyprint.Document``)."""
        return html_class()(string=html, url_fetcher=self.fetcher).render(
            stylesheets=self.stylesheets, font_config=self.font_config
        )

    @staticmethod
    def combine(documents, target=None):
        """One PDF of the pages of these documents, in order (fonts subset once for all)."""
        pages = [page for doc in documents for page in doc.pages]
        return documents[0].copy(pages).write_pdf(target)

    def pdf(self, html: str) -> bytes:
        return self.render(html).write_pdf()


@functools.cache
def html_class():
    import weasyprint

    class Html(weasyprint.HTML):
        """``weasyprint.HTML`` with ``ua_stylesheet`` (no footnote or note pseudo-elements)."""

        def _ua_stylesheets(self, forms=False):
            sheet = ua_stylesheet()
            return super()._ua_stylesheets(forms) if forms or sheet is None else [sheet]

    return Html
