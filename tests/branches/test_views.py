"""Every page: it works for the right role, it needs the role, a foreign id is a 404,
and list pages run a fixed number of queries however many rows there are."""

import datetime

import pytest
from django.urls import reverse

from branches.models import CommitteeSeat, Member, Organization, OrgStatus, PartyGroup, Position, Role
from tests.factories import MemberFactory, UserFactory, grant, make_branch, make_term

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(branch, other_branch, member):
    other_member = MemberFactory(branch=other_branch)
    a = MemberFactory(branch=branch)
    term = make_term(branch, seats=[(Position.SECRETARY, member), (Position.DEPUTY, a)])
    other_term = make_term(other_branch, seats=[(Position.SECRETARY, other_member)])
    group = PartyGroup.objects.create(branch=branch, name="第一党小组")
    other_group = PartyGroup.objects.create(branch=other_branch, name="一组")
    return {
        "branch": branch,
        "other_branch": other_branch,
        "member": member,
        "other_member": other_member,
        "term": term,
        "other_term": other_term,
        "seat": term.seats.get(position=Position.DEPUTY),
        "other_seat": other_term.seats.get(),
        "group": group,
        "other_group": other_group,
    }


# (url name, object key for own, object key for foreign, action needed)
BRANCH_PAGES = [
    ("branch_detail", "branch", "other_branch", "view"),
    ("member_create", "branch", "other_branch", "edit"),
    ("term_elect", "branch", "other_branch", "edit"),
    ("group_create", "branch", "other_branch", "edit"),
    ("member_detail", "member", "other_member", "view"),
    ("member_edit", "member", "other_member", "edit"),
    ("member_transfer", "member", "other_member", "edit"),
    ("sanction_create", "member", "other_member", "edit"),
    ("group_edit", "group", "other_group", "edit"),
    ("seat_add", "term", "other_term", "edit"),
    ("seat_vacate", "seat", "other_seat", "edit"),
    ("seat_fill", "seat", "other_seat", "edit"),
    ("term_postpone", "term", "other_term", "approve"),
    ("org_edit", "branch", "other_branch", "manage"),
    ("org_move", "branch", "other_branch", "manage"),
    ("org_merge", "branch", "other_branch", "manage"),
    ("org_dissolve", "branch", "other_branch", "manage"),
]

ROLE_ALLOWS = {
    "secretary": {"view", "edit"},
    "reviewer": {"view", "approve", "manage"},
    "district_user": {"view", "edit", "approve", "manage"},
}


@pytest.mark.parametrize("role", ["secretary", "reviewer", "district_user"])
@pytest.mark.parametrize("name,own,foreign,action", BRANCH_PAGES)
def test_page_role_matrix(client, request, world, role, name, own, foreign, action):
    user = request.getfixturevalue(role)
    client.force_login(user)
    own_url = reverse(name, args=[world[own].pk])
    foreign_url = reverse(name, args=[world[foreign].pk])
    expected = 200 if action in ROLE_ALLOWS[role] else 404
    assert client.get(own_url).status_code == expected
    if role != "district_user":
        # another organization's object by direct URL: the same 404 as a missing one
        assert client.get(foreign_url).status_code == 404
        assert client.post(foreign_url, {}).status_code == 404
    assert client.get(reverse(name, args=[999999])).status_code == 404


def test_anonymous_is_sent_to_login(client, world):
    r = client.get(reverse("branch_detail", args=[world["branch"].pk]))
    assert r.status_code == 302 and reverse("login") in r["Location"]


def test_home_redirects_single_branch_secretary(client, secretary, branch):
    client.force_login(secretary)
    r = client.get(reverse("home"))
    assert r.status_code == 302 and r["Location"] == reverse("branch_detail", args=[branch.pk])


def test_home_lists_several_roles(client, branch, other_branch):
    u = UserFactory()
    grant(u, branch, Role.SECRETARY)
    grant(u, other_branch, Role.WORKER)
    client.force_login(u)
    r = client.get(reverse("home"))
    assert r.status_code == 200
    assert branch.name in r.content.decode() and other_branch.name in r.content.decode()


def test_home_without_roles(client):
    client.force_login(UserFactory())
    r = client.get(reverse("home"))
    assert "尚未分配" in r.content.decode()


def test_branch_page_shows_alerts(client, secretary, branch):
    client.force_login(secretary)
    html = client.get(reverse("branch_detail", args=[branch.pk])).content.decode()
    assert "书记缺职" in html


def test_member_create_keeps_input_on_error(client, secretary, branch):
    client.force_login(secretary)
    data = {
        "name": "李四",
        "gender": "M",
        "ethnicity": "汉族",
        "birth_date": "1990-01-01",
        "education": "bachelor",
        "occupation": "worker",
        "id_number": "110105194912310021",  # bad check digit
        "phone": "13812345678",
        "joined_on": "2015-07-01",
        "status": "full",
        "full_member_on": "2016-07-01",
    }
    r = client.post(reverse("member_create", args=[branch.pk]), data)
    html = r.content.decode()
    assert r.status_code == 200
    assert "身份证号格式不正确" in html
    assert "13812345678" in html and "李四" in html
    assert not Member.objects.filter(name="李四").exists()
    data["id_number"] = "11010519491231002X"
    r = client.post(reverse("member_create", args=[branch.pk]), data)
    assert r.status_code == 302
    assert Member.objects.get(name="李四").branch == branch
    # 党费起算月 left empty: the month of entry, not of joining (2015)
    assert Member.objects.get(name="李四").dues_from == datetime.date.today().replace(day=1)


def test_member_edit_stale_version_refused(client, secretary, member):
    client.force_login(secretary)
    url = reverse("member_edit", args=[member.pk])
    form = client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    for k in ("birth_date", "joined_on", "full_member_on"):
        data[k] = data[k].isoformat()
    data["party_group"] = ""
    data["phone"] = "13900000001"
    r1 = client.post(url, data)
    assert r1.status_code == 302
    data["phone"] = "13900000002"
    r2 = client.post(url, data)  # same (old) version
    assert r2.status_code == 200 and "已被他人修改" in r2.content.decode()
    member.refresh_from_db()
    assert member.phone == "13900000001"


def test_member_history_records_user(client, secretary, member):
    client.force_login(secretary)
    url = reverse("member_edit", args=[member.pk])
    form = client.get(url).context["form"]
    data = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in form.initial.items() if v is not None}
    data["phone"] = "13900000009"
    assert client.post(url, data).status_code == 302
    assert member.history.latest().history_user == secretary


def test_id_number_masked_except_for_district(client, secretary, district_user, member):
    client.force_login(secretary)
    html = client.get(reverse("member_detail", args=[member.pk])).content.decode()
    assert member.id_number not in html and member.id_number_masked in html
    client.force_login(district_user)
    html = client.get(reverse("member_detail", args=[member.pk])).content.decode()
    assert member.id_number in html


def test_seat_vacate_then_fill_through_pages(client, secretary, world):
    client.force_login(secretary)
    seat = world["seat"]
    r = client.post(reverse("seat_vacate", args=[seat.pk]), {"vacated_on": "2025-01-01", "note": "调离"})
    assert r.status_code == 302
    assert CommitteeSeat.objects.get(pk=seat.pk).holder is None
    candidate = MemberFactory(branch=world["branch"])
    r = client.post(reverse("seat_fill", args=[seat.pk]), {"member": candidate.pk, "since": "2025-02-01"})
    assert r.status_code == 302
    assert CommitteeSeat.objects.get(pk=seat.pk).holder == candidate


def test_org_create_and_merge_pages(client, district_user, committee, branch):
    client.force_login(district_user)
    r = client.post(
        reverse("org_create", args=[committee.pk]),
        {
            "kind": "branch",
            "name": "新建村党支部",
            "branch_type": "village",
            "founded_on": "2025-01-01",
            "term_years": 5,
        },
    )
    assert r.status_code == 302
    new = Organization.objects.get(name="新建村党支部")
    assert new.path.startswith(committee.path) and new.term_years == 5
    MemberFactory(branch=branch)
    r = client.post(
        reverse("org_merge", args=[branch.pk]), {"into": new.pk, "occurred_on": "2025-06-01", "reason": "村居合并"}
    )
    assert r.status_code == 302
    branch.refresh_from_db()
    assert branch.status == OrgStatus.MERGED


def test_reviewer_approves_postponement(client, reviewer, world):
    client.force_login(reviewer)
    term = world["term"]
    r = client.post(reverse("term_postpone", args=[term.pk]), {"until": "2027-06-01", "reason": "村社合并后统一换届"})
    assert r.status_code == 302
    term.refresh_from_db()
    assert term.postponed_until == datetime.date(2027, 6, 1)


def test_shell_list_requires_manager(client, secretary, reviewer, committee):
    empty = make_branch(committee, name="空壳支部")
    client.force_login(secretary)
    assert client.get(reverse("shell_list")).status_code == 404
    client.force_login(reviewer)
    assert empty.name in client.get(reverse("shell_list")).content.decode()


def test_member_list_search_by_pinyin_and_scope(client, secretary, branch, other_branch):
    MemberFactory(branch=branch, name="张晓东")
    MemberFactory(branch=branch, name="李明")
    MemberFactory(branch=other_branch, name="张伟")
    client.force_login(secretary)
    html = client.get(reverse("member_list"), {"q": "zxd"}).content.decode()
    assert "张晓东" in html and "李明" not in html
    html = client.get(reverse("member_list"), {"q": "zhang"}).content.decode()
    assert "张晓东" in html and "张伟" not in html  # other branch is out of scope
    html = client.get(reverse("member_list"), {"q": "张"}).content.decode()
    assert "张晓东" in html and "张伟" not in html
    assert client.get(reverse("member_list"), {"branch": other_branch.pk}).status_code == 404


def _populate(committee, n_branches, per_branch):
    for i in range(n_branches):
        b = make_branch(committee, name=f"批量支部{i}")
        # at least one name matching the pinyin search, whatever the factory's name cycle is at
        people = [MemberFactory(branch=b, name="张明")] + [MemberFactory(branch=b) for _ in range(per_branch - 1)]
        g = PartyGroup.objects.create(branch=b, name="一组", leader=people[0])
        Member.objects.filter(pk__in=[p.pk for p in people]).update(party_group=g)
        make_term(b, seats=[(Position.SECRETARY, people[0])])


@pytest.mark.parametrize(
    "page", ["org_tree_root", "org_tree_committee", "member_list", "branch_detail", "shell_list", "member_search"]
)
def test_list_pages_constant_queries(client, district_user, committee, django_assert_max_num_queries, page):
    """Query counts do not grow with rows: measure with few rows, then with many."""
    client.force_login(district_user)

    def url():
        b = Member.objects.order_by("-id").first().branch
        return {
            "org_tree_root": reverse("org_tree"),
            "org_tree_committee": reverse("org_tree", args=[committee.pk]),
            "member_list": reverse("member_list"),
            "member_search": reverse("member_list") + "?q=zh&flag=&status=full",
            "branch_detail": reverse("branch_detail", args=[b.pk]),
            "shell_list": reverse("shell_list"),
        }[page]

    _populate(committee, 2, 2)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert client.get(url()).status_code == 200
    _populate(committee, 12, 8)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url()).status_code == 200


def test_member_create_with_transfer_in(client, secretary, branch):
    client.force_login(secretary)
    data = {
        "name": "赵六",
        "gender": "F",
        "ethnicity": "回族",
        "birth_date": "1985-03-02",
        "education": "college",
        "occupation": "professional",
        "id_number": "11010519491231002X",
        "joined_on": "2010-07-01",
        "status": "full",
        "full_member_on": "2011-07-01",
        "transfer_from": "南京市鼓楼区某党支部",
    }
    r = client.post(reverse("member_create", args=[branch.pk]), data)
    assert "请填写转入日期" in r.content.decode()
    data["transfer_on"] = "2025-03-01"
    assert client.post(reverse("member_create", args=[branch.pk]), data).status_code == 302
    m = Member.objects.get(name="赵六")
    t = m.transfers.get()
    assert t.direction == "in" and t.counterpart == "南京市鼓楼区某党支部"


def test_member_flags_show_on_the_roster_list_and_member_page(client, secretary, branch):
    old = MemberFactory(branch=branch, name="老党员", joined_on=datetime.date(1948, 5, 1),
                        full_member_on=datetime.date(1949, 5, 1), is_lost=True)  # fmt: skip
    plain = MemberFactory(branch=branch, name="新党员")
    client.force_login(secretary)
    for url in (reverse("branch_detail", args=[branch.pk]), reverse("member_list") + f"?branch={branch.pk}",
                reverse("member_detail", args=[old.pk])):  # fmt: skip
        page = client.get(url).content.decode()
        assert '<span class="badge ok">建国前老党员</span>' in page and '<span class="badge danger">失联</span>' in page
    page = client.get(reverse("member_detail", args=[plain.pk])).content.decode()
    assert "建国前老党员" not in page and "失联</span>" not in page
