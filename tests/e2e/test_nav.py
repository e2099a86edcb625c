"""The grouped nav (日常督查, 结果运用) on a phone and on a wide screen: a menu opens, its link
goes where it says, a click elsewhere closes it, and nothing scrolls sideways."""

import pytest
from django.urls import reverse

from branches.models import Role
from tests.e2e.conftest import log_in
from tests.factories import UserFactory, grant, org_tree

pytestmark = pytest.mark.e2e




@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_grouped_menus_open_lead_and_close(screen, request, live_server):
    page = request.getfixturevalue(screen)
    grant(UserFactory(username="district_nav"), org_tree(), Role.DISTRICT)
    log_in(page, "district_nav")
    nav = page.locator("header nav")
    reward = nav.get_by_role("link", name="以奖代补")
    assert not reward.is_visible()
    nav.locator("summary", has_text="结果运用").click()
    assert reward.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "menu scrolls sideways"
    page.locator("main").click(position={"x": 5, "y": 5})
    assert not reward.is_visible()

    nav.locator("summary", has_text="日常督查").click()
    with page.expect_navigation():
        nav.get_by_role("link", name="生活会备案").click()
    assert page.url.endswith(reverse("minutes_filing_inbox"))
    nav.locator("summary", has_text="结果运用").click()
    with page.expect_navigation():
        reward.click()
    assert page.url.endswith(reverse("reward_list"))
