"""示范支部: who may nominate, commend and decline; refusals keep what was typed."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from review.model_branch_models import ModelBranchNomination, NominationStatus
from review.model_branches import model_branch_commend, model_branch_nominate
from tests.factories import make_branch
from wujin_branch.errors import DomainError

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year


def nominate(client, branch, reason="三会一课从不缺项，党员带头参与防汛抢险"):
    return client.post(reverse("model_branch_nominate"), {"branch": branch.pk, "year": YEAR, "reason": reason,
                                                          "evidence": "见台账6月防汛记录"})  # fmt: skip


def test_reviewer_nominates_district_commends(client, reviewer, district_user, branch):
    client.force_login(reviewer)
    r = nominate(client, branch)
    assert r.status_code == 302
    n = ModelBranchNomination.objects.get()
    assert (n.branch, n.status, n.nominated_by) == (branch, NominationStatus.NOMINATED, reviewer)
    assert "东街村党支部" in client.get(reverse("model_branch_list")).content.decode()
    # A reviewer cannot commend.
    assert client.post(reverse("model_branch_commend", args=[n.pk]), {}).status_code == 404

    client.force_login(district_user)
    page = client.get(reverse("model_branch_list")).content.decode()
    assert "表彰为示范支部" in page
    r = client.post(reverse("model_branch_commend", args=[n.pk]),
                    {f"c{n.pk}-commended_on": timezone.localdate().isoformat(),
                     f"c{n.pk}-document_number": "武组发〔2016〕120号"})  # fmt: skip
    assert r.status_code == 302
    n.refresh_from_db()
    assert n.status == NominationStatus.COMMENDED and n.document_number == "武组发〔2016〕120号"
    assert n.decided_by == district_user and n.history.count() == 2
    # A second click is refused, nothing changes.
    r = client.post(reverse("model_branch_commend", args=[n.pk]),
                    {f"c{n.pk}-commended_on": "2016-12-01", f"c{n.pk}-document_number": "另一文号"})  # fmt: skip
    assert r.status_code == 200 and "这条推荐已审定（已表彰为示范支部），不能再次审定。" in r.content.decode()
    n.refresh_from_db()
    assert n.document_number == "武组发〔2016〕120号"
    for name in ("model_branch_commend", "model_branch_decline"):  # no form that can only be refused
        page = client.get(reverse(name, args=[n.pk])).content.decode()
        assert "这条推荐已审定（已表彰为示范支部），不需要再审定。" in page and "<form data-confirm" not in page


def test_scope_other_committee_and_secretary(client, reviewer, other_branch, branch, secretary, district_user):
    client.force_login(reviewer)
    r = nominate(client, other_branch)
    assert r.status_code == 200 and not ModelBranchNomination.objects.exists()  # not a choice for them
    n = model_branch_nominate(actor=district_user, branch=other_branch, year=YEAR, reason="理由")
    assert "西庄村党支部" not in client.get(reverse("model_branch_list")).content.decode()
    with pytest.raises(DomainError):
        model_branch_nominate(actor=reviewer, branch=other_branch, year=YEAR - 1, reason="理由")
    with pytest.raises(DomainError):
        model_branch_commend(actor=reviewer, nomination=n, commended_on=datetime.date(2016, 12, 1),
                             document_number="x")  # fmt: skip
    client.force_login(secretary)
    for url in (reverse("model_branch_list"), reverse("model_branch_nominate"),
                reverse("model_branch_commend", args=[n.pk]), reverse("model_branch_decline", args=[n.pk])):
        assert client.get(url).status_code == 404, url  # fmt: skip


def test_duplicate_refused_and_typing_kept_decline_then_again(client, reviewer, district_user, branch):
    client.force_login(reviewer)
    nominate(client, branch)
    r = nominate(client, branch, reason="第二次写的理由")
    body = r.content.decode()
    assert r.status_code == 200 and "请勿重复推荐" in body and "第二次写的理由" in body
    assert ModelBranchNomination.objects.count() == 1
    n = ModelBranchNomination.objects.get()
    client.force_login(district_user)
    r = client.post(reverse("model_branch_decline", args=[n.pk]), {f"d{n.pk}-note": ""})
    assert r.status_code == 200  # a reason is required
    r = client.post(reverse("model_branch_decline", args=[n.pk]), {f"d{n.pk}-note": "组织生活会未按期召开"})
    n.refresh_from_db()
    assert n.status == NominationStatus.DECLINED
    client.force_login(reviewer)
    assert nominate(client, branch).status_code == 302  # declined: may be nominated again
    assert ModelBranchNomination.objects.count() == 2


def test_list_queries_constant(client, district_user, committee):
    client.force_login(district_user)
    model_branch_nominate(actor=district_user, branch=make_branch(committee), year=YEAR, reason="理由")
    client.get(reverse("model_branch_list"))  # warm-up: the menu's cached counts
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("model_branch_list"))
    for _ in range(8):
        model_branch_nominate(actor=district_user, branch=make_branch(committee), year=YEAR, reason="理由")
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("model_branch_list"))
    assert len(many) == len(few)
