"""民主生活会 (branches.LifeMeeting) photos: generic-owner ``Photo`` rows attached from
``ledgers`` (imports go branches <- ledgers), on the meeting's page, by whoever may register
the meeting; scoped like the meeting."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from branches.models import Role
from ledgers.life import meetings
from tests.branches.test_cadres import meeting
from tests.factories import MemberFactory, UserFactory, grant
from tests.ledgers.test_activities import jpeg
from wujin_branch.errors import DomainError

pytestmark = pytest.mark.django_db


@pytest.fixture
def lm(branch, committee, reviewer):
    return meeting(reviewer, committee, [MemberFactory(branch=branch, is_district_cadre=True, name="孙干部")])


def test_the_committee_adds_photos_and_the_page_shows_them(client, lm, reviewer):
    client.force_login(reviewer)
    url = reverse("life_meeting_detail", args=[lm.pk])
    assert "尚未上传照片" in client.get(url).content.decode()
    r = client.post(url, {"photos": [jpeg(name="a.jpg"), jpeg(color=(20, 120, 200), pattern=1, name="b.jpg")],
                          "form_token": "5e0c1a2b3c4d5e6f7a8b9c0d1e2f3a4b"})  # fmt: skip
    assert r.status_code == 302
    photos = list(meetings.life_meeting_photos(lm))
    assert len(photos) == 2 and photos[0].uploaded_by == reviewer and photos[0].branch_id == lm.organization_id
    page = client.get(url).content.decode()
    assert page.count("民主生活会照片") == 2 and "对照检查" in page
    assert client.get(reverse("photo_file", args=[photos[0].pk, "thumb"])).status_code == 200


def test_who_may_see_and_add(client, lm, other_committee, secretary):
    (photo,) = meetings.life_meeting_photos_add(actor=lm.actor, meeting=lm, photos=[jpeg()])
    url = reverse("life_meeting_detail", args=[lm.pk])
    other_reviewer = grant(UserFactory(username="other_reviewer"), other_committee, Role.REVIEWER)
    for user in (other_reviewer, secretary):  # another committee; a branch (the page is the committee's)
        client.force_login(user)
        assert client.post(url, {"photos": [jpeg(name="x.jpg")]}).status_code == 404
        with pytest.raises(DomainError):
            meetings.life_meeting_photos_add(actor=user, meeting=lm, photos=[jpeg()])
    client.force_login(other_reviewer)
    assert client.get(reverse("photo_file", args=[photo.pk, "thumb"])).status_code == 404
    assert len(meetings.life_meeting_photos(lm)) == 1


def test_bad_uploads_are_refused_in_chinese(client, lm, reviewer):
    with pytest.raises(DomainError, match="请选择要上传的照片"):
        meetings.life_meeting_photos_add(actor=reviewer, meeting=lm, photos=[])
    client.force_login(reviewer)
    bad = SimpleUploadedFile("notes.jpg", b"not an image at all", content_type="image/jpeg")
    r = client.post(reverse("life_meeting_detail", args=[lm.pk]), {"photos": [bad]})
    assert r.status_code == 200 and not meetings.life_meeting_photos(lm).exists()
    assert "errorlist" in r.content.decode()


def test_the_page_runs_the_same_queries_for_one_photo_or_five(client, lm, reviewer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(reviewer)
    url = reverse("life_meeting_detail", args=[lm.pk])
    meetings.life_meeting_photos_add(actor=reviewer, meeting=lm, photos=[jpeg()])
    client.get(url)  # warm the menu's cached counts
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).content.decode().count("民主生活会照片") == 1
    meetings.life_meeting_photos_add(actor=reviewer, meeting=lm,
                                     photos=[jpeg(pattern=i % 2, color=(20 * i, 90, 200), name=f"{i}.jpg")
                                             for i in range(1, 5)])  # fmt: skip
    with CaptureQueriesContext(connection) as five:
        assert client.get(url).content.decode().count("民主生活会照片") == 5
    assert len(five) == len(one)
