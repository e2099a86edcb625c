"""区管党员领导干部 and their unit's 民主生活会 (seed §二(三)2): who marks them, who records the
meeting, who sees the page of those with none in the year."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from branches import flow_services as cadres
from branches.models import LifeMeeting, Member, Role
from tests.factories import MemberFactory, UserFactory, grant, make_branch
from wujin_branch.errors import DomainError

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


def meeting(actor, org, people, **kw):
    kw.setdefault("held_on", TODAY)
    return cadres.life_meeting_create(
        actor=actor, organization=org, topic="对照检查", minutes="班子成员逐一发言", participants=people, **kw
    )


def test_who_may_mark_a_district_cadre(client, branch, district_user, reviewer, secretary, other_secretary):
    m = MemberFactory(branch=branch, name="孙干部")
    url = reverse("member_cadre", args=[m.pk])
    for user in (secretary, other_secretary):  # a branch does not decide who is a district-managed cadre
        client.force_login(user)
        assert client.get(url).status_code == 404
    with pytest.raises(DomainError, match="没有权限"):
        cadres.member_set_district_cadre(actor=secretary, member=m, value=True, version=None)
    client.force_login(reviewer)
    page = client.get(reverse("member_detail", args=[m.pk])).content.decode()
    assert "<dt>区管党员领导干部</dt>" not in page and url in page  # the button is there for the committee
    r = client.post(url, {"is_district_cadre": "on", "version": m.version})
    assert r.status_code == 302
    m.refresh_from_db()
    assert m.is_district_cadre and m.history.first().history_user == reviewer
    assert "<dt>区管党员领导干部</dt>" in client.get(reverse("member_detail", args=[m.pk])).content.decode()
    client.force_login(secretary)
    assert url not in client.get(reverse("member_detail", args=[m.pk])).content.decode()
    client.force_login(reviewer)
    r = client.post(url, {"version": m.version - 1})  # a stale form
    assert r.status_code == 200 and Member.objects.get(pk=m.pk).is_district_cadre
    client.force_login(district_user)
    assert client.post(url, {"version": m.version}).status_code == 302
    assert not Member.objects.get(pk=m.pk).is_district_cadre


def test_life_meeting_rules(branch, other_branch, committee, other_committee, reviewer, district_user):
    cadre = MemberFactory(branch=branch, is_district_cadre=True)
    plain = MemberFactory(branch=branch)
    foreign = MemberFactory(branch=other_branch, is_district_cadre=True)
    with pytest.raises(DomainError, match="所属的区管党员领导干部"):
        meeting(reviewer, committee, [plain])
    with pytest.raises(DomainError, match="所属的区管党员领导干部"):
        meeting(district_user, committee, [cadre, foreign])  # not under this unit
    with pytest.raises(DomainError, match="请选择参会"):
        meeting(reviewer, committee, [])
    with pytest.raises(DomainError, match="没有权限"):
        meeting(reviewer, other_committee, [foreign])
    with pytest.raises(DomainError, match="晚于今天"):
        meeting(reviewer, committee, [cadre], held_on=TODAY + datetime.timedelta(days=1))
    lm = meeting(reviewer, committee, [cadre])
    assert list(lm.participants.all()) == [cadre] and lm.history.first().history_user == reviewer


def test_pages_role_by_object(client, branch, committee, other_committee, reviewer, secretary, other_secretary):
    cadre = MemberFactory(branch=branch, is_district_cadre=True, name="孙干部")
    lm = meeting(reviewer, committee, [cadre])
    other_reviewer = grant(UserFactory(username="other_reviewer"), other_committee, Role.REVIEWER)
    for user in (secretary, other_secretary):  # the page is the committee's and the district's
        client.force_login(user)
        assert client.get(reverse("cadre_list")).status_code == 404
        assert client.get(reverse("life_meeting_create")).status_code == 404
    client.force_login(other_reviewer)
    assert client.get(reverse("life_meeting_detail", args=[lm.pk])).status_code == 404
    assert client.get(reverse("life_meeting_detail", args=[lm.pk + 999])).status_code == 404
    page = client.get(reverse("cadre_list")).content.decode()
    assert "孙干部" not in page
    data = {"organization": committee.pk, "held_on": str(TODAY), "topic": "主题", "minutes": "记录",
            "participants": [cadre.pk]}  # fmt: skip
    r = client.post(reverse("life_meeting_create"), data)
    assert r.status_code == 200 and LifeMeeting.objects.count() == 1  # not a choice for them

    client.force_login(reviewer)
    assert client.get(reverse("life_meeting_detail", args=[lm.pk])).status_code == 200
    page = client.get(reverse("member_detail", args=[cadre.pk])).content.decode()
    assert "民主生活会" in page and lm.topic in page
    data["form_token"] = "9a1d8b3a6c2e4f0a9b7d5c3e1a2b4c6d"
    assert client.post(reverse("life_meeting_create"), data).status_code == 302
    assert client.post(reverse("life_meeting_create"), data).status_code == 302  # a double tap saves once
    assert LifeMeeting.objects.count() == 2
    data.update(topic="", form_token="")
    r = client.post(reverse("life_meeting_create"), data)
    assert r.status_code == 200 and "记录" in r.content.decode()  # what was typed is kept


def test_who_has_none_in_the_year_constant_queries(client, branch, committee, reviewer, district_user):
    met = MemberFactory(branch=branch, is_district_cadre=True, name="孙参加")
    MemberFactory(branch=branch, is_district_cadre=True, name="周未参加")
    meeting(reviewer, committee, [met])
    meeting(reviewer, committee, [met], held_on=datetime.date(TODAY.year - 1, 6, 1))
    client.force_login(district_user)
    url = reverse("cadre_list")
    page = client.get(url).content.decode()
    assert "孙参加" in page and "周未参加" in page and page.count("本年度未参加</span>") == 1
    page = client.get(url + "?missing=1").content.decode()
    assert "周未参加" in page and "孙参加" not in page
    last_year = client.get(url + f"?year={TODAY.year - 1}").content.decode()
    assert last_year.count("本年度未参加</span>") == 1  # 孙参加 took part last year, 周未参加 did not

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    extra = make_branch(committee, name="新桥党支部")
    people = [MemberFactory(branch=extra, is_district_cadre=True) for _ in range(6)]
    meeting(reviewer, committee, people[:3])
    meeting(reviewer, extra, people[3:5])
    with CaptureQueriesContext(connection) as many:
        body = client.get(url).content.decode()
    assert body.count("新桥党支部") == 6 + 2 + 1  # six cadres' branch, two took part in its meeting, the meeting
    assert len(many) == len(few)
