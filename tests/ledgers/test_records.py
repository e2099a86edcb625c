import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from branches.models import MemberTransfer, Standing
from ledgers.member_records import selectors as member_records_selectors
from ledgers.member_records import services as member_records
from ledgers.models import MemberRecord, RecordKind, Screening
from tests.factories import MemberFactory, make_branch

pytestmark = pytest.mark.django_db
YEAR = datetime.date.today().year


def test_member_record_and_care_list(branch, secretary):
    old = MemberFactory(branch=branch, joined_on=datetime.date(1948, 5, 1), birth_date=datetime.date(1928, 1, 1))
    poor = MemberFactory(branch=branch, is_hardship=True, hardship_note="因病致困")
    MemberFactory(branch=branch)
    member_records.member_record_create(
        actor=secretary, member=poor, kind=RecordKind.HELP, occurred_on=datetime.date(2025, 1, 20),
        title="春节慰问", amount_fen=50000,
    )  # fmt: skip
    rows = dict(member_records_selectors.care_list(branch))
    assert set(rows) == {old, poor}
    assert rows[poor].title == "春节慰问" and rows[old] is None
    assert MemberRecord.objects.get().history.latest().history_user == secretary


def test_statistics_counts_subtree(committee, branch, other_branch):
    b2 = make_branch(committee, name="第二支部")
    MemberFactory(branch=branch, gender="F", ethnicity="回族", birth_date=datetime.date(YEAR - 25, 1, 1),
                  joined_on=datetime.date(YEAR - 2, 1, 1), full_member_on=datetime.date(YEAR - 1, 1, 1))  # fmt: skip
    MemberFactory(branch=b2, gender="M", birth_date=datetime.date(YEAR - 40, 6, 1),
                  status="probationary", full_member_on=None, joined_on=datetime.date(YEAR, 1, 2))  # fmt: skip
    gone = MemberFactory(branch=b2)
    gone.standing, gone.left_on = Standing.DECEASED, datetime.date(YEAR, 3, 1)
    gone.save()
    MemberFactory(branch=other_branch)  # outside the committee
    MemberTransfer.objects.create(member=gone, direction="in", occurred_on=datetime.date(YEAR, 2, 1), to_branch=b2)
    stats = member_records_selectors.yearly_statistics(committee, YEAR)
    rows = {(s, label): n for s, label, n in stats.rows}
    assert stats.total == 2
    assert rows[("性别", "女")] == 1 and rows[("民族", "少数民族")] == 1
    assert rows[("年龄", "30岁及以下")] == 1 and rows[("年龄", "36-45岁")] == 1
    assert rows[("类别", "预备党员")] == 1
    assert rows[("本年变动", "发展党员（本年入党）")] == 1
    assert rows[("本年变动", "去世")] == 1 and rows[("本年变动", "从区外转入")] == 1


def test_statistics_page_and_excel(client, reviewer, committee, branch, django_assert_max_num_queries):
    for _ in range(5):
        MemberFactory(branch=branch)
    client.force_login(reviewer)
    url = reverse("statistics", args=[committee.pk])
    with django_assert_max_num_queries(9):  # the flows in (流入, shown apart): one more
        assert client.get(url).status_code == 200
    r = client.get(url + "?format=xlsx")
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.active["B2"].value == 5


def test_screening_by_committee_and_branch(client, reviewer, secretary, committee, branch, other_branch):
    client.force_login(reviewer)
    data = {"held_on": "2025-06-01", "scope": "全体党员和党代表", "includes_delegates": "on", "findings": "未发现问题"}
    assert client.post(reverse("screening_list", args=[committee.pk]), data).status_code == 302
    client.force_login(secretary)
    assert client.post(reverse("screening_list", args=[branch.pk]), data).status_code == 302
    assert client.post(reverse("screening_list", args=[committee.pk]), data).status_code == 404
    assert Screening.objects.count() == 2
    assert client.get(reverse("screening_list", args=[other_branch.pk])).status_code == 404


@pytest.mark.parametrize("role,status", [("secretary", 200), ("reviewer", 200), ("other_secretary", 404)])
def test_record_pages_scoped(client, request, member, role, status):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("member_records", args=[member.pk])).status_code == status
    assert client.get(reverse("care_list", args=[member.branch_id])).status_code == status
    assert client.get(reverse("statistics", args=[member.branch_id])).status_code == status
    post = {"kind": "training", "occurred_on": "2025-05-01", "title": "党员冬训"}
    expected = 302 if role == "secretary" else 404
    assert client.post(reverse("member_records", args=[member.pk]), post).status_code == expected
