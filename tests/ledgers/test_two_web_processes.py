"""Two web machines behind a load balancer, played by two gunicorn processes on one database and
one bucket, each with a MEDIA_ROOT of its own: a photo uploaded through one is shown, and printed
in the life ledger PDF, through the other; the PDF one of them stored is the one the other serves.
Nothing lands in either local folder."""

import io
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
from http.cookies import SimpleCookie
from pathlib import Path

import pypdf
import pytest
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import reverse

from ledgers.models import Activity
from tests.factories import MemberFactory
from tests.ledgers.test_activities import base_data, jpeg
from tests.workers import ROOT, free_port, skip_or_fail, stop_process, storage_env, test_database_url, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.s3]


class Web:
    """``gunicorn`` on 127.0.0.1:<free port> with the test database and bucket and ``media``
    as its MEDIA_ROOT; requests carry the session of the test's logged-in user."""

    def __init__(self, media: Path, session: str, log: Path):
        self.port = free_port()
        self.media = media
        self.cookies = {"sessionid": session}
        env = {
            **{k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CELERY_BROKER_URL")},  # tasks eager
            **storage_env(),
            "MEDIA_ROOT": str(media),
            "DATABASE_URL": test_database_url(),
            "ALLOWED_HOSTS": "127.0.0.1",
            "TESTING": "1",
            "CONN_MAX_AGE": "0",
            "DJANGO_SETTINGS_MODULE": "wujin_branch.settings",
        }
        gunicorn = Path(sys.executable).with_name("gunicorn")
        with log.open("ab") as out:
            self.proc = subprocess.Popen(
                [str(gunicorn), "wujin_branch.wsgi", "-b", f"127.0.0.1:{self.port}", "-w", "1", "--timeout", "120"],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        self.log = log
        if not wait_for(self._answers, 30):
            self.stop()
            raise RuntimeError(f"gunicorn on {self.port} did not start:\n{log.read_text(errors='replace')[-2000:]}")

    def _answers(self):
        try:
            return self.request("/healthz/").status == 200
        except OSError:
            return self.proc.poll() is not None  # stop waiting: it died

    def request(self, path, *, data=None, headers=None):
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data,
                                     headers={"Cookie": cookie, **(headers or {})})  # fmt: skip
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            response = opener.open(req, timeout=120)
        except urllib.error.HTTPError as e:
            response = e
        for header in response.headers.get_all("Set-Cookie") or []:
            self.cookies.update({k: m.value for k, m in SimpleCookie(header).items()})
        response.body = response.read()
        return response

    def stop(self):
        stop_process(self.proc)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _files(folder: Path):
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


@pytest.fixture
def two_webs(client, secretary, branch, tmp_path, settings):
    from django.db import connection

    if connection.vendor != "postgresql":
        skip_or_fail("the web processes must share the test database: run with DATABASE_URL=postgres://…")
    for name in ("张伟", "王芳", "李娜"):
        MemberFactory(branch=branch, name=name)
    client.force_login(secretary)  # a session row both processes read
    session = client.cookies["sessionid"].value
    webs = []
    try:
        for name in ("a", "b"):
            webs.append(Web(tmp_path / f"media-{name}", session, tmp_path / f"web-{name}.log"))
        yield webs
    finally:
        for web in webs:
            web.stop()


def test_a_photo_uploaded_through_one_web_process_is_shown_and_printed_by_the_other(two_webs, branch, settings,
                                                                                    pdf_font):  # fmt: skip
    a, b = two_webs
    new = reverse("activity_new", args=[branch.pk]) + "?type=committee"
    page = a.request(new).body.decode()
    fields = dict(re.findall(r'<input type="hidden" name="(form_token|csrfmiddlewaretoken)" value="([^"]+)"', page))
    data = base_data()
    data["held_on"] = data["held_on"].isoformat()
    body = encode_multipart(BOUNDARY, {**data, **fields, "photos": [jpeg(pattern=3)]})
    saved = a.request(
        new, data=body, headers={"Content-Type": MULTIPART_CONTENT, "Referer": f"http://127.0.0.1:{a.port}/"}
    )
    assert saved.status == 302, saved.body.decode()[:2000]
    activity = Activity.objects.get(branch=branch)
    photo = activity.photos.get()

    # Shown through the other process: the detail page links it, the photo view serves its bytes.
    detail = b.request(reverse("activity_detail", args=[activity.pk]))
    assert detail.status == 200
    url = reverse("photo_file", args=[photo.pk, "display"])
    assert url in detail.body.decode()
    shown = b.request(url)
    assert shown.status == 200 and shown.headers["Content-Type"] == "image/jpeg"
    with photo.display.storage.open(photo.display.name, "rb") as f:
        assert shown.body == f.read()

    # Printed by the other process, and the PDF it stored is the one the first one serves.
    ledger = reverse("life_ledger_pdf", args=[branch.pk, activity.held_on.year])
    pdf = b.request(ledger)
    assert pdf.status == 200 and pdf.body.startswith(b"%PDF")
    reader = pypdf.PdfReader(io.BytesIO(pdf.body))
    assert "研究发展党员工作" in "".join(p.extract_text() for p in reader.pages)
    images = {x.idnum for p in reader.pages for x in (p["/Resources"].get("/XObject") or {}).values()
              if x.get_object()["/Subtype"] == "/Image"}  # fmt: skip
    assert len(images) == 1  # the photo, read from the bucket
    again = a.request(ledger)
    assert again.body == pdf.body  # the same bytes, generation time included: reused, not laid out again

    assert _files(a.media) == [] and _files(b.media) == []
