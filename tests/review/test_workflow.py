import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.urls import reverse

from assessment.models import Assessment, ItemScore, RubricVersion
from assessment.models import AssessmentStatus as S
from assessment.services import period_create, period_open_run
from branches.models import Role
from review import services
from review.models import Objection, Publication, ReviewEvent
from tests.factories import UserFactory, grant, without_vetoes
from wujin_branch.errors import DomainError
from wujin_branch.models import Notice

D = Decimal


def make_period(actor, year=None):
    year = year or datetime.date.today().year - 1
    return period_create(
        actor=actor, name=f"{year}年度考核", year=year, stage=2, window_start=datetime.date(year, 1, 1),
        window_end=datetime.date(year, 12, 31), self_deadline=datetime.date(year + 1, 1, 15),
        committee_deadline=datetime.date(year + 1, 1, 31), district_deadline=datetime.date(year + 1, 2, 28),
        pass_line=D("85"), notice_days=5, rubric=RubricVersion.objects.get(code="2016"),
    )  # fmt: skip


def open_all(actor, period):
    from wujin_branch.models import Job

    job = Job.objects.create(kind="period_open", params={"period_id": period.pk}, created_by=actor)
    period_open_run(job_id=job.pk)


def full_rows(a, prefix_value=None, minus=None):
    rows = {}
    for s in ItemScore.objects.filter(assessment=a).select_related("item"):
        rows[s.item_id] = (str(prefix_value if prefix_value is not None else s.item.points), "")
    if minus:
        first = next(iter(rows))
        rows[first] = ("0", "扣分")
    return rows


@pytest.fixture
def world(district_user, reviewer, secretary, branch, other_branch):
    period = make_period(district_user)
    # these tests are about the workflow: a branch with its 书记 and special fund (the vetoes
    # are judged again at each decision, so clearing the detected ones would not last)
    without_vetoes(branch, period.year)
    open_all(district_user, period)
    a = Assessment.objects.get(period=period, branch=branch)
    other = Assessment.objects.get(period=period, branch=other_branch)
    assert not a.has_veto
    return {"period": period, "a": a, "other": other}


def to_submitted(a, secretary):
    from assessment.services import self_scores_save

    self_scores_save(actor=secretary, assessment=a, version=a.version, rows=full_rows(a))
    return services.submit(actor=secretary, assessment=a)


def to_declared(a, secretary, reviewer, committee):
    a = to_submitted(a, secretary)
    a = services.committee_scores_save(actor=reviewer, assessment=a, version=a.version, rows=full_rows(a))
    a = services.committee_decide(actor=reviewer, assessment=a, recommend=True)
    services.declaration_submit(actor=reviewer, committee=committee, period=a.period, assessments=[a])
    a.refresh_from_db()
    return a


pytestmark = pytest.mark.django_db


def test_whole_path_with_return_and_objection(world, secretary, reviewer, district_user, committee, settings):
    a = world["a"]
    with pytest.raises(DomainError, match="未自评"):
        services.submit(actor=secretary, assessment=a)
    a = to_submitted(a, secretary)
    assert a.status == S.SUBMITTED
    a = services.committee_return(actor=reviewer, assessment=a, comment="照片不全", item_comments={"16": "缺7月照片"})
    assert a.status == S.RETURNED and a.revision == 2
    a = services.submit(actor=secretary, assessment=a)
    a = services.committee_scores_save(actor=reviewer, assessment=a, version=a.version, rows=full_rows(a))
    assert a.status == S.COMMITTEE_REVIEWED and a.committee_total == D("100")
    a = services.committee_decide(actor=reviewer, assessment=a, recommend=True)
    d = services.declaration_submit(actor=reviewer, committee=committee, period=a.period, assessments=[a])
    a.refresh_from_db()
    assert a.status == S.DECLARED and d.entries.count() == 1
    a = services.district_scores_save(actor=district_user, assessment=a, version=a.version, rows=full_rows(a))
    a = services.accept(actor=district_user, assessment=a)
    assert a.status == S.ACCEPTED
    today = datetime.date.today()
    pub = services.publish(actor=district_user, period=a.period, assessments=[a], starts_on=today)
    entry = pub.entries.get()
    o = services.objection_lodge(
        entry=entry, name="", contact="13800000000", text="该支部七月份没有开会，照片是去年的。"
    )
    services.objection_handle(actor=district_user, objection=o, upheld=False, note="经核实有会议记录和签到")
    a.refresh_from_db()
    with pytest.raises(DomainError, match="期满后"):
        services.confirm(actor=district_user, assessment=a)
    Publication.objects.filter(pk=pub.pk).update(ends_on=today - datetime.timedelta(days=1))
    a = services.confirm(actor=district_user, assessment=a)
    assert a.status == S.CONFIRMED
    codes = list(ReviewEvent.objects.filter(assessment=a).values_list("code", flat=True))
    assert codes[0] == "review.branch.submitted" and codes[-1] == "review.district.confirmed"
    assert "review.committee.returned" in codes and "review.committee.declared" in codes
    assert Notice.objects.filter(user=secretary).exists() and Notice.objects.filter(user=reviewer).exists()


def test_not_passed_below_line_and_with_veto(world, secretary, reviewer, district_user, committee):
    a = to_declared(world["a"], secretary, reviewer, committee)
    rows = full_rows(a)
    # 84.5: take 15.5 points away
    taken = D("15.5")
    for item_id in list(rows)[::-1]:
        s = ItemScore.objects.get(assessment=a, item_id=item_id)
        cut = min(s.item.points, taken)
        rows[item_id] = (str(s.item.points - cut), "验收核查扣分")  # a change from the committee's score says why
        taken -= cut
        if not taken:
            break
    a = services.district_scores_save(actor=district_user, assessment=a, version=a.version, rows=rows)
    assert a.district_total == D("84.5")
    a = services.accept(actor=district_user, assessment=a)
    assert a.status == S.NOT_PASSED
    r = services.rectification_start(actor=reviewer, assessment=a, reason="考核不达标",
                                     deadline=datetime.date.today(), tasks=["补齐组织生活记录"])  # fmt: skip
    with pytest.raises(DomainError, match="未完成"):
        services.reassess(actor=reviewer, rectification=r, summary="完成")
    t = r.tasks.get()
    services.rectification_task_update(actor=secretary, task=t, progress="已补开", done_on=datetime.date.today())
    a = services.reassess(actor=reviewer, rectification=r, summary="整改到位")
    assert a.status == S.DRAFT and a.revision == 2


def test_veto_fails_even_at_100(world, secretary, reviewer, district_user, committee):
    from assessment.models import VetoKind
    from assessment.services import veto_enter

    a = to_declared(world["a"], secretary, reviewer, committee)
    veto_enter(actor=district_user, assessment=a, kind=VetoKind.objects.get(code="other"), detail="软弱涣散")
    a.refresh_from_db()
    a = services.district_scores_save(actor=district_user, assessment=a, version=a.version, rows=full_rows(a))
    assert a.district_total == D("100")
    assert services.accept(actor=district_user, assessment=a).status == S.NOT_PASSED


# ---------------------------------------------------------------- vetoes judged when the decision is taken


def test_secretary_seat_vacated_after_the_window_stops_acceptance(
    client, world, secretary, reviewer, district_user, committee
):
    """书记缺职 was checked at the window's end only and the detection ran only on drafts: a
    seat vacated in January and still empty at acceptance gave 100 points and 合格."""
    from branches.committees import seat_vacate
    from branches.models import CommitteeSeat

    a = to_declared(world["a"], secretary, reviewer, committee)
    assert not a.has_veto
    seat = CommitteeSeat.objects.get(term__branch=a.branch, position="secretary")
    vacated = datetime.date(a.period.year + 1, 1, 15)
    seat_vacate(actor=secretary, seat=seat, vacated_on=vacated)
    a = services.district_scores_save(actor=district_user, assessment=a, version=a.version, rows=full_rows(a))
    assert a.district_total == D("100")
    text = f"党支部书记缺职：党支部书记自{vacated.year}年1月15日出缺，至今未补选"
    with pytest.raises(DomainError) as e:
        services.accept(actor=district_user, assessment=a)
    assert f"验收时检测到一票否决情形：{text}（已记入考核表）" in e.value.message
    assert "不能验收为合格" in e.value.message
    a.refresh_from_db()
    assert a.status == S.DECLARED and a.has_veto  # not accepted, but what was found is on the sheet
    v = a.vetoes.get(active=True)
    assert v.source == "detected" and v.history.get().history_user == district_user
    # accepting again with the veto standing: 验收不合格, the vetoes on the event, a clear message
    client.force_login(district_user)
    r = client.post(reverse("assessment_act", args=[a.pk, "accept"]), follow=True)
    a.refresh_from_db()
    assert a.status == S.NOT_PASSED
    page = r.content.decode()
    assert f"存在一票否决情形（{text}），不能验收为合格，已评定为验收不合格。" in page
    event = ReviewEvent.objects.filter(assessment=a).latest("id")
    assert event.code == "review.district.accepted" and event.details["vetoes"] == [text]
    assert f"不合格</span> <span class=\"muted\">（一票否决：{text}）" in page


def test_secretary_sanctioned_after_the_window_stops_recommendation(world, secretary, reviewer, committee):
    from branches.models import Member, Sanction, SanctionKind

    a = to_submitted(world["a"], secretary)
    holder = Member.objects.get(branch=a.branch, name="书记甲")
    Sanction.objects.create(member=holder, kind=SanctionKind.WARNING, imposed_on=datetime.date(a.period.year + 1, 2, 3),
                            reason="违反廉洁纪律")  # fmt: skip
    a = services.committee_scores_save(actor=reviewer, assessment=a, version=a.version, rows=full_rows(a))
    assert a.has_veto and a.status == S.COMMITTEE_REVIEWED
    assert a.vetoes.get(active=True).detail == f"书记书记甲于{a.period.year + 1}-02-03受警告处分。"
    with pytest.raises(DomainError, match="有一票否决情形的支部不能推荐申报为合格支部"):
        services.committee_decide(actor=reviewer, assessment=a, recommend=True)
    a = services.committee_decide(actor=reviewer, assessment=a, recommend=False, comment="书记受警告处分")
    assert a.status == S.NOT_RECOMMENDED
    assert ReviewEvent.objects.filter(assessment=a).latest("id").details["vetoes"]


def test_a_reviewer_lifting_a_detected_veto_stands_when_judged_again(
    world, secretary, reviewer, district_user, committee
):
    from assessment.models import Veto
    from assessment.services import veto_lift
    from branches.models import Member, Sanction, SanctionKind

    a = to_submitted(world["a"], secretary)
    holder = Member.objects.get(branch=a.branch, name="书记甲")
    Sanction.objects.create(member=holder, kind=SanctionKind.WARNING, imposed_on=datetime.date(a.period.year, 5, 3),
                            reason="经复查已撤销")  # fmt: skip
    a = services.committee_scores_save(actor=reviewer, assessment=a, version=a.version, rows=full_rows(a))
    veto_lift(actor=reviewer, veto=Veto.objects.get(assessment=a, active=True), reason="处分已被上级撤销")
    a = services.committee_decide(actor=reviewer, assessment=a, recommend=True)
    assert a.status == S.RECOMMENDED and not a.has_veto
    assert Veto.objects.filter(assessment=a).count() == 1  # the lifted one, not detected anew


@pytest.mark.parametrize(
    "step,role",
    [("submit", "reviewer"), ("submit", "district_user"), ("committee_return", "secretary"),
     ("committee_return", "district_user"), ("submit", "other_secretary")],
)  # fmt: skip
def test_steps_refused_to_wrong_roles(world, request, step, role):
    a = world["a"]
    user = request.getfixturevalue(role)
    if step == "committee_return":
        secretary = request.getfixturevalue("secretary")
        a = to_submitted(a, secretary)
        with pytest.raises(DomainError, match="没有权限"):
            services.committee_return(actor=user, assessment=a, comment="x")
    else:
        from assessment.services import self_scores_save

        secretary = request.getfixturevalue("secretary")
        a = self_scores_save(actor=secretary, assessment=a, version=a.version, rows=full_rows(a))
        with pytest.raises(DomainError, match="没有权限"):
            services.submit(actor=user, assessment=a)


def test_reviewer_of_other_committee_refused(world, secretary, other_committee):
    a = to_submitted(world["a"], secretary)
    stranger = grant(UserFactory(), other_committee, Role.REVIEWER)
    with pytest.raises(DomainError, match="没有权限"):
        services.committee_return(actor=stranger, assessment=a, comment="x")


def test_declaration_refuses_other_committees_branch(world, secretary, other_secretary, reviewer, committee):
    other = world["other"]
    with pytest.raises(DomainError):
        services.declaration_submit(actor=reviewer, committee=committee, period=other.period, assessments=[other])


def test_working_days():
    monday = datetime.date(2026, 11, 23)
    assert services.add_working_days(monday, 5) == datetime.date(2026, 11, 27)
    assert services.add_working_days(datetime.date(2026, 11, 26), 5) == datetime.date(2026, 12, 2)


def test_objection_needs_contact_and_open_notice(world, secretary, reviewer, district_user, committee):
    a = to_declared(world["a"], secretary, reviewer, committee)
    a = services.district_scores_save(actor=district_user, assessment=a, version=a.version, rows=full_rows(a))
    a = services.accept(actor=district_user, assessment=a)
    pub = services.publish(actor=district_user, period=a.period, assessments=[a])
    entry = pub.entries.get()
    with pytest.raises(DomainError, match="联系方式"):
        services.objection_lodge(entry=entry, name="张三", contact="", text="内容足够长的异议内容说明")
    o = services.objection_lodge(entry=entry, name="", contact="x@example.cn", text="内容足够长的异议内容说明")
    services.objection_handle(actor=district_user, objection=o, upheld=True, note="查实")
    a.refresh_from_db()
    assert a.status == S.DECLARED  # back to district review
    assert Objection.objects.get(pk=o.pk).status == "upheld"


# ---------------------------------------------------------------- concurrency (PostgreSQL)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.parametrize("locked", [True, False])
def test_two_simultaneous_acceptances(locked, district, committee, branch):
    """With the row lock, one of two simultaneous acceptances is refused. The control
    (lock skipped) shows the race: both read 'declared' and both write an acceptance."""
    district_user = grant(UserFactory(), district, Role.DISTRICT)
    reviewer = grant(UserFactory(), committee, Role.REVIEWER)
    secretary = grant(UserFactory(), branch, Role.SECRETARY)
    second = grant(UserFactory(), district, Role.DISTRICT)
    period = make_period(district_user)
    without_vetoes(branch, period.year)
    open_all(district_user, period)
    a = Assessment.objects.get(period=period, branch=branch)
    a = to_declared(a, secretary, reviewer, committee)
    a = services.district_scores_save(actor=district_user, assessment=a, version=a.version, rows=full_rows(a))

    barrier = threading.Barrier(2, timeout=5)
    results = []

    def run(user):
        def after_read():
            if not locked:
                barrier.wait()  # both have read the row before either writes

        try:
            services.accept(actor=user, assessment=a, _lock_row=locked, _after_read=after_read)
            results.append("ok")
        except DomainError as e:
            results.append(e.message)
        except threading.BrokenBarrierError:
            results.append("barrier")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(u,)) for u in (district_user, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    accepted = ReviewEvent.objects.filter(assessment=a, code="review.district.accepted").count()
    if locked:
        assert results.count("ok") == 1
        assert any("不能验收" in r and "他人处理" in r for r in results)
        assert accepted == 1
    else:
        assert results == ["ok", "ok"] and accepted == 2


# ---------------------------------------------------------------- pages


def test_pages_and_actions_by_role(client, world, secretary, reviewer, district_user, other_secretary, committee):
    a = world["a"]
    from assessment.services import self_scores_save

    self_scores_save(actor=secretary, assessment=a, version=a.version, rows=full_rows(a))
    client.force_login(secretary)
    assert "报送党(工)委审核" in client.get(reverse("assessment_view", args=[a.pk])).content.decode()
    assert client.post(reverse("assessment_submit", args=[a.pk])).status_code == 302
    assert Assessment.objects.get(pk=a.pk).status == S.SUBMITTED
    assert client.get(reverse("committee_score", args=[a.pk])).status_code == 404
    client.force_login(other_secretary)
    assert client.post(reverse("assessment_submit", args=[a.pk])).status_code == 404
    assert client.get(reverse("assessment_view", args=[a.pk])).status_code == 404
    client.force_login(reviewer)
    page = client.get(reverse("committee_score", args=[a.pk]))
    assert page.status_code == 200
    r = client.post(reverse("assessment_act", args=[a.pk, "committee_return"]), {"comment": "请补充照片"})
    assert r.status_code == 302 and Assessment.objects.get(pk=a.pk).status == S.RETURNED
    client.force_login(district_user)
    assert client.get(reverse("district_score", args=[a.pk])).status_code == 200
    assert client.get(reverse("objection_list")).status_code == 200
    assert client.get(reverse("declaration_new", args=[committee.pk])).status_code == 404
    client.force_login(reviewer)
    assert client.get(reverse("declaration_new", args=[committee.pk])).status_code == 200
    assert client.get(reverse("my_notices")).status_code == 200
