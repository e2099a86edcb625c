import datetime
import io
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from assessment import rubric_writes, services
from assessment.models import Assessment, ItemScore, Period, RubricItem, RubricVersion, Veto, VetoKind
from branches.models import Position, Sanction
from ledgers.activities import services as ledger_services
from tests.factories import MemberFactory, make_branch, make_term
from wujin_branch.errors import DomainError, StaleEditError
from wujin_branch.models import Job

pytestmark = pytest.mark.django_db
D = Decimal
ANNEX = Path(__file__).with_name("annex_2016.txt")


def parse_annex():
    """(section, declared max, requirement, standard, points) per row of the seed's annex table."""
    rows, section = [], None
    for line in ANNEX.read_text().splitlines()[2:]:
        cells = [c.strip() for c in line.split("|")]
        while cells and not cells[-1]:
            cells.pop()
        points, cells = int(cells[-1]), cells[:-1]
        if len(cells) == 3:
            section, requirement, standard = cells
        elif len(cells) == 2:
            requirement, standard = cells
        else:
            (standard,) = cells
        name, declared = re.match(r"(.+?)\s*\((\d+)分\)", section).groups()
        rows.append((name, int(declared), "".join(requirement.split()), standard, points))
    return rows


def test_export_rubric_matches_the_annex_item_for_item():
    out = io.StringIO()
    call_command("export_rubric", "--version", "2016", stdout=out)
    data = json.loads(out.getvalue())
    exported = [
        (s["name"], s["max_points"], i["requirement"], i["standard"], i["points"])
        for s in data["sections"]
        for i in s["items"]
    ]
    assert exported == parse_annex()
    assert len(exported) == 28 and sum(r[4] for r in exported) == 102
    assert [s["max_points"] for s in data["sections"]] == [10, 30, 30, 30]
    assert all(isinstance(i["points"], int) for s in data["sections"] for i in s["items"])


@pytest.fixture
def period(district_user):
    year = datetime.date.today().year - 1
    return services.period_create(
        actor=district_user,
        name=f"{year}年度考核",
        year=year,
        stage=2,
        window_start=datetime.date(year, 1, 1),
        window_end=datetime.date(year, 12, 31),
        self_deadline=datetime.date(year + 1, 1, 15),
        committee_deadline=datetime.date(year + 1, 1, 31),
        district_deadline=datetime.date(year + 1, 2, 28),
        pass_line=D("85"),
        notice_days=5,
        rubric=RubricVersion.objects.get(code="2016"),
    )


def open_period(period, actor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.period_open(actor=actor, period=period)
    job.refresh_from_db()
    return job


def test_period_open_creates_one_assessment_per_branch(
    period, district_user, branch, other_branch, committee, django_capture_on_commit_callbacks
):
    dissolved = make_branch(committee, name="已撤销支部", status="dissolved")
    job = open_period(period, district_user, django_capture_on_commit_callbacks)
    assert job.status == "done" and job.percent == 100
    assert set(Assessment.objects.filter(period=period).values_list("branch_id", flat=True)) == {
        branch.pk,
        other_branch.pk,
    }
    assert not Assessment.objects.filter(branch=dissolved).exists()
    assert ItemScore.objects.filter(assessment__branch=branch).count() == 28
    period.refresh_from_db()
    assert period.status == "open"
    # the task is idempotent: running it again adds nothing
    services.period_open_run(job_id=job.pk)
    assert Assessment.objects.filter(period=period).count() == 2
    with pytest.raises(DomainError, match="已经开始"):
        services.period_open(actor=district_user, period=period)


def test_only_district_opens_periods(period, reviewer):
    with pytest.raises(DomainError, match="区委组织部"):
        services.period_open(actor=reviewer, period=period)


def test_period_dates_validated(district_user):
    with pytest.raises(DomainError, match="截止日期"):
        services.period_create(
            actor=district_user, name="x", year=2025, stage=2, window_start=datetime.date(2025, 1, 1),
            window_end=datetime.date(2025, 12, 31), self_deadline=datetime.date(2026, 2, 1),
            committee_deadline=datetime.date(2026, 1, 1), district_deadline=datetime.date(2026, 3, 1),
            pass_line=D("85"), notice_days=5, rubric=RubricVersion.objects.get(code="2016"),
        )  # fmt: skip


@pytest.fixture
def opened(period, district_user, branch, django_capture_on_commit_callbacks):
    open_period(period, district_user, django_capture_on_commit_callbacks)
    return Assessment.objects.get(period=period, branch=branch)


def rows_for(assessment, value_fn):
    return {
        s.item_id: (value_fn(s.item), "")
        for s in ItemScore.objects.filter(assessment=assessment).select_related("item")
    }


def test_self_scores_capped_and_validated(opened, secretary):
    a = services.self_scores_save(
        actor=secretary, assessment=opened, version=opened.version, rows=rows_for(opened, lambda i: str(i.points))
    )
    assert a.self_total == D("100")  # 102 of item points, 活动开展有序 capped at 30
    bad = rows_for(a, lambda i: "2.3")
    with pytest.raises(DomainError, match="0.5"):
        services.self_scores_save(actor=secretary, assessment=a, version=a.version, rows=bad)
    with pytest.raises(StaleEditError):
        services.self_scores_save(actor=secretary, assessment=a, version=1, rows={})
    a.refresh_from_db()
    assert a.self_total == D("100")  # nothing saved by the refused attempts
    s = ItemScore.objects.filter(assessment=a).first()
    assert s.history.latest().history_user == secretary


def test_self_total_at_pass_line_edges(opened, secretary):
    items = list(RubricItem.objects.filter(section__version__code="2016").order_by("section__order", "order"))
    # full marks everywhere except a 15.5-point gap taken from the last section's items
    target_gap = D("15.5")
    values = {i.pk: i.points for i in items}
    for i in reversed(items):
        take = min(values[i.pk], target_gap)
        values[i.pk] -= take
        target_gap -= take
        if not target_gap:
            break
    a = services.self_scores_save(
        actor=secretary, assessment=opened, version=opened.version,
        rows={k: (str(v), "") for k, v in values.items()},
    )  # fmt: skip
    assert a.self_total == D("84.5")


def test_suggestions_and_vetoes_detected(opened, branch, secretary, district_user):
    a_member = MemberFactory(branch=branch)
    make_term(branch, elected_on=datetime.date(2020, 1, 1), seats=[(Position.SECRETARY, a_member)])
    Sanction.objects.create(member=a_member, kind=1, imposed_on=opened.period.window_start, reason="违反规定")
    services.suggestions_refresh_one(actor=secretary, assessment=opened)
    opened.refresh_from_db()
    kinds = set(Veto.objects.filter(assessment=opened).values_list("kind__code", flat=True))
    assert {"secretary_sanctioned", "no_special_fund"} <= kinds and "secretary_vacant" not in kinds
    assert opened.has_veto
    committee_item = ItemScore.objects.get(assessment=opened, item__rule="freq_committee")
    assert committee_item.suggested == D("0") and "12" in committee_item.suggestion_reason
    manual = ItemScore.objects.get(assessment=opened, item__rule="education_content")
    assert manual.suggested is None and "人工评分" in manual.suggestion_reason


def test_frequency_suggestion_11_of_12_months(opened, branch, secretary, django_capture_on_commit_callbacks):
    from tests.ledgers.test_activities import base_data, jpeg

    people = [MemberFactory(branch=branch) for _ in range(3)]
    make_term(branch, elected_on=datetime.date(2015, 1, 1), seats=[(Position.SECRETARY, people[0])])
    year = opened.period.year
    for month in range(1, 13):
        if month == 7:
            continue
        ledger_services.activity_create(
            actor=secretary, branch=branch, data=base_data(held_on=datetime.date(year, month, 8)), attendance={},
            photos=[jpeg(pattern=month % 3)],
        )  # fmt: skip
    # July's meeting has no photo: it does not count
    ledger_services.activity_create(
        actor=secretary, branch=branch, data=base_data(held_on=datetime.date(year, 7, 8)), attendance={}
    )
    services.suggestions_refresh_one(actor=secretary, assessment=opened)
    s = ItemScore.objects.get(assessment=opened, item__rule="freq_committee")
    assert s.suggested == D("5.5")
    assert len([e for e in s.evidence if "/activity/" in e["url"]]) == 11


def test_entered_veto_and_pass(opened, reviewer, secretary):
    other = VetoKind.objects.get(code="other")
    with pytest.raises(DomainError):
        services.veto_enter(actor=secretary, assessment=opened, kind=other, detail="x")
    v = services.veto_enter(actor=reviewer, assessment=opened, kind=other, detail="软弱涣散，整顿未完成")
    opened.refresh_from_db()
    assert opened.has_veto
    Veto.objects.filter(assessment=opened, source="detected").delete()  # leave only the entered one
    services.veto_lift(actor=reviewer, veto=v, reason="经核实已整改")
    opened.refresh_from_db()
    assert not opened.has_veto and not Veto.objects.get(pk=v.pk).active


def test_rubric_in_use_cannot_change_but_copy_can(opened, district_user):
    version = RubricVersion.objects.get(code="2016")
    item = RubricItem.objects.filter(section__version=version).first()
    with pytest.raises(DomainError, match="已被考核周期使用"):
        rubric_writes.rubric_item_update(actor=district_user, item=item, standard="x", points="2", requirement="y")
    new = rubric_writes.rubric_copy(actor=district_user, source=version, code="2026", name="修订版")
    new_item = RubricItem.objects.get(section__version=new, code=item.code)
    rubric_writes.rubric_item_update(actor=district_user, item=new_item, standard="新标准", points="2.5",
                                     requirement="y")  # fmt: skip
    assert RubricItem.objects.get(pk=new_item.pk).points == D("2.5")
    assert RubricItem.objects.filter(section__version=new).count() == 28


def test_activity_frozen_after_submission(opened, branch, secretary):
    from tests.ledgers.test_activities import base_data

    act = ledger_services.activity_create(
        actor=secretary, branch=branch, data=base_data(held_on=datetime.date(opened.period.year, 5, 5)), attendance={}
    )
    Assessment.objects.filter(pk=opened.pk).update(status="submitted")
    with pytest.raises(DomainError, match="锁定"):
        ledger_services.activity_update(actor=secretary, activity=act, version=act.version, data={}, attendance={})


# ---------------------------------------------------------------- pages


def test_self_assessment_page_keeps_typed_values(client, opened, secretary, django_assert_max_num_queries):
    client.force_login(secretary)
    url = reverse("assessment_self", args=[opened.pk])
    with django_assert_max_num_queries(20):
        page = client.get(url)
    assert page.status_code == 200 and "党支部职数设置合理" in page.content.decode()
    item = RubricItem.objects.get(section__version__code="2016", code="1")
    r = client.post(
        url, {"version": opened.version, f"self_score_{item.pk}": "2.3", f"self_remark_{item.pk}": "说明文字"}
    )
    html = r.content.decode()
    assert r.status_code == 200 and "0.5" in html and 'value="2.3"' in html and "说明文字" in html
    r = client.post(url, {"version": opened.version, f"self_score_{item.pk}": "1.5"})
    assert r.status_code == 302
    assert ItemScore.objects.get(assessment=opened, item=item).self_score == D("1.5")


@pytest.mark.parametrize(
    "role,self_page,view_page",
    [("secretary", 200, 200), ("reviewer", 404, 200), ("district_user", 200, 200), ("other_secretary", 404, 404)],
)
def test_assessment_pages_scoped(client, request, opened, role, self_page, view_page):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("assessment_self", args=[opened.pk])).status_code == self_page
    assert client.get(reverse("assessment_view", args=[opened.pk])).status_code == view_page
    assert client.get(reverse("assessment_view", args=[999999])).status_code == 404


def test_district_pages(client, district_user, reviewer, period):
    client.force_login(reviewer)
    for name in ("period_list", "rubric_list"):
        assert client.get(reverse(name)).status_code == 404
    assert client.get(reverse("period_detail", args=[period.pk])).status_code == 404
    client.force_login(district_user)
    page = client.get(reverse("period_list")).content.decode()
    assert "考核细则版本" in page and "Rubric" not in page  # the new-period form's labels are Chinese
    html = client.get(reverse("rubric_detail", args=[period.rubric_id])).content.decode()
    assert "分值不一致" in html and "32" in html
    assert client.get(reverse("rules_table")).status_code == 200


def test_period_open_through_page_and_job_progress(
    client, district_user, period, branch, django_capture_on_commit_callbacks
):
    client.force_login(district_user)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("period_open", args=[period.pk])).status_code == 302
    job = Job.objects.get(kind="period_open")
    data = client.get(reverse("job_status", args=[job.pk])).json()
    assert data["status"] == "done" and data["percent"] == 100
    assert Period.objects.get(pk=period.pk).status == "open"
