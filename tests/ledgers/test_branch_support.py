"""党建工作经费, 阵地 and 党务公开: the standard, flags at their edges, receipts, checklist photos,
notices, the set-based flags against the per-branch ones, and the pages (roles, scope, queries)."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from branches.models import Standing
from ledgers.activities.services import photos_of
from ledgers.disclosure import services as disclosure
from ledgers.funding import rules as funding_rules
from ledgers.funding import selectors as funding_selectors
from ledgers.funding import services as funding
from ledgers.models import (
    FundingCategory,
    FundingEntry,
    FundingYear,
    NoticeCategory,
    Photo,
    PublicNotice,
    RoomCheck,
    RoomItem,
    RoomKind,
)
from ledgers.venue import services as venue
from tests.factories import MemberFactory, make_branch
from wujin_branch.errors import DomainError, StaleEditError

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
YEAR = TODAY.year - 1  # a whole past year: every date in it is allowed
PDF = b"%PDF-1.4\n%receipt\n"


def jpeg(color=(200, 30, 30), pattern=0, name="p.jpg", gps=False):
    img = Image.new("RGB", (320, 240), color)
    for x in range(0, 320, 40):
        for y in range(0, 240, 40):
            if ((x // 40) * (pattern + 1) + (y // 40)) % 3 == 0:
                img.paste((255 - color[0], 255 - color[1], 128), (x, y, x + 40, y + 40))
    buf = io.BytesIO()
    exif = Image.Exif()
    if gps:
        exif[0x8825] = {1: "N", 2: (31.0, 45.0, 0.0)}
    img.save(buf, "JPEG", exif=exif)
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


def not_an_image(name="receipt.jpg"):
    return SimpleUploadedFile(name, b"this is a text file, not a photo", content_type="image/jpeg")


def codes(flags):
    return {f.code for f in flags}


def day(month, d=15, year=YEAR):
    return datetime.date(year, month, d)


def fund(actor, branch, year=YEAR, **kw):
    args = {
        "budget_fen": 0,
        "has_special_fund": True,
        "has_account": True,
        "account_name": "党建经费专账",
        "standard_fen": 0,
        "standard_basis": "",
        # the version a page opened now would post (0 before the year has a row)
        "version": FundingYear.objects.filter(branch=branch, year=year).values_list("version", flat=True).first() or 0,
    }
    args.update(kw)
    return funding.funding_year_save(actor=actor, branch=branch, year=year, **args)


def entry(actor, branch, category, yuan, *, year=YEAR, receipt="pdf", on=None, description="摘要"):
    if receipt == "pdf":
        receipt = SimpleUploadedFile("r.pdf", PDF)
    return funding.funding_entry_create(
        actor=actor,
        branch=branch,
        year=year,
        category=category,
        amount_fen=int(round(yuan * 100)),
        occurred_on=on or day(3),
        description=description,
        receipt=receipt,
    )


# ---------------------------------------------------------------- the standard


@pytest.mark.parametrize("branch_type", ["organ", "institution"])
def test_standard_is_600_yuan_per_member_on_1_january(branch, secretary, branch_type):
    branch.branch_type = branch_type
    branch.save()
    for _ in range(11):
        MemberFactory(branch=branch)
    # left during the year: still on the roster on 1 January
    MemberFactory(branch=branch, standing=Standing.DECEASED, left_on=day(6))
    # not on the roster on 1 January: joined during the year, or gone before it
    MemberFactory(branch=branch, joined_on=day(2), full_member_on=None, status="probationary")
    MemberFactory(branch=branch, standing=Standing.TRANSFERRED_OUT, left_on=datetime.date(YEAR - 1, 12, 31))
    MemberFactory(branch=make_branch(), joined_on=datetime.date(2001, 1, 1))  # another branch's

    s = funding_rules.funding_standard(branch, YEAR)
    assert s.computed and s.members == 12 and s.fen == 720000  # 12 members → 7200 yuan
    assert "600元" in s.basis and "12名" in s.basis and f"{YEAR}年01月01日" in s.basis

    # a hand-typed standard is ignored for these types: it always follows the roster
    fy = fund(secretary, branch, budget_fen=720000, standard_fen=1, standard_basis="随便")
    assert fy.standard_fen == 720000 and "12名" in fy.standard_basis
    assert not funding_rules.funding_flags(branch, YEAR)


def test_standard_is_entered_by_hand_for_other_types(branch, secretary):
    assert branch.branch_type == "village"
    for _ in range(12):
        MemberFactory(branch=branch)
    assert funding_rules.funding_standard(branch, YEAR).fen == 0  # nothing computed from the roster
    with pytest.raises(DomainError, match="依据") as e:
        fund(secretary, branch, standard_fen=500000, standard_basis="")
    assert e.value.field == "standard_basis"
    with pytest.raises(DomainError, match="经费标准"):
        fund(secretary, branch, standard_fen=None)
    fy = fund(
        secretary, branch, standard_fen=500000, standard_basis="村集体经营性收入 200 万元，按 2.5‰ 安排", budget_fen=0
    )
    s = funding_rules.funding_standard(branch, YEAR, fy)
    assert (s.fen, s.computed) == (500000, False) and "集体" in s.basis
    assert codes(funding_rules.funding_flags(branch, YEAR)) == {funding_rules.BUDGET_BELOW_STANDARD}


# ---------------------------------------------------------------- flags at their edges


def test_no_row_counts_as_no_special_fund_which_is_a_veto(branch):
    flags = funding_rules.funding_flags(branch, YEAR)
    assert codes(flags) == {funding_rules.NO_SPECIAL_FUND, funding_rules.NO_ACCOUNT}
    veto = [f for f in flags if f.veto]
    assert [f.code for f in veto] == [funding_rules.NO_SPECIAL_FUND]
    assert "未落实党建工作专项经费" in veto[0].message and "一票否决" in veto[0].message


def test_special_fund_and_account_flags(branch, secretary):
    fund(secretary, branch, has_special_fund=False, has_account=False, account_name="")
    assert codes(funding_rules.funding_flags(branch, YEAR)) == {funding_rules.NO_SPECIAL_FUND, funding_rules.NO_ACCOUNT}
    with pytest.raises(DomainError, match="专户名称"):
        fund(secretary, branch, has_account=True, account_name=" ")
    fund(secretary, branch, has_special_fund=True, has_account=True, account_name="党建经费专账")
    assert funding_rules.funding_flags(branch, YEAR) == []


def test_budget_below_standard_edge(branch, secretary):
    basis = "返还党费及村集体收入安排"
    fund(secretary, branch, standard_fen=300000, standard_basis=basis, budget_fen=300000)
    assert funding_rules.funding_flags(branch, YEAR) == []  # equal is enough
    fund(secretary, branch, standard_fen=300000, standard_basis=basis, budget_fen=299999)
    flags = funding_rules.funding_flags(branch, YEAR)
    assert codes(flags) == {funding_rules.BUDGET_BELOW_STANDARD} and "2,999.99" in flags[0].message


def test_balance_and_negative_balance_edge(branch, secretary):
    fund(secretary, branch)
    entry(secretary, branch, FundingCategory.ALLOCATION, 600, receipt=None)  # income needs no receipt
    entry(secretary, branch, FundingCategory.RETURNED_DUES, 150.50, receipt=None)
    entry(secretary, branch, FundingCategory.POSITION, 500)
    e = entry(secretary, branch, FundingCategory.NEWSPAPERS, 250.50)
    page = funding_selectors.funding_page(branch, YEAR)
    assert (page["facts"].income_fen, page["facts"].expense_fen, page["facts"].balance_fen) == (75050, 75050, 0)
    assert funding_rules.funding_flags(branch, YEAR) == []  # zero is not negative
    funding.funding_entry_update(
        actor=secretary, entry=e, category=e.category, amount_fen=25051, occurred_on=e.occurred_on,
        description=e.description,
    )  # fmt: skip
    flags = funding_rules.funding_flags(branch, YEAR)
    assert codes(flags) == {funding_rules.NEGATIVE_BALANCE} and "-0.01" in flags[0].message
    totals = {t.category: t.fen for t in funding_selectors.funding_page(branch, YEAR)["expense_totals"]}
    assert totals[FundingCategory.NEWSPAPERS] == 25051 and totals[FundingCategory.EDUCATION] == 0


def test_outside_categories_and_missing_receipts(branch, secretary):
    fund(secretary, branch)
    entry(secretary, branch, FundingCategory.ALLOCATION, 1000, receipt=None)
    entry(secretary, branch, FundingCategory.COMMENDATION, 100)
    assert funding_rules.funding_flags(branch, YEAR) == []
    entry(secretary, branch, FundingCategory.EDUCATION, 100, receipt=None)
    assert codes(funding_rules.funding_flags(branch, YEAR)) == {funding_rules.MISSING_RECEIPTS}
    entry(secretary, branch, FundingCategory.OTHER_EXPENSE, 88.80)
    flags = {f.code: f for f in funding_rules.funding_flags(branch, YEAR)}
    assert set(flags) == {funding_rules.MISSING_RECEIPTS, funding_rules.OUTSIDE_CATEGORIES}
    assert (
        "1 笔支出" in flags[funding_rules.OUTSIDE_CATEGORIES].message
        and "88.80" in flags[funding_rules.OUTSIDE_CATEGORIES].message
    )


def test_entry_rules(branch, secretary):
    with pytest.raises(DomainError, match="大于 0"):
        entry(secretary, branch, FundingCategory.POSITION, 0)
    with pytest.raises(DomainError, match=f"不在 {YEAR} 年度内"):
        entry(secretary, branch, FundingCategory.POSITION, 10, on=datetime.date(YEAR + 1, 1, 1))
    with pytest.raises(DomainError, match="晚于今天"):
        entry(secretary, branch, FundingCategory.POSITION, 10, year=TODAY.year, on=TODAY + datetime.timedelta(days=1))
    with pytest.raises(DomainError, match="摘要"):
        entry(secretary, branch, FundingCategory.POSITION, 10, description="  ")
    assert FundingEntry.objects.count() == 0 and FundingYear.objects.count() == 0


def test_reviewer_cannot_write_and_history_records_the_actor(branch, secretary, reviewer):
    with pytest.raises(DomainError, match="没有权限"):
        fund(reviewer, branch)
    fy = fund(secretary, branch)
    with pytest.raises(StaleEditError):
        fund(secretary, branch, version=fy.version - 1)
    fund(secretary, branch, version=fy.version, budget_fen=100)
    assert FundingYear.objects.get().history.latest().history_user == secretary
    e = entry(secretary, branch, FundingCategory.POSITION, 10)
    funding.funding_entry_delete(actor=secretary, entry=e)
    assert not FundingEntry.objects.exists()
    assert FundingEntry.history.filter(id=e.pk, history_type="-").get().history_user == secretary


# ---------------------------------------------------------------- receipts


def test_receipt_text_file_named_jpg_refused_nothing_saved(branch, secretary):
    for bad, message in [
        (not_an_image(), "不是有效的图片"),
        (SimpleUploadedFile("r.pdf", b"<html>not a pdf</html>"), "内容与扩展名不符"),
        (SimpleUploadedFile("r.docx", b"PK\x03\x04word"), "请拍照上传，或上传 PDF"),
        (SimpleUploadedFile("r.jpg", b""), "空文件"),
    ]:
        with pytest.raises(DomainError, match=message) as e:
            entry(secretary, branch, FundingCategory.POSITION, 10, receipt=bad)
        assert e.value.field == "receipt"
    assert FundingEntry.objects.count() == 0 and FundingYear.objects.count() == 0


def test_receipt_photo_stored_as_display_jpeg_without_metadata_and_pdf_kept(branch, secretary):
    photo_entry = entry(secretary, branch, FundingCategory.POSITION, 10, receipt=jpeg(gps=True))
    assert photo_entry.receipt.name.endswith(".jpg")
    with photo_entry.receipt.open("rb") as f:
        img = Image.open(f)
        assert img.format == "JPEG" and not dict(img.getexif())
    pdf_entry = entry(secretary, branch, FundingCategory.POSITION, 10)
    with pdf_entry.receipt.open("rb") as f:
        assert f.read() == PDF
    # a receipt can be added later, which clears the flag
    e = entry(secretary, branch, FundingCategory.EDUCATION, 5, receipt=None)
    assert funding_rules.MISSING_RECEIPTS in codes(funding_rules.funding_flags(branch, YEAR))
    funding.funding_entry_update(
        actor=secretary, entry=e, category=e.category, amount_fen=e.amount_fen, occurred_on=e.occurred_on,
        description=e.description, receipt=jpeg(pattern=1),
    )  # fmt: skip
    assert funding_rules.MISSING_RECEIPTS not in codes(funding_rules.funding_flags(branch, YEAR))


# ---------------------------------------------------------------- funding_flags_all


@pytest.fixture
def many_branches(committee, secretary, district_user):
    """Five branches, each in a different state."""
    actor = district_user
    organ = make_branch(committee, name="区发改委机关党支部", branch_type="organ")
    for _ in range(12):
        MemberFactory(branch=organ)
    fund(actor, organ, budget_fen=700000)  # below 7200 yuan
    entry(actor, organ, FundingCategory.ALLOCATION, 5000, receipt=None)
    entry(actor, organ, FundingCategory.OTHER_EXPENSE, 100)

    institution = make_branch(committee, name="区人民医院党支部", branch_type="institution")
    for _ in range(3):
        MemberFactory(branch=institution)  # no funding row at all

    village = make_branch(committee, name="新安村党支部")
    fund(actor, village, standard_fen=300000, standard_basis="村集体收入", budget_fen=300000)
    entry(actor, village, FundingCategory.ALLOCATION, 3000, receipt=None)
    entry(actor, village, FundingCategory.POSITION, 2000)

    private = make_branch(committee, name="某某科技公司党支部", branch_type="private")
    fund(actor, private, has_special_fund=False, has_account=False, account_name="")
    entry(actor, private, FundingCategory.RETURNED_DUES, 100, receipt=None)
    entry(actor, private, FundingCategory.EDUCATION, 150, receipt=None)
    entry(actor, private, FundingCategory.EDUCATION, 50, receipt=None, year=YEAR - 1, on=day(5, year=YEAR - 1))

    empty_organ = make_branch(committee, name="空机关支部", branch_type="organ")
    fund(actor, empty_organ)
    return [organ, institution, village, private, empty_organ]


def test_funding_flags_all_matches_per_branch_flags_in_two_queries(many_branches, django_assert_max_num_queries):
    ids = [b.pk for b in many_branches]
    with django_assert_max_num_queries(2):
        everything = funding_rules.funding_flags_all(YEAR, branch_ids=ids)
    assert set(everything) == set(ids)
    for b in many_branches:
        assert everything[b.pk] == funding_rules.funding_flags(b, YEAR), b.name
    organ, institution, village, private, empty_organ = many_branches
    assert codes(everything[organ.pk]) == {funding_rules.BUDGET_BELOW_STANDARD, funding_rules.OUTSIDE_CATEGORIES}
    # no row: no special fund, no account, and a budget of 0 under the roster's 1800 yuan
    assert codes(everything[institution.pk]) == {
        funding_rules.NO_SPECIAL_FUND,
        funding_rules.NO_ACCOUNT,
        funding_rules.BUDGET_BELOW_STANDARD,
    }
    assert everything[village.pk] == []
    assert codes(everything[private.pk]) == {
        funding_rules.NO_SPECIAL_FUND,
        funding_rules.NO_ACCOUNT,
        funding_rules.NEGATIVE_BALANCE,
        funding_rules.MISSING_RECEIPTS,
    }
    assert everything[empty_organ.pk] == []  # no members: standard 0, nothing to fall below
    # all active branches by default; another year is judged on its own
    assert set(funding_rules.funding_flags_all(YEAR)) >= set(ids)
    previous = funding_rules.funding_flags_all(YEAR - 1, branch_ids=ids)
    assert previous[private.pk] == funding_rules.funding_flags(private, YEAR - 1)
    assert funding_rules.funding_flags_all(YEAR, branch_ids=[]) == {}


# ---------------------------------------------------------------- 阵地


def test_room_and_checklist_with_photos(branch, secretary):
    with pytest.raises(DomainError, match="请先登记活动阵地"):
        venue.room_check_save(actor=secretary, branch=branch, item=RoomItem.FLAG, present=True, checked_on=TODAY)
    with pytest.raises(DomainError, match="共用") as e:
        venue.room_save(actor=secretary, branch=branch, kind=RoomKind.SHARED, address="村委会二楼")
    assert e.value.field == "shared_with"
    room = venue.room_save(actor=secretary, branch=branch, kind=RoomKind.OWN, address="村委会二楼", area_m2=60)
    assert room.shared_with == ""
    check = venue.room_check_save(
        actor=secretary, branch=branch, item=RoomItem.FLAG, present=True, checked_on=TODAY, photos=[jpeg()]
    )
    venue.room_check_save(actor=secretary, branch=branch, item=RoomItem.REMOTE, present=False, checked_on=TODAY)
    venue.room_check_save(actor=secretary, branch=branch, item=RoomItem.OATH, present=True, checked_on=TODAY)
    page = venue.room_page(branch)
    rows = {r.item: r for r in page["rows"]}
    assert len(rows) == len(RoomItem) == 9
    assert rows[RoomItem.FLAG].present and len(rows[RoomItem.FLAG].photos) == 1
    assert rows[RoomItem.REMOTE].missing and rows[RoomItem.SIGN].missing and rows[RoomItem.SIGN].check is None
    assert rows[RoomItem.OATH].needs_photo
    assert (page["n_present"], page["n_missing"], page["n_need_photo"]) == (2, 7, 1)
    # the branch record says no own room (set by the committee); both are shown, nothing is changed
    assert "不一致" in page["mismatch"]
    branch.refresh_from_db()
    assert branch.has_own_room is False
    photo = photos_of(check).get()
    assert photo.branch_id == branch.pk and photo.uploaded_by == secretary
    # replacing the photo: remove one, add one, in one save
    venue.room_check_save(
        actor=secretary, branch=branch, item=RoomItem.FLAG, present=True, checked_on=TODAY,
        photos=[jpeg(pattern=2)], remove_photos=[photo.pk],
    )  # fmt: skip
    assert list(photos_of(check).values_list("pk", flat=True)) != [photo.pk] and photos_of(check).count() == 1


def test_checklist_bad_photo_leaves_nothing(branch, secretary):
    venue.room_save(
        actor=secretary, branch=branch, kind=RoomKind.SHARED, address="社区党群服务中心", shared_with="社区党委"
    )
    with pytest.raises(DomainError, match="不是有效的图片") as e:
        venue.room_check_save(
            actor=secretary, branch=branch, item=RoomItem.CHART, present=True, checked_on=TODAY,
            photos=[jpeg(), not_an_image("chart.jpg")],
        )  # fmt: skip
    assert e.value.field == "photos"
    assert RoomCheck.objects.count() == 0 and Photo.objects.count() == 0
    with pytest.raises(DomainError, match="最多 6 张"):
        venue.room_check_save(
            actor=secretary, branch=branch, item=RoomItem.CHART, present=True, checked_on=TODAY,
            photos=[jpeg(pattern=i % 3) for i in range(7)],
        )  # fmt: skip
    assert RoomCheck.objects.count() == 0


# ---------------------------------------------------------------- 党务公开


def test_notices_counts_and_missing_categories(branch, secretary):
    assert disclosure.notices_page(branch, TODAY.year)["missing"] == [
        "工作计划", "党员发展", "党费收缴管理和使用", "党员奖惩", "民主评议结果",
    ]  # fmt: skip
    with pytest.raises(DomainError, match="公开内容"):
        disclosure.notice_create(
            actor=secretary, branch=branch, category=NoticeCategory.PLAN, title="计划", posted_on=TODAY
        )
    with pytest.raises(DomainError, match="晚于今天"):
        disclosure.notice_create(
            actor=secretary, branch=branch, category=NoticeCategory.PLAN, title="计划",
            posted_on=TODAY + datetime.timedelta(days=1), content="x",
        )  # fmt: skip
    n1 = disclosure.notice_create(
        actor=secretary, branch=branch, category=NoticeCategory.PLAN, title="年度工作计划", posted_on=TODAY,
        photos=[jpeg()],
    )  # fmt: skip
    disclosure.notice_create(
        actor=secretary, branch=branch, category=NoticeCategory.DUES, title="上半年党费收缴情况", posted_on=TODAY,
        content="应收 1,200 元，实收 1,200 元。",
    )  # fmt: skip
    disclosure.notice_create(
        actor=secretary, branch=branch, category=NoticeCategory.DUES, title="去年党费使用情况",
        posted_on=datetime.date(YEAR, 12, 30), content="略",
    )  # fmt: skip
    page = disclosure.notices_page(branch, TODAY.year)
    counts = {c: n for c, _, n in page["counts"]}
    assert counts[NoticeCategory.PLAN] == 1 and counts[NoticeCategory.DUES] == 1 and page["total"] == 2
    assert page["missing"] == ["党员发展", "党员奖惩", "民主评议结果"]
    assert disclosure.notice_counts(branch, TODAY.year) == {"plan": 1, "dues": 1}
    assert len(page["rows"][0].photos) + len(page["rows"][1].photos) == 1
    # removing the only photo of a posting without text is refused; nothing changes
    with pytest.raises(DomainError, match="公开内容"):
        disclosure.notice_update(
            actor=secretary, notice=n1, category=n1.category, title=n1.title, posted_on=n1.posted_on,
            remove_photos=[photos_of(n1).get().pk],
        )  # fmt: skip
    assert photos_of(n1).count() == 1
    disclosure.notice_delete(actor=secretary, notice=n1)
    assert not PublicNotice.objects.filter(pk=n1.pk).exists() and photos_of(n1).count() == 0


# ---------------------------------------------------------------- pages


@pytest.fixture
def records(branch, secretary):
    fund(secretary, branch, has_special_fund=False)
    e = entry(secretary, branch, FundingCategory.POSITION, 120, receipt=jpeg(), description="购买党旗")
    venue.room_save(actor=secretary, branch=branch, kind=RoomKind.OWN, address="村委会二楼")
    check = venue.room_check_save(
        actor=secretary, branch=branch, item=RoomItem.FLAG, present=True, checked_on=TODAY, photos=[jpeg(pattern=1)]
    )
    notice = disclosure.notice_create(
        actor=secretary, branch=branch, category=NoticeCategory.PLAN, title="年度计划公开", posted_on=TODAY,
        photos=[jpeg(pattern=2)],
    )  # fmt: skip
    return {"entry": e, "check": check, "notice": notice}


def _pages(branch, records):
    e, notice = records["entry"], records["notice"]
    photo = photos_of(records["check"]).get()
    read = [
        reverse("funding_page", args=[branch.pk]) + f"?year={YEAR}",
        reverse("funding_receipt", args=[e.pk]),
        reverse("room_page", args=[branch.pk]),
        reverse("notice_list", args=[branch.pk]),
        reverse("notice_detail", args=[notice.pk]),
        reverse("photo_file", args=[photo.pk, "thumb"]),
    ]
    write = [
        reverse("funding_year_edit", args=[branch.pk, YEAR]),
        reverse("funding_entry_new", args=[branch.pk, YEAR]),
        reverse("funding_entry_edit", args=[e.pk]),
        reverse("room_edit", args=[branch.pk]),
        reverse("room_check_edit", args=[branch.pk, RoomItem.SIGN]),
        reverse("notice_new", args=[branch.pk]),
        reverse("notice_edit", args=[notice.pk]),
    ]
    return read, write


@pytest.mark.parametrize("role", ["secretary", "district_user", "reviewer", "other_secretary"])
def test_pages_by_role(client, request, branch, records, role):
    user = request.getfixturevalue(role)
    client.force_login(user)
    read, write = _pages(branch, records)
    may_read = role != "other_secretary"
    may_write = role in ("secretary", "district_user")
    for url in read:
        assert client.get(url).status_code == (200 if may_read else 404), url
    for url in write:
        assert client.get(url).status_code == (200 if may_write else 404), url


def test_missing_ids_are_404(client, branch, secretary):
    client.force_login(secretary)
    for url in [
        reverse("funding_page", args=[999999]),
        reverse("funding_entry_edit", args=[999999]),
        reverse("funding_receipt", args=[999999]),
        reverse("room_page", args=[999999]),
        reverse("room_check_edit", args=[branch.pk, "nonsense"]),
        reverse("notice_list", args=[999999]),
        reverse("notice_detail", args=[999999]),
        reverse("notice_edit", args=[999999]),
        reverse("funding_year_edit", args=[branch.pk, 1990]),
    ]:
        assert client.get(url).status_code == 404, url


def test_funding_page_shows_veto_and_thumbnail_free_receipt_link(client, branch, records, reviewer):
    client.force_login(reviewer)
    html = client.get(reverse("funding_page", args=[branch.pk]) + f"?year={YEAR}").content.decode()
    assert "一票否决" in html and "未落实党建工作专项经费" in html and "购买党旗" in html
    assert reverse("funding_receipt", args=[records["entry"].pk]) in html
    assert reverse("funding_entry_edit", args=[records["entry"].pk]) not in html  # read only
    r = client.get(reverse("funding_receipt", args=[records["entry"].pk]))
    assert r["Content-Type"] == "image/jpeg" and r["X-Content-Type-Options"] == "nosniff"


def test_reviewer_and_stranger_posts_change_nothing(client, branch, records, reviewer, other_secretary):
    for user in (reviewer, other_secretary):
        client.force_login(user)
        r = client.post(
            reverse("funding_entry_new", args=[branch.pk, YEAR]),
            {"category": "position", "amount": "10", "occurred_on": day(4).isoformat(), "description": "x"},
        )
        assert r.status_code == 404
        assert client.post(reverse("notice_delete", args=[records["notice"].pk]), {"confirm": "1"}).status_code == 404
        assert (
            client.post(reverse("funding_entry_delete", args=[records["entry"].pk]), {"confirm": "1"}).status_code
            == 404
        )
    assert FundingEntry.objects.count() == 1 and PublicNotice.objects.count() == 1


def test_entry_form_rejected_receipt_keeps_fields(client, branch, secretary):
    client.force_login(secretary)
    url = reverse("funding_entry_new", args=[branch.pk, YEAR])
    data = {
        "category": "newspapers",
        "amount": "356.80",
        "occurred_on": day(2).isoformat(),
        "description": "订阅《求是》《新华日报》",
        "receipt": not_an_image("fapiao.jpg"),
    }
    r = client.post(url, data)
    html = r.content.decode()
    assert r.status_code == 200 and "不是有效的图片" in html
    assert "订阅《求是》《新华日报》" in html and "356.80" in html
    assert FundingEntry.objects.count() == 0 and FundingYear.objects.count() == 0
    data["receipt"] = jpeg()
    r = client.post(url, data)
    assert r.status_code == 302
    e = FundingEntry.objects.get()
    assert e.amount_fen == 35680 and e.recorded_by == secretary and e.receipt
    assert 'capture="environment"' not in client.get(url).content.decode()  # receipts may be PDFs too


def test_funding_year_form_yuan_to_fen(client, branch, secretary):
    client.force_login(secretary)
    url = reverse("funding_year_edit", args=[branch.pk, YEAR])
    r = client.post(url, {"version": 0, "standard": "3000.5", "standard_basis": "", "budget": "3000.50"})
    assert r.status_code == 200 and "请填写经费标准的依据" in r.content.decode()
    r = client.post(url, {"version": 0, "standard": "3000.5", "standard_basis": "村集体收入", "budget": "1",
                          "has_account": "on"})
    assert "请填写专户名称" in r.content.decode() and "村集体收入" in r.content.decode()
    assert not FundingYear.objects.exists()
    post = {
        "version": 0,  # what the page posts while the year has no row
        "standard": "3000.5",
        "standard_basis": "村集体收入",
        "budget": "3000.49",
        "has_special_fund": "on",
        "has_account": "on",
        "account_name": "村党建经费",
    }
    assert client.post(url, post).status_code == 302
    fy = FundingYear.objects.get()
    assert (fy.standard_fen, fy.budget_fen, fy.has_special_fund) == (300050, 300049, True)
    page = client.get(reverse("funding_page", args=[branch.pk]) + f"?year={YEAR}").content.decode()
    assert "低于经费标准" in page and "3,000.50" in page
    # a second tab saving an older version is refused
    post["version"] = 0
    assert "已被他人修改" in client.post(url, post).content.decode()


def test_room_check_form_upload(client, branch, secretary):
    client.force_login(secretary)
    url = reverse("room_check_edit", args=[branch.pk, RoomItem.SIGN])
    assert client.get(url).status_code == 302  # register the room first
    client.post(reverse("room_edit", args=[branch.pk]), {"kind": "own", "address": "村委会一楼"})
    page = client.get(url).content.decode()
    # album and camera both: ``capture`` would open the camera directly on many phones
    assert 'accept="image/*"' in page and "capture" not in page and "multiple" in page
    data = {"present": "1", "checked_on": TODAY.isoformat(), "note": "门口挂牌", "photos": [not_an_image("sign.jpg")]}
    r = client.post(url, data)
    assert r.status_code == 200 and "不是有效的图片" in r.content.decode() and "门口挂牌" in r.content.decode()
    assert RoomCheck.objects.count() == 0
    data["photos"] = [jpeg(), jpeg(pattern=1)]
    assert client.post(url, data).status_code == 302
    check = RoomCheck.objects.get()
    assert check.present and check.note == "门口挂牌" and photos_of(check).count() == 2
    html = client.get(reverse("room_page", args=[branch.pk])).content.decode()
    for p in photos_of(check):
        assert reverse("photo_file", args=[p.pk, "thumb"]) in html
    assert "未核对" in html and "醒目的党支部标识" in html


def test_notice_form_flow(client, branch, secretary):
    client.force_login(secretary)
    url = reverse("notice_new", args=[branch.pk])
    data = {
        "category": "development",
        "title": "拟发展对象公示",
        "posted_on": TODAY.isoformat(),
        "content": "",
        "photos": [not_an_image("board.jpg")],
    }
    r = client.post(url, data)
    assert "不是有效的图片" in r.content.decode() and "拟发展对象公示" in r.content.decode()
    assert PublicNotice.objects.count() == 0 and Photo.objects.count() == 0
    data["photos"] = [jpeg()]
    r = client.post(url, data)
    notice = PublicNotice.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("notice_detail", args=[notice.pk])
    listing = client.get(reverse("notice_list", args=[branch.pk])).content.decode()
    assert "拟发展对象公示" in listing and "党员发展" in listing and "工作计划" in listing  # still missing
    r = client.post(reverse("notice_delete", args=[notice.pk]))  # no confirmation ticked
    assert PublicNotice.objects.count() == 1
    client.post(reverse("notice_delete", args=[notice.pk]), {"confirm": "1"})
    assert PublicNotice.objects.count() == 0 and Photo.objects.count() == 0


@pytest.mark.parametrize("page", ["funding_page", "room_page", "notice_list"])
def test_pages_constant_queries(client, branch, secretary, django_assert_max_num_queries, page):
    client.force_login(secretary)
    year = YEAR if page == "funding_page" else TODAY.year
    url = reverse(page, args=[branch.pk]) + f"?year={year}"
    if page == "room_page":
        venue.room_save(actor=secretary, branch=branch, kind=RoomKind.OWN, address="村委会二楼")
    items = list(RoomItem)

    def add(start, n):
        for i in range(start, start + n):
            if page == "funding_page":
                category = [FundingCategory.POSITION, FundingCategory.OTHER_EXPENSE, FundingCategory.ALLOCATION][i % 3]
                entry(secretary, branch, category, 10 + i, receipt=None if i % 2 else "pdf", on=day(1 + i % 12))
            elif page == "room_page":
                venue.room_check_save(
                    actor=secretary, branch=branch, item=items[i], present=bool(i % 2), checked_on=TODAY,
                    photos=[jpeg(pattern=i % 3)],
                )  # fmt: skip
            else:
                disclosure.notice_create(
                    actor=secretary, branch=branch, category=NoticeCategory.values[i % 6], title=f"公开{i}",
                    posted_on=TODAY, photos=[jpeg(pattern=i % 3)],
                )  # fmt: skip

    add(0, 2)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    add(2, 7)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200
