import pytest

from branches.models import Role

from .factories import MemberFactory, UserFactory, grant, make_branch, make_committee, org_tree


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def district():
    return org_tree()


@pytest.fixture
def committee(district):
    return make_committee("湖塘镇党委")


@pytest.fixture
def other_committee(district):
    return make_committee("牛塘镇党委")


@pytest.fixture
def branch(committee):
    return make_branch(committee, name="东街村党支部")


@pytest.fixture
def other_branch(other_committee):
    return make_branch(other_committee, name="西庄村党支部")


@pytest.fixture
def district_user(district):
    return grant(UserFactory(username="district"), district, Role.DISTRICT)


@pytest.fixture
def reviewer(committee):
    return grant(UserFactory(username="reviewer"), committee, Role.REVIEWER)


@pytest.fixture
def secretary(branch):
    return grant(UserFactory(username="secretary"), branch, Role.SECRETARY)


@pytest.fixture
def other_secretary(other_branch):
    return grant(UserFactory(username="other_secretary"), other_branch, Role.SECRETARY)


@pytest.fixture
def member(branch):
    return MemberFactory(branch=branch)
