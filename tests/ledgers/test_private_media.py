"""Private files never leave through the DEBUG media route, and stored files get random
names (issue 11, point 7)."""

import datetime
import importlib
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import clear_url_caches, reverse

from ledgers.activities import services
from ledgers.models import PlanKind
from ledgers.plans import services as plans
from tests.ledgers.test_activities import base_data, jpeg
from wujin_branch.storage import private_storage

pytestmark = pytest.mark.django_db
RANDOM = re.compile(r"[0-9a-f]{32}\.[a-z]+")


@pytest.fixture
def debug_urls(settings):
    """The project's URLconf as ``runserver`` builds it with DEBUG on."""
    import wujin_branch.urls

    settings.DEBUG = True
    importlib.reload(wujin_branch.urls)
    clear_url_caches()
    yield
    settings.DEBUG = False
    importlib.reload(wujin_branch.urls)
    clear_url_caches()


@pytest.fixture
def record(branch, secretary):
    return services.activity_create(
        actor=secretary, branch=branch, data=base_data(), attendance={},
        photos=[jpeg(taken=datetime.datetime(2025, 5, 1, 9)), jpeg(pattern=2)],
        attachments=[SimpleUploadedFile("会议记录.pdf", b"%PDF-1.4\n%signed\n")],
    )  # fmt: skip


def test_debug_route_serves_nothing_private(client, settings, debug_urls, record):
    photo = record.photos.first()
    name = photo.original.name
    assert private_storage.exists(name)
    for url in (f"/media/private/{name}", f"/media//private/{name}", f"/media/x/../private/{name}",
                f"/media/private/{name.rsplit('/', 1)[0]}/", "/media/private/"):  # fmt: skip
        assert client.get(url).status_code == 404, url
    if not settings.USE_S3:  # with a bucket nothing is in MEDIA_ROOT for the route to serve
        (settings.MEDIA_ROOT / "public.txt").write_text("ok")  # the route itself still works
        assert client.get("/media/public.txt").status_code == 200


def test_stored_files_have_random_names(record):
    names = [n for p in record.photos.all() for n in (p.original.name, p.display.name, p.thumb.name)]
    names += [a.file.name for a in record.attachments.all()]
    assert len(names) == 7 and len(set(names)) == 7
    for n in names:
        assert RANDOM.fullmatch(n.rsplit("/", 1)[1]), n
    assert record.photos.first().original.name.startswith("photos/original/")
    assert record.attachments.get().name == "会议记录.pdf"  # the name the user gave is kept as data


def test_downloads_are_named_after_what_they_are(client, branch, secretary):
    year = datetime.date.today().year
    upload = SimpleUploadedFile("新建 Microsoft Word 文档.docx", b"PK\x03\x04word")
    plan = plans.plan_save(actor=secretary, branch=branch, year=year, kind=PlanKind.EDUCATION, text="", upload=upload)
    assert RANDOM.fullmatch(plan.file.name.rsplit("/", 1)[1])
    client.force_login(secretary)
    response = client.get(reverse("plan_file", args=[plan.pk]))
    assert response.status_code == 200
    assert "docx" in response["Content-Disposition"] and plan.file.name.rsplit("/", 1)[1] not in response[
        "Content-Disposition"
    ]


def test_the_local_store_writes_whole_files_and_never_over_another(settings):
    """The filesystem store writes a temporary file and links it into place: the name appears
    with the whole content, a name taken meanwhile gets another, and nothing is left behind."""
    if settings.USE_S3:
        pytest.skip("the filesystem store's own behaviour")
    from django.core.files.base import ContentFile

    name = "ledger-pdf/life/1/2025/key.pdf"
    assert private_storage.save(name, ContentFile(b"%PDF one")) == name
    # _save is what save() calls after picking a free name; called with a taken one it is the
    # moment another process took the name in between, and it must not overwrite that file.
    other = private_storage._save(name, ContentFile(b"%PDF two"))
    assert other != name and other.startswith("ledger-pdf/life/1/2025/key")
    for stored, content in ((name, b"%PDF one"), (other, b"%PDF two")):
        with private_storage.open(stored, "rb") as f:
            assert f.read() == content
    assert sorted(private_storage.listdir("ledger-pdf/life/1/2025")[1]) == sorted(
        [name.rsplit("/", 1)[1], other.rsplit("/", 1)[1]]
    )  # no temporary file left
