"""发展党员: correcting (更正) and withdrawing (撤回) a recorded step."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessment.models import Assessment, Period, RubricVersion
from branches.models import Member, MemberStatus, Position, Standing
from ledgers import development as dev
from ledgers.development import corrections as fixes
from ledgers.models import DevCorrection, DevStage, DevStep, StudyPlan
from tests.factories import make_term
from tests.ledgers.test_development import (
    SCHEDULE,
    START,
    TODAY,
    VOTES,
    D,
    new_applicant,
    pdf,
    record,
    walk,
)
from wujin_branch.errors import DomainError, StaleEditError

pytestmark = pytest.mark.django_db


def step(a, code) -> DevStep:
    return DevStep.objects.get(applicant=a, code=code)


def correct(actor, a, code, reason="录入有误", **kw):
    s = step(a, code)
    kw.setdefault("version", s.version)
    return fixes.step_correct(actor=actor, step=s, reason=reason, **kw)


def withdraw(actor, a, code, reason="误录", version=None):
    s = step(a, code)
    return fixes.step_withdraw(actor=actor, step=s, version=s.version if version is None else version, reason=reason)


# ---------------------------------------------------------------- correct


def test_correct_date_and_people_keeps_who_when_why_and_old_values(secretary, branch):
    a = walk(secretary, new_applicant(secretary, branch), 9)
    old_day = START + D(days=SCHEDULE[9])
    fixed = correct(secretary, a, 9, reason="介绍人姓名录错", done_on=old_day + D(days=1), people="张伟、李娜")
    assert (fixed.done_on, fixed.people, fixed.version) == (old_day + D(days=1), "张伟、李娜", 2)
    c = DevCorrection.objects.get()
    assert (c.applicant, c.code, c.kind, c.reason, c.actor) == (a, 9, "correct", "介绍人姓名录错", secretary)
    assert {"field": "入党介绍人（两名正式党员）", "old": "张伟、王芳", "new": "张伟、李娜"} in c.changes
    assert {"field": "日期", "old": f"{old_day:%Y-%m-%d}", "new": f"{old_day + D(days=1):%Y-%m-%d}"} in c.changes
    h = fixed.history.first()
    assert h.history_user == secretary and h.history_change_reason == "更正：介绍人姓名录错"
    assert fixed.history.last().people == "张伟、王芳"  # the old value stays in the field history too


def test_correct_needs_a_reason_and_a_change(secretary, branch):
    a = walk(secretary, new_applicant(secretary, branch), 2)
    with pytest.raises(DomainError, match="请填写理由") as e:
        correct(secretary, a, 2, reason="  ", people="赵敏")
    assert e.value.field == "reason"
    with pytest.raises(DomainError, match="没有修改任何内容"):
        correct(secretary, a, 2, people=step(a, 2).people)
    with pytest.raises(DomainError, match="不能晚于今天"):
        correct(secretary, a, 2, done_on=TODAY + D(days=1))
    with pytest.raises(DomainError, match="不能早于递交入党申请书"):
        correct(secretary, a, 2, done_on=START - D(days=1), exception_reason="x")
    assert not DevCorrection.objects.exists() and step(a, 2).version == 1


def test_corrected_date_that_breaks_a_rule_needs_an_exception_reason_shown_red(client, secretary, reviewer, branch):
    a = walk(secretary, new_applicant(secretary, branch), 2)
    late = START + D(days=40)
    with pytest.raises(DomainError, match="一个月内派人谈话.*已 40 天.*例外原因") as e:
        correct(secretary, a, 2, done_on=late)
    assert e.value.field == "exception_reason" and step(a, 2).rule_breaks == ""
    fixed = correct(secretary, a, 2, done_on=late, exception_reason="谈话记录日期录错，实为外出返乡后谈话")
    assert "一个月内派人谈话" in fixed.rule_breaks
    client.force_login(reviewer)
    html = client.get(reverse("dev_applicant", args=[a.pk])).content.decode()
    assert 'class="alert danger"' in html and "实为外出返乡后谈话" in html and "更正记录" in html
    # Correcting back clears the break.
    assert correct(secretary, a, 2, done_on=START + D(days=10)).rule_breaks == ""


def test_correction_rechecks_the_steps_recorded_after_it(secretary, branch):
    a = walk(secretary, new_applicant(secretary, branch), 7)
    assert step(a, 7).rule_breaks == ""
    later = START + D(days=SCHEDULE[3] + 2)  # step 7 then only 363 days after step 3
    with pytest.raises(DomainError, match="第7步“确定发展对象”：.*仅 363 天"):
        correct(secretary, a, 3, done_on=later)
    assert step(a, 7).rule_breaks == "" and step(a, 3).done_on == START + D(days=SCHEDULE[3])
    correct(secretary, a, 3, done_on=later, exception_reason="上级党委同意")
    s7 = step(a, 7)
    assert "仅 363 天" in s7.rule_breaks and s7.exception_reason == "上级党委同意" and s7.version == 2
    changes = DevCorrection.objects.get().changes
    assert any(c["field"] == "第7步违反时限规则" and "仅 363 天" in c["new"] for c in changes)
    assert step(a, 3).rule_breaks == ""  # the pair is kept on the step recorded later, as when recording


def test_vote_numbers_corrected_and_checked(secretary, branch):
    a = walk(secretary, new_applicant(secretary, branch), 15)
    with pytest.raises(DomainError, match="未超过"):
        correct(secretary, a, 15, votes={**VOTES, "vote_expected": 16, "vote_present": 8})
    with pytest.raises(DomainError, match="实到人数（10）不能多于应到"):
        correct(secretary, a, 15, votes={**VOTES, "vote_present": 10})
    fixed = correct(secretary, a, 15, votes={**VOTES, "votes_for": 8})
    assert fixed.votes_for == 8
    assert {"field": "赞成票", "old": "7", "new": "8"} in DevCorrection.objects.get().changes


def test_training_corrected_with_its_rule(secretary, branch):
    a = walk(secretary, new_applicant(secretary, branch), 11)
    with pytest.raises(DomainError, match="不少于3天或24个学时"):
        correct(secretary, a, 11, training_days=2, training_hours=None)
    fixed = correct(secretary, a, 11, training_days=None, training_hours=32, note="党校第5期")
    assert fixed.note == "集中培训 0 天、32 学时。\n党校第5期" and fixed.rule_breaks == ""


def test_material_can_be_replaced(secretary, branch):
    a = walk(secretary, new_applicant(secretary, branch), 2)
    fixed = correct(secretary, a, 2, material=pdf("正确的谈话记录.pdf"))
    assert fixed.material.name.endswith(".pdf")
    assert DevCorrection.objects.get().changes[0]["field"] == "材料"


def test_stale_correction_is_refused_not_overwritten(secretary, branch):
    a = walk(secretary, new_applicant(secretary, branch), 2)
    opened = step(a, 2)  # two people open the form on version 1
    fixes.step_correct(actor=secretary, step=opened, version=1, reason="r1", people="赵敏")
    with pytest.raises(StaleEditError, match="已被他人修改"):
        fixes.step_correct(actor=secretary, step=opened, version=1, reason="r2", people="黄强")
    assert step(a, 2).people == "赵敏" and DevCorrection.objects.count() == 1
    with pytest.raises(StaleEditError, match="已被他人修改"):
        fixes.step_withdraw(actor=secretary, step=opened, version=1, reason="r3")
    assert step(a, 2)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.parametrize("locked", [True, False])
def test_two_simultaneous_corrections(locked, secretary, branch):
    """With the row lock, the second of two corrections opened on the same version is refused
    as stale. The control (lock skipped) shows the race: both pass the version check and the
    first one's correction is silently overwritten."""
    a = walk(secretary, new_applicant(secretary, branch), 2)
    opened = step(a, 2)
    barrier = threading.Barrier(2, timeout=5)
    results = []

    def run(people):
        def after_read():
            if not locked:
                barrier.wait()  # both have read the step before either writes

        try:
            fixes.step_correct(
                actor=secretary, step=opened, version=1, reason="录错", people=people,
                _lock_row=locked, _after_read=after_read,
            )  # fmt: skip
            results.append("ok")
        except DomainError as e:
            results.append(e.message)
        except threading.BrokenBarrierError:
            results.append("barrier")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(p,)) for p in ("赵敏", "黄强")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if locked:
        assert results.count("ok") == 1 and any("已被他人修改" in r for r in results)
        assert DevCorrection.objects.count() == 1 and step(a, 2).version == 2
    else:
        assert results == ["ok", "ok"] and DevCorrection.objects.count() == 2


def test_correcting_step_1_keeps_age_and_order(secretary, branch):
    a = walk(secretary, new_applicant(secretary, branch), 2)
    with pytest.raises(DomainError, match="不能晚于第2步"):
        correct(secretary, a, 1, done_on=START + D(days=SCHEDULE[2] + 1))
    with pytest.raises(DomainError, match="年满18周岁"):
        correct(secretary, a, 1, done_on=a.birth_date + D(days=365))
    correct(secretary, a, 1, done_on=START + D(days=1))
    assert dev.applicant_page(a)["applied_on"] == START + D(days=1)


def test_stop_can_be_corrected_and_withdrawn(secretary, branch):
    a = walk(secretary, new_applicant(secretary, branch), 5)
    dev.applicant_stop(actor=secretary, applicant=a, stopped_on=TODAY, reason="本人撤回申请")
    fixed = correct(secretary, a, dev.STOP_CODE, note="迁居外地", done_on=TODAY - D(days=1))
    assert (fixed.note, fixed.done_on) == ("迁居外地", TODAY - D(days=1))
    withdraw(secretary, a, dev.STOP_CODE)
    a.refresh_from_db()
    assert a.stage == DevStage.ACTIVIST and not a.steps.filter(code=dev.STOP_CODE).exists()


def test_stop_withdrawal_refused_once_registered_again(secretary, branch):
    a = walk(secretary, new_applicant(secretary, branch), 3)
    dev.applicant_stop(actor=secretary, applicant=a, stopped_on=TODAY, reason="本人撤回申请")
    new_applicant(secretary, branch, birth=a.birth_date, id_number=a.id_number, applied_on=TODAY)
    with pytest.raises(DomainError, match="已重新登记"):
        withdraw(secretary, a, dev.STOP_CODE)


# ---------------------------------------------------------------- withdraw


def test_only_the_latest_step_can_be_withdrawn(secretary, branch):
    a = walk(secretary, new_applicant(secretary, branch), 5)
    with pytest.raises(DomainError, match="只能撤回最近录入的一步.*第4步“报上级党委备案”之后还录入了第5步"):
        withdraw(secretary, a, 4)
    withdraw(secretary, a, 5, reason="培养联系人尚未指定，误录")
    assert not a.steps.filter(code=5).exists()
    c = DevCorrection.objects.get()
    assert (c.kind, c.code, c.reason) == ("withdraw", 5, "培养联系人尚未指定，误录")
    assert {"field": "培养联系人（一至二名正式党员）", "old": "张伟、王芳", "new": ""} in c.changes
    deleted = DevStep.history.filter(code=5).first()
    assert deleted.history_type == "-" and deleted.history_change_reason == "撤回：培养联系人尚未指定，误录"
    withdraw(secretary, a, 4)
    withdraw(secretary, a, 3)
    a.refresh_from_db()
    assert a.stage == DevStage.APPLICANT and a.version > 1
    withdraw(secretary, a, 2)
    with pytest.raises(DomainError, match="第1步是登记入党申请人时记录的"):
        withdraw(secretary, a, 1)
    # A step withdrawn can be recorded again.
    record(secretary, a, 2, START + D(days=3))
    assert step(a, 2).done_on == START + D(days=3)


def test_latest_means_recorded_last_not_highest_code(secretary, branch):
    a = new_applicant(secretary, branch)
    record(secretary, a, 2, START + D(days=5))
    record(secretary, a, 6, START + D(days=30))
    record(secretary, a, 3, START + D(days=31))
    with pytest.raises(DomainError, match="之后还录入了第3步"):
        withdraw(secretary, a, 6)
    withdraw(secretary, a, 3)
    withdraw(secretary, a, 6)


# ---------------------------------------------------------------- roster


def test_correcting_step_17_moves_the_roster_join_date(secretary, branch):
    a = walk(secretary, new_applicant(secretary, branch), 17)
    day = START + D(days=SCHEDULE[17] + 1)
    correct(secretary, a, 17, done_on=day)
    a.refresh_from_db()
    assert a.member.joined_on == day and a.member.history.first().history_user == secretary


def test_withdrawing_step_17_takes_the_roster_row_away_unless_used(secretary, branch):
    a = walk(secretary, new_applicant(secretary, branch), 17)
    m = a.member
    plan = StudyPlan.objects.create(member=m, year=TODAY.year)
    with pytest.raises(DomainError, match="已有.*等记录.*不能撤回"):
        withdraw(secretary, a, 17)
    assert Member.objects.filter(pk=m.pk).exists()
    plan.delete()
    withdraw(secretary, a, 17, reason="上级党委尚未审批，误录")
    a.refresh_from_db()
    assert a.stage == DevStage.CANDIDATE and a.member is None
    assert not Member.objects.filter(pk=m.pk).exists()
    gone = Member.history.filter(id=m.pk).first()
    assert gone.history_type == "-" and gone.history_user == secretary
    # Recording it again puts them back on the roster.
    record(secretary, a, 17, START + D(days=SCHEDULE[17]))
    a.refresh_from_db()
    assert a.member.status == MemberStatus.PROBATIONARY


def test_step_17_roster_changed_elsewhere_is_not_overwritten(secretary, branch, other_branch):
    a = walk(secretary, new_applicant(secretary, branch), 17)
    Member.objects.filter(pk=a.member_id).update(joined_on=START + D(days=SCHEDULE[17] - 1))
    with pytest.raises(DomainError, match="名册已另行修改"):
        correct(secretary, a, 17, done_on=START + D(days=SCHEDULE[17] + 1))
    with pytest.raises(DomainError, match="已另行修改"):
        withdraw(secretary, a, 17)
    Member.objects.filter(pk=a.member_id).update(
        joined_on=START + D(days=SCHEDULE[17]), branch=other_branch, standing=Standing.ACTIVE
    )
    with pytest.raises(DomainError, match="已不在本支部党员名册中"):
        withdraw(secretary, a, 17)


def test_step_24_correct_and_withdraw_follow_the_roster(secretary, branch):
    a = walk(secretary, new_applicant(secretary, branch), 24)
    day = START + D(days=SCHEDULE[24] + 2)
    correct(secretary, a, 24, done_on=day)
    a.refresh_from_db()
    assert (a.member.status, a.member.full_member_on) == (MemberStatus.FULL, day)
    term = make_term(branch, elected_on=TODAY, seats=[(Position.SECRETARY, a.member)])
    with pytest.raises(DomainError, match="已在支委会任职"):
        withdraw(secretary, a, 24)
    term.seats.all().delete()
    withdraw(secretary, a, 24)
    a.refresh_from_db()
    assert a.stage == DevStage.PROBATIONARY
    assert (a.member.status, a.member.full_member_on) == (MemberStatus.PROBATIONARY, None)


# ---------------------------------------------------------------- frozen records


def test_steps_in_a_submitted_assessment_window_are_frozen(secretary, branch):
    a = walk(secretary, new_applicant(secretary, branch), 2)
    day = step(a, 2).done_on
    period = Period.objects.create(
        name="考核",
        year=day.year,
        stage=2,
        window_start=datetime.date(day.year, 1, 1),
        window_end=datetime.date(day.year, 12, 31),
        self_deadline=datetime.date(day.year + 1, 1, 15),
        committee_deadline=datetime.date(day.year + 1, 1, 31),
        district_deadline=datetime.date(day.year + 1, 2, 28),
        pass_line=Decimal("85"),
        rubric=RubricVersion.objects.get(code="2016"),
    )
    assessment = Assessment.objects.create(period=period, branch=branch, status="draft")
    correct(secretary, a, 2, people="赵敏")  # a draft freezes nothing
    Assessment.objects.filter(pk=assessment.pk).update(status="submitted")
    with pytest.raises(DomainError, match="已锁定"):
        correct(secretary, a, 2, people="黄强")
    with pytest.raises(DomainError, match="已锁定"):
        withdraw(secretary, a, 2)


# ---------------------------------------------------------------- access


def test_reviewer_cannot_correct_or_withdraw(reviewer, secretary, branch):
    a = walk(secretary, new_applicant(secretary, branch), 2)
    with pytest.raises(DomainError, match="没有权限"):
        correct(reviewer, a, 2, people="赵敏")
    with pytest.raises(DomainError, match="没有权限"):
        withdraw(reviewer, a, 2)


@pytest.fixture
def foreign(other_secretary, other_branch):
    return walk(other_secretary, new_applicant(other_secretary, other_branch, birth=datetime.date(1993, 4, 4)), 2)


@pytest.mark.parametrize("name", ["dev_step_correct", "dev_step_withdraw"])
def test_pages_refuse_other_branches_roles_and_missing_steps(client, secretary, reviewer, branch, foreign, name):
    a = walk(secretary, new_applicant(secretary, branch), 2)
    client.force_login(secretary)
    assert client.get(reverse(name, args=[foreign.pk, 2])).status_code == 404
    assert client.post(reverse(name, args=[foreign.pk, 2]), {"reason": "x", "version": 1}).status_code == 404
    assert client.get(reverse(name, args=[a.pk, 9])).status_code == 404  # not recorded
    assert client.get(reverse(name, args=[999999, 2])).status_code == 404
    assert client.get(reverse(name, args=[a.pk, 2])).status_code == 200
    client.force_login(reviewer)
    assert client.get(reverse(name, args=[a.pk, 2])).status_code == 404
    assert client.post(reverse(name, args=[a.pk, 2]), {"reason": "x", "version": 1}).status_code == 404
    assert step(foreign, 2).version == 1 and step(a, 2).version == 1


def test_secretary_corrects_and_withdraws_through_the_pages(client, secretary, reviewer, branch):
    a = walk(secretary, new_applicant(secretary, branch), 3)
    client.force_login(secretary)
    page = client.get(reverse("dev_applicant", args=[a.pk])).content.decode()
    assert reverse("dev_step_correct", args=[a.pk, 2]) in page
    assert reverse("dev_step_withdraw", args=[a.pk, 3]) in page  # the latest only
    assert reverse("dev_step_withdraw", args=[a.pk, 2]) not in page
    url = reverse("dev_step_correct", args=[a.pk, 2])
    s2 = step(a, 2)
    post = {"version": s2.version, "done_on": f"{START + D(days=45):%Y-%m-%d}", "people": "李娜", "note": "补谈"}
    r = client.post(url, post)  # no reason
    assert r.status_code == 200 and "李娜" in r.content.decode()
    r = client.post(url, {**post, "reason": "谈话人录错"})  # the date breaks the one-month rule
    html = r.content.decode()
    assert r.status_code == 200 and "一个月内派人谈话" in html and "谈话人录错" in html
    r = client.post(url, {**post, "reason": "谈话人录错", "exception_reason": "书记外出学习"})
    assert r.status_code == 302
    r = client.post(url, {**post, "reason": "再改一次", "people": "赵敏"})  # the form opened before: stale
    assert r.status_code == 200 and "已被他人修改" in r.content.decode() and step(a, 2).people == "李娜"
    # withdrawing step 2 is refused while step 3 exists; the page says so
    r = client.get(reverse("dev_step_withdraw", args=[a.pk, 2]))
    assert "只能撤回最近录入的一步" in r.content.decode()
    r = client.post(reverse("dev_step_withdraw", args=[a.pk, 2]), {"version": step(a, 2).version, "reason": "x"})
    assert r.status_code == 200 and "只能撤回最近录入的一步" in r.content.decode()
    s3 = step(a, 3)  # step 2 now comes after it: an order break, explained by the correction's reason
    assert "早于前一阶段第2步" in s3.rule_breaks and s3.exception_reason == "书记外出学习" and s3.version == 2
    r = client.post(reverse("dev_step_withdraw", args=[a.pk, 3]), {"version": 1, "reason": "过期的表单"})
    assert r.status_code == 200 and "已被他人修改" in r.content.decode()
    r = client.post(reverse("dev_step_withdraw", args=[a.pk, 3]), {"version": 2, "reason": "推荐会议尚未召开"})
    assert r.status_code == 302 and not a.steps.filter(code=3).exists()
    client.force_login(reviewer)
    html = client.get(reverse("dev_applicant", args=[a.pk])).content.decode()
    assert "更正记录" in html and "谈话人录错" in html and "推荐会议尚未召开" in html
    assert "撤回第3步“推荐和确定入党积极分子”" in html and "书记外出学习" in html
    assert reverse("dev_step_correct", args=[a.pk, 2]) not in html


def test_applicant_page_constant_queries_with_corrections(client, secretary, branch, django_assert_max_num_queries):
    client.force_login(secretary)
    a = walk(secretary, new_applicant(secretary, branch), 17)
    url = reverse("dev_applicant", args=[a.pk])
    correct(secretary, a, 2, people="赵敏")
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    for i in range(6):
        correct(secretary, a, 2 + i, note=f"补充说明{i}")
    dev.examination_record(
        actor=secretary, applicant=a, examined_on=START + D(days=200), examined_by="张伟", content="表现良好"
    )
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200
