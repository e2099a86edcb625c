"""以奖代补: district staff record rewards in 元 (kept as 分); committees and branches see their
own; totals per stage; the Excel export; the list's queries do not grow with its rows."""

import datetime
import io
import re

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from review.result_models import ResultEvent, RewardSubsidy, fen_to_yuan
from review.rewards import reward_record, rewards_visible_to, totals_per_stage, yuan_to_fen
from tests.factories import make_branch
from wujin_branch.errors import DomainError

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def post_reward(client, org, *, amount="2,000.50", doc="武组发〔2017〕88号", stage=2, reason="合格率提前达到目标"):
    return client.post(reverse("reward_new"), {"organization": org.pk, "stage": stage, "amount": amount,
                                               "document_number": doc, "decided_on": TODAY.isoformat(),
                                               "reason": reason})  # fmt: skip


def record(actor, org, fen, *, stage=2, doc="武组发〔2017〕1号"):
    return reward_record(actor=actor, organization=org, stage=stage, amount_fen=fen, document_number=doc,
                         decided_on=TODAY, reason="推进情况较好")  # fmt: skip


def test_money_in_fen_shown_in_yuan():
    assert yuan_to_fen("2,000.50") == 200050 and yuan_to_fen("3000") == 300000 and yuan_to_fen("0.01") == 1
    for bad in ("12.345", "0", "-5", "abc", ""):
        with pytest.raises(DomainError):
            yuan_to_fen(bad)
    assert fen_to_yuan(200050) == "2,000.50" and fen_to_yuan(5) == "0.05" and fen_to_yuan(1234567) == "12,345.67"


def test_district_records_and_everyone_sees_their_own(client, district_user, reviewer, secretary, other_secretary,
                                                       committee, branch, other_branch):  # fmt: skip
    client.force_login(district_user)
    r = post_reward(client, committee)
    assert r.status_code == 302
    reward = RewardSubsidy.objects.get()
    assert (reward.amount_fen, reward.organization, reward.recorded_by) == (200050, committee, district_user)
    assert reward.history.count() == 1
    event = ResultEvent.objects.get(reward=reward)
    assert event.code == "results.reward.recorded" and event.actor == district_user and event.label == "登记以奖代补"
    record(district_user, branch, 50000, doc="武组发〔2017〕2号")
    record(district_user, other_branch, 70000, doc="武组发〔2017〕3号")
    page = client.get(reverse("reward_list")).content.decode()
    assert "2,000.50" in page and "西庄村党支部" in page and "登记以奖代补" in page

    client.force_login(reviewer)  # its committee and its branches, not the other committee's
    page = client.get(reverse("reward_list")).content.decode()
    assert "2,000.50" in page and "东街村党支部" in page and "西庄村党支部" not in page
    assert "登记以奖代补" not in page
    client.force_login(secretary)
    page = client.get(reverse("reward_list")).content.decode()
    assert "东街村党支部" in page and "500.00" in page and "2,000.50" not in page and "西庄村党支部" not in page
    client.force_login(other_secretary)
    page = client.get(reverse("reward_list")).content.decode()
    assert "西庄村党支部" in page and "东街村党支部" not in page


def test_only_district_staff_record_or_export(client, reviewer, secretary, committee):
    for user in (reviewer, secretary):
        client.force_login(user)
        assert client.get(reverse("reward_new")).status_code == 404
        assert post_reward(client, committee).status_code == 404
        assert client.get(reverse("reward_xlsx")).status_code == 404
        with pytest.raises(DomainError):
            record(user, committee, 100)
    assert not RewardSubsidy.objects.exists()


def test_bad_input_keeps_what_was_typed_and_duplicates_refused(client, district_user, committee):
    client.force_login(district_user)
    r = post_reward(client, committee, amount="12.345", reason="我写的事由")
    body = r.content.decode()
    assert r.status_code == 200 and "最多精确到分" in body and "我写的事由" in body and "12.345" in body
    assert re.search(r'<form[^>]*data-confirm="确认登记这笔以奖代补？"', body)  # a sum of money is recorded: asked once
    assert post_reward(client, committee).status_code == 302
    r = post_reward(client, committee, reason="第二次")
    assert r.status_code == 200 and "请勿重复登记" in r.content.decode() and "第二次" in r.content.decode()
    assert RewardSubsidy.objects.count() == 1
    assert post_reward(client, committee, stage=3).status_code == 302  # the same 文号 in another stage is another


def test_totals_per_stage_and_excel(client, district_user, committee, branch):
    record(district_user, committee, 100001, stage=1, doc="a")
    record(district_user, branch, 99999, stage=1, doc="b")
    record(district_user, branch, 5, stage=3, doc="c")
    totals = {t.stage: (t.count, t.amount_fen) for t in totals_per_stage(rewards_visible_to(district_user))}
    assert totals == {1: (2, 200000), 2: (0, 0), 3: (1, 5)}
    client.force_login(district_user)
    page = client.get(reverse("reward_list") + "?stage=1").content.decode()
    assert "2,000.00" in page and "0.05" in page and "2,000.05" in page  # every stage and all, rows: this one
    r = client.get(reverse("reward_xlsx"))
    assert r.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(r.content)).active
    values = list(ws.iter_rows(values_only=True))
    assert values[0][:4] == ("阶段", "受表彰组织", "类别", "奖补金额（元）")
    assert any(row[1] == "东街村党支部" and float(row[3]) == 999.99 for row in values[1:4])
    assert ("第一阶段", 2, 2000) in [tuple(row[:3]) for row in values]


def test_refused_for_inactive_or_future(district_user, committee):
    gone = make_branch(committee, status="dissolved")
    with pytest.raises(DomainError, match="正常"):
        record(district_user, gone, 100)
    with pytest.raises(DomainError, match="决定日期"):
        reward_record(actor=district_user, organization=committee, stage=1, amount_fen=100, document_number="x",
                      decided_on=TODAY + datetime.timedelta(days=1), reason="r")  # fmt: skip


def test_list_queries_constant(client, district_user, committee):
    record(district_user, make_branch(committee), 100, doc="first")
    client.force_login(district_user)
    client.get(reverse("reward_list"))  # warm-up: the menu's cached counts
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("reward_list"))
    for i in range(8):
        record(district_user, make_branch(committee), 100 + i, doc=f"n{i}", stage=1 + i % 3)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("reward_list"))
    assert len(many) == len(few)
