"""factory_boy factories shared by every app's tests."""

import datetime
import itertools

import factory
from factory.django import DjangoModelFactory

from branches.derived import group_number
from branches.models import (
    CommitteeSeat,
    CommitteeTerm,
    Member,
    MemberFlow,
    MemberStatus,
    Organization,
    OrgKind,
    PartyGroup,
    Position,
    Role,
    RoleAssignment,
    User,
    add_years,
)
from branches.services import name_pinyin

_id_seq = itertools.count(1)


def make_id_number(birth: datetime.date, seq: int | None = None) -> str:
    """A valid 18-digit identity number (check digit per GB 11643) for tests and demo data."""
    seq = next(_id_seq) if seq is None else seq
    body = f"320412{birth:%Y%m%d}{seq % 1000:03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11]
    return body + check


def unique_id_number(birth):
    # Vary the region code so more than 1000 numbers per birth date stay unique.
    n = next(_id_seq)
    body = f"32{n // 1000 % 10000:04d}{birth:%Y%m%d}{n % 1000:03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11]


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.django.Password("pass-1234-word")


def org_tree():
    """The district root, created once per test database."""
    root = Organization.objects.get_root_nodes().filter(kind=OrgKind.DISTRICT).first()
    if root is None:
        root = Organization.objects.add_root({"kind": OrgKind.DISTRICT, "name": "中共常州市武进区委组织部"})
    return root


def make_committee(name="湖塘镇党委", **kw):
    root = org_tree()
    root.refresh_from_db()
    kw.setdefault("committee_kind", "town")
    return Organization.objects.add_child(root, {"kind": OrgKind.COMMITTEE, "name": name, **kw})


def make_branch(parent=None, name=None, **kw):
    parent = parent or make_committee()
    parent.refresh_from_db()
    name = name or f"第{next(_id_seq)}党支部"
    kw.setdefault("branch_type", "village")
    kw.setdefault("founded_on", datetime.date(2000, 1, 1))
    return Organization.objects.add_child(parent, {"kind": OrgKind.BRANCH, "name": name, **kw})


class MemberFactory(DjangoModelFactory):
    class Meta:
        model = Member

    branch = factory.LazyFunction(make_branch)
    name = factory.Iterator(["张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄强", "周杰", "吴霞"])
    gender = "M"
    birth_date = datetime.date(1980, 5, 1)
    education = "bachelor"
    occupation = "worker"
    id_number = factory.LazyAttribute(lambda o: unique_id_number(o.birth_date))
    joined_on = datetime.date(2005, 7, 1)
    full_member_on = datetime.date(2006, 7, 1)
    status = MemberStatus.FULL
    # Tracked on the platform since joining (a test that is about arrears says from when);
    # member_create's default is the month of entry (branches.models.default_dues_from).
    dues_from = factory.LazyAttribute(lambda o: o.joined_on.replace(day=1))
    name_pinyin = factory.LazyAttribute(lambda o: name_pinyin(o.name)[0])
    name_initials = factory.LazyAttribute(lambda o: name_pinyin(o.name)[1])


class MemberFlowFactory(DjangoModelFactory):
    """An open flow: 流出 to ``counterpart`` outside the district unless ``in_branch`` is given."""

    class Meta:
        model = MemberFlow

    member = factory.SubFactory(MemberFactory)
    direction = "out"
    counterpart = factory.LazyAttribute(lambda o: "" if o.in_branch else "中共上海市某流动党员党支部")
    in_branch = None
    started_on = datetime.date(2024, 3, 1)


class PartyGroupFactory(DjangoModelFactory):
    class Meta:
        model = PartyGroup

    branch = factory.LazyFunction(make_branch)
    name = factory.Sequence(lambda n: f"第{n}党小组")
    number = factory.LazyAttribute(lambda o: group_number(o.name))


def grant(user, org, role):
    RoleAssignment.objects.create(user=user, organization=org, role=role)
    if hasattr(user, "_scopes_cache"):
        del user._scopes_cache
    return user


def make_term(branch, *, elected_on=datetime.date(2024, 1, 10), term_years=3, seats=None):
    term = CommitteeTerm.objects.create(
        branch=branch, elected_on=elected_on, term_years=term_years, due_on=add_years(elected_on, term_years)
    )
    for position, member in seats or []:
        CommitteeSeat.objects.create(term=term, position=position, holder=member, since=elected_on)
    return term


def without_vetoes(branch, year, *, elected_on=datetime.date(2020, 1, 10)):
    """A branch the veto detection finds nothing against: a 书记 in office and the year's
    special fund (the vetoes are judged again at each decision, so deleting them is not enough)."""
    from ledgers.models import FundingYear

    secretary = MemberFactory(branch=branch, name="书记甲")
    make_term(branch, elected_on=elected_on, seats=[(Position.SECRETARY, secretary)])
    FundingYear.objects.update_or_create(branch=branch, year=year, defaults={"has_special_fund": True})
    return secretary


__all__ = [
    "without_vetoes",
    "MemberFactory",
    "PartyGroupFactory",
    "Position",
    "Role",
    "UserFactory",
    "grant",
    "make_branch",
    "make_committee",
    "make_term",
    "org_tree",
]


def touch(branch):
    """A write to the branch's row: its version token changes (database trigger), so a page of
    it cached before is rendered afresh."""
    from django.db.models import F

    from branches.models import Organization

    Organization.objects.filter(pk=branch.pk).update(name=F("name"))
