"""党组织生活台账: generated from records made through the real service, rendered three ways."""

import datetime
import io
import random
import re
from urllib.parse import quote

import pypdf
import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook
from PIL import Image, ImageDraw

from branches.models import Organization, PartyGroup, Position, Role
from ledgers.activities.services import activity_create, activity_update
from ledgers.books import life as ledgers
from ledgers.books import pdfs
from ledgers.life.selectors import upper_of
from ledgers.life.services import minutes_accept, minutes_file
from ledgers.models import ActivityType, AttendanceStatus, LecturerRole, LifeMeetingLevel
from tests.factories import MemberFactory, UserFactory, grant, make_term
from wujin_branch import fonts
from wujin_branch.storage import private_storage

pytestmark = pytest.mark.django_db

YEAR = datetime.date.today().year - 1  # a whole past year: every date in it is allowed
NAMES = ["张伟", "王芳", "李娜", "刘洋", "陈静", "欧阳晓燕", "王昺"]  # 昺 is outside GB 2312


def jpeg(seed: int, size=(1200, 900)) -> SimpleUploadedFile:
    """A real JPEG that looks like a photo to the checks (distinct content per seed)."""
    rnd = random.Random(seed)
    img = Image.new("RGB", size, tuple(rnd.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(img)
    for _ in range(12):
        x, y = rnd.randrange(size[0]), rnd.randrange(size[1])
        draw.rectangle(
            [x, y, x + rnd.randrange(50, 400), y + rnd.randrange(50, 300)],
            fill=tuple(rnd.randrange(256) for _ in range(3)),
        )
    noise = Image.effect_noise(size, 18).convert("RGB")
    img = Image.blend(img, noise, 0.15)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=85)
    return SimpleUploadedFile(f"活动照片{seed}.jpg", buf.getvalue(), content_type="image/jpeg")


def record(actor, branch, type_, day, topic, *, attendance=None, photos=0, seed=0, **data):
    base = {
        "type": type_,
        "held_on": day,
        "start_time": datetime.time(9, 30),
        "place": "村党群服务中心二楼会议室",
        "form": "offline",
        "host": "张伟",
        "recorder": "王芳",
        "topic": topic,
        "content": f"{topic}。\n一、学习传达上级精神；\n二、讨论本月工作安排。",
        "decisions": "同意按计划推进。",
    }
    base.update(data)
    return activity_create(
        actor=actor,
        branch=branch,
        data=base,
        attendance=attendance or {},
        photos=[jpeg(seed * 10 + i) for i in range(photos)],
    )


@pytest.fixture
def people(branch):
    return {name: MemberFactory(branch=branch, name=name) for name in NAMES}


@pytest.fixture
def year_of_records(secretary, branch, people):
    """Five kinds of records with all three attendance states, a lecture and a 组织生活会."""
    p = people
    make_term(
        branch, seats=[(Position.SECRETARY, p["张伟"]), (Position.DEPUTY, p["王芳"]), (Position.OTHER, p["李娜"])]
    )
    group = PartyGroup.objects.create(branch=branch, name="第一党小组")
    for name in ("刘洋", "陈静"):
        p[name].party_group = group
        p[name].save()
    congress_attendance = {
        p["陈静"].pk: (AttendanceStatus.LEAVE, "外出务工"),
        p["刘洋"].pk: (AttendanceStatus.ABSENT, ""),
    }
    made = [
        record(secretary, branch, ActivityType.CONGRESS, datetime.date(YEAR, 3, 5), "学习贯彻全会精神", photos=2,
               attendance=congress_attendance),
        record(secretary, branch, ActivityType.COMMITTEE, datetime.date(YEAR, 1, 8), "研究年度工作计划", photos=1),
        record(secretary, branch, ActivityType.GROUP, datetime.date(YEAR, 2, 12), "小组学习", party_group=group),
        record(secretary, branch, ActivityType.LECTURE, datetime.date(YEAR, 4, 20), "书记讲党课：乡村振兴",
               photos=1, lecturer="张伟", lecturer_role=LecturerRole.BRANCH_LEADER),
        record(secretary, branch, ActivityType.LIFE, datetime.date(YEAR, 6, 28), "上半年组织生活会", photos=1,
               life_level=LifeMeetingLevel.BRANCH, team_check="班子对照检查材料", personal_check="书记个人检查材料"),
    ]  # fmt: skip
    # 备案 is the committee's step: filed by the branch, accepted above (no longer a checkbox).
    life = made[-1]
    minutes_file(actor=secretary, activity=life, speeches={m.pk: "发言要点" for m in p.values()})
    minutes_accept(actor=grant(UserFactory(), upper_of(branch), Role.REVIEWER), activity=life)
    return made


# ---------------------------------------------------------------- selector


def test_selector_reads_everything_in_five_queries(year_of_records, branch, django_assert_num_queries):
    branch = Organization.objects.get(pk=branch.pk)  # no cached parent
    # activities, attendance+members, photos, parent, voided records (their reasons: one more when any)
    with django_assert_num_queries(5):
        ledger = ledgers.life_ledger(branch, YEAR)
        entries = ledger.entries
        [
            (e.present_text, e.leave_text, e.absent_text, e.type_label, [p.display.name for p in e.photos])
            for e in entries
        ]
    assert [e.activity.held_on.month for e in entries] == [1, 2, 3, 4, 6]
    assert ledger.parent_name == "湖塘镇党委"
    congress = entries[2]
    assert congress.leave == [("陈静", "外出务工")]
    assert congress.absent == ["刘洋"]
    assert "王昺" in congress.present and "欧阳晓燕" in congress.present
    assert congress.leave_text == "陈静（外出务工）"
    assert (congress.activity.expected_count, congress.activity.present_count, congress.absent_count) == (7, 5, 1)
    assert len(congress.photos) == 2
    assert entries[0].present == ["李娜", "王芳", "张伟"]  # the committee, by pinyin
    assert entries[1].type_label == "党小组会（第一党小组）"
    assert entries[1].present == ["陈静", "刘洋"]
    assert entries[3].lecturer_text == "张伟（党组织主要负责同志）"
    assert entries[4].filed_text.startswith("已于")
    summary = {r.type: r for r in ledger.summary}
    assert summary[ActivityType.CONGRESS].held == 1 and summary[ActivityType.CONGRESS].complete == 1
    assert summary[ActivityType.GROUP].with_photos == 0 and summary[ActivityType.GROUP].complete == 0
    assert summary[ActivityType.THEME_DAY].held == 0
    assert (ledger.total.held, ledger.total.with_photos, ledger.total.complete) == (5, 4, 4)


def test_other_years_and_branches_are_not_included(year_of_records, secretary, branch, other_branch):
    MemberFactory(branch=other_branch)
    assert ledgers.life_ledger(branch, YEAR - 1).entries == []
    assert ledgers.life_ledger(other_branch, YEAR).entries == []


# ---------------------------------------------------------------- web page


def test_page_lists_activities_names_and_text(client, secretary, branch, year_of_records):
    client.force_login(secretary)
    response = client.get(reverse("life_ledger", args=[branch.pk, YEAR]))
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("党组织生活台账", "学习贯彻全会精神", "书记讲党课：乡村振兴", "陈静（外出务工）", "欧阳晓燕", "王昺",
                 "班子对照检查材料", "湖塘镇党委", "一、学习传达上级精神；<br>二、讨论本月工作安排。"):  # fmt: skip
        assert text in html, text
    assert reverse("life_ledger_pdf", args=[branch.pk, YEAR]) in html
    assert reverse("life_ledger_xlsx", args=[branch.pk, YEAR]) in html
    photo = year_of_records[0].photos.first()
    assert reverse("photo_file", args=[photo.pk, "thumb"]) in html


def test_page_runs_a_fixed_number_of_queries(client, secretary, branch, people, django_assert_max_num_queries):
    client.force_login(secretary)
    url = reverse("life_ledger", args=[branch.pk, YEAR])
    groups = [PartyGroup.objects.create(branch=branch, name=f"第{i}党小组") for i in range(1, 3)]

    def add(n, start):
        for i in range(start, start + n):
            kind = [ActivityType.CONGRESS, ActivityType.THEME_DAY, ActivityType.GROUP][i % 3]
            record(secretary, branch, kind, datetime.date(YEAR, 1 + i % 12, 1 + i), f"第{i}次活动", photos=1, seed=i,
                   party_group=groups[i % 2] if kind == ActivityType.GROUP else None,
                   attendance={people["陈静"].pk: (AttendanceStatus.LEAVE, f"事由{i}")})  # fmt: skip

    add(3, 0)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    add(12, 3)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count('class="card ledger-entry"') == 15


# ---------------------------------------------------------------- access


@pytest.mark.parametrize("name", ["life_ledger", "life_ledger_pdf", "life_ledger_xlsx"])
def test_foreign_and_missing_ids_are_404(client, name, branch, other_secretary, secretary):
    client.force_login(other_secretary)
    assert client.get(reverse(name, args=[branch.pk, YEAR])).status_code == 404
    client.force_login(secretary)
    assert client.get(reverse(name, args=[999999, YEAR])).status_code == 404
    assert client.get(reverse(name, args=[branch.pk, 1999])).status_code == 404
    # the parent committee is visible to no secretary, and is not a branch anyway
    committee = Organization.objects.get(path=branch.path[: -Organization.steplen])
    assert client.get(reverse(name, args=[committee.pk, YEAR])).status_code == 404


@pytest.mark.parametrize("name", ["life_ledger", "life_ledger_pdf", "life_ledger_xlsx"])
def test_login_required(client, name, branch):
    response = client.get(reverse(name, args=[branch.pk, YEAR]))
    assert response.status_code == 302 and "login" in response["Location"]


def test_reviewer_of_the_parent_may_read(client, reviewer, branch):
    client.force_login(reviewer)
    assert client.get(reverse("life_ledger", args=[branch.pk, YEAR])).status_code == 200


# ---------------------------------------------------------------- Excel


def test_xlsx_download(client, secretary, branch, year_of_records):
    client.force_login(secretary)
    response = client.get(reverse("life_ledger_xlsx", args=[branch.pk, YEAR]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert quote(f"东街村党支部-{YEAR}年党组织生活台账.xlsx") in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["活动记录", "汇总"]
    ws = wb["活动记录"]
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, (c.value for c in row), strict=True)) for row in ws.iter_rows(min_row=2)]
    assert [r["主题"] for r in rows] == [a.topic for a in sorted(year_of_records, key=lambda a: a.held_on)]
    congress = rows[2]
    assert congress["类型"] == "支部党员大会"
    assert congress["日期"].date() == datetime.date(YEAR, 3, 5)
    assert (congress["应到"], congress["实到"], congress["请假"], congress["缺席"]) == (7, 5, 1, 1)
    assert congress["请假人员"] == "陈静（外出务工）" and congress["缺席人员"] == "刘洋"
    assert "、" in congress["出席人员"] and "欧阳晓燕" in congress["出席人员"].split("、")
    assert congress["内容"].endswith("二、讨论本月工作安排。")
    assert rows[3]["授课人"] == "张伟（党组织主要负责同志）"
    assert rows[4]["对照检查（代表班子）"] == "班子对照检查材料" and rows[4]["备案情况"].startswith("已于")
    summary = {row[0].value: [c.value for c in row[1:]] for row in wb["汇总"].iter_rows(min_row=2) if row[0].value}
    assert summary["支部党员大会"] == [1, 1, 1, 1]
    assert summary["党小组会"] == [1, 1, 0, 0]
    assert summary["合计"] == [5, 5, 4, 4]


def test_xlsx_text_is_never_a_formula(secretary, branch, people):
    record(secretary, branch, ActivityType.THEME_DAY, datetime.date(YEAR, 5, 4), '=HYPERLINK("http://x","点我")',
           content="=1+1\x0b内容")  # fmt: skip
    wb = load_workbook(io.BytesIO(ledgers.ledger_xlsx(branch, YEAR)))
    row = [c for c in wb["活动记录"][2]]
    assert row[8].value == "'=HYPERLINK(\"http://x\",\"点我\")" and row[8].data_type == "s"
    assert row[19].value == "'=1+1内容" and row[19].data_type == "s"


# ---------------------------------------------------------------- PDF


def _pdf_fonts(reader):
    names = set()
    for page in reader.pages:
        for font in (page.get("/Resources") or {}).get("/Font", {}).values():
            names.add(str(font.get_object()["/BaseFont"]))
    return names


def test_pdf_download(client, secretary, branch, year_of_records, pdf_font):
    client.force_login(secretary)
    response = client.get(reverse("life_ledger_pdf", args=[branch.pk, YEAR]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    filename = f"东街村党支部-{YEAR}年党组织生活台账.pdf"
    assert f"filename*=utf-8''{quote(filename)}" in response["Content-Disposition"]
    assert response["Content-Disposition"].startswith("attachment")
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    text = "".join(page.extract_text() for page in reader.pages)
    for needle in ("东街村党支部", "党组织生活台账", "湖塘镇党委", "学习贯彻全会精神", "欧阳晓燕", "陈静（外出务工）"):
        assert needle in text, needle
    assert len(reader.pages) >= 2 + len(year_of_records)  # cover, summary, one section per activity
    used = _pdf_fonts(reader)
    assert any(f"+{fonts.FAMILY}" in name for name in used), used  # the subset is embedded
    assert any(f"+{fonts.FAMILY}-Bold" in name for name in used), used
    # 昺 is not in the subset: it comes from the full Noto Sans CJK SC, glyph by glyph.
    assert any("Noto-Sans-CJK-SC" in name for name in used), used
    assert "王昺" in text
    images = {
        xobject.idnum
        for page in reader.pages
        for xobject in (page["/Resources"].get("/XObject") or {}).values()
        if xobject.get_object()["/Subtype"] == "/Image"
    }
    assert len(images) == 5  # every photo, once


def test_pdf_of_an_empty_year(branch, pdf_font):
    reader = pypdf.PdfReader(io.BytesIO(ledgers.ledger_pdf(branch, YEAR)))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "暂无组织生活记录" in text


def test_pdf_font_missing_is_explained(settings, tmp_path):
    settings.PDF_FONT_DIR = tmp_path / "none"
    with pytest.raises(fonts.PdfFontMissing) as e:
        fonts.pdf_font_css()
    assert "build_pdf_font" in str(e.value) and "请运行" in str(e.value)


def test_font_build_is_idempotent(pdf_font):
    assert fonts.build() == []
    css = fonts.pdf_font_css()
    assert css.count("@font-face") == len(pdf_font) and "file://" in css


def test_pdf_fetcher_reads_only_the_font_and_photos(pdf_font):
    fetcher = pdfs.local_fetcher()
    with pytest.raises(ValueError):
        fetcher.fetch("file:///etc/passwd")
    with pytest.raises(ValueError):
        fetcher.fetch("https://example.com/x.png")
    path = pdf_font[0][1]
    response = fetcher.fetch(path.resolve().as_uri())
    assert response.read(4) == b"OTTO"
    response.close()
    # stored files: the photos' display copies only, read through the storage
    display = private_storage.save("photos/display/2025/05/x.jpg", ContentFile(b"\xff\xd8display"))
    original = private_storage.save("photos/original/2025/05/x.jpg", ContentFile(b"\xff\xd8original"))
    assert fetcher.fetch(f"stored:{display}").read() == b"\xff\xd8display"
    for refused in (f"stored:{original}", "stored:photos/display/../original/2025/05/x.jpg"):
        with pytest.raises(ValueError):
            fetcher.fetch(refused)


def test_pdf_of_a_full_year(secretary, branch, pdf_font):
    """~60 members, 40 records with photos and long minutes: every record gets its section.
    (How long it takes is measured in the benchmark, at district scale.)"""
    members = [MemberFactory(branch=branch) for _ in range(60)]
    make_term(branch, seats=[(Position.SECRETARY, members[0]), (Position.DEPUTY, members[1])])
    kinds = [ActivityType.CONGRESS, ActivityType.COMMITTEE, ActivityType.THEME_DAY, ActivityType.LECTURE]
    for i in range(40):
        kind = kinds[i % 4]
        leave = {m.pk: (AttendanceStatus.LEAVE, "外出务工") for m in members[2 + i % 5 : 5 + i % 5]}
        record(secretary, branch, kind, datetime.date(YEAR, 1 + i % 12, 1 + i % 28), f"第{i + 1}次组织生活",
               photos=1 + i % 2, seed=100 + i, attendance=leave,
               content="会议记录：" + "学习讨论，交流发言，形成共识。" * 30 + "\n" + "下一步工作安排如下。" * 10,
               lecturer="张伟" if kind == ActivityType.LECTURE else "")  # fmt: skip
    reader = pypdf.PdfReader(io.BytesIO(ledgers.ledger_pdf(branch, YEAR)))
    text = "".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) >= 42
    assert all(f"第{i + 1}次组织生活" in text for i in range(40))


# ---------------------------------------------------------------- stored PDFs


def _stored(branch, kind="life"):
    """Names of what the private store holds in the ledger's folder (listed through the storage,
    so the same test runs against the filesystem and a bucket)."""
    folder = f"{pdfs.CACHE_DIR}/{kind}/{branch.pk}/{YEAR}"
    try:
        return sorted(f"{folder}/{name}" for name in private_storage.listdir(folder)[1])
    except FileNotFoundError:
        return []


def _read(name):
    with private_storage.open(name, "rb") as f:
        return f.read()


def test_download_is_stored_and_served_again_until_a_record_changes(client, secretary, branch, year_of_records,
                                                                    pdf_font):  # fmt: skip
    client.force_login(secretary)
    url = reverse("life_ledger_pdf", args=[branch.pk, YEAR])
    assert _stored(branch) == []
    first = client.get(url).content
    files = _stored(branch)
    assert len(files) == 1 and _read(files[0]) == first  # kept whole, no .part left
    # The file itself is served: prove it by changing its bytes (a PDF re-rendered would not match).
    private_storage.delete(files[0])
    assert private_storage.save(files[0], ContentFile(first + b"%stored")) == files[0]
    assert client.get(url).content == first + b"%stored"

    a = year_of_records[0]
    activity_update(actor=secretary, activity=a, version=a.version, data={"topic": "学习贯彻全会精神（修订）"},
                    attendance={})  # fmt: skip
    third = client.get(url).content
    assert not third.endswith(b"%stored")
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(third)).pages)
    assert "学习贯彻全会精神（修订）" in text
    files_now = _stored(branch)
    assert len(files_now) == 1 and files_now[0] != files[0]  # the old one is gone


def test_the_moment_of_generation_is_not_part_of_the_key(branch, year_of_records, pdf_font):
    one = ledgers.life_ledger(branch, YEAR)
    two = ledgers.life_ledger(branch, YEAR)
    two.generated_at = one.generated_at + datetime.timedelta(hours=3)
    html_one, html_two = ledgers.ledger_html_for_pdf(one), ledgers.ledger_html_for_pdf(two)
    assert html_one != html_two  # the cover says when
    assert '<time class="generated">' in html_one
    assert pdfs.html_key(html_one) == pdfs.html_key(html_two)
    two.entries[0].present.append("新党员")
    assert pdfs.html_key(ledgers.ledger_html_for_pdf(two)) != pdfs.html_key(html_one)


def test_build_stored_pdf_is_idempotent(branch, year_of_records, pdf_font):
    assert ledgers.build_stored_pdf(branch, YEAR) is True
    files = _stored(branch)
    assert ledgers.build_stored_pdf(branch, YEAR) is False  # same HTML: nothing to do
    assert _stored(branch) == files


def test_saving_a_record_builds_nothing_in_the_request_when_tasks_run_eagerly(secretary, branch, people,
                                                                               pdf_font):  # fmt: skip
    """Eager Celery (the demo without Redis, the tests) would lay out the book inside the
    request that saved the record: only a real worker builds ahead."""
    record(secretary, branch, ActivityType.COMMITTEE, datetime.date(YEAR, 1, 8), "研究年度工作计划")
    assert _stored(branch) == []


def test_the_book_is_laid_out_by_month_and_a_changed_record_lays_out_only_its_month(secretary, branch, year_of_records,
                                                                                    pdf_font):  # fmt: skip
    """Parts: the front (cover, summary, contents), one per month with records; each numbers its
    own pages under the same running header. A record edited lays out its month and the front
    again (the contents list the topics), the other months are taken from the store."""
    ledgers.build_stored_pdf(branch, YEAR)
    parts = _stored(branch, "life-parts")
    assert len(parts) == 1 + 5  # the front and five months (January to June, none in May)
    book = pypdf.PdfReader(io.BytesIO(_read(_stored(branch)[0])))
    pages = [re.sub(r"\s+", "", p.extract_text()) for p in book.pages]
    march = next(t for t in pages if "学习贯彻全会精神" in t and "3月记录·第1页" in t)
    assert f"东街村党支部·{YEAR}年度党组织生活台账" in march
    assert pages[1].endswith("第2页/共2页")  # the front numbers its own pages (the cover shows none)

    a = year_of_records[0]  # the March 党员大会
    activity_update(actor=secretary, activity=a, version=a.version, data={"topic": "学习贯彻全会精神（修订）"},
                    attendance={})  # fmt: skip
    assert ledgers.build_stored_pdf(branch, YEAR) is True
    parts_now = _stored(branch, "life-parts")
    assert len(parts_now) == 6 and len(set(parts) & set(parts_now)) == 4  # March and the front laid out again
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(_read(_stored(branch)[0]))).pages)
    assert "学习贯彻全会精神（修订）" in text and "书记讲党课：乡村振兴" in text
