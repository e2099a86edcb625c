"""发展党员: the half-yearly examination of 入党积极分子 (党支部每半年进行一次考察)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ledgers import development as dev
from ledgers.activities.selectors import due_now
from ledgers.development import corrections as fixes
from ledgers.models import ActivistExamination, DevStep
from tests.ledgers.test_development import TODAY, D, new_applicant, record, walk
from wujin_branch.errors import DomainError

pytestmark = pytest.mark.django_db
date = datetime.date


def activist(actor, branch, became_on: date, **kw):
    """An 入党积极分子 since ``became_on`` (applied 40 days before, talked to 30 days before)."""
    a = new_applicant(actor, branch, applied_on=became_on - D(days=40), **kw)
    record(actor, a, 2, became_on - D(days=30))
    record(actor, a, 3, became_on)
    a.refresh_from_db()
    return a


def examine(actor, a, on: date, **kw):
    kw.setdefault("examined_by", "培养联系人张伟、王芳")
    kw.setdefault("content", "学习认真，工作积极，群众评价好。")
    return dev.examination_record(actor=actor, applicant=a, examined_on=on, **kw)


def status(branch, on):
    return {r.applicant.pk: r for r in dev.examination_status(branch, on=on)}


def test_months_after_keeps_the_day_or_takes_the_month_end():
    assert dev.months_after(date(2023, 1, 15), 6) == date(2023, 7, 15)
    assert dev.months_after(date(2023, 8, 31), 6) == date(2024, 2, 29)
    assert dev.months_after(date(2022, 8, 31), 6) == date(2023, 2, 28)
    assert dev.months_after(date(2023, 12, 31), 6) == date(2024, 6, 30)


def test_overdue_exactly_six_months_after_becoming_an_activist(secretary, branch):
    a = activist(secretary, branch, date(2023, 1, 15))
    row = status(branch, date(2023, 7, 15))[a.pk]
    assert (row.activist_on, row.last_examined_on, row.due_on) == (date(2023, 1, 15), None, date(2023, 7, 15))
    assert not row.overdue  # due that very day
    row = status(branch, date(2023, 7, 16))[a.pk]
    assert row.overdue and row.overdue_days == 1
    assert dev.overdue_examination_count(branch, on=date(2023, 7, 15)) == 0
    assert dev.overdue_examination_count(branch, on=date(2023, 7, 16)) == 1


def test_each_examination_restarts_the_clock(secretary, branch):
    a = activist(secretary, branch, date(2023, 1, 15))
    examine(secretary, a, date(2023, 7, 10))
    examine(secretary, a, date(2023, 3, 1))  # an older one typed later changes nothing
    row = status(branch, date(2024, 1, 10))[a.pk]
    assert (row.last_examined_on, row.due_on, row.overdue) == (date(2023, 7, 10), date(2024, 1, 10), False)
    assert status(branch, date(2024, 1, 11))[a.pk].overdue


def test_month_end_edges(secretary, branch):
    a = activist(secretary, branch, date(2023, 8, 31))
    assert status(branch, date(2024, 2, 29))[a.pk].due_on == date(2024, 2, 29)
    assert not status(branch, date(2024, 2, 29))[a.pk].overdue
    assert status(branch, date(2024, 3, 1))[a.pk].overdue


def test_step_6_counts_as_an_examination(secretary, branch):
    a = activist(secretary, branch, date(2023, 1, 15))
    record(secretary, a, 6, date(2023, 4, 1))
    assert status(branch, date(2023, 10, 1))[a.pk].due_on == date(2023, 10, 1)


def test_only_activists_are_counted(secretary, branch, other_branch, other_secretary):
    became = TODAY - D(days=500)
    a = activist(secretary, branch, became)
    b = walk(secretary, activist(secretary, branch, became, birth=date(1990, 1, 1)), 7, became - D(days=20), first=4)
    applicant = new_applicant(secretary, branch, birth=date(1991, 1, 1))
    activist(other_secretary, other_branch, became, birth=date(1992, 1, 1))
    rows = status(branch, TODAY)
    assert set(rows) == {a.pk} and rows[a.pk].overdue
    assert b.pk not in rows and applicant.pk not in rows


def test_examination_rules(secretary, reviewer, branch):
    a = new_applicant(secretary, branch, applied_on=TODAY - D(days=500))
    with pytest.raises(DomainError, match="尚未确定为入党积极分子"):
        examine(secretary, a, TODAY)
    record(secretary, a, 2, TODAY - D(days=490))
    record(secretary, a, 3, TODAY - D(days=480))
    with pytest.raises(DomainError, match="不能早于确定为入党积极分子的日期"):
        examine(secretary, a, TODAY - D(days=481))
    with pytest.raises(DomainError, match="不能晚于今天"):
        examine(secretary, a, TODAY + D(days=1))
    with pytest.raises(DomainError, match="请填写考察人") as e:
        examine(secretary, a, TODAY, examined_by=" ")
    assert e.value.field == "examined_by"
    with pytest.raises(DomainError, match="请填写考察情况"):
        examine(secretary, a, TODAY, content="")
    with pytest.raises(DomainError, match="没有权限"):
        examine(reviewer, a, TODAY)
    e1 = examine(secretary, a, TODAY - D(days=300))
    assert e1.recorded_by == secretary and e1.history.get().history_user == secretary
    with pytest.raises(DomainError, match="已有一条考察记录"):
        examine(secretary, a, TODAY - D(days=300))
    for code in (4, 5, 6):
        record(secretary, a, code, TODAY - D(days=470))
    record(secretary, a, 7, TODAY - D(days=100))
    with pytest.raises(DomainError, match="不能晚于确定为发展对象的日期"):
        examine(secretary, a, TODAY - D(days=99))
    examine(secretary, a, TODAY - D(days=150))  # typed late, still inside the activist period


def test_examinations_guard_corrections_of_steps_3_and_7(secretary, branch):
    a = activist(secretary, branch, TODAY - D(days=400))
    examine(secretary, a, TODAY - D(days=250))
    s3 = DevStep.objects.get(applicant=a, code=3)
    with pytest.raises(DomainError, match="确定为入党积极分子的日期不能晚于考察日期"):
        fixes.step_correct(actor=secretary, step=s3, version=1, reason="x", done_on=TODAY - D(days=240))
    with pytest.raises(DomainError, match="已有入党积极分子考察记录"):
        fixes.step_withdraw(actor=secretary, step=s3, version=1, reason="x")
    for code in (4, 5, 6):
        record(secretary, a, code, TODAY - D(days=390))
    record(secretary, a, 7, TODAY - D(days=10))
    s7 = DevStep.objects.get(applicant=a, code=7)
    with pytest.raises(DomainError, match="确定为发展对象的日期不能早于考察日期"):
        fixes.step_correct(actor=secretary, step=s7, version=1, reason="x", done_on=TODAY - D(days=260))


# ---------------------------------------------------------------- pages


def test_development_page_lists_overdue_activists_with_the_due_date(client, secretary, reviewer, branch):
    late = activist(secretary, branch, TODAY - D(days=300), name="周逾期")
    fine = activist(secretary, branch, TODAY - D(days=300), name="吴按时", birth=date(1990, 1, 1))
    examine(secretary, fine, TODAY - D(days=30))
    due = dev.months_after(TODAY - D(days=300), 6)
    for user in (secretary, reviewer):
        client.force_login(user)
        html = client.get(reverse("dev_list", args=[branch.pk])).content.decode()
        assert "入党积极分子考察逾期" in html and "周逾期" in html
        assert f"{due:%Y-%m-%d}（已逾期 {(TODAY - due).days} 天）" in html
        section = html.split("入党积极分子考察逾期")[1].split("</table>")[0]
        assert "吴按时" not in section
    page = client.get(reverse("dev_applicant", args=[late.pk])).content.decode()
    assert "考察已逾期" in page
    page = client.get(reverse("dev_applicant", args=[fine.pk])).content.decode()
    assert f"下次考察应于 {dev.months_after(TODAY - D(days=30), 6):%Y-%m-%d} 前进行" in page


def test_branch_home_due_list_shows_the_overdue_count(client, secretary, branch):
    activist(secretary, branch, TODAY - D(days=300))
    assert "入党积极分子考察：1 人逾期未考察，请及时考察并记录" in due_now(branch)
    client.force_login(secretary)
    assert "1 人逾期未考察" in client.get(reverse("branch_detail", args=[branch.pk])).content.decode()


def test_development_page_constant_queries(client, secretary, branch, django_assert_max_num_queries):
    client.force_login(secretary)
    url = reverse("dev_list", args=[branch.pk])

    def populate(n, offset):
        for i in range(n):
            a = activist(secretary, branch, TODAY - D(days=200 + i), birth=date(1980 + offset + i, 1, 1))
            if i % 2:
                examine(secretary, a, TODAY - D(days=10 + i))

    populate(2, 0)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    populate(10, 5)
    with django_assert_max_num_queries(len(small.captured_queries)):
        html = client.get(url).content.decode()
    assert html.count("已逾期") >= 6
    with django_assert_max_num_queries(1):
        assert dev.overdue_examination_count(branch) == 6


def test_secretary_records_an_examination_through_the_page(client, secretary, reviewer, branch):
    a = activist(secretary, branch, TODAY - D(days=300))
    client.force_login(secretary)
    assert "记录入党积极分子考察" in client.get(reverse("dev_applicant", args=[a.pk])).content.decode()
    url = reverse("dev_examination_new", args=[a.pk])
    post = {"examined_on": f"{TODAY:%Y-%m-%d}", "examined_by": "党小组", "content": ""}
    r = client.post(url, post)
    assert r.status_code == 200 and "党小组" in r.content.decode()
    r = client.post(url, {**post, "examined_on": f"{TODAY - D(days=301):%Y-%m-%d}", "content": "表现良好"})
    assert r.status_code == 200 and "不能早于确定为入党积极分子的日期" in r.content.decode()
    r = client.post(url, {**post, "content": "表现良好"})
    assert r.status_code == 302 and ActivistExamination.objects.get().examined_by == "党小组"
    client.force_login(reviewer)
    html = client.get(reverse("dev_applicant", args=[a.pk])).content.decode()
    assert "表现良好" in html and url not in html


def test_examination_page_refuses_roles_and_other_branches(client, secretary, reviewer, other_secretary, branch):
    a = activist(secretary, branch, TODAY - D(days=300))
    client.force_login(reviewer)
    url = reverse("dev_examination_new", args=[a.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"examined_on": f"{TODAY:%Y-%m-%d}", "examined_by": "x", "content": "y"}).status_code == 404
    client.force_login(other_secretary)
    assert client.get(url).status_code == 404
    assert client.get(reverse("dev_examination_new", args=[999999])).status_code == 404
    assert not ActivistExamination.objects.exists()


# ---------------------------------------------------------------- withdrawing one recorded by mistake


def test_withdraw_an_examination_keeps_it_listed_with_the_reason(client, secretary, branch):
    a = activist(secretary, branch, date(2023, 1, 15))
    wrong = examine(secretary, a, date(2023, 7, 10))
    assert status(branch, date(2023, 12, 1))[a.pk].due_on == date(2024, 1, 10)
    client.force_login(secretary)
    url = reverse("dev_examination_withdraw", args=[wrong.pk])
    assert "撤销" in client.get(reverse("dev_applicant", args=[a.pk])).content.decode()
    response = client.post(url, {"reason": ""})  # no reason: refused, nothing removed
    assert response.status_code == 200 and ActivistExamination.objects.filter(pk=wrong.pk).exists()
    assert client.post(url, {"reason": "录错了人，应为另一名积极分子"}).status_code == 302
    assert not ActivistExamination.objects.filter(pk=wrong.pk).exists()
    assert status(branch, date(2023, 12, 1))[a.pk].overdue  # the clock runs from step 3 again
    [gone] = ActivistExamination.history.filter(id=wrong.pk, history_type="-")
    assert gone.history_user == secretary and gone.history_change_reason == "录错了人，应为另一名积极分子"
    html = client.get(reverse("dev_applicant", args=[a.pk])).content.decode()
    assert "已撤销的考察记录" in html and "录错了人" in html
    with pytest.raises(DomainError, match="已被撤销"):
        dev.examination_withdraw(actor=secretary, examination=wrong, reason="再撤一次")


def test_withdraw_is_scoped_to_the_branch(client, secretary, other_secretary, branch, reviewer):
    a = activist(secretary, branch, date(2023, 1, 15))
    exam = examine(secretary, a, date(2023, 7, 10))
    url = reverse("dev_examination_withdraw", args=[exam.pk])
    for user in (other_secretary, reviewer):  # another branch; a reviewer may read but not change
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.post(url, {"reason": "试图撤销"}).status_code == 404
    assert ActivistExamination.objects.filter(pk=exam.pk).exists()
    assert client.get(reverse("dev_examination_withdraw", args=[999999])).status_code == 404
