"""The record form loses nothing and saves nothing twice (issue 12): one-time tokens, the
duplicate warning with 仍然保存, photos kept across an error, refusals side by side, no record
of a meeting that has not begun."""

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from ledgers.activities import services
from ledgers.models import Activity, ActivityType
from tests.ledgers.test_activities import base_data, jpeg
from wujin_branch import tasks
from wujin_branch.models import FormSubmission, PendingUpload
from wujin_branch.pages import ALREADY_SAVED

pytestmark = pytest.mark.django_db
DUPLICATE = "可能与已有记录重复"
BAD_IMAGE = "“假照片.jpg”不是有效的图片文件"


def _new_url(branch, type_=ActivityType.COMMITTEE):
    return reverse("activity_new", args=[branch.pk]) + f"?type={type_}"


def _token(client, branch):
    page = client.get(_new_url(branch)).content.decode()
    return re.search(r'name="form_token" value="([0-9a-f]{32})"', page).group(1)


def _post(branch, token, **kw):
    d = base_data()
    d["held_on"] = d["held_on"].isoformat()
    d.update(form_token=token, **kw)
    return {k: v for k, v in d.items() if v is not None}


def test_a_second_post_of_one_token_saves_nothing(client, branch, secretary):
    client.force_login(secretary)
    token = _token(client, branch)
    first = client.post(_new_url(branch), _post(branch, token))
    assert first.status_code == 302
    [record] = Activity.objects.filter(branch=branch)
    again = client.post(_new_url(branch), _post(branch, token), follow=True)  # a double tap, a browser retry
    assert Activity.all_objects.filter(branch=branch).count() == 1
    assert again.redirect_chain[0][0] == first["Location"] == reverse("activity_detail", args=[record.pk])
    assert ALREADY_SAVED in again.content.decode()
    assert FormSubmission.objects.filter(token=token, user=secretary).count() == 1
    # a fresh form (a new token) with other content is a new record
    other = _post(branch, _token(client, branch), topic="另一次支委会", content="讨论年底党费收缴情况和下一步安排。",
                  held_on=(timezone.localdate() - datetime.timedelta(days=9)).isoformat())  # fmt: skip
    assert client.post(_new_url(branch), other).status_code == 302
    assert Activity.objects.filter(branch=branch).count() == 2


def test_a_token_is_the_posting_users_only(client, branch, secretary, district_user):
    """Another user's token (copied, guessed) is no key to their record: it is a new form."""
    client.force_login(secretary)
    token = _token(client, branch)
    assert client.post(_new_url(branch), _post(branch, token)).status_code == 302
    client.force_login(district_user)
    r = client.post(_new_url(branch), _post(branch, token, confirm_duplicate="1"))
    assert r.status_code == 200 and "该表单已失效" in r.content.decode()  # refused, nothing saved, no redirect
    assert token not in r.content.decode()  # the form comes back with a token of its own
    assert Activity.objects.filter(branch=branch).count() == 1


def test_a_duplicate_is_stopped_until_saved_anyway(client, branch, secretary):
    earlier = services.activity_create(actor=secretary, branch=branch, data=base_data(), attendance={})
    client.force_login(secretary)
    token = _token(client, branch)
    post = _post(branch, token, topic="研究发展党员", content="另写的一份记录：讨论发展对象。")
    r = client.post(_new_url(branch), post)
    page = r.content.decode()
    assert r.status_code == 200 and DUPLICATE in page and "仍然保存" in page
    assert reverse("activity_detail", args=[earlier.pk]) in page  # a link to the earlier record
    assert 'value="研究发展党员"' in page  # what was typed is kept
    assert Activity.objects.count() == 1
    r = client.post(_new_url(branch), {**post, "confirm_duplicate": "1"})
    assert r.status_code == 302 and Activity.objects.count() == 2


def test_nearly_identical_minutes_on_another_day_are_a_duplicate_too(client, branch, secretary):
    text = ("会议传达学习上级文件精神，讨论本季度发展党员计划，确定两名入党积极分子的培养联系人；"
            "会议还研究了冬季慰问困难党员和老党员的安排，明确由组织委员牵头落实。")
    earlier = services.activity_create(actor=secretary, branch=branch, data=base_data(content=text), attendance={})
    client.force_login(secretary)
    day = (timezone.localdate() - datetime.timedelta(days=20)).isoformat()
    r = client.post(_new_url(branch), _post(branch, _token(client, branch), held_on=day, content=text + "。"))
    assert r.status_code == 200 and DUPLICATE in r.content.decode()
    assert reverse("activity_detail", args=[earlier.pk]) in r.content.decode()
    # a voided record is not a duplicate of anything
    from ledgers.activities import voids

    voids.activity_void(actor=secretary, activity=earlier, reason="录错了")
    r = client.post(_new_url(branch), _post(branch, _token(client, branch), held_on=day, content=text))
    assert r.status_code == 302


def test_photos_are_kept_across_a_form_error(
    client, branch, secretary, other_branch, other_secretary, django_capture_on_commit_callbacks
):
    client.force_login(secretary)
    token = _token(client, branch)
    photos = [jpeg(name="会场.jpg"), jpeg(color=(20, 120, 200), pattern=1, name="签到.jpg")]
    r = client.post(_new_url(branch), _post(branch, token, topic="", photos=photos))
    page = r.content.decode()
    assert r.status_code == 200 and "这个字段是必填项" in page
    kept = list(PendingUpload.objects.filter(user=secretary, field="photos"))
    assert sorted(p.name for p in kept) == ["会场.jpg", "签到.jpg"]
    for p in kept:
        assert reverse("pending_upload", args=[p.pk]) in page and f'name="pending_photos" value="{p.pk}"' in page
        assert client.get(reverse("pending_upload", args=[p.pk])).status_code == 200
    client.force_login(other_secretary)  # a kept photo is its chooser's only
    assert client.get(reverse("pending_upload", args=[kept[0].pk])).status_code == 404
    theirs = {**_post(other_branch, _token(client, other_branch)), "pending_photos": [p.pk for p in kept]}
    assert client.post(_new_url(other_branch), theirs).status_code == 302
    assert Activity.objects.get(branch=other_branch).photos.count() == 0  # nor use it
    assert PendingUpload.objects.count() == 2
    client.force_login(secretary)

    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(_new_url(branch), {**_post(branch, token), "pending_photos": [p.pk for p in kept]})
    assert r.status_code == 302
    record = Activity.objects.get(branch=branch)
    assert record.photos.count() == 2 and record.photo_count == 2
    assert not PendingUpload.objects.exists()


def test_unticking_a_kept_photo_leaves_it_out(client, branch, secretary, django_capture_on_commit_callbacks):
    client.force_login(secretary)
    token = _token(client, branch)
    client.post(_new_url(branch), _post(branch, token, topic="", photos=[jpeg(), jpeg(color=(1, 90, 9), pattern=2)]))
    keep, drop = PendingUpload.objects.order_by("pk")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_new_url(branch), {**_post(branch, token), "pending_photos": [keep.pk]})
    assert Activity.objects.get().photos.count() == 1
    assert list(PendingUpload.objects.all()) == [drop]  # left for the daily tidy


def test_a_refused_file_is_told_beside_the_other_errors(client, branch, secretary):
    client.force_login(secretary)
    bad = SimpleUploadedFile("假照片.jpg", b"this is not a picture", content_type="image/jpeg")
    r = client.post(_new_url(branch), _post(branch, _token(client, branch), topic="", photos=[jpeg(), bad]))
    page = r.content.decode()
    assert r.status_code == 200 and BAD_IMAGE in page and "主题" in page
    assert PendingUpload.objects.count() == 1  # the good one is kept, the bad one is not
    # with the rest valid, the service refuses it the same way and keeps the good one
    bad.seek(0)
    r = client.post(_new_url(branch), _post(branch, _token(client, branch), photos=[jpeg(pattern=3), bad]))
    page = r.content.decode()
    assert r.status_code == 200 and page.count(BAD_IMAGE) == 1 and not Activity.objects.exists()
    assert PendingUpload.objects.count() == 2


def test_photos_are_picked_from_the_album_as_well(client, branch, secretary):
    client.force_login(secretary)
    page = client.get(_new_url(branch)).content.decode()
    [tag] = re.findall(r'<input[^>]*name="photos"[^>]*>', page)
    assert "multiple" in tag and "capture" not in tag


def test_a_meeting_that_has_not_begun_is_refused(branch, secretary):
    now = timezone.localtime()
    later = now + datetime.timedelta(minutes=30)
    if later.date() != now.date():
        pytest.skip("half an hour from now is tomorrow")
    from wujin_branch.errors import DomainError

    with pytest.raises(DomainError, match="开始时间晚于现在"):
        services.activity_create(actor=secretary, branch=branch, attendance={},
                                 data=base_data(held_on=now.date(), start_time=later.time()))  # fmt: skip
    earlier = (now - datetime.timedelta(minutes=5)).time() if now.hour or now.minute >= 5 else None
    if earlier:
        a = services.activity_create(actor=secretary, branch=branch, attendance={},
                                     data=base_data(held_on=now.date(), start_time=earlier))  # fmt: skip
        assert a.pk


def test_the_daily_tidy_forgets_old_tokens_and_kept_photos(client, branch, secretary):
    client.force_login(secretary)
    client.post(_new_url(branch), _post(branch, _token(client, branch), topic="", photos=[jpeg()]))
    [old] = PendingUpload.objects.all()
    storage, name = old.file.storage, old.file.name
    assert storage.exists(name)
    PendingUpload.objects.update(created_at=timezone.now() - datetime.timedelta(hours=25))
    client.post(_new_url(branch), _post(branch, _token(client, branch), topic="", photos=[jpeg(pattern=2)]))
    client.post(_new_url(branch), _post(branch, _token(client, branch)))
    three_days_ago = timezone.now() - datetime.timedelta(days=3)
    FormSubmission.objects.create(token="0" * 32, user=secretary, created_at=three_days_ago)
    assert tasks.tidy() == {"tokens": 1, "uploads": 1, "outbox": 0}
    assert PendingUpload.objects.count() == 1 and FormSubmission.objects.count() == 1
    assert not storage.exists(name)  # the file went with its row (folder or bucket)
