"""Morning reminders: silent branches and coming deadlines, each sent once (review.reminders)."""

import datetime

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessment.models import Assessment, AssessmentStatus, Period, RubricVersion
from branches.models import Role
from ledgers.activities.selectors import silent_branches
from ledgers.models import Activity, ActivityType
from review import reminders
from review.tasks import daily_reminders
from tests.factories import UserFactory, grant, make_branch
from wujin_branch.models import Notice

pytestmark = pytest.mark.django_db

ON = datetime.date(2026, 6, 15)


def held(branch, day, type_=ActivityType.COMMITTEE):
    return Activity.objects.create(branch=branch, type=type_, held_on=day, place="会议室", topic="支委会",
                                   content="研究工作。")  # fmt: skip


def notices(user):
    return list(Notice.objects.filter(user=user).order_by("id"))


# ---------------------------------------------------------------- silent branches


def test_silent_branches_by_the_last_record(branch, other_branch, committee):
    held(branch, ON - datetime.timedelta(days=29))
    held(other_branch, ON - datetime.timedelta(days=30))
    never = make_branch(committee, name="新村党支部")
    young = make_branch(committee, name="新建党支部", founded_on=ON - datetime.timedelta(days=10))
    dissolved = make_branch(committee, name="已撤销党支部", status="dissolved")
    found = {b.pk: b.last_held for b in silent_branches(on=ON)}
    assert found == {other_branch.pk: ON - datetime.timedelta(days=30), never.pk: None}
    assert young.pk not in found and dissolved.pk not in found


def test_a_silent_branch_is_reminded_once_per_30_days(branch, secretary, other_secretary, other_branch,
                                                      django_capture_on_commit_callbacks):  # fmt: skip
    worker = grant(UserFactory(email="worker@example.cn"), branch, Role.WORKER)
    held(branch, ON - datetime.timedelta(days=45))
    held(other_branch, ON - datetime.timedelta(days=3))
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.remind_silent_branches(on=ON) == 2
    [n] = notices(secretary)
    assert n.title == "东街村党支部：已 45 天没有组织生活记录"
    assert "2026年5月1日" in n.body and n.url == reverse("branch_calendar", args=[branch.pk])
    assert len(notices(worker)) == 1 and notices(other_secretary) == []
    assert [m.to for m in mail.outbox] == [["worker@example.cn"]]  # mailed after commit to those with an address

    for days in (1, 5, 14):  # the following mornings: nothing new
        assert reminders.remind_silent_branches(on=ON + datetime.timedelta(days=days)) == 0
    assert reminders.remind_silent_branches(on=ON + datetime.timedelta(days=15)) == 2  # 60 days now
    assert len(notices(secretary)) == 2
    held(branch, ON + datetime.timedelta(days=16))
    assert reminders.remind_silent_branches(on=ON + datetime.timedelta(days=17)) == 0


def test_reviewers_get_a_monthly_digest_of_their_silent_branches(branch, other_branch, committee, other_committee,
                                                                 reviewer):  # fmt: skip
    other_reviewer = grant(UserFactory(), other_committee, Role.REVIEWER)
    make_branch(committee, name="新村党支部")  # never recorded
    held(other_branch, ON - datetime.timedelta(days=2))
    reminders.remind_silent_branches(on=ON)
    [digest] = notices(reviewer)
    assert digest.title == "2 个党支部已超过 30 天没有组织生活记录" and digest.url == reverse("silent_list")
    assert notices(other_reviewer) == []
    reminders.remind_silent_branches(on=ON + datetime.timedelta(days=3))
    assert len(notices(reviewer)) == 1  # once a month


def test_silent_reminders_run_a_fixed_number_of_queries(committee, reviewer):
    def run(on):
        with CaptureQueriesContext(connection) as ctx:
            reminders.remind_silent_branches(on=on)
        return len(ctx.captured_queries)

    for _ in range(3):
        grant(UserFactory(), make_branch(committee), Role.SECRETARY)
    few = run(ON)
    for _ in range(12):
        grant(UserFactory(), make_branch(committee), Role.SECRETARY)
    many = run(ON + datetime.timedelta(days=31))
    assert few == many and Notice.objects.count() == 3 + 15 + 2


# ---------------------------------------------------------------- deadlines


def make_period(*, self_on, committee_on=None, district_on=None, status="open"):
    return Period.objects.create(
        name="2025年度考核", year=2025, stage=2, window_start=datetime.date(2025, 1, 1),
        window_end=datetime.date(2025, 12, 31), self_deadline=self_on,
        committee_deadline=committee_on or self_on + datetime.timedelta(days=20),
        district_deadline=district_on or self_on + datetime.timedelta(days=40),
        rubric=RubricVersion.objects.get(code="2016"), status=status,
    )  # fmt: skip


@pytest.mark.parametrize(
    "days_left, expected",
    [(8, None), (7, 7), (4, 7), (3, 3), (2, 3), (1, 1), (0, 1), (-1, None)],
)
def test_deadline_buckets(days_left, expected):
    assert reminders._bucket(days_left) == expected


def test_branches_that_have_not_submitted_are_warned_before_the_self_deadline(branch, other_branch, secretary,
                                                                             other_secretary):  # fmt: skip
    period = make_period(self_on=ON + datetime.timedelta(days=7))
    mine = Assessment.objects.create(period=period, branch=branch, status=AssessmentStatus.DRAFT)
    Assessment.objects.create(period=period, branch=other_branch, status=AssessmentStatus.SUBMITTED)
    assert reminders.remind_deadlines(on=ON - datetime.timedelta(days=1)) == 0  # 8 days ahead: not yet
    assert reminders.remind_deadlines(on=ON) == 1
    [n] = notices(secretary)
    assert n.title == "东街村党支部：2025年度考核自评6月22日截止（还有 7 天）"
    assert n.url == reverse("assessment_self", args=[mine.pk])
    assert notices(other_secretary) == []  # already submitted
    assert reminders.remind_deadlines(on=ON + datetime.timedelta(days=2)) == 0  # still the 7-day reminder
    mine.status = AssessmentStatus.RETURNED
    mine.save()
    assert reminders.remind_deadlines(on=ON + datetime.timedelta(days=5)) == 1  # skipped a day: the 3-day one
    assert "退回修改的自评尚未重新报送" in notices(secretary)[-1].body
    assert reminders.remind_deadlines(on=ON + datetime.timedelta(days=7)) == 1
    assert notices(secretary)[-1].title.endswith("（今天截止）")
    assert reminders.remind_deadlines(on=ON + datetime.timedelta(days=8)) == 0  # past: no blame mail


def test_reviewers_and_district_are_warned_of_what_waits_for_them(branch, other_branch, committee, other_committee,
                                                                  reviewer, district_user):  # fmt: skip
    other_reviewer = grant(UserFactory(), other_committee, Role.REVIEWER)
    period = make_period(self_on=ON - datetime.timedelta(days=20), committee_on=ON + datetime.timedelta(days=3),
                         district_on=ON + datetime.timedelta(days=1))  # fmt: skip
    Assessment.objects.create(period=period, branch=branch, status=AssessmentStatus.SUBMITTED)
    Assessment.objects.create(period=period, branch=make_branch(committee), status=AssessmentStatus.COMMITTEE_REVIEWED)
    Assessment.objects.create(period=period, branch=other_branch, status=AssessmentStatus.DECLARED)
    assert reminders.remind_deadlines(on=ON) == 2
    [n] = notices(reviewer)
    assert n.title == "2025年度考核：2 个党支部待审核，6月18日截止（还有 3 天）"
    assert n.url == reverse("committee_dashboard", args=[committee.pk])
    assert notices(other_reviewer) == []  # its branch is with the district already
    [d] = notices(district_user)
    assert d.title == "2025年度考核：1 个党支部待验收，6月16日截止（还有 1 天）"


def test_closed_periods_remind_nobody(branch, secretary):
    period = make_period(self_on=ON + datetime.timedelta(days=1), status="closed")
    Assessment.objects.create(period=period, branch=branch, status=AssessmentStatus.DRAFT)
    assert reminders.remind_deadlines(on=ON) == 0


def test_the_daily_task_runs_both_and_is_scheduled(settings, branch, secretary):
    assert settings.CELERY_BEAT_SCHEDULE["daily-reminders"]["task"] == "review.tasks.daily_reminders"
    result = daily_reminders.delay().get()
    assert result == {"silent": 1, "deadlines": 0}  # the branch has never recorded anything
    assert daily_reminders.delay().get() == {"silent": 0, "deadlines": 0}


# ---------------------------------------------------------------- the list page


def test_silent_list_page_is_scoped(client, branch, other_branch, committee, reviewer, secretary):
    held(branch, datetime.date.today() - datetime.timedelta(days=40))
    client.force_login(reviewer)
    html = client.get(reverse("silent_list")).content.decode()
    assert "东街村党支部" in html and other_branch.name not in html
    assert "40 天" in html
    client.force_login(secretary)
    assert client.get(reverse("silent_list")).status_code == 404


def test_silent_list_runs_a_fixed_number_of_queries(client, committee, district_user, django_assert_max_num_queries):
    for _ in range(30):
        make_branch(committee)
    client.force_login(district_user)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("silent_list"))
    assert response.status_code == 200 and response.content.decode().count("从未记录") == 30
