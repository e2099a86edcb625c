"""A branch secretary logs in on a phone and sees only their own branch."""

import re

import pytest
from django.urls import reverse

from branches.models import Role
from tests.factories import UserFactory, grant, make_branch, make_committee

pytestmark = pytest.mark.e2e


def test_secretary_logs_in_on_phone_and_cannot_open_another_branch(phone):
    committee = make_committee("湖塘镇党委")
    branch_a = make_branch(committee, name="东街村党支部")
    branch_b = make_branch(committee, name="西庄村党支部")
    grant(UserFactory(username="secretary_a"), branch_a, Role.SECRETARY)
    page = phone

    page.goto(reverse("login"))
    page.get_by_label("用户名").fill("secretary_a")
    page.get_by_label("密码").fill("pass-1234-word")
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()

    # Home page; with a single branch in scope it forwards to that branch's page.
    assert "/login/" not in page.url, "login failed: " + page.locator("main").inner_text()
    page.get_by_text(branch_a.name).first.wait_for()
    detail_url = reverse("branch_detail", args=[branch_a.pk])
    if not page.url.endswith(detail_url):
        page.get_by_role("link", name=branch_a.name).first.click()
    page.wait_for_url(re.compile(re.escape(detail_url) + r"$"))
    assert branch_a.name in page.locator("main").inner_text()
    assert branch_b.name not in page.content()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "page scrolls sideways"

    # A direct URL to a branch outside the secretary's scope is "not found", not forbidden.
    response = page.goto(reverse("branch_detail", args=[branch_b.pk]))
    assert response.status == 404
    assert branch_b.name not in page.content()
    assert "未找到" in page.title() or "Not Found" in page.content()
