"""Item 26 (党员信息台账) checks the fields of the 《党员基本情况登记表》 (issue #17): before, a
phone number alone made a member's entry complete, with no work unit or address on record."""

import datetime
from decimal import Decimal

import pytest

from branches.models import Member, MemberStatus
from ledgers.models import MemberRecord, RecordKind
from tests.assessment.test_rules import MONTHS, _pay, members, one

pytestmark = pytest.mark.django_db

D = Decimal
FILLED = {"phone": "13800000000", "work_unit": "东街村村委会 会计", "address": "湖塘镇东街村12号"}


def _branch_with_ledger(branch, n=3):
    people = members(branch, n, **FILLED)
    MemberRecord.objects.bulk_create(
        [
            MemberRecord(member=m, kind=RecordKind.TRAINING, occurred_on=datetime.date(2025, 3, 1), title="培训")
            for m in people
        ]  # fmt: skip
    )
    _pay(people[:1], months=MONTHS[:1])
    return people


def test_a_phone_alone_is_not_a_complete_register(branch):
    people = _branch_with_ledger(branch)
    assert one("member_ledger", branch).score == D("5")
    Member.objects.filter(pk=people[0].pk).update(work_unit="", address="")
    Member.objects.filter(pk=people[1].pk).update(address=" ")
    got = one("member_ledger", branch)
    assert got.score == D("4")
    assert "登记表缺项的党员2名（缺家庭住址2名、工作单位及职务1名）" in got.reason
    assert any(e["label"] == f"{people[0].name}（登记表缺工作单位及职务、家庭住址）" for e in got.evidence)
    assert any(e["url"] == f"/member/{people[1].pk}/" for e in got.evidence)


def test_full_members_need_the_full_member_date_probationary_ones_do_not(branch):
    people = _branch_with_ledger(branch)
    Member.objects.filter(pk=people[0].pk).update(status=MemberStatus.PROBATIONARY, full_member_on=None)
    assert one("member_ledger", branch).score == D("5")
    Member.objects.filter(pk=people[1].pk).update(full_member_on=None)  # a full member without the date
    got = one("member_ledger", branch)
    assert got.score == D("4") and "缺转正日期1名" in got.reason


def test_ethnicity_and_contact_are_fields_too(branch):
    people = _branch_with_ledger(branch)
    Member.objects.filter(pk=people[0].pk).update(ethnicity="", phone="")
    got = one("member_ledger", branch)
    assert got.score == D("4") and "民族1名" in got.reason and "联系电话1名" in got.reason
