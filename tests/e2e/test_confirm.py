"""A final step asks once in the browser (``static/js/confirm.js``), whether the question sits on
the submit button (a 党建品牌's 推荐) or on the form (a 示范支部 recommendation's 表彰)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from branches.models import Role
from review import brands
from review.brand_models import BrandStatus, PartyBrand
from review.model_branch_models import ModelBranchNomination, NominationStatus
from review.model_branches import model_branch_nominate
from tests.e2e.conftest import log_in
from tests.factories import UserFactory, grant, make_branch, make_committee, org_tree

pytestmark = pytest.mark.e2e




def test_button_and_form_questions_are_asked_once(phone):
    district = grant(UserFactory(username="district_c"), org_tree(), Role.DISTRICT)
    committee = make_committee("湖塘镇党委")
    branch = make_branch(committee, name="东街村党支部")
    secretary = grant(UserFactory(username="secretary_c"), branch, Role.SECRETARY)
    grant(UserFactory(username="reviewer_c"), committee, Role.REVIEWER)
    brand = brands.brand_submit(actor=secretary, branch=branch, name="红色管家", idea="党员当管家",
                                measures="每周入户走访", results="解决急难愁盼")  # fmt: skip
    nomination = model_branch_nominate(actor=district, branch=branch, year=timezone.localdate().year,
                                       reason="组织生活规范")  # fmt: skip

    log_in(phone, "reviewer_c")
    phone.goto(reverse("brand_detail", args=[brand.pk]))
    with phone.expect_navigation():
        phone.get_by_role("button", name="推荐").click()
    assert phone.context.confirmations == ["确认推荐“红色管家”报区委组织部认定？"]
    assert PartyBrand.objects.get(pk=brand.pk).status == BrandStatus.RECOMMENDED

    phone.context.confirmations.clear()
    phone.context.clear_cookies()
    log_in(phone, "district_c")
    phone.goto(reverse("model_branch_list"))
    form = phone.locator("form[data-confirm]").filter(has=phone.get_by_role("button", name="表彰为示范支部"))
    form.get_by_label("表彰文件文号").fill("武组发〔2016〕120号")
    with phone.expect_navigation():
        form.get_by_role("button", name="表彰为示范支部").click()
    assert phone.context.confirmations == ["确认表彰东街村党支部为示范支部？"]
    assert ModelBranchNomination.objects.get(pk=nomination.pk).status == NominationStatus.COMMENDED
