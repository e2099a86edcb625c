"""The objector's 受理编号 and the public status page: lodged logged out, looked up with the
reference and the contact given, one generic message when either is wrong, throttled."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from review import public_status
from review.models import REFERENCE_ALPHABET, REFERENCE_LENGTH, Objection, ObjectionStatus
from tests.review import test_public
from tests.review.test_public import TEXT, detail, token_for

world = test_public.world  # fixtures, shared with the public page's tests
_locmem_cache = test_public._locmem_cache

pytestmark = pytest.mark.django_db

STATUS = reverse("public_objection_status")
REF_RE = re.compile(r"受理编号：([2-9A-HJ-NP-Z]{5}-[2-9A-HJ-NP-Z]{5})。")
CONTACT = "0519-8650 0001"


def lodge(client, world, contact=CONTACT):
    r = client.post(detail(world["pub"]), {"branch": token_for(world["entry"]), "name": "", "contact": contact,
                                           "text": TEXT}, follow=True)  # fmt: skip
    assert r.status_code == 200
    page = r.content.decode()
    m = REF_RE.search(page)
    assert m, page
    assert "凭编号和您留的联系方式可以查询处理进度。" in page and f'href="{STATUS}?ref={m.group(1)}"' in page
    return m.group(1), page


def look_up(client, ref, contact):
    return client.post(STATUS, {"ref": ref, "contact": contact})


def without_values(r):
    return re.sub(r'value="[^"]*"', "", r.content.decode())


def handle(world, district_user, decision, note):
    staff = Client()
    staff.force_login(district_user)
    o = Objection.objects.get()
    r = staff.post(reverse("objection_handle", args=[o.pk]), {"decision": decision, "note": note})
    assert r.status_code == 302
    return staff


def test_reference_shape_and_uniqueness():
    refs = {Objection._meta.get_field("reference").default() for _ in range(200)}
    assert len(refs) == 200
    for ref in refs:
        assert len(ref) == REFERENCE_LENGTH and set(ref) <= set(REFERENCE_ALPHABET)
        assert not set(ref) & set("0O1I")


def test_lodge_then_status_pending(client, world):
    ref, page = lodge(client, world)
    o = Objection.objects.get()
    assert ref.replace("-", "") == o.reference
    assert client.get(f"{STATUS}?ref={ref}").status_code == 200  # the link pre-fills the form
    r = look_up(client, ref, CONTACT)
    page = r.content.decode()
    assert r.status_code == 200
    assert "已受理（核查中）" in page and "东街村党支部" in page and world["pub"].title in page
    assert TEXT in page and "处理意见" not in page
    assert "pending" not in page  # no internal codes


def test_contact_and_reference_are_normalised(client, world):
    ref, _ = lodge(client, world)
    r = look_up(client, f" {ref.lower().replace('-', ' ')} ", "051986500001")
    assert "已受理（核查中）" in r.content.decode()


def test_wrong_contact_or_reference_same_generic_message(client, world):
    ref, _ = lodge(client, world)
    wrong_contact = look_up(client, ref, "13800000000")
    other = "".join("2" if c != "2" else "3" for c in ref.replace("-", ""))
    wrong_ref = look_up(client, other, CONTACT)
    for r in (wrong_contact, wrong_ref):
        page = r.content.decode()
        assert r.status_code == 200 and public_status.NOT_FOUND in page
        assert "已受理" not in page and "东街村党支部" not in page and TEXT not in page
    assert without_values(wrong_contact) == without_values(wrong_ref)  # nothing says which part was wrong


def test_dismissed_shows_answer(client, world, district_user):
    ref, _ = lodge(client, world)
    staff = handle(world, district_user, "dismissed", "经核实有会议记录和签到表")
    assert ref in staff.get(reverse("objection_list") + "?status=dismissed").content.decode()
    page = look_up(client, ref, CONTACT).content.decode()
    assert "不予采纳" in page and "经核实有会议记录和签到表" in page and "已受理" not in page
    assert district_user.username not in page  # who handled it is not shown
    assert "dismissed" not in page


def test_upheld_shows_found(client, world, district_user):
    ref, _ = lodge(client, world)
    handle(world, district_user, "upheld", "情况属实，退回重新验收")
    page = look_up(client, ref, CONTACT).content.decode()
    assert "已查实" in page and "情况属实，退回重新验收" in page
    assert Objection.objects.get().status == ObjectionStatus.UPHELD


def test_staff_list_shows_reference(client, world, district_user):
    ref, _ = lodge(client, world)
    staff = Client()
    staff.force_login(district_user)
    assert ref in staff.get(reverse("objection_list")).content.decode()


def test_other_objections_not_reachable(client, world):
    ref, _ = lodge(client, world)
    lodge(client, world, contact="13900000000")
    page = look_up(client, ref, CONTACT).content.decode()
    assert page.count(TEXT) == 1 and "13900000000" not in page


def test_lookups_are_throttled(client, world):
    ref, _ = lodge(client, world)
    for _ in range(public_status.LOOKUPS_PER_HOUR):
        assert look_up(client, "AAAAA-AAAAA", CONTACT).status_code == 200
    r = look_up(client, ref, CONTACT)
    assert r.status_code == 429 and "提交过于频繁" in r.content.decode() and "已受理" not in r.content.decode()
    # the objection form keeps its own count
    assert client.post(detail(world["pub"]), {"branch": token_for(world["entry"]), "contact": "138",
                                              "text": TEXT}).status_code == 302  # fmt: skip


def test_honeypot_also_shows_a_reference(client, world):
    r = client.post(detail(world["pub"]), {"branch": token_for(world["entry"]), "contact": "138", "text": TEXT,
                                           "website": "http://spam.example"}, follow=True)  # fmt: skip
    m = REF_RE.search(r.content.decode())
    assert m and not Objection.objects.exists()
    assert public_status.NOT_FOUND in look_up(client, m.group(1), "138").content.decode()


def test_a_lookup_costs_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    ref, _ = lodge(client, world)
    for _ in range(3):  # more objections on the same notice change nothing
        lodge(client, world, contact="13800000000")
    with django_assert_max_num_queries(4):
        r = look_up(client, ref, CONTACT)
    assert "已受理（核查中）" in r.content.decode()


def test_staff_find_an_objection_by_its_number_as_read_out(client, world, district_user):
    ref, _ = lodge(client, world)
    handle(world, district_user, "dismissed", "经核实有会议记录")  # handled ones are found too
    other, _ = lodge(client, world, contact="13900000000")
    staff = Client()
    staff.force_login(district_user)
    typed = ref.replace("-", " ").lower()
    page = staff.get(reverse("objection_list"), {"q": typed}).content.decode()
    assert ref in page and other not in page
