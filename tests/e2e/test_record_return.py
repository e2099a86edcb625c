"""退回补充 end to end: a reviewer returns a thin record on a computer, the secretary amends it
on a phone, and the calendar counts it again."""

import datetime
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from branches.models import Position, Role
from ledgers.activities import services
from ledgers.models import Activity, ActivityType, RecordReturn
from tests.e2e.conftest import log_in
from tests.factories import MemberFactory, UserFactory, grant, make_branch, make_committee, make_term

pytestmark = pytest.mark.e2e

REASON = "会议记录只有一句话，请补充讨论的主要内容和形成的决议。"
AMENDED = "传达学习上级党委部署；讨论本月发展党员工作；决定由组织委员负责联系入党积极分子。"


def _photo():
    buf = io.BytesIO()
    img = Image.new("RGB", (640, 480), (200, 30, 30))
    for x in range(0, 640, 40):
        img.paste((30, 90, 200), (x, 0, x + 20, 480))
    img.save(buf, "JPEG")
    return SimpleUploadedFile("现场.jpg", buf.getvalue(), content_type="image/jpeg")




def test_reviewer_returns_and_secretary_amends(desktop, phone):
    committee = make_committee("湖塘镇党委")
    branch = make_branch(committee, name="东街村党支部", founded_on=datetime.date(1998, 7, 1))
    people = [MemberFactory(branch=branch, name=n) for n in ("张建国", "王秀英", "李卫东")]
    make_term(branch, elected_on=datetime.date(2023, 1, 5),
              seats=[(Position.SECRETARY, people[0]), (Position.ORGANIZATION, people[1])])  # fmt: skip
    secretary = grant(UserFactory(username="secretary_dj"), branch, Role.SECRETARY)
    grant(UserFactory(username="reviewer_ht"), committee, Role.REVIEWER)
    today = timezone.localdate()
    record = services.activity_create(actor=secretary, branch=branch, attendance={}, photos=[_photo()], data={
        "type": ActivityType.COMMITTEE, "held_on": today, "place": "村党员活动室", "form": "offline",
        "topic": "研究本月工作", "content": "学习。",
    })  # fmt: skip
    url = reverse("activity_detail", args=[record.pk])

    # The reviewer, on a computer: a reason is required, then the record is returned.
    log_in(desktop, "reviewer_ht")
    desktop.goto(url)
    form = desktop.locator("#return-form")
    form.get_by_label("退回理由").fill(REASON)
    with desktop.expect_navigation():
        form.get_by_role("button", name="退回支部补充").click()
    alert = desktop.locator("#return")
    alert.wait_for()
    assert REASON in alert.inner_text()
    assert desktop.get_by_text("退回补充中").is_visible()

    # The secretary, on a phone: the notice, the record, the amendment.
    log_in(phone, "secretary_dj")
    phone.get_by_role("link", name=re.compile("通知")).first.click()
    phone.get_by_role("link", name=re.compile("组织生活记录被退回补充")).first.click()
    phone.wait_for_url(re.compile(re.escape(url) + "$"))
    phone.locator("#return").get_by_role("link", name="按意见修改记录").click()
    phone.get_by_label("内容/会议记录").fill(AMENDED)
    with phone.expect_navigation():
        phone.get_by_role("button", name="保存记录").click()
    phone.wait_for_url(re.compile(re.escape(url) + "$"))
    assert phone.locator("#return").count() == 0
    assert AMENDED in phone.locator("main").inner_text()
    phone.goto(reverse("branch_calendar", args=[branch.pk]) + f"?year={today.year}")
    cell = phone.locator(f'tr[data-type="{ActivityType.COMMITTEE}"] td').nth(today.month - 1)
    assert cell.get_attribute("data-state") == "ok", cell.get_attribute("title")

    # Back with the reviewer: told, and the return is on the record's page as history.
    desktop.goto(reverse("my_notices"))
    assert "已按退回意见修改记录" in desktop.locator("main").inner_text()
    desktop.goto(url)
    assert "支部已修改" in desktop.locator("main").inner_text()
    record.refresh_from_db()
    assert not record.returned and RecordReturn.objects.get().resolution == "amended"
    assert Activity.objects.count() == 1
