"""Account pages: who may create, grant, revoke, reset, unlock and stop which login; the
one-time password shown once and changed at first login; every change in the log."""

import re

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from branches.account_models import AccountAction, AccountEvent
from branches.models import Role, RoleAssignment, User
from tests.factories import UserFactory, grant, make_branch

pytestmark = pytest.mark.django_db
PASSWORD = "pass-1234-word"


def token(page):
    return re.search(r'name="form_token" value="([0-9a-f]+)"', page.content.decode()).group(1)


def shown_password(client, response):
    """Follow the redirect to the page that shows the one-time password; return it."""
    assert response.status_code == 302, response.content.decode()[:2000]
    page = client.get(response["Location"])
    m = re.search(r'class="otp"[^>]*>([A-Za-z0-9]+)<', page.content.decode())
    assert m, page.content.decode()
    return m.group(1), response["Location"]


def login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def create(client, **data):
    page = client.get(reverse("account_create"))
    return client.post(reverse("account_create"), {"form_token": token(page), **data})


@pytest.fixture
def in_other(other_committee, other_branch):
    """A secretary of the other committee's branch."""
    return grant(UserFactory(username="far_secretary"), other_branch, Role.SECRETARY)


@pytest.fixture
def in_mine(branch):
    return grant(UserFactory(username="near_secretary", full_name="近书记"), branch, Role.SECRETARY)


# ---------------------------------------------------------------- create, shown once, first login


def test_district_creates_a_login_shown_once_and_changed_at_first_login(client, district_user, branch):
    client.force_login(district_user)
    r = create(
        client, username="dongjie01", full_name="王书记", phone="13900000000", role="secretary", organization=branch.pk
    )
    password, shown_url = shown_password(client, r)
    again = client.get(shown_url)
    assert password not in again.content.decode() and "已经显示过" in again.content.decode()

    user = User.objects.get(username="dongjie01")
    assert user.must_change_password and user.check_password(password)
    assert RoleAssignment.objects.filter(user=user, organization=branch, role=Role.SECRETARY).exists()
    ev = AccountEvent.objects.get(user=user)
    assert ev.action == AccountAction.CREATED and ev.actor == district_user and ev.organization == branch

    newcomer = client.__class__()
    assert login(newcomer, "dongjie01", password).status_code == 302
    # every page sends them to set their own password first
    r = newcomer.get(reverse("branch_detail", args=[branch.pk]))
    assert r.status_code == 302 and r["Location"] == reverse("own_password")
    page = newcomer.get(reverse("own_password"))
    assert "old_password" not in page.content.decode()  # not asked: they just signed in with it
    r = newcomer.post(reverse("own_password"), {"new_password1": "123", "new_password2": "123"})
    assert r.status_code == 200 and "errorlist" in r.content.decode()
    r = newcomer.post(reverse("own_password"), {"new_password1": "Dongjie-2026-x", "new_password2": "Dongjie-2026-x"})
    assert r.status_code == 302
    assert newcomer.get(reverse("branch_detail", args=[branch.pk])).status_code == 200
    user.refresh_from_db()
    assert not user.must_change_password and user.check_password("Dongjie-2026-x")
    assert AccountEvent.objects.filter(user=user, action=AccountAction.PASSWORD_CHANGED, actor=user).exists()


def test_a_second_post_of_the_same_create_form_saves_once(client, district_user, branch):
    client.force_login(district_user)
    page = client.get(reverse("account_create"))
    data = {
        "form_token": token(page),
        "username": "twice",
        "full_name": "两次",
        "role": "secretary",
        "organization": branch.pk,
    }
    first = client.post(reverse("account_create"), data)
    second = client.post(reverse("account_create"), data)
    assert first.status_code == second.status_code == 302
    assert User.objects.filter(username="twice").count() == 1
    assert AccountEvent.objects.filter(user__username="twice").count() == 1


def test_a_taken_login_name_is_refused_and_what_was_typed_kept(client, district_user, branch, secretary):
    client.force_login(district_user)
    r = create(
        client, username="SECRETARY", full_name="重名的人", phone="139", role="secretary", organization=branch.pk
    )
    body = r.content.decode()
    assert r.status_code == 200 and "该登录名已被使用" in body and "重名的人" in body


def test_a_role_goes_only_on_its_kind_of_organization(client, district_user, committee):
    client.force_login(district_user)
    r = create(client, username="wrongkind", full_name="甲", role="secretary", organization=committee.pk)
    assert r.status_code == 200 and "只能设在党支部上" in r.content.decode()
    assert not User.objects.filter(username="wrongkind").exists()


# ---------------------------------------------------------------- a reviewer's subtree


def test_reviewer_creates_in_their_subtree_but_never_a_district_role(client, reviewer, branch, district, other_branch):
    client.force_login(reviewer)
    page = client.get(reverse("account_create")).content.decode()
    assert 'value="district"' not in page and other_branch.name not in page and branch.name in page
    r = create(client, username="xin01", full_name="新书记", role="secretary", organization=branch.pk)
    shown_password(client, r)
    for role, org in (("district", district), ("secretary", other_branch)):
        r = create(client, username="bad_" + role, full_name="甲", role=role, organization=org.pk)
        assert r.status_code == 200 and "errorlist" in r.content.decode()
    assert not User.objects.filter(username__startswith="bad_").exists()


def test_the_services_refuse_what_the_forms_hide(reviewer, in_mine, district, other_branch):
    from branches import accounts
    from wujin_branch.errors import DomainError

    for role, org in ((Role.DISTRICT, district), (Role.SECRETARY, other_branch)):
        with pytest.raises(DomainError):
            accounts.grant_role(actor=reviewer, user=in_mine, role=role, organization=org)
        with pytest.raises(DomainError):
            accounts.create_account(
                actor=reviewer, username="x" + role, full_name="x", phone="", role=role, organization=org
            )


FOREIGN_GETS = ["account_detail", "account_edit", "account_grant", "account_deactivate"]
FOREIGN_POSTS = ["account_reset", "account_unlock", "account_reactivate"]


@pytest.mark.parametrize("name", FOREIGN_GETS + FOREIGN_POSTS)
def test_another_committees_user_is_a_404_on_every_url(client, reviewer, in_other, name):
    client.force_login(reviewer)
    url = reverse(name, args=[in_other.pk])
    if name in FOREIGN_GETS:
        assert client.get(url).status_code == 404
    assert client.post(url, {"reason": "x", "role": "secretary"}).status_code == 404
    ra = in_other.roles.get()
    assert client.post(reverse("account_revoke", args=[in_other.pk, ra.pk])).status_code == 404
    in_other.refresh_from_db()
    assert in_other.is_active and in_other.check_password(PASSWORD) and in_other.roles.count() == 1
    assert not AccountEvent.objects.exists()


def test_a_role_of_another_user_cannot_be_revoked_through_my_user(client, reviewer, in_mine, in_other):
    client.force_login(reviewer)
    ra = in_other.roles.get()
    assert client.post(reverse("account_revoke", args=[in_mine.pk, ra.pk])).status_code == 404
    assert RoleAssignment.objects.filter(pk=ra.pk).exists()


def test_a_login_working_elsewhere_too_is_the_districts(client, reviewer, in_mine, other_branch, branch):
    """The reviewer sees the user (a role under their committee) and may revoke that role, but
    may not reset, stop or unlock the login, which also works in another committee."""
    grant(in_mine, other_branch, Role.WORKER)
    client.force_login(reviewer)
    page = client.get(reverse("account_detail", args=[in_mine.pk])).content.decode()
    assert reverse("account_reset", args=[in_mine.pk]) not in page and "联系区委组织部" in page
    r = client.post(reverse("account_reset", args=[in_mine.pk]))
    assert r.status_code == 200 and "您没有权限管理该账号" in r.content.decode()
    in_mine.refresh_from_db()
    assert in_mine.check_password(PASSWORD) and not in_mine.must_change_password
    far = in_mine.roles.get(organization=other_branch)
    assert client.post(reverse("account_revoke", args=[in_mine.pk, far.pk])).status_code == 404
    mine = in_mine.roles.get(organization=branch)
    assert client.post(reverse("account_revoke", args=[in_mine.pk, mine.pk])).status_code == 302
    assert list(in_mine.roles.values_list("organization", flat=True)) == [other_branch.pk]


def test_reviewer_cannot_touch_district_staff_nor_themselves(client, reviewer, district_user, committee):
    grant(district_user, committee, Role.REVIEWER)  # district staff who also review here
    client.force_login(reviewer)
    page = client.get(reverse("account_detail", args=[district_user.pk])).content.decode()
    assert reverse("account_reset", args=[district_user.pk]) not in page
    assert client.post(reverse("account_reset", args=[district_user.pk])).status_code == 200
    district_user.refresh_from_db()
    assert district_user.check_password(PASSWORD)
    own = client.get(reverse("account_detail", args=[reviewer.pk])).content.decode()
    assert reverse("account_reset", args=[reviewer.pk]) not in own and "/revoke/" not in own and "本人的账号" in own


@pytest.mark.parametrize("name", ["account_list", "account_create", "account_log"])
def test_a_secretary_has_no_account_pages(client, secretary, name):
    client.force_login(secretary)
    assert client.get(reverse(name)).status_code == 404
    assert (
        "账号管理"
        not in client.get(reverse("branch_detail", args=[secretary.roles.get().organization_id])).content.decode()
    )


def test_a_secretary_cannot_use_the_account_urls(client, secretary, in_mine):
    client.force_login(secretary)
    assert client.get(reverse("account_detail", args=[in_mine.pk])).status_code == 404
    assert client.post(reverse("account_reset", args=[in_mine.pk])).status_code == 404


# ---------------------------------------------------------------- reset, unlock, stop, revoke


def test_reset_gives_a_one_time_password_and_ends_the_old_one(client, reviewer, in_mine):
    client.force_login(reviewer)
    r = client.post(reverse("account_reset", args=[in_mine.pk]))
    password, _ = shown_password(client, r)
    in_mine.refresh_from_db()
    assert in_mine.check_password(password) and in_mine.must_change_password
    assert not in_mine.check_password(PASSWORD)
    ev = AccountEvent.objects.get(user=in_mine)
    assert ev.action == AccountAction.RESET and ev.actor == reviewer and password not in ev.detail


def test_unlock_clears_the_lock_and_the_user_can_sign_in(client, reviewer, in_mine):
    other = client.__class__()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(other, in_mine.username, "wrong")
    assert login(other, in_mine.username, PASSWORD).status_code != 302  # locked
    client.force_login(reviewer)
    assert "已锁定" in client.get(reverse("account_list")).content.decode()
    r = client.post(reverse("account_unlock", args=[in_mine.pk]))
    assert r.status_code == 302
    assert not AccessAttempt.objects.filter(username=in_mine.username).exists()
    assert login(other, in_mine.username, PASSWORD).status_code == 302
    assert AccountEvent.objects.filter(user=in_mine, action=AccountAction.UNLOCKED).exists()
    r = client.post(reverse("account_unlock", args=[in_mine.pk]))
    assert "该账号没有被锁定" in r.content.decode()


def test_stopping_needs_a_reason_and_signs_the_user_out(client, reviewer, in_mine, branch):
    theirs = client.__class__()
    theirs.force_login(in_mine)
    assert theirs.get(reverse("branch_detail", args=[branch.pk])).status_code == 200
    client.force_login(reviewer)
    r = client.post(reverse("account_deactivate", args=[in_mine.pk]), {"reason": ""})
    assert r.status_code == 200 and "errorlist" in r.content.decode()
    r = client.post(reverse("account_deactivate", args=[in_mine.pk]), {"reason": "调离岗位"})
    assert r.status_code == 302
    in_mine.refresh_from_db()
    assert not in_mine.is_active
    assert theirs.get(reverse("branch_detail", args=[branch.pk])).status_code == 302  # to the login page
    assert AccountEvent.objects.get(user=in_mine, action=AccountAction.DEACTIVATED).detail == "调离岗位"
    assert client.post(reverse("account_reactivate", args=[in_mine.pk])).status_code == 302
    in_mine.refresh_from_db()
    assert in_mine.is_active


def test_grant_and_revoke_are_logged(client, reviewer, in_mine, committee, branch):
    client.force_login(reviewer)
    second = make_branch(committee, name="南街村党支部")
    r = client.post(reverse("account_grant", args=[in_mine.pk]), {"role": "worker", "organization": second.pk})
    assert r.status_code == 302
    ra = RoleAssignment.objects.get(user=in_mine, organization=second)
    r = client.post(reverse("account_grant", args=[in_mine.pk]), {"role": "worker", "organization": second.pk})
    assert "该账号已有这个角色" in r.content.decode()
    assert client.post(reverse("account_revoke", args=[in_mine.pk, ra.pk])).status_code == 302
    actions = list(AccountEvent.objects.filter(user=in_mine).order_by("pk").values_list("action", flat=True))
    assert actions == [AccountAction.GRANTED, AccountAction.REVOKED]
    log = client.get(reverse("account_log")).content.decode()
    assert "授予角色" in log and "撤销角色" in log and "南街村党支部" in log


def test_each_reviewer_reads_only_their_subtrees_log(client, reviewer, in_mine, in_other, district_user):
    from branches import accounts

    accounts.reset_password(actor=district_user, user=in_mine)
    accounts.reset_password(actor=district_user, user=in_other)
    client.force_login(reviewer)
    log = client.get(reverse("account_log")).content.decode()
    assert in_mine.full_name in log and in_other.full_name not in log
    client.force_login(district_user)
    log = client.get(reverse("account_log")).content.decode()
    assert in_mine.full_name in log and in_other.full_name in log


def test_own_password_asks_the_old_one(client, secretary):
    client.force_login(secretary)
    r = client.post(
        reverse("own_password"),
        {"old_password": "nope", "new_password1": "Abc-2026-zz", "new_password2": "Abc-2026-zz"},
    )
    assert r.status_code == 200
    r = client.post(
        reverse("own_password"),
        {"old_password": PASSWORD, "new_password1": "Abc-2026-zz", "new_password2": "Abc-2026-zz"},
    )
    assert r.status_code == 302
    assert client.get(reverse("home")).status_code in (200, 302)  # still signed in
    secretary.refresh_from_db()
    assert secretary.check_password("Abc-2026-zz")


# ---------------------------------------------------------------- fixed queries


def test_the_account_list_runs_a_fixed_number_of_queries(client, reviewer, committee):
    branches = [make_branch(committee, name=f"第{i}测试支部") for i in range(3)]

    def add(n):
        for i in range(n):
            u = UserFactory()
            grant(u, branches[i % 3], Role.SECRETARY)
            grant(u, branches[(i + 1) % 3], Role.WORKER)

    client.force_login(reviewer)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("account_list")).status_code == 200
        return len(ctx.captured_queries)

    add(2)
    count()  # warm-up: the menu's unread badge is cached after the first page
    few = count()
    add(20)
    assert count() == few
    assert User.objects.filter(~Q(roles=None)).count() >= 23


def test_the_list_narrows_to_an_organization_in_scope_only(client, reviewer, in_mine, committee, other_branch):
    second = make_branch(committee, name="南街村党支部")
    elsewhere = grant(UserFactory(username="south_worker", full_name="南工作者"), second, Role.WORKER)
    client.force_login(reviewer)
    page = client.get(reverse("account_list") + f"?org={second.pk}").content.decode()
    assert elsewhere.full_name in page and in_mine.full_name not in page
    assert client.get(reverse("account_list") + f"?org={other_branch.pk}").status_code == 404
    whole = client.get(reverse("account_list")).content.decode()
    assert elsewhere.full_name in whole and in_mine.full_name in whole


def test_account_pages_say_roles_and_actions_in_words(client, reviewer, in_mine, district_user):
    """No role code (``secretary``), action code (``password_changed``) in the visible text."""
    from branches import accounts
    from tests.review.test_no_internal_codes import visible_text

    accounts.reset_password(actor=district_user, user=in_mine)
    accounts.change_own_password(user=in_mine, password="Near-2026-pw")
    codes = re.compile(r"(?<![A-Za-z_])(" + "|".join([*Role.values, *AccountAction.values]) + r")(?![A-Za-z_])")
    client.force_login(reviewer)
    for url in (reverse("account_list"), reverse("account_detail", args=[in_mine.pk]), reverse("account_log")):
        text = visible_text(client.get(url).content.decode())
        text = text.replace(in_mine.username, "").replace(reviewer.username, "")
        assert not codes.findall(text), (url, codes.findall(text))
        assert "支部书记" in text if url != reverse("account_log") else "本人修改密码" in text


def test_the_one_time_password_cannot_be_kept(client, district_user, branch):
    from branches import accounts

    user, password = accounts.create_account(actor=district_user, username="keeper", full_name="甲", phone="",
                                             role=Role.SECRETARY, organization=branch)  # fmt: skip
    assert login(client, "keeper", password).status_code == 302
    r = client.post(reverse("own_password"), {"new_password1": password, "new_password2": password})
    assert r.status_code == 200 and "不能与一次性密码相同" in r.content.decode()
    user.refresh_from_db()
    assert user.must_change_password


def test_a_reviewer_cannot_take_over_an_admin_site_login(reviewer, branch):
    from branches import accounts

    staff = grant(UserFactory(username="site_staff", is_staff=True), branch, Role.SECRETARY)
    assert not accounts.may_manage(reviewer, staff)


def test_a_bad_org_in_the_create_link_is_ignored(client, reviewer):
    client.force_login(reviewer)
    assert client.get(reverse("account_create") + "?org=abc").status_code == 200


@pytest.mark.parametrize("page", ["account_log", "account_detail"])
def test_the_log_and_account_pages_run_a_fixed_number_of_queries(client, district_user, in_mine, page):
    from branches import accounts

    client.force_login(district_user)
    url = reverse(page, args=[in_mine.pk]) if page == "account_detail" else reverse(page)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    accounts.reset_password(actor=district_user, user=in_mine)
    count()  # warm-up: the menu's unread badge is cached after the first page
    few = count()
    for _ in range(12):
        accounts.reset_password(actor=district_user, user=in_mine)
    assert count() == few


def test_an_account_with_a_log_cannot_be_deleted_and_its_log_stays(district_user, branch):
    from django.db.models import ProtectedError

    from branches.accounts import create_account

    user, _ = create_account(actor=district_user, username="keeps_log", full_name="留痕", phone="",
                             role=Role.SECRETARY, organization=branch)  # fmt: skip
    events = AccountEvent.objects.filter(user=user).count()
    assert events >= 1
    with pytest.raises(ProtectedError):
        user.delete()
    assert AccountEvent.objects.filter(user=user).count() == events
