"""A member of the public, logged out on a phone, goes from the 公示 page to 典型宣传, opens a
recognised 党建品牌 and a 示范支部, and sees the photos the branch chose — and no member."""

import pytest
from django.urls import reverse
from django.utils import timezone

from branches.models import Role
from review import brands
from review.model_branches import model_branch_commend, model_branch_nominate
from tests.factories import MemberFactory, UserFactory, grant, make_branch, make_committee, org_tree
from tests.ledgers.test_activities import jpeg

pytestmark = pytest.mark.e2e


def test_public_showcase_logged_out_on_a_phone(phone):
    today = timezone.localdate()
    district = grant(UserFactory(username="district"), org_tree(), Role.DISTRICT)
    committee = make_committee("湖塘镇党委")
    branch = make_branch(committee, name="东街村党支部")
    member = MemberFactory(branch=branch, name="钱桂兰")
    secretary = grant(UserFactory(username="secretary"), branch, Role.SECRETARY)
    photos = [jpeg(pattern=1, name="a.jpg"), jpeg(pattern=2, color=(20, 90, 200), name="b.jpg")]
    b = brands.brand_submit(actor=secretary, branch=branch, name="红色管家", idea="党员当管家，服务零距离",
                            measures="每周一次入户走访", results="解决群众急难愁盼问题",
                            photos=photos)  # fmt: skip
    b = brands.brand_recommend(actor=district, brand=b)
    brands.brand_recognise(actor=district, brand=b, recognised_on=today, document_number="武组发〔2018〕88号")
    n = model_branch_nominate(actor=district, branch=branch, year=today.year, reason="组织生活规范")
    model_branch_commend(actor=district, nomination=n, commended_on=today, document_number="武组发〔2016〕120号")
    pending = make_branch(committee, name="南苑社区党支部")
    brands.brand_submit(actor=district, branch=pending, name="待审品牌", idea="理念", measures="做法", results="成效")

    page = phone
    page.goto(reverse("public_notices"))
    with page.expect_navigation():
        page.locator("main").get_by_role("link", name="典型宣传").click()
    main = page.locator("main").inner_text()
    assert "红色管家" in main and "东街村党支部" in main and "待审品牌" not in main
    with page.expect_navigation():
        page.locator("main").get_by_role("link", name="红色管家").first.click()
    assert page.url.endswith(reverse("showcase_brand", args=[b.pk]))
    main = page.locator("main").inner_text()
    assert "武组发〔2018〕88号" in main and "示范支部" in main
    images = page.locator("main .photos img")
    assert images.count() == 2
    page.wait_for_function("[...document.querySelectorAll('main .photos img')].every(i => i.complete)")
    assert page.evaluate("[...document.querySelectorAll('main .photos img')].every(i => i.naturalWidth > 0)")
    assert member.name not in page.content() and "/photo/" not in page.content().replace("/showcase/photo/", "")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "page scrolls sideways"

    response = page.goto(reverse("showcase_model_branch", args=[n.pk]))
    assert response.status == 200 and "public" in response.headers["cache-control"]
    assert "武组发〔2016〕120号" in page.locator("main").inner_text()
    # A private photo URL asks for a login; the brand page of a pending brand does not exist.
    photo = brands.brand_photos(b).first()
    response = page.goto(reverse("photo_file", args=[photo.pk, "display"]))
    assert "/login/" in page.url
    assert page.goto(reverse("showcase_brand", args=[b.pk + 1])).status == 404
