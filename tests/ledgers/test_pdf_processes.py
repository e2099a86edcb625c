"""The life ledger's parts laid out in forked processes (issue #15): the same book as in one
process, really in other processes, and a child that fails or hangs is an error, not a wait."""

import io
import os
import signal
import time
from concurrent.futures.process import BrokenProcessPool

import pypdf
import pytest
import weasyprint

from ledgers.books import life, pdfs
from tests.ledgers.test_ledger import YEAR, people, year_of_records  # noqa: F401 (fixtures)
from wujin_branch import pdf_processes
from wujin_branch.pdf import PdfRenderer, ua_stylesheet
from wujin_branch.storage import private_storage

pytestmark = pytest.mark.django_db


def _renderer():
    return PdfRenderer(storage=private_storage, prefixes=(pdfs.PHOTO_DIR,), label="台账 PDF")


def _pages(content: bytes):
    reader = pypdf.PdfReader(io.BytesIO(content))
    outline = [(item.title, reader.get_destination_page_number(item)) for item in _flat(reader.outline)]
    return reader, outline


def _flat(outline):
    for item in outline:
        if isinstance(item, list):
            yield from _flat(item)
        else:
            yield item


@pytest.mark.usefixtures("year_of_records")
def test_the_book_laid_out_in_processes_is_the_book_laid_out_in_one(settings, branch, pdf_font):
    """Front and five months: six parts, laid out in two processes, joined in this one; same
    pages (their drawing, text and photos), bookmarks and title as all six laid out here."""
    settings.LEDGER_PDF_PROCESSES = 1
    serial = life.ledger_pdf(branch, YEAR)
    settings.LEDGER_PDF_PROCESSES = 2
    parallel = life.ledger_pdf(branch, YEAR)
    one, one_outline = _pages(serial)
    two, two_outline = _pages(parallel)
    assert len(one.pages) == len(two.pages) >= 7
    for a, b in zip(one.pages, two.pages, strict=True):
        assert a.get_contents().get_data() == b.get_contents().get_data()  # the same drawing operations
        assert a.extract_text() == b.extract_text()
        assert sorted(a["/Resources"].get("/XObject") or {}) == sorted(b["/Resources"].get("/XObject") or {})
    assert one_outline == two_outline and len(one_outline) >= 5  # 1月记录 … with their pages
    assert one.metadata.title == two.metadata.title == f"东街村党支部{YEAR}年党组织生活台账"


def test_parts_are_laid_out_in_children_of_this_process(pdf_font):
    htmls = [f"<p>第{i}部分</p>" for i in range(4)]
    done = pdf_processes.render_all(_renderer(), htmls, processes=2)
    pids = {r.pid for r in done}
    assert os.getpid() not in pids and 1 <= len(pids) <= 2
    for html, r in zip(htmls, done, strict=True):  # in order, whichever child finished first
        assert pypdf.PdfReader(io.BytesIO(r.pdf)).pages[0].extract_text().strip() == html[3:-4]
    for pid in pids:  # the children are gone (reaped), none left behind
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    assert {r.pid for r in pdf_processes.render_all(_renderer(), htmls, processes=1)} == {os.getpid()}
    assert pdf_processes.process_count(0, 50) == pdf_processes.cpu_count()
    assert pdf_processes.process_count(8, 3) == 3  # never more processes than documents


class FailingRenderer(PdfRenderer):
    """Lays out documents, except the one that says how to fail."""

    def __init__(self, pid_file=None):
        super().__init__(storage=private_storage, prefixes=(pdfs.PHOTO_DIR,))
        self.pid_file = pid_file

    def pdf(self, html):
        if "raise" in html:
            raise ValueError("排版出错")
        if "killed" in html:  # as the kernel's OOM killer would
            os.kill(os.getpid(), signal.SIGKILL)
        if "hang" in html:
            self.pid_file.write_text(str(os.getpid()))
            time.sleep(120)
        return super().pdf(html)


def test_a_child_that_raises_or_dies_is_an_error_in_the_caller(pdf_font):
    with pytest.raises(ValueError, match="排版出错"):
        pdf_processes.render_all(FailingRenderer(), ["<p>一</p>", "<p>raise</p>", "<p>三</p>"], processes=2)
    started = time.monotonic()
    with pytest.raises(BrokenProcessPool):
        pdf_processes.render_all(FailingRenderer(), ["<p>一</p>", "<p>killed</p>"], processes=2, timeout=60)
    assert time.monotonic() - started < 30  # at once, not at the deadline


def test_a_child_that_hangs_is_killed_at_the_deadline(pdf_font, tmp_path):
    pid_file = tmp_path / "pid"
    started = time.monotonic()
    with pytest.raises(pdf_processes.PdfLayoutTimeout):
        pdf_processes.render_all(FailingRenderer(pid_file), ["<p>一</p>", "<p>hang</p>"], processes=2, timeout=2)
    assert time.monotonic() - started < 20
    with pytest.raises(ProcessLookupError):  # killed and reaped
        os.kill(int(pid_file.read_text()), 0)


@pytest.mark.usefixtures("year_of_records")
def test_without_the_footnote_rules_the_pages_are_the_same(branch, pdf_font):
    """The PDFs' default stylesheet lacks WeasyPrint's five footnote and note rules (they cost a
    tenth of the layout); a ledger's parts come out with the same drawing operations."""
    assert ua_stylesheet() is not None  # the rules were found in this WeasyPrint's stylesheet
    renderer = _renderer()
    for html in life.ledger_parts_html(life.life_ledger(branch, YEAR))[:3]:
        ours = pypdf.PdfReader(io.BytesIO(renderer.pdf(html)))
        document = weasyprint.HTML(string=html, url_fetcher=renderer.fetcher)
        default = document.render(stylesheets=renderer.stylesheets, font_config=renderer.font_config)
        theirs = pypdf.PdfReader(io.BytesIO(default.write_pdf()))
        assert [p.get_contents().get_data() for p in ours.pages] == [p.get_contents().get_data() for p in theirs.pages]
