import datetime
import importlib
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from branches.models import MemberStatus, MemberTransfer, Role, Standing, TransferDirection
from ledgers import dues
from ledgers.dues import tasks as tasks_dues
from ledgers.models import DuesBase, DuesGroup, DuesPayment, DuesRateRule, DuesReminder
from tests.factories import MemberFactory, UserFactory, grant
from wujin_branch.errors import DomainError

pytestmark = pytest.mark.django_db

ON = datetime.date(2026, 6, 15)
TODAY = dues.today()
THIS_MONTH = dues.month_start(TODAY)
LAST_MONTH = dues.add_months(THIS_MONTH, -1)


def install_rate_table():
    """The rate table is installed by a data migration; a transactional test elsewhere in a
    reused database (e.g. a browser test) truncates it, so put it back when missing."""
    if DuesRateRule.objects.exists():
        return
    migration = importlib.import_module("ledgers.migrations.0004_rate_table_and_dev_rules")
    start = datetime.date(2008, 4, 1)
    for group, lower, upper, rate, fmin, fmax, note in migration.RATES:
        DuesRateRule.objects.create(
            effective_from=start,
            group=group,
            lower_exclusive_fen=lower * 100 if lower is not None else None,
            upper_inclusive_fen=upper * 100 if upper is not None else None,
            rate_bp=rate,
            fixed_min_fen=fmin,
            fixed_max_fen=fmax,
            note=note,
        )


@pytest.fixture(autouse=True)
def _rate_table():
    install_rate_table()


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()  # the digest's once-per-month keys
    yield
    cache.clear()


def people(branch, n, **kw):
    return [MemberFactory(branch=branch, **kw) for _ in range(n)]


def verify(actor, branch, members, year, base_yuan=4000, group=DuesGroup.EMPLOYED):
    rows = [dues.BaseInput(member_id=m.pk, group=group, declared_base_fen=base_yuan * 100) for m in members]
    return dues.dues_bases_save(actor=actor, branch=branch, year=year, rows=rows)


def pay(members, months, amount=2000):
    DuesPayment.objects.bulk_create(
        DuesPayment(member=m, month=mo, amount_fen=amount, paid_on=mo) for m in members for mo in months
    )


def month_range(first, last):
    out, m = [], first
    while m <= last:
        out.append(m)
        m = dues.add_months(m, 1)
    return out


# ---------------------------------------------------------------- rate table


@pytest.mark.parametrize(
    "group,base_fen,amount,note",
    [
        (DuesGroup.EMPLOYED, 300000, 1500, "3000元以下（含）交0.5%"),
        (DuesGroup.EMPLOYED, 300001, 3000, "3000元以上至5000元（含）交1%"),
        (DuesGroup.EMPLOYED, 500000, 5000, "3000元以上至5000元（含）交1%"),
        (DuesGroup.EMPLOYED, 500001, 7500, "5000元以上至10000元（含）交1.5%"),
        (DuesGroup.EMPLOYED, 1000000, 15000, "5000元以上至10000元（含）交1.5%"),
        (DuesGroup.EMPLOYED, 1000001, 20000, "10000元以上交2%"),
        (DuesGroup.RETIRED, 500000, 2500, "离退休费5000元以下（含）交0.5%"),
        (DuesGroup.RETIRED, 500001, 5000, "5000元以上交1%"),
        (DuesGroup.LOW_INCOME, 0, 20, "每月交0.2元"),
        (DuesGroup.LOW_INCOME, 900000, 20, "每月交0.2元"),
        (DuesGroup.FARMER, 0, 20, "农民党员每月交0.2元至1元"),
    ],
)
def test_rate_brackets_at_the_edges(group, base_fen, amount, note):
    got, rule, text = dues.dues_compute(group, base_fen, ON)
    assert got == amount
    assert note in rule.note and text.startswith(rule.note)
    assert dues.dues_rule_for(group, base_fen, ON) == rule


@pytest.mark.parametrize(
    "base_fen,amount,floored",
    [
        (4100, 21, False),  # 20.5 分 rounds half up
        (4099, 20, False),  # 20.495 分 rounds down
        (3999, 20, False),  # 19.995 分 rounds up to exactly the minimum
        (3899, 20, True),  # 19.495 分 → 19 分, below the 0.2-yuan minimum
        (100, 20, True),
        (500100, 7502, False),  # 1.5 % of 5001 yuan = 75.015 yuan → 75.02
    ],
)
def test_rounding_half_up_and_the_02_yuan_minimum(base_fen, amount, floored):
    got, _, text = dues.dues_compute(DuesGroup.EMPLOYED, base_fen, ON)
    assert got == amount
    assert ("不足0.20元按0.20元" in text) is floored


def test_farmer_amount_within_range_low_income_fixed():
    assert dues.dues_compute(DuesGroup.FARMER, 0, ON, chosen_fen=100)[0] == 100
    assert "支部确定每月1.00元" in dues.dues_compute(DuesGroup.FARMER, 0, ON, chosen_fen=100)[2]
    for bad in (19, 101):
        with pytest.raises(DomainError, match="0.20元至1.00元"):
            dues.dues_compute(DuesGroup.FARMER, 0, ON, chosen_fen=bad)
    with pytest.raises(DomainError):
        dues.dues_compute(DuesGroup.LOW_INCOME, 0, ON, chosen_fen=30)


def test_rules_are_dated_data():
    with pytest.raises(DomainError, match="没有适用"):
        dues.dues_compute(DuesGroup.EMPLOYED, 300000, datetime.date(2008, 3, 31))
    assert dues.dues_compute(DuesGroup.EMPLOYED, 300000, datetime.date(2008, 4, 1))[0] == 1500
    # a later regulation replacing the employed brackets only
    DuesRateRule.objects.create(
        effective_from=datetime.date(2030, 1, 1), group=DuesGroup.EMPLOYED, rate_bp=100, note="新标准1%"
    )
    assert dues.dues_compute(DuesGroup.EMPLOYED, 300000, datetime.date(2029, 12, 31))[0] == 1500
    assert dues.dues_compute(DuesGroup.EMPLOYED, 300000, datetime.date(2030, 1, 1))[0] == 3000
    assert dues.dues_compute(DuesGroup.RETIRED, 500001, datetime.date(2030, 1, 1))[0] == 5000


def test_rates_in_force_is_one_query(django_assert_num_queries):
    with django_assert_num_queries(1):
        rates = dues.rates_in_force(ON)
    with django_assert_num_queries(0):
        for base in (300000, 300001, 1000001):
            dues.dues_compute(DuesGroup.EMPLOYED, base, ON, rates=rates)


# ---------------------------------------------------------------- yearly bases


def test_bases_save_computes_and_records_history(branch, secretary):
    a, b, c = people(branch, 3)
    rows = [
        dues.BaseInput(member_id=a.pk, group=DuesGroup.EMPLOYED, declared_base_fen=450000),
        dues.BaseInput(member_id=b.pk, group=DuesGroup.RETIRED, declared_base_fen=600000),
        dues.BaseInput(member_id=c.pk, group=DuesGroup.FARMER, chosen_fen=50),
    ]
    assert dues.dues_bases_save(actor=secretary, branch=branch, year=TODAY.year, rows=rows)["created"] == 3
    ba, bb, bc = (DuesBase.objects.get(member=m, year=TODAY.year) for m in (a, b, c))
    assert (ba.monthly_fen, bb.monthly_fen, bc.monthly_fen) == (4500, 6000, 50)
    assert "4500.00元×1%＝45.00元" in ba.rule_text and ba.verified_by == secretary
    assert ba.history.get().history_user == secretary
    # the same submit again changes nothing and writes no history
    res = dues.dues_bases_save(actor=secretary, branch=branch, year=TODAY.year, rows=rows)
    assert res == {"created": 0, "updated": 0, "unchanged": 3}
    assert ba.history.count() == 1
    rows[0].declared_base_fen = 550000
    assert dues.dues_bases_save(actor=secretary, branch=branch, year=TODAY.year, rows=rows)["updated"] == 1
    ba.refresh_from_db()
    assert ba.monthly_fen == 8250 and ba.history.count() == 2


def test_reduction_needs_branch_decision_and_upper_approval(branch, secretary):
    (m,) = people(branch, 1)
    row = dues.BaseInput(
        member_id=m.pk, group=DuesGroup.EMPLOYED, declared_base_fen=400000, reduced=True, reduced_fen=0
    )
    with pytest.raises(DomainError) as e:
        dues.dues_bases_save(actor=secretary, branch=branch, year=TODAY.year, rows=[row])
    assert "须经支部研究决定并报上级党委批准" in e.value.message
    assert "减免原因、支部决定、上级党委批准" in e.value.message
    row.reduction_reason, row.branch_decision = "长期患病", "2026年3月5日支委会"
    with pytest.raises(DomainError, match="请填写上级党委批准"):
        dues.dues_bases_save(actor=secretary, branch=branch, year=TODAY.year, rows=[row])
    assert not DuesBase.objects.exists()
    row.upper_approval = "湖塘镇党委 2026年3月20日批复"
    row.reduced_fen = 4000  # not lower than the 40.00 yuan computed
    with pytest.raises(DomainError, match="应低于按标准应交的40.00元"):
        dues.dues_bases_save(actor=secretary, branch=branch, year=TODAY.year, rows=[row])
    row.reduced_fen = 0
    dues.dues_bases_save(actor=secretary, branch=branch, year=TODAY.year, rows=[row])
    base = DuesBase.objects.get()
    assert base.reduced and base.monthly_fen == 0 and base.computed_monthly_fen == 4000


def test_bases_save_refusals(branch, other_branch, secretary, reviewer):
    (m,) = people(branch, 1)
    (foreign,) = people(other_branch, 1)
    with pytest.raises(DomainError, match="请填写月工资"):
        dues.dues_bases_save(
            actor=secretary, branch=branch, year=TODAY.year, rows=[dues.BaseInput(m.pk, DuesGroup.EMPLOYED)]
        )
    with pytest.raises(DomainError, match="不属于本支部"):
        dues.dues_bases_save(
            actor=secretary, branch=branch, year=TODAY.year, rows=[dues.BaseInput(foreign.pk, DuesGroup.FARMER)]
        )
    with pytest.raises(DomainError, match="没有权限"):
        dues.dues_bases_save(
            actor=reviewer, branch=branch, year=TODAY.year, rows=[dues.BaseInput(m.pk, DuesGroup.FARMER)]
        )
    with pytest.raises(DomainError, match="年度"):
        dues.dues_bases_save(actor=secretary, branch=branch, year=TODAY.year + 2, rows=[])


def test_bases_page_form_saves_all_at_once_and_counts_missing(client, branch, secretary):
    a, b, c = people(branch, 3)
    client.force_login(secretary)
    url = reverse("dues_bases", args=[branch.pk]) + f"?year={TODAY.year}"
    html = client.get(url).content.decode()
    assert "还有 <strong>3</strong> 名在册党员未核定" in html
    data = {
        "year": TODAY.year,
        "m": [a.pk, b.pk, c.pk],
        f"group_{a.pk}": "employed",
        f"base_{a.pk}": "3000.01",
        f"group_{b.pk}": "low_income",
        f"group_{c.pk}": "employed",
        f"base_{c.pk}": "",  # nothing typed: stays not verified
    }
    r = client.post(url, data)
    assert r.status_code == 302
    assert DuesBase.objects.get(member=a).monthly_fen == 3000
    assert DuesBase.objects.get(member=b).monthly_fen == 20
    assert not DuesBase.objects.filter(member=c).exists()
    assert dues.dues_bases_missing(branch, TODAY.year) == 1
    assert "还有 <strong>1</strong> 名" in client.get(url).content.decode()
    # a reduction without approvals is refused in Chinese and what was typed is kept
    data.update({f"reduced_{a.pk}": "1", f"reduced_amount_{a.pk}": "10", f"reason_{a.pk}": "下岗后再就业收入低"})
    html = client.post(url, data).content.decode()
    assert "须经支部研究决定并报上级党委批准" in html and "下岗后再就业收入低" in html
    assert not DuesBase.objects.get(member=a).reduced


# ---------------------------------------------------------------- monthly grid


def test_grid_save_creates_updates_and_removes_with_history(branch, secretary):
    a, b, c = people(branch, 3)
    verify(secretary, branch, [a, b, c], LAST_MONTH.year, base_yuan=4000)
    rows = [
        dues.PaymentInput(a.pk, True),  # the expected 40.00
        dues.PaymentInput(b.pk, True, amount_fen=5000, method="wechat", paid_by="王芳"),
        dues.PaymentInput(c.pk, False),
    ]
    res = dues.dues_month_save(actor=secretary, branch=branch, month=LAST_MONTH, rows=rows)
    assert (res.created, res.updated, res.deleted) == (2, 0, 0)
    pa = DuesPayment.objects.get(member=a)
    assert (pa.amount_fen, pa.paid_on, pa.method, pa.recorded_by) == (4000, TODAY, "cash", secretary)
    assert pa.month == LAST_MONTH
    assert pa.history.get().history_user == secretary
    # every row written has a history row (a queryset.update() would not)
    assert DuesPayment.history.count() == DuesPayment.objects.count() == 2
    other = UserFactory()
    grant(other, branch, Role.WORKER)
    rows[1] = dues.PaymentInput(b.pk, True, amount_fen=6000, method="wechat", paid_by="王芳")
    rows[0] = dues.PaymentInput(a.pk, False)
    res = dues.dues_month_save(actor=other, branch=branch, month=LAST_MONTH, rows=rows)
    assert (res.created, res.updated, res.deleted) == (0, 1, 1)
    pb = DuesPayment.objects.get(member=b)
    assert pb.amount_fen == 6000 and pb.recorded_by == other
    latest = pb.history.order_by("-history_id").first()
    assert latest.history_type == "~" and latest.history_user == other
    removed = DuesPayment.history.filter(member_id=a.pk).order_by("-history_id").first()
    assert removed.history_type == "-" and removed.history_user == other


def test_grid_refusals(branch, other_branch, secretary, reviewer):
    (a,) = people(branch, 1)
    (foreign,) = people(other_branch, 1)
    with pytest.raises(DomainError, match="尚未核定党费基数，请填写交纳金额"):
        dues.dues_month_save(actor=secretary, branch=branch, month=LAST_MONTH, rows=[dues.PaymentInput(a.pk, True)])
    with pytest.raises(DomainError, match="名单已发生变化"):
        dues.dues_month_save(
            actor=secretary, branch=branch, month=LAST_MONTH, rows=[dues.PaymentInput(foreign.pk, True, 100)]
        )
    with pytest.raises(DomainError, match="不能晚于今天"):
        dues.dues_month_save(
            actor=secretary,
            branch=branch,
            month=LAST_MONTH,
            rows=[dues.PaymentInput(a.pk, True, 100, paid_on=TODAY + datetime.timedelta(days=1))],
        )
    with pytest.raises(DomainError, match="预交党费最多"):
        dues.dues_month_save(
            actor=secretary,
            branch=branch,
            month=dues.add_months(THIS_MONTH, 13),
            rows=[dues.PaymentInput(a.pk, True, 1)],
        )
    with pytest.raises(DomainError, match="没有权限"):
        dues.dues_month_save(actor=reviewer, branch=branch, month=LAST_MONTH, rows=[])
    assert not DuesPayment.objects.exists()
    # prepaying within a year is fine
    dues.dues_month_save(
        actor=secretary, branch=branch, month=dues.add_months(THIS_MONTH, 12), rows=[dues.PaymentInput(a.pk, True, 20)]
    )


def test_back_payment_warns_beyond_six_months(branch, secretary):
    (a,) = people(branch, 1)
    six = dues.dues_month_save(
        actor=secretary, branch=branch, month=dues.add_months(THIS_MONTH, -6), rows=[dues.PaymentInput(a.pk, True, 20)]
    )
    assert six.late == [] and six.warning == ""
    seven = dues.dues_month_save(
        actor=secretary, branch=branch, month=dues.add_months(THIS_MONTH, -7), rows=[dues.PaymentInput(a.pk, True, 20)]
    )
    assert seven.late == [a.name] and "补交一般不超过六个月" in seven.warning
    # typing in later what was paid on time is not a back payment
    on_time = dues.dues_month_save(
        actor=secretary,
        branch=branch,
        month=dues.add_months(THIS_MONTH, -9),
        rows=[dues.PaymentInput(a.pk, True, 20, paid_on=dues.add_months(THIS_MONTH, -9))],
    )
    assert on_time.late == []


def test_probationary_member_pays_from_admission(branch, secretary):
    admitted = dues.add_months(THIS_MONTH, -2) + datetime.timedelta(days=14)
    (p,) = people(branch, 1, status=MemberStatus.PROBATIONARY, joined_on=admitted, full_member_on=None)
    (old,) = people(branch, 1, dues_from=dues.add_months(THIS_MONTH, -12))  # on the platform for a year
    before = dues.add_months(THIS_MONTH, -3)
    grid = dues.dues_month_grid(branch, before)
    assert [r.member for r in grid["rows"]] == [old]
    with pytest.raises(DomainError, match="此前的月份无需交纳党费"):
        dues.dues_month_save(actor=secretary, branch=branch, month=before, rows=[dues.PaymentInput(p.pk, True, 20)])
    grid = dues.dues_month_grid(branch, dues.month_start(admitted))
    row = next(r for r in grid["rows"] if r.member == p)
    assert row.expected
    # arrears count from the month of admission, not from when the branch began recording
    pay([old], month_range(dues.add_months(THIS_MONTH, -12), LAST_MONTH))
    arrears = dues.dues_arrears_for(branch, TODAY)
    assert [(r.member, r.unpaid) for r in arrears.rows] == [(p, [dues.month_start(admitted), LAST_MONTH])]


@pytest.mark.parametrize("direction", [TransferDirection.IN, TransferDirection.INTERNAL])
def test_transferred_in_member_owes_from_the_month_after(branch, other_branch, secretary, direction):
    """From outside the district or from another branch in it: the old one collected until then."""
    (t,) = people(branch, 1)
    moved = dues.add_months(THIS_MONTH, -3) + datetime.timedelta(days=9)
    from_branch = other_branch if direction == TransferDirection.INTERNAL else None
    MemberTransfer.objects.create(member=t, direction=direction, occurred_on=moved, to_branch=branch,
                                  from_branch=from_branch)  # fmt: skip
    (old,) = people(branch, 1)
    pay([old], month_range(dues.add_months(THIS_MONTH, -12), LAST_MONTH))
    grid = dues.dues_month_grid(branch, dues.month_start(moved))
    assert not next(r for r in grid["rows"] if r.member == t).expected
    arrears = dues.dues_arrears_for(branch, TODAY)
    assert arrears.rows[0].member == t and arrears.rows[0].unpaid == month_range(
        dues.add_months(THIS_MONTH, -2), LAST_MONTH
    )


@pytest.fixture
def big_branch(branch, secretary):
    members = people(branch, 60)
    verify(secretary, branch, members, LAST_MONTH.year, base_yuan=4000)
    return members


def _grid_post(members, month, paid_on=None, skip=()):
    data = {"month": f"{month:%Y-%m}", "default_paid_on": (paid_on or TODAY).isoformat(), "default_method": "cash"}
    data["m"] = [m.pk for m in members]
    for m in members:
        if m.pk not in skip:
            data[f"paid_{m.pk}"] = "1"
            data[f"amount_{m.pk}"] = "40.00"
    return data


def test_grid_save_for_60_members_is_a_bounded_number_of_queries(
    client, branch, secretary, big_branch, django_assert_max_num_queries
):
    client.force_login(secretary)
    url = reverse("dues_month", args=[branch.pk])
    with django_assert_max_num_queries(15):
        r = client.post(url, _grid_post(big_branch, LAST_MONTH))
    assert r.status_code == 302, r.content.decode()[:2000]
    assert DuesPayment.objects.filter(month=LAST_MONTH).count() == 60
    assert DuesPayment.history.filter(history_user=secretary).count() == 60
    # changing every row is bounded too
    data = _grid_post(big_branch, LAST_MONTH)
    for m in big_branch:
        data[f"amount_{m.pk}"] = "41.00"
    with django_assert_max_num_queries(15):
        assert client.post(url, data).status_code == 302
    assert set(DuesPayment.objects.values_list("amount_fen", flat=True)) == {4100}


def test_grid_page_posts_and_keeps_typed_values_on_error(client, branch, secretary):
    a, b = people(branch, 2)
    client.force_login(secretary)
    url = reverse("dues_month", args=[branch.pk]) + f"?month={LAST_MONTH:%Y-%m}"
    data = _grid_post([a, b], LAST_MONTH)
    data[f"amount_{b.pk}"] = "12.345"
    html = client.post(url, data).content.decode()
    assert "最多保留两位小数" in html and 'value="12.345"' in html
    assert not DuesPayment.objects.exists()
    data[f"amount_{b.pk}"] = ""
    html = client.post(url, data).content.decode()
    assert "尚未核定党费基数，请填写交纳金额" in html
    data[f"amount_{b.pk}"] = "0.2"
    r = client.post(url, data, follow=True)
    assert "已保存" in r.content.decode()
    assert DuesPayment.objects.get(member=b).amount_fen == 20
    old_month = dues.add_months(THIS_MONTH, -8)
    html = client.get(reverse("dues_month", args=[branch.pk]) + f"?month={old_month:%Y-%m}").content.decode()
    assert "补交党费一般不超过六个月" in html
    r = client.post(
        reverse("dues_month", args=[branch.pk]) + f"?month={old_month:%Y-%m}",
        _grid_post([a], old_month),
        follow=True,
    )
    assert "补交一般不超过六个月" in r.content.decode()


# ---------------------------------------------------------------- arrears


@pytest.fixture
def arrears_branch(branch, secretary):
    """on = 2026-07-10: the last complete month is June. On the platform since 2025-07 and
    everyone paid 2025-07 … 2025-12; five_ paid up to January (5 unpaid), six_ stopped in
    December (6 unpaid)."""
    five_, six_, ok = people(branch, 3, dues_from=datetime.date(2025, 7, 1))
    pay([five_, six_, ok], month_range(datetime.date(2025, 7, 1), datetime.date(2025, 12, 1)))
    pay([five_], [datetime.date(2026, 1, 1)])
    pay([ok], month_range(datetime.date(2026, 1, 1), datetime.date(2026, 6, 1)))
    return five_, six_, ok


def test_arrears_flag_at_six_consecutive_months_not_five(branch, arrears_branch, django_assert_num_queries):
    five_, six_, ok = arrears_branch
    with django_assert_num_queries(4):
        arrears = dues.dues_arrears_for(branch, datetime.date(2026, 7, 10))
    assert arrears.last_month == datetime.date(2026, 6, 1)
    rows = {r.member: r for r in arrears.rows}
    assert set(rows) == {five_, six_}
    assert (len(rows[five_].unpaid), rows[five_].run, rows[five_].flagged) == (5, 5, False)
    assert (len(rows[six_].unpaid), rows[six_].run, rows[six_].flagged) == (6, 6, True)
    assert rows[six_].flag_text == "连续六个月未交纳党费，请支部研究处理（不自动处理）"
    assert arrears.flagged == [rows[six_]]
    # the current month is not yet due: on 2026-07-31 June is still the last complete month
    assert dues.dues_arrears_for(branch, datetime.date(2026, 7, 31)).rows[0].run == 6
    # nothing is done to the member
    six_.refresh_from_db()
    assert six_.standing == Standing.ACTIVE and six_.history.count() == 1


def test_arrears_runs_break_on_a_paid_month_and_waivers_are_not_expected(branch, secretary, arrears_branch):
    five_, six_, ok = arrears_branch
    pay([six_], [datetime.date(2026, 3, 1)])
    rows = {r.member: r for r in dues.dues_arrears_for(branch, datetime.date(2026, 7, 10)).rows}
    assert (len(rows[six_].unpaid), rows[six_].run, rows[six_].flagged) == (5, 3, False)
    # a waiver approved for 2026 (monthly 0): 2026 is not expected
    row = dues.BaseInput(
        member_id=five_.pk,
        group=DuesGroup.EMPLOYED,
        declared_base_fen=100000,
        reduced=True,
        reduced_fen=0,
        reduction_reason="重病",
        branch_decision="支委会决定",
        upper_approval="镇党委批复",
    )
    dues.dues_bases_save(actor=secretary, branch=branch, year=2026, rows=[row])
    rows = {r.member: r for r in dues.dues_arrears_for(branch, datetime.date(2026, 7, 10)).rows}
    assert five_ not in rows


def test_arrears_amount_owed_from_bases(branch, secretary, arrears_branch):
    five_, six_, ok = arrears_branch
    verify(secretary, branch, [six_], 2026, base_yuan=4000)  # 40.00 a month
    rows = {r.member: r for r in dues.dues_arrears_for(branch, datetime.date(2026, 7, 10)).rows}
    assert rows[six_].owed_fen == 6 * 4000
    assert rows[five_].owed_fen is None  # no verified base: amount unknown


def test_nothing_owed_before_the_dues_start_month(branch):
    """Whatever the join date and whether the branch has recorded dues or not: a member owes
    from the 党费起算月 on, never before."""
    new = people(branch, 2, dues_from=THIS_MONTH)  # entered this month: no complete month owed yet
    (tracked,) = people(branch, 1, dues_from=dues.add_months(THIS_MONTH, -4))
    arrears = dues.dues_arrears_for(branch, TODAY)
    assert [(r.member, len(r.unpaid), r.run) for r in arrears.rows] == [(tracked, 4, 4)]
    assert not {r.member for r in arrears.rows} & set(new)


# ---------------------------------------------------------------- 党费起算月 and 补录


def new_member(actor, branch, name="孙建国", joined_on=datetime.date(2010, 7, 1), **extra):
    from branches import services as branches
    from tests.factories import unique_id_number

    birth = datetime.date(1980, 5, 1)
    return branches.member_create(
        actor=actor, branch=branch, name=name, gender="M", birth_date=birth, education="bachelor",
        occupation="worker", id_number=unique_id_number(birth), joined_on=joined_on,
        full_member_on=joined_on.replace(year=joined_on.year + 1), status=MemberStatus.FULL, **extra,
    )  # fmt: skip


@pytest.fixture
def recording_branch(branch, secretary):
    """Nine members the platform has tracked for two years, every month paid, bases verified."""
    old = people(branch, 9, dues_from=dues.add_months(THIS_MONTH, -24))
    pay(old, month_range(dues.add_months(THIS_MONTH, -24), LAST_MONTH))
    return old


def test_member_new_to_the_platform_owes_from_the_month_of_entry(client, branch, secretary, recording_branch):
    """A member entered today with a join date years back was flagged at once (欠交 24 个月,
    连续六个月未交纳) and cost the branch 1.5 points on item 13: the 党费起算月 is the rule."""
    from assessment.models import RubricItem
    from assessment.rules import RULES, Context

    newcomer = new_member(secretary, branch)
    assert newcomer.dues_from == THIS_MONTH  # the month of entry, not of joining (2010)
    verify(secretary, branch, recording_branch + [newcomer], THIS_MONTH.year)
    arrears = dues.dues_arrears_for(branch, TODAY)
    assert arrears.rows == [] and arrears.flagged == []
    client.force_login(secretary)
    html = client.get(reverse("dues_arrears", args=[branch.pk])).content.decode()
    assert "连续六个月未交纳党费" not in html and "没有欠交党费的党员" in html
    grid = dues.dues_month_grid(branch, LAST_MONTH)
    row = next(r for r in grid["rows"] if r.member == newcomer)
    assert not row.expected and f"党费起算月（{dues.month_label(THIS_MONTH)}）前，不计欠交" in row.note
    assert grid["unpaid_count"] == 0
    item = RubricItem.objects.get(section__version__code="2016", rule="dues")
    ctx = Context(datetime.date(TODAY.year, 1, 1), datetime.date(TODAY.year, 12, 31), [branch.pk], today=TODAY)
    got = RULES["dues"].fn(ctx, item)[branch.pk]
    assert got.score == Decimal("3") and "连续6个月以上未交的0名" in got.reason, got.reason
    # the months before can still be recorded as paid in the grid; they are not owed either way
    dues.dues_month_save(actor=secretary, branch=branch, month=LAST_MONTH, rows=[dues.PaymentInput(newcomer.pk, True)])
    assert DuesPayment.objects.filter(member=newcomer).count() == 1


def test_dues_start_month_moves_when_the_branch_edits_it(client, branch, secretary, recording_branch):
    """Set earlier on the member form, the months from then on are owed (and can be 补录'd)."""
    newcomer = new_member(secretary, branch)
    client.force_login(secretary)
    url = reverse("member_edit", args=[newcomer.pk])
    html = client.get(url).content.decode()
    assert "党费起算月" in html and 'type="month"' in html and "此前的月份不计欠交" in html
    data = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in
            client.get(url).context["form"].initial.items() if v is not None}  # fmt: skip
    data["dues_from"] = f"{dues.add_months(THIS_MONTH, -3):%Y-%m}"
    assert client.post(url, data).status_code == 302
    newcomer.refresh_from_db()
    assert newcomer.dues_from == dues.add_months(THIS_MONTH, -3)
    assert newcomer.history.latest().history_user == secretary
    row = dues.dues_arrears_for(branch, TODAY).rows[0]
    assert row.member == newcomer and row.unpaid == month_range(dues.add_months(THIS_MONTH, -3), LAST_MONTH)
    data["version"] = client.get(url).context["form"].initial["version"]
    data["dues_from"] = f"{dues.add_months(THIS_MONTH, 1):%Y-%m}"
    assert "党费起算月不能晚于本月" in client.post(url, data).content.decode()


def test_backfill_marks_months_paid_from_the_verified_bases(branch, secretary, reviewer):
    newcomer = new_member(secretary, branch)
    last_year = TODAY.year - 1
    verify(secretary, branch, [newcomer], last_year - 1, base_yuan=3000)  # 15.00 a month
    verify(secretary, branch, [newcomer], last_year, base_yuan=4000)  # 40.00
    first, last = datetime.date(last_year - 1, 11, 1), LAST_MONTH
    pay([newcomer], [datetime.date(last_year, 3, 1)], amount=4000)  # already recorded: left as it is
    r = dues.dues_backfill(actor=secretary, member=newcomer, first_month=first, last_month=last)
    months = month_range(first, last)
    assert r.created == [m for m in months if m != datetime.date(last_year, 3, 1)]
    assert r.already_paid == [datetime.date(last_year, 3, 1)] and r.waived == []
    got = {p.month: p for p in DuesPayment.objects.filter(member=newcomer)}
    assert set(got) == set(months)
    assert got[first].amount_fen == 1500 and got[first].paid_on == datetime.date(last_year - 1, 11, 30)
    assert got[last].amount_fen == 4000  # this year's base not verified: last year's applies, as in the grid
    assert got[last].recorded_by == secretary
    created = DuesPayment.history.filter(member_id=newcomer.pk, history_type="+", history_change_reason="补录")
    assert created.count() == len(r.created) and {h.history_user for h in created} == {secretary}
    assert r.total_fen == 2 * 1500 + sum(4000 for m in r.created if m.year >= last_year)
    # again: nothing new
    assert dues.dues_backfill(actor=secretary, member=newcomer, first_month=first, last_month=last).created == []
    # a waiver year is skipped
    (waived,) = people(branch, 1)
    row = dues.BaseInput(member_id=waived.pk, group=DuesGroup.EMPLOYED, declared_base_fen=100000, reduced=True,
                         reduced_fen=0, reduction_reason="重病", branch_decision="支委会", upper_approval="镇党委")
    dues.dues_bases_save(actor=secretary, branch=branch, year=last_year, rows=[row])  # fmt: skip
    r = dues.dues_backfill(actor=secretary, member=waived, first_month=datetime.date(last_year, 1, 1),
                           last_month=datetime.date(last_year, 3, 1), paid_on=datetime.date(last_year, 4, 2),
                           )  # fmt: skip
    assert r.created == [] and len(r.waived) == 3


def test_backfill_refusals(branch, other_branch, secretary, reviewer):
    newcomer = new_member(secretary, branch, joined_on=datetime.date(2020, 6, 20))
    verify(secretary, branch, [newcomer], 2024)

    def backfill(first, last, **kw):
        return dues.dues_backfill(actor=kw.pop("actor", secretary), member=newcomer, first_month=first,
                                  last_month=last, **kw)  # fmt: skip

    with pytest.raises(DomainError, match="2020年06月20日入党，此前的月份无需交纳党费"):
        backfill(datetime.date(2020, 5, 1), datetime.date(2020, 8, 1))
    with pytest.raises(DomainError, match="2020年、2021年、2022年、2023年没有核定的党费基数"):
        backfill(datetime.date(2020, 6, 1), datetime.date(2024, 2, 1))
    with pytest.raises(DomainError, match="补录只能登记到本月"):
        backfill(datetime.date(2024, 1, 1), dues.add_months(THIS_MONTH, 1))
    with pytest.raises(DomainError, match="起始月份不能晚于截止月份"):
        backfill(datetime.date(2024, 3, 1), datetime.date(2024, 2, 1))
    with pytest.raises(DomainError, match="交纳日期不能晚于今天"):
        backfill(datetime.date(2024, 1, 1), datetime.date(2024, 2, 1), paid_on=TODAY + datetime.timedelta(days=1))
    with pytest.raises(DomainError, match="没有权限"):
        backfill(datetime.date(2024, 1, 1), datetime.date(2024, 2, 1), actor=reviewer)
    moved = dues.add_months(THIS_MONTH, -5) + datetime.timedelta(days=3)
    MemberTransfer.objects.create(member=newcomer, direction=TransferDirection.INTERNAL, occurred_on=moved,
                                  from_branch=other_branch, to_branch=branch)  # fmt: skip
    with pytest.raises(DomainError, match="转入本支部，此前的党费由原党组织收缴"):
        backfill(datetime.date(2024, 1, 1), dues.add_months(THIS_MONTH, -2))
    assert not DuesPayment.objects.exists()


def test_backfill_page(client, branch, other_branch, secretary, reviewer, other_secretary):
    newcomer = new_member(secretary, branch)
    verify(secretary, branch, [newcomer], TODAY.year - 1)
    url = reverse("dues_backfill", args=[branch.pk])
    for user in (reviewer, other_secretary):
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.force_login(secretary)
    first = datetime.date(TODAY.year - 1, 1, 1)
    html = client.get(f"{url}?member={newcomer.pk}&first={first:%Y-%m}").content.decode()
    assert f"孙建国（党费起算月 {dues.month_label(THIS_MONTH)}）" in html and f'value="{first:%Y-%m}"' in html
    data = {"member": newcomer.pk, "first": f"{first:%Y-%m}", "last": f"{LAST_MONTH:%Y-%m}", "method": "cash"}
    html = client.post(url, {**data, "first": "2009-01"}).content.decode()
    assert "此前的月份无需交纳党费" in html and not DuesPayment.objects.exists()
    r = client.post(url, data, follow=True)
    n = len(month_range(first, LAST_MONTH))
    said = f"已为孙建国补录{dues.month_label(first)}至{dues.month_label(LAST_MONTH)}的党费 {n} 个月"
    assert said in r.content.decode()
    assert DuesPayment.objects.filter(member=newcomer).count() == n
    # the arrears page offers it for a member's unpaid months
    (late,) = people(branch, 1, dues_from=dues.add_months(THIS_MONTH, -2))
    html = client.get(reverse("dues_arrears", args=[branch.pk])).content.decode()
    start = dues.add_months(THIS_MONTH, -2)
    assert f"{url}?member={late.pk}&amp;first={start:%Y-%m}&amp;last={LAST_MONTH:%Y-%m}" in html
    foreign = reverse("dues_backfill", args=[other_branch.pk])
    assert client.get(foreign).status_code == 404 and client.post(foreign, data).status_code == 404


def test_existing_members_get_a_dues_start_that_keeps_what_was_tracked(branch, other_branch, secretary):
    """The data migration: the branch's first recorded payment stays the start for members on
    the platform then; one entered later starts at entry (unless paid before); a branch with
    no payment recorded starts this month."""
    import importlib

    from django.apps import apps
    from django.utils import timezone

    from branches.models import Member

    def at(day):
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))

    early, late, late_paid, young = people(branch, 4)
    (silent,) = people(other_branch, 1)
    pay([early], [datetime.date(2024, 3, 1), datetime.date(2024, 4, 1)])
    pay([late_paid], [datetime.date(2025, 1, 1)])
    Member.objects.filter(pk__in=[early.pk, young.pk, silent.pk]).update(created_at=at(datetime.date(2024, 1, 5)))
    Member.objects.filter(pk__in=[late.pk, late_paid.pk]).update(created_at=at(datetime.date(2025, 6, 9)))
    Member.objects.filter(pk=young.pk).update(joined_on=datetime.date(2024, 9, 1))
    Member.objects.update(dues_from=datetime.date(2000, 1, 1))
    importlib.import_module("ledgers.migrations.0008_member_dues_from").backfill(apps, None)
    got = dict(Member.objects.values_list("pk", "dues_from"))
    assert got[early.pk] == datetime.date(2024, 3, 1)  # the branch's first payment, as before
    assert got[late.pk] == datetime.date(2025, 6, 1)  # entered later: from the month of entry
    assert got[late_paid.pk] == datetime.date(2025, 1, 1)  # entered later, but paid from January
    assert got[young.pk] == datetime.date(2024, 9, 1)  # joined after the branch began recording
    assert got[silent.pk] == THIS_MONTH  # nothing recorded in the branch: nothing owed before now
    assert Member.history.filter(id=late.pk).latest().dues_from == datetime.date(2025, 6, 1)


# ---------------------------------------------------------------- reminders


def test_reminder_recorded_with_months_unpaid(client, branch, secretary, reviewer, other_secretary):
    a, b = people(branch, 2, dues_from=dues.add_months(LAST_MONTH, -2))
    pay([b], [dues.add_months(LAST_MONTH, -2)])
    url = reverse("dues_remind", args=[a.pk])
    data = {"reminded_on": TODAY.isoformat(), "way": "电话", "note": "答应月底前补交"}
    for user in (reviewer, other_secretary):
        client.force_login(user)
        assert client.post(url, data).status_code == 404
    client.force_login(secretary)
    assert client.get(url).status_code == 405
    r = client.post(url, data)
    assert r.status_code == 302 and r["Location"].endswith(f"#m{a.pk}")
    rem = DuesReminder.objects.get()
    assert (rem.member, rem.way, rem.by, rem.months_unpaid) == (a, "电话", secretary, 3)
    client.post(url, {**data, "way": "飞鸽传书"})
    assert DuesReminder.objects.count() == 1
    with pytest.raises(DomainError, match="不能晚于今天"):
        dues.dues_reminder_record(actor=secretary, member=a, reminded_on=TODAY + datetime.timedelta(days=1), way="当面")
    html = client.get(reverse("dues_arrears", args=[branch.pk])).content.decode()
    assert "答应月底前补交" in html


# ---------------------------------------------------------------- digest mail


@pytest.fixture
def staff(branch, other_branch, committee):
    sec = grant(UserFactory(email="sec@example.com"), branch, Role.SECRETARY)
    worker = grant(UserFactory(email="worker@example.com"), branch, Role.WORKER)
    grant(UserFactory(email=""), branch, Role.WORKER)  # no email: skipped
    grant(UserFactory(email="reviewer@example.com"), committee, Role.REVIEWER)  # not branch staff
    grant(UserFactory(email="other@example.com"), other_branch, Role.SECRETARY)  # nobody in arrears there
    return sec, worker


def test_monthly_digest_mails_branch_staff(branch, other_branch, staff, arrears_branch, mailoutbox):
    five_, six_, ok = arrears_branch
    people(other_branch, 2, dues_from=datetime.date(2026, 7, 1))  # entered in July: nothing owed yet
    sent = tasks_dues.dues_monthly_digest("2026-07-10")
    assert sent == 2
    assert sorted(m.to[0] for m in mailoutbox) == ["sec@example.com", "worker@example.com"]
    msg = mailoutbox[0]
    assert branch.name in msg.subject and "2名党员欠交党费" in msg.subject and "2026年06月" in msg.subject
    assert six_.name in msg.body and "连续六个月未交纳党费，请支部研究处理（不自动处理）" in msg.body
    assert ok.name not in msg.body
    # a redelivered task sends nothing twice
    assert tasks_dues.dues_monthly_digest("2026-07-10") == 0
    assert len(mailoutbox) == 2


def test_digest_from_the_arrears_page_is_queued_after_commit(
    client, branch, secretary, staff, reviewer, mailoutbox, django_capture_on_commit_callbacks
):
    (a,) = people(branch, 1)
    (b,) = people(branch, 1)
    pay([b], [dues.add_months(LAST_MONTH, -1)])
    url = reverse("dues_notify", args=[branch.pk])
    client.force_login(reviewer)
    assert client.post(url).status_code == 404
    client.force_login(secretary)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        r = client.post(url, follow=True)
    assert "2 名工作人员" in r.content.decode()
    assert len(callbacks) == 1 and mailoutbox == []  # nothing sent inside the transaction
    callbacks[0]()
    assert len(mailoutbox) == 2 and a.name in mailoutbox[0].body


# ---------------------------------------------------------------- pages


PAGES = ["dues_month", "dues_bases", "dues_arrears"]


@pytest.mark.parametrize("role", ["secretary", "reviewer", "district_user", "other_secretary"])
@pytest.mark.parametrize("name", PAGES)
def test_pages_role_and_scope(client, request, branch, other_branch, name, role):
    user = request.getfixturevalue(role)
    people(branch, 2)
    client.force_login(user)
    own = client.get(reverse(name, args=[branch.pk]))
    assert own.status_code == (404 if role == "other_secretary" else 200)
    if role != "district_user":
        foreign = other_branch if role != "other_secretary" else branch
        assert client.get(reverse(name, args=[foreign.pk])).status_code == 404
        assert client.post(reverse(name, args=[foreign.pk]), {}).status_code == 404
    assert client.get(reverse(name, args=[999999])).status_code == 404
    if own.status_code == 200:
        html = own.content.decode()
        writer = role in ("secretary", "district_user")
        marker = {"dues_month": 'id="dues-grid"', "dues_bases": 'id="dues-bases"'}.get(name)
        if marker:
            assert (marker in html) is writer
            # readers cannot write: the same 404 as a foreign branch
            status = client.post(reverse(name, args=[branch.pk]), {"m": []}).status_code
            assert status == (302 if writer else 404)


def test_missing_member_and_branch_ids_are_404(client, secretary):
    client.force_login(secretary)
    assert client.post(reverse("dues_remind", args=[999999]), {"way": "当面"}).status_code == 404
    assert client.post(reverse("dues_notify", args=[999999])).status_code == 404


def _populate(branch, secretary, n, month):
    members = people(branch, n)
    verify(secretary, branch, members, month.year)
    pay(members[: n // 2], [month, dues.add_months(month, -1)])
    DuesReminder.objects.bulk_create(
        DuesReminder(member=m, reminded_on=TODAY, months_unpaid=2, way="当面", by=secretary) for m in members
    )


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("role", ["secretary", "reviewer"])
def test_pages_constant_queries(client, request, branch, secretary, name, role, django_assert_max_num_queries):
    client.force_login(request.getfixturevalue(role))
    query = {"dues_month": f"?month={LAST_MONTH:%Y-%m}", "dues_bases": f"?year={LAST_MONTH.year}"}.get(name, "")
    url = reverse(name, args=[branch.pk]) + query
    _populate(branch, secretary, 2, LAST_MONTH)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _populate(branch, secretary, 30, LAST_MONTH)
    with django_assert_max_num_queries(len(small.captured_queries)):
        r = client.get(url)
    assert r.status_code == 200
    assert len(small.captured_queries) <= 10
