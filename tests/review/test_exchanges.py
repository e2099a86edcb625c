"""现场观摩 and 座谈会: committees and the district record them; the host branch sees them on
its page; others' ids are 404; the public brand page lists them without member data."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from review import brands, exchanges
from review.brand_models import ExchangeEvent, ExchangeKind
from tests.factories import MemberFactory, make_branch
from tests.ledgers.test_activities import jpeg

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def form(host, participants, **kw):
    return {"kind": ExchangeKind.OBSERVATION, "held_on": TODAY.isoformat(), "host": host.pk,
            "title": "红色管家现场观摩", "shown": "观摩党员活动室和入户走访台账",
            "participants": [p.pk for p in participants], **kw}  # fmt: skip


def record(actor, host, participants, **kw):
    return exchanges.exchange_create(actor=actor, kind=ExchangeKind.SYMPOSIUM, held_on=TODAY, host=host,
                                     title="规范化建设座谈会", shown="交流三会一课经验", participants=participants,
                                     **kw)  # fmt: skip


def test_reviewer_records_an_observation_host_sees_it(client, reviewer, secretary, branch, committee):
    guest = make_branch(committee, name="南苑社区党支部")
    client.force_login(reviewer)
    r = client.post(reverse("exchange_new"), {**form(branch, [guest, committee]), "photos": [jpeg(pattern=3)]})
    assert r.status_code == 302, r.content.decode()
    e = ExchangeEvent.objects.get()
    assert (e.host, e.kind, e.created_by) == (branch, ExchangeKind.OBSERVATION, reviewer)
    assert set(e.participants.all()) == {guest, committee} and e.history.exists()
    assert "红色管家现场观摩" in client.get(reverse("exchange_list")).content.decode()

    client.force_login(secretary)
    page = client.get(reverse("branch_detail", args=[branch.pk])).content.decode()
    assert "红色管家现场观摩" in page and "南苑社区党支部" in page and "照片 1 张" in page
    detail = client.get(reverse("exchange_detail", args=[e.pk])).content.decode()
    (p,) = exchanges.photos_by_owner(ExchangeEvent, [e.pk])[e.pk]
    assert "观摩党员活动室" in detail and reverse("photo_file", args=[p.pk, "thumb"]) in detail
    # Branches see, they do not record (the upper organizations organize 观摩 and 座谈).
    assert client.get(reverse("exchange_new")).status_code == 404
    assert client.get(reverse("exchange_list")).status_code == 404


def test_bad_input_kept_and_future_date_refused(client, reviewer, branch, committee):
    client.force_login(reviewer)
    future = (TODAY + datetime.timedelta(days=3)).isoformat()
    r = client.post(reverse("exchange_new"), form(branch, [committee], held_on=future, title="我写的主题"))
    body = r.content.decode()
    assert r.status_code == 200 and "不能晚于今天" in body and "我写的主题" in body
    r = client.post(reverse("exchange_new"), form(branch, []))
    assert r.status_code == 200 and "请选择参加单位" in r.content.decode()
    MemberFactory(branch=branch, name="赵志明")
    r = client.post(reverse("exchange_new"), form(branch, [committee], title="赵志明同志事迹座谈"))
    assert r.status_code == 200 and "党员姓名" in r.content.decode()
    assert not ExchangeEvent.objects.exists()


def test_foreign_host_and_participants_refused(client, reviewer, other_secretary, other_branch, branch, committee):
    client.force_login(reviewer)
    r = client.post(reverse("exchange_new"), form(other_branch, [committee]))
    assert r.status_code == 200 and not ExchangeEvent.objects.exists()  # not a choice for them
    r = client.post(reverse("exchange_new"), form(branch, [other_branch]))
    assert r.status_code == 200 and not ExchangeEvent.objects.exists()
    with pytest.raises(brands.DomainError):
        record(reviewer, other_branch, [committee])
    with pytest.raises(brands.DomainError):
        record(reviewer, branch, [other_branch])
    e = record(reviewer, branch, [committee])
    client.force_login(other_secretary)
    assert client.get(reverse("exchange_detail", args=[e.pk])).status_code == 404
    assert "规范化建设座谈会" not in client.get(reverse("branch_detail", args=[other_branch.pk])).content.decode()
    with pytest.raises(brands.DomainError):
        record(other_secretary, other_branch, [branch])


def test_list_constant_queries(client, district_user, committee):
    client.force_login(district_user)
    record(district_user, make_branch(committee), [committee])
    client.get(reverse("exchange_list"))  # warm-up: the menu's cached counts
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("exchange_list"))
    for _ in range(6):
        record(district_user, make_branch(committee), [committee, make_branch(committee)])
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("exchange_list")).content.decode()
    assert len(many) == len(few) and page.count("规范化建设座谈会") == 7


def test_a_mistaken_record_is_deleted_by_the_committee_only(client, reviewer, secretary, other_secretary, branch,
                                                            committee):  # fmt: skip
    e = record(reviewer, branch, [committee], photos=[jpeg(pattern=2)])
    url = reverse("exchange_delete", args=[e.pk])
    for user in (secretary, other_secretary):
        client.force_login(user)
        assert client.post(url, {"confirm": "on"}).status_code == 404
    client.force_login(reviewer)
    assert 'data-confirm="确认删除' in client.get(reverse("exchange_detail", args=[e.pk])).content.decode()
    assert client.post(url, {}).status_code == 200 and ExchangeEvent.objects.exists()  # must tick the box
    r = client.post(url, {"confirm": "on"})
    assert r.status_code == 302 and r.url == reverse("branch_detail", args=[branch.pk])
    assert not ExchangeEvent.objects.exists() and not exchanges.photos_by_owner(ExchangeEvent, [e.pk])
    assert ExchangeEvent.history.filter(id=e.pk, history_type="-").exists()
