"""On-site inspection adjustments go through the one score-column write, which raises the
assessment's version: a district score page opened before the inspection and saved after it
is refused instead of silently putting the old score back (issue 11, point 4)."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from assessment.models import Assessment, ItemScore
from review import services
from review.inspections import inspection_record
from review.models import ScoreAdjustment
from tests.factories import without_vetoes
from tests.review.test_workflow import full_rows, make_period, open_all, to_declared

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def declared(district_user, reviewer, secretary, committee, branch):
    period = make_period(district_user)
    without_vetoes(branch, period.year)  # vetoes are judged again at each decision
    open_all(district_user, period)
    a = Assessment.objects.get(period=period, branch=branch)
    a = to_declared(a, secretary, reviewer, committee)
    return services.district_scores_save(actor=district_user, assessment=a, version=a.version, rows=full_rows(a))


def test_stale_district_page_cannot_undo_an_adjustment(client, declared, district_user):
    a = declared
    item = ItemScore.objects.filter(assessment=a, item__points=D("3")).select_related("item").first()
    client.force_login(district_user)
    url = reverse("district_score", args=[a.pk])
    opened_at = client.get(url).context["version"]  # the page is opened before the inspection

    inspection_record(actor=district_user, assessment=a, inspected_on=datetime.date.today(), inspectors="周建华",
                      items=[item.item], findings="阵地未挂牌",
                      adjustments={item.item_id: ("1", "未挂牌")})  # fmt: skip
    a.refresh_from_db()
    assert a.version == opened_at + 1 and a.district_total == D("98")

    data = {"version": opened_at}
    for s in ItemScore.objects.filter(assessment=a).select_related("item"):
        data[f"district_score_{s.item_id}"] = str(s.item.points)  # what the stale page still shows
    r = client.post(url, data)
    assert r.status_code == 200 and "已被他人修改" in r.content.decode()
    item.refresh_from_db()
    adj = ScoreAdjustment.objects.get()
    assert item.district_score == adj.new_score == D("1") and adj.old_score == D("3")
    assert item.history.latest().history_user == district_user
    a.refresh_from_db()
    assert a.district_total == D("98") and a.history.latest().history_user == district_user


def test_adjustment_refused_after_the_state_moved(declared, district_user):
    a = declared
    services.accept(actor=district_user, assessment=a)
    item = ItemScore.objects.filter(assessment=a).first()
    with pytest.raises(services.DomainError, match="验收阶段"):
        # the caller's object still says "declared": the state is read again under the lock
        inspection_record(actor=district_user, assessment=a, inspected_on=datetime.date.today(), inspectors="x",
                          items=[], findings="x", adjustments={item.item_id: ("0", "理由")})  # fmt: skip
    assert not ScoreAdjustment.objects.exists()
