"""The media in a real bucket (SeaweedFS, ``tests/seaweed.py``): a record's photos land there and
nothing on local disk, they are served only after the access check (streamed, or as a short-lived
presigned redirect), the ledger PDF still shows them, nothing in the bucket is public, and
``media_to_bucket`` moves an old MEDIA_ROOT in, verified and idempotent."""

import datetime
import io
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pypdf
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from ledgers.models import ActivityType
from tests.ledgers.test_ledger import YEAR, record
from tests.seaweed import bucket_client
from wujin_branch.storage import private_storage

pytestmark = [pytest.mark.django_db, pytest.mark.s3]


def _objects(settings) -> dict[str, bytes]:
    """Every object under this test's prefix, by its name below the prefix."""
    client, prefix = bucket_client(), f"{settings.AWS_LOCATION}/"
    out = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=settings.AWS_STORAGE_BUCKET_NAME,
                                                                 Prefix=prefix):  # fmt: skip
        for obj in page.get("Contents", ()):
            body = client.get_object(Bucket=settings.AWS_STORAGE_BUCKET_NAME, Key=obj["Key"])["Body"].read()
            out[obj["Key"].removeprefix(prefix)] = body
    return out


def _local_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _images(pdf: bytes) -> int:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return len({
        x.idnum for page in reader.pages for x in (page["/Resources"].get("/XObject") or {}).values()
        if x.get_object()["/Subtype"] == "/Image"
    })  # fmt: skip


@pytest.fixture
def activity(secretary, branch):
    return record(secretary, branch, ActivityType.COMMITTEE, datetime.date(YEAR, 3, 5), "研究年度工作计划",
                  photos=2, seed=7)  # fmt: skip


def test_photos_land_in_the_bucket_and_the_ledger_pdf_shows_them(client, secretary, branch, activity, settings,
                                                                 pdf_font):  # fmt: skip
    objects = _objects(settings)
    photos = list(activity.photos.all())
    assert len(photos) == 2
    for photo in photos:
        for f in (photo.original, photo.display, photo.thumb):
            assert objects[f"private/{f.name}"][:2] == b"\xff\xd8"  # a JPEG, in the bucket
    assert _local_files(settings) == []

    client.force_login(secretary)
    response = client.get(reverse("photo_file", args=[photos[0].pk, "display"]))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content) == objects[f"private/{photos[0].display.name}"]

    pdf = client.get(reverse("life_ledger_pdf", args=[branch.pk, YEAR])).content
    assert _images(pdf) == 2  # both photos, read from the bucket by WeasyPrint's fetcher
    stored = {k: v for k, v in _objects(settings).items() if k.startswith(f"private/ledger-pdf/life/{branch.pk}/")}
    assert list(stored.values()) == [pdf]  # the stored PDF is in the bucket too
    assert client.get(reverse("life_ledger_pdf", args=[branch.pk, YEAR])).content == pdf  # and is reused
    assert _local_files(settings) == []


def test_nothing_in_the_bucket_is_public(activity, settings):
    photo = activity.photos.first()
    bucket = f"{settings.AWS_S3_ENDPOINT_URL}/{settings.AWS_STORAGE_BUCKET_NAME}"
    for f in (photo.original, photo.display, photo.thumb):
        url = f"{bucket}/{settings.AWS_LOCATION}/private/{f.name}"
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url, timeout=5)
        assert refused.value.code == 403


def test_with_a_public_endpoint_files_are_short_lived_presigned_redirects(client, secretary, other_secretary,
                                                                          activity, settings):  # fmt: skip
    # Browsers reach the bucket by another name than the web process: links are signed for that one.
    public = settings.AWS_S3_ENDPOINT_URL.replace("127.0.0.1", "localhost")
    settings.AWS_S3_PUBLIC_ENDPOINT_URL = public
    photo = activity.photos.first()
    url = reverse("photo_file", args=[photo.pk, "display"])
    client.force_login(secretary)
    response = client.get(url)
    assert response.status_code == 302 and response["Cache-Control"] == "private, no-store"
    link = response["Location"]
    query = parse_qs(urlsplit(link).query)
    assert link.startswith(f"{public}/") and query["X-Amz-Expires"] == ["300"] and query["X-Amz-Signature"]
    with urllib.request.urlopen(link, timeout=5) as fetched:
        assert fetched.headers["Content-Type"] == "image/jpeg"
        with private_storage.open(photo.display.name, "rb") as f:
            assert fetched.read() == f.read()
    longer = link.replace("X-Amz-Expires=300", "X-Amz-Expires=86400")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(longer, timeout=5)
    assert refused.value.code == 403  # the signature covers the expiry

    # An attachment goes as a download under its own name.
    activity.attachments.create(name="会议记录.pdf", size=12, file=SimpleUploadedFile("x.pdf", b"%PDF-1.4\n%x\n"))
    att = activity.attachments.get()
    link = client.get(reverse("attachment_file", args=[att.pk]))["Location"]
    with urllib.request.urlopen(link, timeout=5) as fetched:
        assert fetched.headers["Content-Disposition"].startswith("attachment;")
        assert "%E4%BC%9A%E8%AE%AE%E8%AE%B0%E5%BD%95.pdf" in fetched.headers["Content-Disposition"]

    # The access check comes first: another branch's secretary gets no link.
    client.force_login(other_secretary)
    assert client.get(url).status_code == 404


def test_media_to_bucket_copies_verifies_and_can_run_again(tmp_path, settings):
    old = tmp_path / "old-media"
    photo = old / "private" / "photos" / "original" / "2024" / "05" / "a.jpg"
    notice = old / "notices" / "公告.txt"
    for path, content in ((photo, b"\xff\xd8old photo"), (notice, "公开的文件".encode())):
        path.parent.mkdir(parents=True)
        path.write_bytes(content)

    out = io.StringIO()
    call_command("media_to_bucket", "--from", str(old), stdout=out)
    assert "复制 2 个" in out.getvalue() and "已存在 0 个" in out.getvalue()
    objects = _objects(settings)
    assert objects == {"private/photos/original/2024/05/a.jpg": b"\xff\xd8old photo",
                       "notices/公告.txt": "公开的文件".encode()}  # fmt: skip
    with private_storage.open("photos/original/2024/05/a.jpg", "rb") as f:  # where the app looks for it
        assert f.read() == b"\xff\xd8old photo"

    out = io.StringIO()
    call_command("media_to_bucket", "--from", str(old), stdout=out)
    assert "复制 0 个" in out.getvalue() and "已存在 2 个" in out.getvalue()

    # Changed in the bucket since: reported and left alone, and the command fails.
    bucket_client().put_object(Bucket=settings.AWS_STORAGE_BUCKET_NAME, Key=f"{settings.AWS_LOCATION}/notices/公告.txt",
                               Body=b"newer")  # fmt: skip
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("media_to_bucket", "--from", str(old), stdout=out)
    assert "内容不同 1 个" in out.getvalue() and "notices/公告.txt" in out.getvalue()
    assert _objects(settings)["notices/公告.txt"] == b"newer"
