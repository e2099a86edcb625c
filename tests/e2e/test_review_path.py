"""One branch walks the whole review path in the browser, four people in four browser contexts:

the secretary self-scores and submits (phone), the committee's reviewer returns it, the secretary
fixes and resubmits, the reviewer scores, recommends and declares it in a batch (申报表), the district
scores, accepts and publishes it, a member of the public objects on the public page (phone), the
district dismisses the objection, the notice ends, the district confirms and downloads the PDF sheet.
"""

import datetime
import io
import re
import time
from decimal import Decimal

import pytest
from django.urls import reverse

from assessment.models import Assessment, RubricVersion
from assessment.models import AssessmentStatus as S
from assessment.services import period_create, period_open_run
from branches.models import Position, Role
from ledgers.models import FundingYear
from review.models import Objection, ObjectionStatus, Publication, ReviewEvent
from tests.e2e.conftest import PHONE, accept_confirmations, log_in
from tests.factories import MemberFactory, UserFactory, grant, make_branch, make_committee, make_term, org_tree
from wujin_branch.models import Job

pytestmark = pytest.mark.e2e

BRANCH = "东街村党支部"
COMMITTEE = "湖塘镇党委"
NAMES = ["张建国", "王秀英", "李卫东", "刘桂兰", "陈志强"]
RETURN_COMMENT = "第16项缺少7月份的照片，请补充后重新报送。"
OBJECTION = "该支部七月份没有开会，照片是去年拍的，请核实。"
DISMISS_NOTE = "经核实，七月份有会议记录、签到表和当月照片，异议不成立。"


def _setup():
    """District, committee, branch with members and a committee term, four users, an open period.

    The branch must come out of period opening without a detected one-vote veto, or acceptance
    would fail it whatever its score: it gets a secretary in office before the window ends and a
    FundingYear with the special fund for the window's year, both BEFORE the period is opened.
    """
    year = datetime.date.today().year - 1
    district = org_tree()
    committee = make_committee(COMMITTEE)
    branch = make_branch(committee, name=BRANCH, founded_on=datetime.date(1998, 7, 1))
    people = [MemberFactory(branch=branch, name=n) for n in NAMES]
    make_term(
        branch,
        elected_on=datetime.date(year - 1, 1, 5),
        seats=[(Position.SECRETARY, people[0]), (Position.ORGANIZATION, people[1]), (Position.PROPAGANDA, people[2])],
    )
    FundingYear.objects.create(branch=branch, year=year, budget_fen=2_000_000, has_special_fund=True)

    district_user = grant(UserFactory(username="district_wj"), district, Role.DISTRICT)
    grant(UserFactory(username="reviewer_ht"), committee, Role.REVIEWER)
    grant(UserFactory(username="secretary_dj"), branch, Role.SECRETARY)

    period = period_create(
        actor=district_user, name=f"{year}年度考核", year=year, stage=2,
        window_start=datetime.date(year, 1, 1), window_end=datetime.date(year, 12, 31),
        self_deadline=datetime.date(year + 1, 1, 15), committee_deadline=datetime.date(year + 1, 1, 31),
        district_deadline=datetime.date(year + 1, 2, 28), pass_line=Decimal("85"), notice_days=5,
        rubric=RubricVersion.objects.get(code="2016"),
    )  # fmt: skip
    job = Job.objects.create(kind="period_open", params={"period_id": period.pk}, created_by=district_user)
    period_open_run(job_id=job.pk)
    a = Assessment.objects.get(period=period, branch=branch)
    assert not a.has_veto, list(a.vetoes.values_list("detail", flat=True))
    return branch, committee, a


def _context(browser, live_server, phone=False):
    kw = {"viewport": PHONE, "device_scale_factor": 3, "is_mobile": True, "has_touch": True} if phone else {}
    context = browser.new_context(locale="zh-CN", base_url=live_server.url, accept_downloads=True, **kw)
    context.set_default_timeout(15_000)
    return accept_confirmations(context)




def _messages(page):
    return page.locator("main .messages").inner_text() if page.locator("main .messages").count() else ""


def _no_sideways_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _click_and_wait(page, locator):
    with page.expect_navigation():
        locator.click()


def _status(page):
    return page.locator("main .badge.info").first.inner_text()


def _fill_max(page, prefix):
    """Every score input of a column at the item's full points; returns how many."""
    inputs = page.locator(f"input[name^={prefix}_score_]")
    n = inputs.count()
    for i in range(n):
        field = inputs.nth(i)
        field.fill(field.get_attribute("max"))
    return n


def _open_assessment_view(page, a):
    """The assessment page with the review panel (报送 is there). Neither the branch page nor the
    self-assessment page links to it while the branch may still edit, so go by its address."""
    page.goto(reverse("assessment_view", args=[a.pk]))
    page.get_by_role("heading", name=re.compile(BRANCH)).wait_for()


def _row_link(page, name):
    """The link named ``name`` in the table row of our branch."""
    return page.locator("main table tr").filter(has_text=BRANCH).get_by_role("link", name=name)


def test_branch_walks_the_whole_review_path(browser, live_server, tmp_path):
    branch, committee, a = _setup()
    view_url = reverse("assessment_view", args=[a.pk])
    started = time.perf_counter()
    contexts = []

    def new_page(phone=False):
        c = _context(browser, live_server, phone=phone)
        contexts.append(c)
        return c.new_page()

    try:
        # ------------------------------------------------ secretary: self-assessment and submit (phone)
        sec = new_page(phone=True)
        log_in(sec, "secretary_dj")
        sec.wait_for_url(re.compile(re.escape(reverse("branch_detail", args=[branch.pk])) + r"$"))
        _click_and_wait(sec, sec.get_by_role("link", name="规范化建设考核"))
        sec.wait_for_url(re.compile(re.escape(reverse("assessment_self", args=[a.pk])) + r"$"))
        sec.get_by_role("heading", name=re.compile("支部自评")).wait_for()
        assert "未发现一票否决情形" in sec.locator(".veto-panel").inner_text()
        assert _no_sideways_scroll(sec), "the self-assessment page scrolls sideways on a phone"

        assert _fill_max(sec, "self") == 28
        # One item takes the platform's suggestion instead (no records yet: a low score).
        item = sec.locator(".card.item").filter(has=sec.locator(".use-suggestion")).first
        suggested = Decimal(item.locator(".use-suggestion").get_attribute("data-value"))
        item.get_by_role("button", name="采用建议分").click()
        score_input = item.locator("input.score")
        assert Decimal(score_input.input_value()) == suggested
        item_pk = score_input.get_attribute("name").rsplit("_", 1)[1]
        item.locator("input.remark").fill("按平台记录采用建议分")
        grand = Decimal(sec.locator("#grand-total").inner_text())
        assert grand <= 100
        _click_and_wait(sec, sec.get_by_role("button", name="保存自评"))
        assert "自评分已保存。" in _messages(sec)
        a.refresh_from_db()
        assert a.self_total == grand, (a.self_total, grand)

        _open_assessment_view(sec, a)
        assert _no_sideways_scroll(sec), "the assessment page scrolls sideways on a phone"
        _click_and_wait(sec, sec.get_by_role("button", name="报送党(工)委审核"))
        assert "已报送党(工)委审核" in _messages(sec)
        assert [m for m in sec.context.confirmations if "冻结" in m], "报送 did not ask once"
        assert _status(sec) == "已报送党(工)委"

        # ------------------------------------------------ reviewer: return it to the branch
        rev = new_page()
        log_in(rev, "reviewer_ht")
        _click_and_wait(rev, rev.locator("header").get_by_role("link", name="审核看板"))
        _click_and_wait(rev, _row_link(rev, BRANCH))
        rev.wait_for_url(re.compile(re.escape(view_url) + r"$"))
        back = rev.locator("details").filter(has_text="退回支部修改")
        back.locator("summary").click()
        back.locator("textarea[name=comment]").fill(RETURN_COMMENT)
        back.locator("input[name=item_comment_16]").fill("缺7月照片")
        _click_and_wait(rev, back.get_by_role("button", name="退回"))
        assert "当前状态：退回修改" in _messages(rev)
        assert "缺7月照片" in rev.locator(".timeline").inner_text()

        # ------------------------------------------------ secretary: reads the notice, fixes, resubmits
        sec.goto(reverse("branch_detail", args=[branch.pk]))
        _click_and_wait(sec, sec.locator("header").get_by_role("link", name=re.compile("通知")))
        notice = sec.locator("main .card").filter(has_text="考核表被退回修改").first
        assert RETURN_COMMENT in notice.inner_text()
        _click_and_wait(sec, notice.get_by_role("link", name="查看"))
        sec.wait_for_url(re.compile(re.escape(reverse("assessment_self", args=[a.pk])) + r"$"))
        assert "考核表已被退回修改" in sec.locator("main").inner_text()
        item16 = sec.locator(".card.item").filter(has=sec.locator(".item-head .badge", has_text=re.compile(r"^16$")))
        item16.locator("input.remark").fill("已补充7月份支委会照片")
        _click_and_wait(sec, sec.get_by_role("button", name="保存自评"))
        assert "自评分已保存。" in _messages(sec)
        _open_assessment_view(sec, a)
        _click_and_wait(sec, sec.get_by_role("button", name="报送党(工)委审核"))
        assert _status(sec) == "已报送党(工)委"

        # ------------------------------------------------ reviewer: scores, recommends, declares in a batch
        _click_and_wait(rev, rev.locator("header").get_by_role("link", name="审核看板"))
        _click_and_wait(rev, _row_link(rev, BRANCH))
        _click_and_wait(rev, rev.get_by_role("link", name="党(工)委审核评分"))
        # one tap takes the branch's scores; only the item judged differently is typed
        _click_and_wait(rev, rev.get_by_role("link", name="采用支部自评分"))
        rev.locator("#adopted").wait_for()
        assert Decimal(rev.locator("#grand-total").inner_text()) == grand
        field = rev.locator(f"input[name=committee_score_{item_pk}]")
        field.fill(field.get_attribute("max"))
        rev.locator(f"input[name=committee_remark_{item_pk}]").fill("实地查看记录齐全，给满分")
        field.dispatch_event("input")
        assert rev.locator("#grand-total").inner_text() == "100"
        _click_and_wait(rev, rev.get_by_role("button", name="保存评分"))
        assert "评分已保存。" in _messages(rev)
        assert _status(rev) == "党(工)委已审核"
        _click_and_wait(rev, rev.get_by_role("button", name="推荐申报"))
        assert "当前状态：已推荐申报" in _messages(rev)
        _click_and_wait(rev, rev.locator(".review-panel").get_by_role("link", name="申报"))
        rev.get_by_role("heading", name=re.compile("向区委组织部申报")).wait_for()
        pick = rev.locator("main table tr").filter(has_text=BRANCH).locator("input[name=assessment]")
        assert pick.is_checked()
        rev.get_by_label("申报说明").fill("经党委会研究，推荐东街村党支部申报规范化建设合格支部。")
        _click_and_wait(rev, rev.get_by_role("button", name="提交申报表"))
        assert "已向区委组织部申报 1 个支部" in _messages(rev)

        # ------------------------------------------------ district: scores, accepts, publishes
        dis = new_page()
        log_in(dis, "district_wj")
        _click_and_wait(dis, dis.locator("header").get_by_role("link", name="考核看板"))
        _click_and_wait(dis, dis.locator("main table").get_by_role("link", name=COMMITTEE))
        _click_and_wait(dis, _row_link(dis, BRANCH))
        assert _status(dis) == "已报区委组织部"
        _click_and_wait(dis, dis.get_by_role("link", name="区委组织部验收评分"))
        _click_and_wait(dis, dis.get_by_role("link", name="采用党(工)委评分"))  # nothing typed at all
        assert dis.locator("#grand-total").inner_text() == "100"
        _click_and_wait(dis, dis.get_by_role("button", name="保存评分"))
        assert "评分已保存。" in _messages(dis)
        _click_and_wait(dis, dis.get_by_role("button", name="验收评定"))
        assert "当前状态：验收通过（拟定合格）" in _messages(dis)
        _click_and_wait(dis, dis.locator(".review-panel").get_by_role("link", name="发布公示"))
        dis.get_by_label("受理异议联系方式").fill("0519-86512345")
        row = dis.locator("main table tr").filter(has_text=BRANCH)
        assert row.locator("input[name=assessment]").is_checked()
        _click_and_wait(dis, dis.get_by_role("button", name="发布公示"))
        assert "已发布公示" in _messages(dis)
        pub = Publication.objects.get()
        # back on the period page, which links to the public notice
        assert dis.url.endswith(reverse("period_detail", args=[pub.period_id]))
        assert (
            dis.get_by_role("link", name=pub.title)
            .get_attribute("href")
            .endswith(reverse("public_notice_detail", args=[pub.pk]))
        )

        # ------------------------------------------------ a member of the public objects (phone, no login)
        pub_page = new_page(phone=True)
        pub_page.goto(reverse("public_notices"))
        _click_and_wait(pub_page, pub_page.get_by_role("link", name=pub.title))
        assert "公示中" in pub_page.locator("main").inner_text()
        _click_and_wait(
            pub_page, pub_page.locator("main table tr").filter(has_text=BRANCH).get_by_role("link", name="提出异议")
        )
        assert BRANCH in pub_page.get_by_label("提出异议的党支部").locator("option:checked").inner_text()
        pub_page.get_by_label("联系方式").fill("13800000000")
        pub_page.get_by_label("异议内容").fill(OBJECTION)
        _click_and_wait(pub_page, pub_page.get_by_role("button", name="提交"))
        assert "您的意见已收到" in pub_page.locator("main").inner_text()
        assert OBJECTION not in pub_page.content()
        assert _no_sideways_scroll(pub_page), "the public notice scrolls sideways on a phone"

        # ------------------------------------------------ district: dismisses the objection
        # Publishing lands on the public page, which has no way back into the platform.
        dis.goto(reverse("district_dashboard"))
        pending = dis.locator("main .card").filter(has_text="待处理的公示异议")
        assert pending.locator(".stat").inner_text().strip() == "1"
        _click_and_wait(dis, pending.get_by_role("link"))
        card = dis.locator("main .card").filter(has_text=OBJECTION)
        card.locator("textarea[name=note]").fill(DISMISS_NOTE)
        _click_and_wait(dis, card.get_by_role("button", name="不予采纳"))
        assert "异议已处理。" in _messages(dis)
        assert Objection.objects.get().status == ObjectionStatus.DISMISSED

        # During the notice there is no 确认 button, only when it will be possible.
        dis.goto(view_url)
        assert _status(dis) == "公示中"
        assert dis.get_by_role("button", name="公示期满，确认为合格支部").count() == 0
        first_day = pub.ends_on + datetime.timedelta(days=1)
        later = dis.locator("#confirm-later").inner_text()
        assert f"公示期满后可确认（{first_day.month}月{first_day.day}日起）" in later

        # ------------------------------------------------ the notice ends; the district confirms
        # The notice lasts 5 working days from today; the test cannot wait, so the ORM moves the
        # publication into the past (same length, ending yesterday) as if the days had gone by.
        shift = pub.ends_on - (datetime.date.today() - datetime.timedelta(days=1))
        Publication.objects.filter(pk=pub.pk).update(starts_on=pub.starts_on - shift, ends_on=pub.ends_on - shift)
        dis.goto(view_url)
        _click_and_wait(dis, dis.get_by_role("button", name="公示期满，确认为合格支部"))
        assert "当前状态：确认为合格支部" in _messages(dis)
        assert _status(dis) == "确认为合格支部"

        # ------------------------------------------------ the district downloads the PDF score sheet
        pdf_url = reverse("score_sheet_pdf", args=[a.pk])
        link = dis.locator(f'main a[href="{pdf_url}"]')
        assert link.count(), f"the assessment page has no link to the PDF score sheet ({pdf_url})"
        with dis.expect_download() as info:
            link.first.click()
        path = tmp_path / "sheet.pdf"
        info.value.save_as(path)
        content = path.read_bytes()
        assert content.startswith(b"%PDF")
        from pypdf import PdfReader

        text = "".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(content)).pages)
        assert BRANCH in text, text[:500]
        elapsed = time.perf_counter() - started
    finally:
        for c in contexts:
            c.close()
    print(f"\nwalked the review path from self-assessment to the confirmed PDF in {elapsed:.2f} s")

    a.refresh_from_db()
    assert a.status == S.CONFIRMED and a.revision == 2
    assert (a.committee_total, a.district_total) == (Decimal("100"), Decimal("100"))
    codes = list(ReviewEvent.objects.filter(assessment=a).order_by("at", "id").values_list("code", flat=True))
    assert codes == [
        "review.branch.submitted",
        "review.committee.returned",
        "review.branch.submitted",
        "review.committee.reviewed",
        "review.committee.recommended",
        "review.committee.declared",
        "review.district.accepted",
        "review.district.published",
        "review.district.confirmed",
    ], codes
    assert elapsed < 120, f"the path took {elapsed:.1f} s"
