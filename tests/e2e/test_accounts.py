"""A committee reviewer makes a secretary's login on a phone, reads the one-time password once;
the secretary signs in with it, must set their own, and lands on their branch; a reset asks
once and gives a new one-time password."""

import re

import pytest
from django.urls import reverse

from branches.models import Role, User
from tests.e2e.conftest import PHONE
from tests.factories import UserFactory, grant, make_branch, make_committee

pytestmark = pytest.mark.e2e


def sign_in(page, username, password):
    page.goto(reverse("login"))
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()


def no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), f"{page.url} scrolls sideways"


def test_reviewer_makes_a_login_and_the_secretary_sets_their_own_password(phone, browser, live_server):
    committee = make_committee("湖塘镇党委")
    branch = make_branch(committee, name="东街村党支部")
    make_branch(make_committee("牛塘镇党委"), name="西庄村党支部")
    grant(UserFactory(username="reviewer_a"), committee, Role.REVIEWER)
    page = phone

    sign_in(page, "reviewer_a", "pass-1234-word")
    page.get_by_role("link", name="账号管理").click()
    no_sideways_scroll(page)
    page.get_by_role("link", name="＋ 新建账号").click()
    options = page.locator("#id_role option").all_inner_texts()
    assert "区委组织部工作人员" not in options
    assert "西庄村党支部" not in page.locator("#id_organization").inner_text()
    page.get_by_label("登录名").fill("dongjie_sj")
    page.get_by_label("姓名").fill("王建国")
    page.locator("#id_role").select_option(label="支部书记")
    page.locator("#id_organization").select_option(value=str(branch.pk))
    page.get_by_role("button", name="确定").click()
    password = page.locator(".otp").inner_text()
    no_sideways_scroll(page)
    assert re.fullmatch(r"[A-Za-z0-9]{10}", password)
    page.reload()
    assert password not in page.content() and "已经显示过" in page.content()

    # the secretary, on their own phone
    theirs = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, base_url=live_server.url)
    sec = theirs.new_page()
    try:
        sign_in(sec, "dongjie_sj", password)
        sec.wait_for_url(re.compile(re.escape(reverse("own_password")) + r"$"))
        assert "一次性密码" in sec.locator("main").inner_text()
        no_sideways_scroll(sec)
        sec.locator("#id_new_password1").fill("Dongjie-2026-x")
        sec.locator("#id_new_password2").fill("Dongjie-2026-x")
        sec.get_by_role("button", name="保存新密码").click()
        sec.get_by_text(branch.name).first.wait_for()
        assert "/password/" not in sec.url
    finally:
        theirs.close()
    assert User.objects.get(username="dongjie_sj").check_password("Dongjie-2026-x")

    # the reviewer resets it: asked once, a new one-time password
    page.goto(reverse("account_list"))
    page.get_by_role("link", name="王建国").click()
    page.get_by_role("button", name="重置密码").click()
    second = page.locator(".otp").inner_text()
    assert second != password
    assert [m for m in page.context.confirmations if "原密码立即失效" in m], "重置 did not ask once"
    page.get_by_role("link", name="我已记下，返回账号").click()
    log = page.locator("main").inner_text()
    assert "创建账号" in log and "重置密码" in log and "本人修改密码" in log
