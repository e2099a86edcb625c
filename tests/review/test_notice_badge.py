"""The unread-notices badge on every page: cached per user (no query per page), and right on
the next request after a notice is written or read."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from wujin_branch.notices import notify_user

pytestmark = pytest.mark.django_db


def page(client, url):
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url)
    assert r.status_code == 200
    return r.content.decode(), [q["sql"] for q in ctx.captured_queries]


def test_badge_is_cached_and_follows_new_and_read_notices(client, secretary, branch):
    client.force_login(secretary)
    url = reverse("branch_detail", args=[branch.pk])
    html, first = page(client, url)
    assert "通知</a>" in html and any("review_notice" in q for q in first)
    html, again = page(client, url)
    assert not any("review_notice" in q for q in again)  # the count came from the cache

    notify_user(secretary, "考核表已退回", "请修改", "/")
    assert '通知<span class="badge danger">1</span>' in page(client, url)[0]  # at once

    client.post(reverse("my_notices"))  # read them all
    assert "通知</a>" in page(client, url)[0]
