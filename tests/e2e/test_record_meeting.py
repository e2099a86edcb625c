"""A secretary records a 支委会 with attendance and two photos on a phone, and the calendar turns green."""

import datetime
import re
import time

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from branches.models import Position, Role
from ledgers.models import Activity, ActivityType, Attendance, Photo
from tests.e2e.conftest import log_in
from tests.factories import MemberFactory, UserFactory, grant, make_branch, make_committee, make_term

pytestmark = pytest.mark.e2e

NAMES = ["张建国", "王秀英", "李卫东", "刘桂兰", "陈志强", "杨丽华", "赵永明", "黄春梅"]
TOPIC = "研究本月发展党员和党费收缴工作"
CONTENT = "传达学习上级党委关于基层组织建设的部署；讨论本月发展党员工作安排；通报党费收缴情况。"


def _setup():
    committee = make_committee("湖塘镇党委")
    branch = make_branch(committee, name="东街村党支部", founded_on=datetime.date(1998, 7, 1))
    people = [MemberFactory(branch=branch, name=n) for n in NAMES]
    make_term(
        branch,
        elected_on=datetime.date(2023, 1, 5),
        seats=[(Position.SECRETARY, people[0]), (Position.ORGANIZATION, people[1]), (Position.PROPAGANDA, people[2])],
    )
    grant(UserFactory(username="secretary_dj"), branch, Role.SECRETARY)
    return branch, people


def _jpeg(path, color, pattern):
    """A real JPEG with a checker pattern, so the two photos differ (and their perceptual hashes too)."""
    img = Image.new("RGB", (640, 480), color)
    for x in range(0, 640, 40):
        for y in range(0, 480, 40):
            if ((x // 40) * (pattern + 1) + (y // 40)) % 3 == 0:
                img.paste((255 - color[0], 255 - color[1], 128), (x, y, x + 40, y + 40))
    img.save(path, "JPEG", quality=85)
    return path


def _log_in(page, branch):
    log_in(page, "secretary_dj")
    # Home forwards a single-branch secretary to the branch page.
    page.wait_for_url(re.compile(re.escape(reverse("branch_detail", args=[branch.pk])) + r"$"))


def _open_committee_form(page):
    page.get_by_role("link", name="记录一次活动").click()
    page.get_by_role("heading", name="记录一次组织生活").wait_for()
    page.get_by_role("link", name="支委会", exact=True).click()
    page.get_by_role("heading", name="记录支委会").wait_for()


def _no_sideways_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_secretary_records_committee_meeting_on_phone(phone, tmp_path):
    branch, people = _setup()
    today = timezone.localdate()
    photo_a = _jpeg(tmp_path / "支委会1.jpg", (200, 30, 30), 0)
    photo_b = _jpeg(tmp_path / "支委会2.jpg", (30, 90, 200), 1)
    page = phone

    started = time.perf_counter()
    _log_in(page, branch)

    due = page.locator(".card.due")
    due.get_by_role("heading", name="本期待开展").wait_for()
    due_text = due.inner_text()
    assert f"支委会（每月）：{today.month}月" in due_text, due_text

    _open_committee_form(page)
    assert page.get_by_role("heading", name="出勤（应到 3 人）").is_visible()
    page.get_by_label("日期").fill(today.isoformat())
    page.get_by_label("地点").fill("村党员活动室")
    page.get_by_label("主题").fill(TOPIC)
    page.get_by_label("内容/会议记录").fill(CONTENT)

    on_leave = people[2]
    row = page.locator(".att-row").filter(has_text=on_leave.name)
    row.get_by_label("请假").check()
    row.get_by_placeholder("请假事由").fill("外出参加培训")

    page.get_by_label("照片", exact=True).set_input_files([photo_a, photo_b])
    assert _no_sideways_scroll(page), "record form scrolls sideways"
    with page.expect_navigation():
        page.get_by_role("button", name="保存记录").click()

    page.wait_for_url(re.compile(r"/activity/\d+/$"))
    main = page.locator("main")
    main.get_by_text("有照片 2 张").wait_for()
    assert main.get_by_text("到会人数符合要求").is_visible()
    text = main.inner_text()
    assert TOPIC in text
    assert "外出参加培训" in text
    assert "3 / 2（请假 1）" in text, text

    page.get_by_role("link", name=branch.name).first.click()
    due.get_by_role("heading", name="本期待开展").wait_for()
    assert "支委会" not in due.inner_text(), "the branch page still lists 支委会 as due"
    due.get_by_role("link", name="完成情况日历").click()
    page.get_by_role("heading", name=f"组织生活完成情况 · {today.year}年").wait_for()
    # On a phone the calendar is a list of months, not a grid that scrolls sideways.
    assert not page.locator("table.calendar").is_visible() and _no_sideways_scroll(page)
    month = page.locator(f'#calendar-months section[data-month="{today.month}"]')
    item = month.locator(f'li[data-type="{ActivityType.COMMITTEE}"]')
    assert item.get_attribute("data-state") == "ok", item.inner_text()
    assert item.get_by_role("link", name=f"{today.month}/{today.day}").is_visible()
    december = page.locator('#calendar-months section[data-month="12"]')
    december.scroll_into_view_if_needed()
    assert december.is_visible() and "12月" in december.inner_text()
    elapsed = time.perf_counter() - started
    print(f"\nrecorded a 支委会 and saw the calendar turn green in {elapsed:.2f} s")

    activity = Activity.objects.get()
    assert (activity.type, activity.held_on, activity.topic) == (ActivityType.COMMITTEE, today, TOPIC)
    assert (activity.expected_count, activity.present_count, activity.leave_count) == (3, 2, 1)
    assert activity.quorum_met and activity.photo_count == 2
    assert Photo.objects.filter(activity=activity).count() == 2
    leave = Attendance.objects.get(activity=activity, member=on_leave)
    assert (leave.status, leave.leave_reason) == ("leave", "外出参加培训")
    assert elapsed < 60, f"the flow took {elapsed:.1f} s"


def test_text_file_named_jpg_is_refused_and_form_kept(phone, tmp_path):
    branch, _ = _setup()
    fake = tmp_path / "会议照片.jpg"
    fake.write_text("这不是照片，只是一段文字。\n" * 20, encoding="utf-8")
    page = phone

    _log_in(page, branch)
    _open_committee_form(page)
    form_url = page.url
    page.get_by_label("日期").fill(timezone.localdate().isoformat())
    page.get_by_label("地点").fill("村党员活动室")
    page.get_by_label("主题").fill(TOPIC)
    page.get_by_label("内容/会议记录").fill(CONTENT)
    page.get_by_label("照片", exact=True).set_input_files(fake)
    with page.expect_navigation():
        page.get_by_role("button", name="保存记录").click()

    error = page.locator("main .errorlist")
    error.first.wait_for()
    assert "“会议照片.jpg”不是有效的图片文件，已拒绝上传。" in error.first.inner_text()
    assert page.url.split("?")[0] == form_url.split("?")[0]
    assert page.get_by_label("主题").input_value() == TOPIC
    assert page.get_by_label("内容/会议记录").input_value() == CONTENT
    assert Activity.objects.count() == 0
    assert Photo.objects.count() == 0


def test_photos_chosen_survive_a_form_error(phone, tmp_path):
    """Two photos chosen, 主题 left empty: the form comes back with both as thumbnails, ticked;
    once 主题 is filled in, the record is saved with both (issue 12)."""
    branch, _ = _setup()
    photos = [_jpeg(tmp_path / "会场.jpg", (200, 30, 30), 0), _jpeg(tmp_path / "签到表.jpg", (30, 90, 200), 1)]
    page = phone
    _log_in(page, branch)
    _open_committee_form(page)
    page.get_by_label("日期").fill(timezone.localdate().isoformat())
    page.get_by_label("地点").fill("村党员活动室")
    page.get_by_label("内容/会议记录").fill(CONTENT)
    page.get_by_label("照片", exact=True).set_input_files(photos)
    with page.expect_navigation():
        page.get_by_role("button", name="保存记录").click()

    page.locator("main .errorlist").first.wait_for()
    kept = page.locator(".pending-photos img")
    assert kept.count() == 2
    page.wait_for_function("[...document.querySelectorAll('.pending-photos img')].every(i => i.naturalWidth > 0)")
    assert page.locator('.pending-photos input[type="checkbox"]:checked').count() == 2
    assert page.get_by_label("内容/会议记录").input_value() == CONTENT
    assert _no_sideways_scroll(page), "the form with kept photos scrolls sideways"
    assert Activity.objects.count() == 0

    page.get_by_label("主题").fill(TOPIC)
    with page.expect_navigation():
        page.get_by_role("button", name="保存记录").click()
    page.wait_for_url(re.compile(r"/activity/\d+/$"))
    page.locator("main").get_by_text("有照片 2 张").wait_for()
    activity = Activity.objects.get()
    assert activity.topic == TOPIC and Photo.objects.filter(activity=activity).count() == 2
    assert sorted(p.original_name for p in Photo.objects.filter(activity=activity)) == ["会场.jpg", "签到表.jpg"]
