"""Closing a branch ends its Party groups through history, not with a queryset update that
records nothing (issue 11, point 5)."""

import datetime

import pytest

from branches import services
from branches.models import PartyGroup
from tests.factories import PartyGroupFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("how", ["dissolve", "merge"])
def test_groups_of_a_closed_branch_end_with_history(how, district_user, branch, other_branch):
    group = PartyGroupFactory(branch=branch, name="第一党小组")
    on = datetime.date(2025, 5, 1)
    if how == "dissolve":
        services.org_dissolve(actor=district_user, org=branch, occurred_on=on, reason="村撤并")
    else:
        services.org_merge(actor=district_user, org=branch, into=other_branch, occurred_on=on, reason="村撤并")
    assert not PartyGroup.objects.get(pk=group.pk).is_active
    last = group.history.latest()
    assert not last.is_active and last.history_type == "~" and last.history_user == district_user
    branch.refresh_from_db()
    assert branch.history.latest().history_user == district_user
