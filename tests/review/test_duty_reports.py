"""党(工)委书记述职: the pack (a real PDF, read back with pypdf) of a committee's year, made by
its reviewers or district staff and stored; the district's 述职评议; who sees what."""

import io
import re

import pypdf
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessment.models import Assessment
from review.duty_reports import duty_pack, duty_report_generate, duty_report_rate
from review.model_branches import model_branch_commend, model_branch_nominate
from review.result_models import DutyReport, ReportGrade, ResultEvent
from review.rewards import reward_record
from tests.factories import make_committee
from tests.review.test_no_internal_codes import visible_text
from tests.review.test_workflow import make_period, open_all
from wujin_branch.errors import DomainError

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def pdf_font():
    from wujin_branch import fonts

    if not fonts.FACES[0].source.exists():
        pytest.skip(f"{fonts.FACES[0].source} is missing — install fonts-noto-cjk")
    fonts.build()


@pytest.fixture
def year_of(district_user, committee, branch, other_branch):
    """Last year's period opened: the branches have no 书记, so the vetoes are detected."""
    period = make_period(district_user)
    open_all(district_user, period)
    n = model_branch_nominate(actor=district_user, branch=branch, year=period.year, reason="组织生活规范")
    model_branch_commend(actor=district_user, nomination=n, commended_on=TODAY, document_number="武组发〔2025〕9号")
    return period


def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF")
    return re.sub(r"\s+", "", "".join(page.extract_text() or "" for page in pypdf.PdfReader(io.BytesIO(content)).pages))


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_reviewer_makes_the_pack_district_rates(client, pdf_font, year_of, reviewer, district_user, committee):
    year = year_of.year
    client.force_login(reviewer)
    page = client.get(reverse("duty_report_list") + f"?year={year}").content.decode()
    assert "湖塘镇党委" in page and "牛塘镇党委" not in page and "生成述职材料" in page
    r = client.post(reverse("duty_report_generate", args=[committee.pk, year]))
    report = DutyReport.objects.get(committee=committee, year=year)
    assert r.status_code == 302 and r.url == reverse("duty_report_detail", args=[report.pk])
    assert report.pack.name.startswith("duty-reports/") and report.period == year_of
    assert report.figures["branches"] == 1 and report.figures["model_branches"] == 1
    resp = client.get(reverse("duty_report_pdf", args=[report.pk]))
    assert resp.status_code == 200
    text = pdf_text(body(resp))
    for words in ("湖塘镇党委", f"{year}年度党(工)委书记述职材料", "东街村党支部", "合格率", "目标",
                  "一票否决", "党支部书记缺职", "示范支部", "武组发〔2025〕9号"):  # fmt: skip
        assert words in text, words
    assert "西庄村党支部" not in text  # the other committee's branch
    assert ResultEvent.objects.get(report=report).code == "results.duty_report.generated"
    # The reviewer cannot rate.
    page = client.get(reverse("duty_report_detail", args=[report.pk])).content.decode()
    assert "记录评议结果" not in page and "尚未评议" in page
    assert client.post(reverse("duty_report_rate", args=[report.pk]), {"grade": "good"}).status_code == 404

    client.force_login(district_user)
    page = client.get(reverse("duty_report_detail", args=[report.pk])).content.decode()
    assert "记录评议结果" in page and re.search(r'<form data-confirm="[^"]+"[^>]*/rate/', page)
    r = client.post(reverse("duty_report_rate", args=[report.pk]),
                    {"grade": "", "comment": "我写的意见", "rated_on": TODAY.isoformat()})  # fmt: skip
    assert r.status_code == 200 and "我写的意见" in r.content.decode()
    r = client.post(reverse("duty_report_rate", args=[report.pk]),
                    {"grade": "fairly_good", "comment": "推进有力，合格率仍有差距", "rated_on": TODAY.isoformat()})
    assert r.status_code == 302
    report.refresh_from_db()
    assert (report.grade, report.rated_by, report.rated_on) == (ReportGrade.FAIRLY_GOOD, district_user, TODAY)
    assert report.history.count() >= 2
    assert ResultEvent.objects.filter(report=report, code="results.duty_report.rated").exists()
    page = client.get(reverse("duty_report_list") + f"?year={year}").content.decode()
    assert "较好" in page and "fairly_good" not in page
    assert "results." not in visible_text(client.get(reverse("duty_report_detail", args=[report.pk])).content.decode())

    client.force_login(reviewer)  # the committee reads the result; the pack is frozen now
    page = client.get(reverse("duty_report_detail", args=[report.pk])).content.decode()
    assert "较好" in page and "推进有力" in page
    r = client.post(reverse("duty_report_generate", args=[committee.pk, year]))
    assert r.status_code == 302 and "不再重新生成" in client.get(r.url).content.decode()
    with pytest.raises(DomainError, match="不能再次评议"):
        duty_report_rate(actor=district_user, report=report, grade="good", comment="x", rated_on=TODAY)


def test_pack_counts_pass_rate_against_target_and_rewards(pdf_font, year_of, district_user, committee, branch):
    Assessment.objects.filter(branch=branch, period=year_of).update(status="confirmed")
    reward_record(actor=district_user, organization=committee, stage=2, amount_fen=300050, document_number="奖1号",
                  decided_on=TODAY.replace(year=year_of.year, month=12, day=1), reason="推进较好")  # fmt: skip
    pack = duty_pack(committee, year_of.year)
    assert (pack.branches, pack.confirmed, str(pack.pass_rate), pack.reached) == (1, 1, "100.0", True)
    assert pack.reward_total == "3,000.50" and len(pack.vetoes) >= 1
    report = duty_report_generate(actor=district_user, committee=committee, year=year_of.year)
    with report.pack.open("rb") as f:
        text = pdf_text(f.read())
    assert "100.0%" in text and "已达到目标" in text and "3,000.50" in text


def test_who_sees_what(client, pdf_font, year_of, reviewer, secretary, district_user, committee, other_committee):
    year = year_of.year
    mine = duty_report_generate(actor=reviewer, committee=committee, year=year)
    theirs = duty_report_generate(actor=district_user, committee=other_committee, year=year)
    with pytest.raises(DomainError):
        duty_report_generate(actor=reviewer, committee=other_committee, year=year)
    client.force_login(reviewer)
    for name in ("duty_report_detail", "duty_report_pdf", "duty_report_rate"):
        assert client.get(reverse(name, args=[theirs.pk])).status_code == 404, name
    assert client.post(reverse("duty_report_generate", args=[other_committee.pk, year])).status_code == 404
    assert client.post(reverse("duty_report_generate", args=[committee.pk, 1990])).status_code == 404
    client.force_login(secretary)
    assert client.get(reverse("duty_report_list")).status_code == 404
    for name in ("duty_report_detail", "duty_report_pdf", "duty_report_rate"):
        assert client.get(reverse(name, args=[mine.pk])).status_code == 404, name
    assert client.post(reverse("duty_report_generate", args=[committee.pk, year])).status_code == 404
    client.force_login(district_user)
    assert client.get(reverse("duty_report_detail", args=[mine.pk + theirs.pk])).status_code == 404
    assert client.get(reverse("duty_report_generate", args=[committee.pk, year])).status_code == 405
    with pytest.raises(DomainError):
        duty_report_rate(actor=reviewer, report=mine, grade="good", comment="x", rated_on=TODAY)


def test_list_queries_constant(client, pdf_font, year_of, district_user, committee):
    year = year_of.year
    duty_report_generate(actor=district_user, committee=committee, year=year)
    client.force_login(district_user)
    url = reverse("duty_report_list") + f"?year={year}"
    client.get(url)  # warm-up: the menu's cached counts
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(3):
        c = make_committee(f"第{i}街道党工委")
        duty_report_generate(actor=district_user, committee=c, year=year)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).content.decode().count("下载 PDF") == 4
    assert len(many) == len(few)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.parametrize("locked", [True, False])
def test_two_simultaneous_ratings(locked, pdf_font, district, committee):
    """With the row lock, one of two simultaneous ratings is refused; the control (lock
    skipped) shows the race: both read "not rated" and both write a rating."""
    import threading

    from django.db import connections

    from branches.models import Role
    from tests.factories import UserFactory, grant

    first, second = (grant(UserFactory(), district, Role.DISTRICT) for _ in range(2))
    report = duty_report_generate(actor=first, committee=committee, year=TODAY.year)
    barrier = threading.Barrier(2, timeout=5)
    results = []

    def run(user, grade):
        def after_read():
            if not locked:
                barrier.wait()  # both have read the row before either writes

        try:
            duty_report_rate(actor=user, report=report, grade=grade, comment="评议", rated_on=TODAY,
                             _lock_row=locked, _after_read=after_read)  # fmt: skip
            results.append("ok")
        except DomainError as e:
            results.append(e.message)
        except threading.BrokenBarrierError:
            results.append("barrier")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=a) for a in ((first, "good"), (second, "poor"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rated = ResultEvent.objects.filter(report=report, code="results.duty_report.rated").count()
    if locked:
        assert results.count("ok") == 1 and any("不能再次评议" in r for r in results) and rated == 1
    else:
        assert results == ["ok", "ok"] and rated == 2
