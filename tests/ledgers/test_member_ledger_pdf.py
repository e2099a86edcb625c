"""党员信息台账 PDF (issue #15): kept in the private store with masked identity numbers, built
again by a pdf-queue task after the changes that alter it; district staff's copy with the full
numbers is laid out on each download and stored nowhere. Real PDFs, read back with pypdf."""

import datetime
import io
import re
import time

import pypdf
import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from branches import services as branches
from branches.models import TransferDirection
from branches.roster import roster_import
from ledgers.books import members as ledger_members
from ledgers.books import pdfs
from ledgers.books.tasks import build_member_ledger_pdf
from ledgers.member_records.services import member_record_create
from ledgers.models import RecordKind
from tests.branches.test_roster import person, upload
from tests.factories import MemberFactory, make_id_number
from wujin_branch.celery import app
from wujin_branch.models import OutboxTask
from wujin_branch.storage import private_storage

pytestmark = pytest.mark.django_db

YEAR = datetime.date.today().year  # the year a change rebuilds


@pytest.fixture
def people(branch):
    return [MemberFactory(branch=branch, name=name) for name in ("张伟", "王芳", "欧阳晓燕")]


def _stored(branch, year=YEAR):
    folder = f"{pdfs.CACHE_DIR}/{ledger_members.PDF_KIND}/{branch.pk}/{year}"
    try:
        return sorted(f"{folder}/{name}" for name in private_storage.listdir(folder)[1])
    except FileNotFoundError:
        return []


def _read(name):
    with private_storage.open(name, "rb") as f:
        return f.read()


def _text(content: bytes) -> str:
    assert content.startswith(b"%PDF")
    return re.sub(r"\s+", "", "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(content)).pages))


def test_download_is_stored_masked_and_served_again_until_a_member_changes(client, secretary, branch, people,
                                                                           pdf_font):  # fmt: skip
    client.force_login(secretary)
    url = reverse("member_ledger_pdf", args=[branch.pk, YEAR])
    assert _stored(branch) == []
    first = client.get(url).content
    files = _stored(branch)
    assert len(files) == 1 and _read(files[0]) == first
    text = _text(first)
    for m in people:
        assert m.id_number_masked in text and m.id_number not in text
    # The stored file itself is served: prove it by changing its bytes.
    private_storage.delete(files[0])
    assert private_storage.save(files[0], ContentFile(first + b"%stored")) == files[0]
    assert client.get(url).content == first + b"%stored"

    m = people[0]
    branches.member_update(actor=secretary, member=m, version=m.version, name="张卫国")
    third = client.get(url).content
    assert not third.endswith(b"%stored") and "张卫国" in _text(third)
    files_now = _stored(branch)
    assert len(files_now) == 1 and files_now != files  # the old one is gone


def test_full_numbers_only_for_district_staff_laid_out_afresh_and_never_stored(client, district_user, secretary,
                                                                               branch, people, pdf_font):  # fmt: skip
    url = reverse("member_ledger_pdf", args=[branch.pk, YEAR])
    client.force_login(district_user)
    page = client.get(reverse("member_ledger", args=[branch.pk, YEAR])).content.decode()
    assert f"{url}?id=full" in page and "下载 PDF（身份证号隐去中间位数）" in page
    stored = client.get(url).content  # district staff's plain download: the stored, masked copy
    assert all(m.id_number not in _text(stored) for m in people)
    files = _stored(branch)
    assert len(files) == 1

    full = client.get(url + "?id=full")
    assert full.status_code == 200 and full["Content-Type"] == "application/pdf"
    text = _text(full.content)
    assert all(m.id_number in text for m in people)
    assert _stored(branch) == files and _read(files[0]) == stored  # laid out, not kept
    for name in _stored(branch):
        assert all(m.id_number not in _text(_read(name)) for m in people)

    client.force_login(secretary)  # asking for full numbers without the right: the masked copy
    assert f"{url}?id=full" not in client.get(reverse("member_ledger", args=[branch.pk, YEAR])).content.decode()
    assert client.get(url + "?id=full").content == stored


# ---------------------------------------------------------------- the rebuild after a change


@pytest.fixture
def prebuild(settings):
    """As with a broker: the change writes outbox rows (not sent here: the test's transaction
    never commits)."""
    settings.LEDGER_PDF_PREBUILD = True
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = True  # as the suite's autouse fixture has it


def _scheduled():
    rows = OutboxTask.objects.filter(task=build_member_ledger_pdf.name).order_by("id")
    return [tuple(r.args) for r in rows]


def test_changes_schedule_one_rebuild_per_branch_and_year(prebuild, settings, secretary, branch, other_branch,
                                                           people):  # fmt: skip
    assert app.conf.task_routes[build_member_ledger_pdf.name] == {"queue": "pdf"}
    rows = [person(f"导入{i}", id_number=make_id_number(datetime.date(1985, 3, 2), 700 + i)) for i in range(6)]
    assert roster_import(actor=secretary, branch=branch, fileobj=upload(rows)) == 6
    assert _scheduled() == [(branch.pk, YEAR)]  # six members, one task
    m = people[0]
    branches.member_update(actor=secretary, member=m, version=m.version, name="张卫国")
    member_record_create(actor=secretary, member=people[1], kind=RecordKind.TRAINING,
                         occurred_on=datetime.date.today(), title="党员冬训")  # fmt: skip
    assert _scheduled() == [(branch.pk, YEAR)]  # the same window: the same task
    branches.member_transfer(actor=secretary, member=people[2], direction=TransferDirection.INTERNAL,
                             occurred_on=datetime.date.today(), to_branch=other_branch)  # fmt: skip
    assert _scheduled() == [(branch.pk, YEAR), (other_branch.pk, YEAR)]  # the receiving branch's too

    settings.LEDGER_PDF_DELAY = 1
    time.sleep(1.05)  # a later window: a change after the task ran gets a task of its own
    m.refresh_from_db()
    branches.member_update(actor=secretary, member=m, version=m.version, name="张伟")
    assert _scheduled()[-1] == (branch.pk, YEAR) and len(_scheduled()) == 3


def test_eager_tasks_schedule_nothing(secretary, branch, people):
    m = people[0]
    branches.member_update(actor=secretary, member=m, version=m.version, name="张卫国")
    assert _scheduled() == [] and _stored(branch) == []


def test_the_task_builds_the_masked_copy_once(branch, people, pdf_font):
    assert build_member_ledger_pdf(branch.pk, YEAR) is True
    files = _stored(branch)
    assert len(files) == 1
    text = _text(_read(files[0]))
    assert all(m.id_number_masked in text and m.id_number not in text for m in people)
    assert build_member_ledger_pdf(branch.pk, YEAR) is False  # same HTML: nothing to do
    assert _stored(branch) == files
    assert build_member_ledger_pdf(999999, YEAR) is False  # a branch since removed
