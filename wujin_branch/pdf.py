"""The one WeasyPrint renderer: PDFs read only the built CJK font and the folders a caller
names (the ledgers' photo store), never anything over the network.

Record text is escaped by the templates, so it cannot add an <img>; the fetcher is the
second fence, should a template ever print something unescaped. One ``PdfRenderer`` keeps
one font configuration and one parsed @font-face stylesheet for many documents: WeasyPrint
registers a stylesheet's fonts with fontconfig when it is parsed, and doing that once per
run instead of once per document is most of the saving in a bulk export.
"""

from pathlib import Path


def file_fetcher(roots, label="PDF"):
    """A URL fetcher for ``file:`` addresses under ``roots`` only; anything else is refused."""
    from urllib.request import url2pathname

    from weasyprint.urls import URLFetcher

    from wujin_branch.fonts import font_dir

    allowed = [font_dir().resolve(), *(Path(r).resolve() for r in roots)]

    class LocalFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if not url.startswith("file:"):
                raise ValueError(f"{label} 不读取外部资源：{url[:80]}")
            path = Path(url2pathname(url.split("?")[0].removeprefix("file:"))).resolve()
            if not any(path.is_relative_to(root) for root in allowed):
                raise ValueError(f"{label} 不读取该文件：{path}")
            return super().fetch(path.as_uri(), headers)

    return LocalFetcher(allowed_protocols=["file"])


class PdfRenderer:
    """Lay out HTML as PDF. ``font_stylesheet=False`` for templates that carry the @font-face
    rules themselves (the ledgers); ``roots`` are the folders their images may come from."""

    def __init__(self, *, roots=(), label="PDF", font_stylesheet=True):
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        from wujin_branch.fonts import pdf_font_css

        self.fetcher = file_fetcher(roots, label)
        self.font_config = FontConfiguration()
        self.stylesheets = (
            [CSS(string=pdf_font_css(), font_config=self.font_config, url_fetcher=self.fetcher)]
            if font_stylesheet
            else []
        )

    def render(self, html: str):
        """Lay out one document (``weasyprint.Document``)."""
        import weasyprint

        return weasyprint.HTML(string=html, url_fetcher=self.fetcher).render(
            stylesheets=self.stylesheets, font_config=self.font_config
        )

    @staticmethod
    def combine(documents, target=None):
        """One PDF of the pages of these documents, in order (fonts subset once for all)."""
        pages = [page for doc in documents for page in doc.pages]
        return documents[0].copy(pages).write_pdf(target)

    def pdf(self, html: str) -> bytes:
        return self.render(html).write_pdf()
