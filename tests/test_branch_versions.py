"""Branch version tokens kept by database triggers, and the branch page cached by them
(``wujin_branch.branch_versions``, ``wujin_branch.branch_cache``). PostgreSQL only: SQLite has
no triggers and caches nothing."""

import datetime
import socket

import pytest
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.urls import reverse

from assessment.models import Period
from branches import services as org_services
from branches.models import CommitteeSeat, Member, Organization, Position, Standing
from ledgers.activities import services as activity_services
from ledgers.models import Activity, Photo
from tests.factories import MemberFactory, MemberFlowFactory, make_branch, make_term
from tests.ledgers.test_activities import base_data, jpeg
from wujin_branch import branch_versions
from wujin_branch.models import DataVersion

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
                       reason="the triggers are PostgreSQL's"),  # fmt: skip
]


def token(branch_id):
    row = DataVersion.objects.filter(key=branch_versions.key(branch_id)).first()
    return row.token if row else None


def changed(*branches):
    """The tokens of these branches now, to compare after a write."""
    return {b.pk: token(b.pk) for b in branches}


def test_each_kind_of_write_changes_the_right_branches(branch, other_branch):
    m = MemberFactory(branch=branch)
    before = changed(branch, other_branch)
    Member.objects.filter(pk=m.pk).update(name="改名")  # past every service: the trigger sees it
    after = changed(branch, other_branch)
    assert after[branch.pk] != before[branch.pk] and after[other_branch.pk] == before[other_branch.pk]

    # a flow into another branch: both list the member; renaming the member changes both
    MemberFlowFactory(member=m, in_branch=other_branch)
    before = changed(branch, other_branch)
    Member.objects.filter(pk=m.pk).update(name="再改名")
    after = changed(branch, other_branch)
    assert after[branch.pk] != before[branch.pk] and after[other_branch.pk] != before[other_branch.pk]

    # a seat leads to its branch through the term
    term = make_term(other_branch, seats=[(Position.SECRETARY, MemberFactory(branch=other_branch))])
    before = changed(branch, other_branch)
    CommitteeSeat.objects.filter(term=term).update(duties="主持全面工作")
    after = changed(branch, other_branch)
    assert after[other_branch.pk] != before[other_branch.pk] and after[branch.pk] == before[branch.pk]

    # a member moved to another branch: the old and the new one
    before = changed(branch, other_branch)
    Member.objects.filter(pk=m.pk).update(branch=other_branch)
    after = changed(branch, other_branch)
    assert after[branch.pk] != before[branch.pk] and after[other_branch.pk] != before[other_branch.pk]

    # a delete, and any period (its name shows on every branch's page)
    before = changed(branch, other_branch)
    CommitteeSeat.objects.filter(term=term).delete()
    assert changed(branch, other_branch)[other_branch.pk] != before[other_branch.pk]
    periods = DataVersion.objects.filter(key=branch_versions.PERIODS).values_list("token", flat=True).first()
    Period.objects.update(name=F("name"))
    if Period.objects.exists():
        assert DataVersion.objects.get(key=branch_versions.PERIODS).token != periods


def test_records_and_photos_change_their_branch(branch, secretary, other_branch):
    a = activity_services.activity_create(actor=secretary, branch=branch, data=base_data(), attendance={},
                                          photos=[jpeg()])  # fmt: skip
    before = changed(branch, other_branch)
    Photo.objects.filter(activity=a).update(width=F("width"))
    after = changed(branch, other_branch)
    assert after[branch.pk] != before[branch.pk] and after[other_branch.pk] == before[other_branch.pk]
    before = changed(branch)
    Activity.objects.filter(pk=a.pk).update(returned=True)
    assert changed(branch) != before


def test_page_shows_a_change_made_by_a_service_and_one_made_in_bulk(client, branch, secretary):
    m = MemberFactory(branch=branch, name="赵一")
    client.force_login(secretary)
    url = reverse("branch_detail", args=[branch.pk])
    assert "赵一" in client.get(url).content.decode()
    assert "赵一" in client.get(url).content.decode()  # served from the cache

    m.refresh_from_db()
    org_services.member_update(actor=secretary, member=m, version=m.version, name="赵二")
    html = client.get(url).content.decode()
    assert "赵二" in html and "赵一" not in html

    Member.objects.filter(pk=m.pk).update(name="赵三", name_pinyin="zhaosan")
    html = client.get(url).content.decode()
    assert "赵三" in html and "赵二" not in html


def test_page_is_cached_per_rights_not_shared_between_them(client, branch, secretary, reviewer):
    """The reviewer sees 批准延期换届 on the term; the secretary, who looks first, does not."""
    make_term(branch, seats=[(Position.SECRETARY, MemberFactory(branch=branch))])
    client.force_login(secretary)
    url = reverse("branch_detail", args=[branch.pk])
    assert "批准延期换届" not in client.get(url).content.decode()
    client.force_login(reviewer)
    assert "批准延期换届" in client.get(url).content.decode()
    client.force_login(secretary)
    assert "批准延期换届" not in client.get(url).content.decode()


def test_pages_render_when_the_cache_is_down(client, branch, secretary, reviewer, committee, settings):
    """The branch page, the menu's unread badge and the dashboards all read the cache: with it
    down they are computed afresh (each failure logged), never an error page."""
    with socket.socket() as s:  # a port nobody listens on: connections are refused
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": f"redis://127.0.0.1:{port}/0",
                                   "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}}}  # fmt: skip
    MemberFactory(branch=branch, name="钱五")
    client.force_login(secretary)
    response = client.get(reverse("branch_detail", args=[branch.pk]))
    assert response.status_code == 200 and "钱五" in response.content.decode()
    client.force_login(reviewer)
    assert client.get(reverse("committee_dashboard", args=[committee.pk])).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_token_changes_at_the_commit_and_not_when_suspended():
    """As in production: the trigger is deferred to the commit, so a rolled-back change leaves
    the token alone; a bulk load that suspends the triggers leaves it too (and forgets)."""
    b = make_branch(name="提交测试支部")
    first = token(b.pk)
    with transaction.atomic():
        Organization.objects.filter(pk=b.pk).update(name="提交测试支部（改）")
        assert token(b.pk) == first  # not before the commit
    second = token(b.pk)
    assert second != first
    with pytest.raises(RuntimeError), transaction.atomic():
        Organization.objects.filter(pk=b.pk).update(name="回滚")
        raise RuntimeError
    assert token(b.pk) == second
    with transaction.atomic():
        branch_versions.suspend()
        Organization.objects.filter(pk=b.pk).update(name="批量")
    assert token(b.pk) == second
    with transaction.atomic():
        branch_versions.forget_all()
    assert token(b.pk) is None


def test_record_list_and_calendar_show_a_new_record_and_an_explained_flag(client, branch, secretary, reviewer):
    from ledgers.models import IntegrityFlag

    first = activity_services.activity_create(actor=secretary, branch=branch, data=base_data(topic="第一次学习"),
                                              attendance={}, photos=[jpeg()])  # fmt: skip
    year = first.held_on.year
    list_url = reverse("activity_list", args=[branch.pk]) + f"?year={year}"
    calendar_url = reverse("branch_calendar", args=[branch.pk]) + f"?year={year}"
    client.force_login(secretary)
    assert "第一次学习" in client.get(list_url).content.decode()
    calendar = client.get(calendar_url).content.decode()
    second = activity_services.activity_create(actor=secretary, branch=branch,
                                               data=base_data(topic="第二次学习", held_on=first.held_on), attendance={},
                                               photos=[jpeg()])  # fmt: skip
    assert "第二次学习" in client.get(list_url).content.decode()
    assert client.get(calendar_url).content.decode().count(reverse("activity_detail", args=[second.pk])) > 0
    assert calendar.count(reverse("activity_detail", args=[second.pk])) == 0

    IntegrityFlag.objects.create(activity=second, kind=IntegrityFlag._meta.get_field("kind").choices[0][0])
    client.force_login(reviewer)
    badges = client.get(list_url).content.decode().count("异常 ")
    assert badges >= 1
    IntegrityFlag.objects.filter(activity=second).update(explained=True)  # past the services
    assert client.get(list_url).content.decode().count("异常 ") == badges - 1


def test_member_list_of_a_branch_is_cached_but_never_with_full_identity_numbers(client, branch, secretary,
                                                                                 district_user):  # fmt: skip
    from django.core.cache import cache

    m = MemberFactory(branch=branch, name="孙六")
    url = reverse("member_list") + f"?branch={branch.pk}"
    client.force_login(secretary)
    html = client.get(url).content.decode()
    assert "孙六" in html and m.id_number not in html
    Member.objects.filter(pk=m.pk).update(name="孙七")
    assert "孙七" in client.get(url).content.decode()

    client.force_login(district_user)
    assert m.id_number in client.get(url).content.decode()  # district staff see it in full …
    kept = list(cache._cache.values())  # the test cache is the process's memory (pickled values)
    assert kept and not any(m.id_number.encode() in v for v in kept)  # … but it is not kept


def test_org_tree_counts_follow_members_and_seats(client, committee, branch, reviewer):
    import re

    def members_cell(html):
        return re.search(r'在册党员</div><div class="stat">(\d+)', html).group(1)

    client.force_login(reviewer)
    url = reverse("org_tree", args=[committee.pk])
    before = int(members_cell(client.get(url).content.decode()))
    MemberFactory(branch=branch)
    assert int(members_cell(client.get(url).content.decode())) == before + 1
    Member.objects.filter(branch=branch).update(standing=Standing.DECEASED, left_on=datetime.date.today())  # in bulk
    gone = Member.objects.filter(branch=branch).count()
    assert int(members_cell(client.get(url).content.decode())) == before + 1 - gone


def test_district_member_count_is_kept_until_a_member_changes(client, branch, district_user):
    url = reverse("member_list")
    MemberFactory(branch=branch)
    client.force_login(district_user)

    def count():
        return client.get(url).context["page"].paginator.count

    first = count()
    MemberFactory(branch=branch)
    assert count() == first + 1
    branch_versions.suspend()  # the control: a member written unseen leaves the kept count
    MemberFactory(branch=branch)
    assert count() == first + 1
    assert client.get(url + "?q=zzz").context["page"].paginator.count == 0  # each query its own count


def test_record_page_follows_attachments_returns_voids_attendance_and_names(client, branch, secretary):
    """The record page's cached part (details, photos, attachments, attendance, past returns,
    void steps) shows each change on the next request, also one written past the services;
    the control shows it really is served from the cache in between."""
    from ledgers.models import Attachment, RecordReturn, RecordVoid

    member = MemberFactory(branch=branch, name="孙七")
    data = base_data(topic="专题学习", type="congress")
    record = activity_services.activity_create(actor=secretary, branch=branch, data=data,
                                               attendance={member.pk: ("present", "")}, photos=[jpeg()])  # fmt: skip
    url = reverse("activity_detail", args=[record.pk])
    client.force_login(secretary)
    page = client.get(url).content.decode()
    assert "孙七" in page and "附件" not in page

    Attachment.objects.create(activity=record, name="学习材料.pdf", size=2048, file="attachments/x.pdf")
    assert "学习材料.pdf" in client.get(url).content.decode()

    RecordReturn.objects.create(activity=record, reason="补充照片", resolution="amended",
                                resolved_at=datetime.datetime(2026, 1, 5, tzinfo=datetime.UTC))  # fmt: skip
    assert "退回：补充照片" in client.get(url).content.decode()

    RecordVoid.objects.create(activity=record, action="void", reason="重复录入")
    assert "重复录入" in client.get(url).content.decode()

    Member.objects.filter(pk=member.pk).update(name="孙七七")  # past the services
    assert "孙七七" in client.get(url).content.decode()

    branch_versions.suspend()  # the control: with the triggers off, the cached part stays
    Attachment.objects.filter(activity=record).update(name="改名材料.pdf")
    assert "改名材料.pdf" not in client.get(url).content.decode()
    Activity.objects.filter(pk=record.pk).update(place="新会议室")
    assert "新会议室" not in client.get(url).content.decode()
    DataVersion.objects.filter(key=branch_versions.key(branch.pk)).delete()
    page = client.get(url).content.decode()
    assert "改名材料.pdf" in page and "新会议室" in page
