import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from branches.models import MemberStatus, MemberTransfer, PartyGroup, Position, TransferDirection
from branches.services import member_transfer
from ledgers.activities import integrity, selectors, services
from ledgers.models import Activity, ActivityType, FlagKind, IntegrityFlag, Photo
from tests.factories import MemberFactory, make_term
from wujin_branch import images
from wujin_branch.errors import DomainError

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def jpeg(color=(200, 30, 30), size=(640, 480), taken=None, pattern=0, name="p.jpg"):
    img = Image.new("RGB", size, color)
    # draw a pattern so the perceptual hash is not degenerate
    for x in range(0, size[0], 40):
        for y in range(0, size[1], 40):
            if ((x // 40) * (pattern + 1) + (y // 40)) % 3 == 0:
                img.paste((255 - color[0], 255 - color[1], 128), (x, y, x + 40, y + 40))
    buf = io.BytesIO()
    exif = Image.Exif()
    if taken:
        exif[306] = taken.strftime("%Y:%m:%d %H:%M:%S")
        exif[0x8825] = {1: "N", 2: (31.0, 45.0, 0.0)}  # GPS
    img.save(buf, "JPEG", exif=exif)
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


def base_data(**kw):
    d = {
        "type": ActivityType.COMMITTEE,
        "held_on": TODAY - datetime.timedelta(days=2),
        "place": "党员活动室",
        "form": "offline",
        "topic": "研究发展党员工作",
        "content": "会议传达学习上级文件精神，讨论本季度发展党员计划。",
        "host": "张伟",
        "recorder": "王芳",
    }
    d.update(kw)
    return d


@pytest.fixture(autouse=True)
def _run_on_commit(monkeypatch, django_capture_on_commit_callbacks):
    """Tests run inside a transaction that never commits; run each create/update's
    after-commit work (the integrity check task, eager here) when the service returns."""
    for name in ("activity_create", "activity_update"):
        real = getattr(services, name)

        def wrapped(*args, _real=real, **kwargs):
            with django_capture_on_commit_callbacks(execute=True):
                return _real(*args, **kwargs)

        monkeypatch.setattr(services, name, wrapped)


@pytest.fixture
def committee_branch(branch):
    people = [MemberFactory(branch=branch) for _ in range(8)]
    make_term(
        branch,
        elected_on=datetime.date(2023, 1, 5),
        seats=[(Position.SECRETARY, people[0]), (Position.ORGANIZATION, people[1]), (Position.PROPAGANDA, people[2])],
    )
    return branch, people


def test_expected_attendees_by_type(committee_branch):
    branch, people = committee_branch
    prob = MemberFactory(branch=branch, status=MemberStatus.PROBATIONARY, full_member_on=None)
    day = TODAY
    committee = services.expected_attendees(branch=branch, type=ActivityType.COMMITTEE, held_on=day)
    assert {m for m, _ in committee} == set(people[:3])
    congress = dict(services.expected_attendees(branch=branch, type=ActivityType.CONGRESS, held_on=day))
    assert len(congress) == 9 and congress[prob] is False and congress[people[0]] is True
    g = PartyGroup.objects.create(branch=branch, name="一组")
    for m in people[:4]:
        m.party_group = g
        m.save()
    group = services.expected_attendees(branch=branch, type=ActivityType.GROUP, held_on=day, party_group=g)
    assert {m for m, _ in group} == set(people[:4])


def test_roster_on_a_past_day_follows_transfers(branch, other_branch, secretary):
    """Who was in the branch on a past day, not who is in it now: a member who moved on is
    still on the old branch's past roster, a newcomer is not on it before they came, and a
    member transferred out of the district is on it until the day they left."""
    old = datetime.date(TODAY.year - 1, 3, 1)
    moved_on = datetime.date(TODAY.year - 1, 6, 1)
    stay = MemberFactory(branch=branch, joined_on=datetime.date(2000, 1, 1))
    leaver = MemberFactory(branch=branch, joined_on=datetime.date(2000, 1, 1))
    newcomer = MemberFactory(branch=other_branch, joined_on=datetime.date(2000, 1, 1))
    gone = MemberFactory(branch=branch, joined_on=datetime.date(2000, 1, 1))
    member_transfer(actor=secretary, member=leaver, direction=TransferDirection.INTERNAL, occurred_on=moved_on,
                    to_branch=other_branch)  # fmt: skip
    newcomer.branch = branch  # came from other_branch the same day (recorded as a transfer)
    newcomer.save()
    MemberTransfer.objects.create(member=newcomer, direction=TransferDirection.INTERNAL, occurred_on=moved_on,
                                  from_branch=other_branch, to_branch=branch)  # fmt: skip
    member_transfer(actor=secretary, member=gone, direction=TransferDirection.OUT, occurred_on=moved_on,
                    counterpart="区外某党支部")  # fmt: skip

    assert set(services.roster_on(branch, old)) == {stay, leaver, gone}
    assert set(services.roster_on(other_branch, old)) == {newcomer}
    assert set(services.roster_on(branch, moved_on)) == {stay, newcomer}  # moves take effect that day
    assert set(services.roster_on(other_branch, moved_on)) == {leaver}
    assert set(services.roster_on(branch, TODAY)) == {stay, newcomer}
    congress = dict(services.expected_attendees(branch=branch, type=ActivityType.CONGRESS, held_on=old))
    assert set(congress) == {stay, leaver, gone}


def test_quorum_more_than_half(committee_branch, secretary):
    branch, people = committee_branch
    a = services.activity_create(
        actor=secretary,
        branch=branch,
        data=base_data(),
        attendance={people[2].pk: ("leave", "出差")},
        photos=[jpeg()],
    )
    assert (a.expected_count, a.present_count, a.leave_count) == (3, 2, 1)
    assert a.quorum_met and a.is_complete
    a2 = services.activity_create(
        actor=secretary,
        branch=branch,
        data=base_data(type=ActivityType.CONGRESS),
        attendance={p.pk: ("absent", "") for p in people[:4]},
    )
    # 8 full members, 4 present: exactly half is not more than half
    assert a2.quorum_base == 8 and a2.quorum_present == 4 and not a2.quorum_met


def test_leave_needs_reason_and_future_date_refused(committee_branch, secretary):
    branch, people = committee_branch
    with pytest.raises(DomainError, match="请假事由"):
        services.activity_create(
            actor=secretary, branch=branch, data=base_data(), attendance={people[0].pk: ("leave", "")}
        )
    with pytest.raises(DomainError, match="不能晚于今天"):
        services.activity_create(
            actor=secretary, branch=branch, data=base_data(held_on=TODAY + datetime.timedelta(days=1)), attendance={}
        )
    assert Activity.objects.count() == 0


def test_photo_variants_have_no_exif_and_capture_time_is_read(committee_branch, secretary):
    branch, _ = committee_branch
    taken = timezone.localtime().replace(microsecond=0) - datetime.timedelta(days=10)
    a = services.activity_create(
        actor=secretary, branch=branch, data=base_data(), attendance={}, photos=[jpeg(taken=taken.replace(tzinfo=None))]
    )
    p = a.photos.get()
    assert timezone.localtime(p.taken_at).replace(tzinfo=None) == taken.replace(tzinfo=None)
    for variant in (p.display, p.thumb):
        with variant.open("rb") as f:
            assert not dict(Image.open(f).getexif())
    with p.original.open("rb") as f:
        assert dict(Image.open(f).getexif())  # the private original is kept as uploaded
    assert IntegrityFlag.objects.filter(activity=a, kind=FlagKind.PHOTO_TIME).exists()


def _hostile_files():
    big = io.BytesIO()
    Image.new("1", (10_001, 10_001)).save(big, "PNG")  # 100 megapixels, small on disk
    return [
        ("text.jpg", b"this is not an image at all", "不是有效的图片"),
        ("x.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "不是有效的图片"),
        ("page.html", b"<html><body>hi</body></html>", "不是有效的图片"),
        ("huge.png", big.getvalue(), "像素过大"),
        ("empty.jpg", b"", "空文件"),
        ("big.jpg", b"\xff\xd8\xff" + b"0" * (50 * 1024 * 1024), "超过"),
    ]


@pytest.mark.parametrize("name,content,message", _hostile_files())
def test_hostile_uploads_refused_nothing_saved(committee_branch, secretary, name, content, message):
    branch, _ = committee_branch
    with pytest.raises(DomainError, match=message):
        services.activity_create(
            actor=secretary,
            branch=branch,
            data=base_data(),
            attendance={},
            photos=[jpeg(), SimpleUploadedFile(name, content)],
        )
    assert Activity.objects.count() == 0 and Photo.objects.count() == 0


def test_attachment_must_match_extension(committee_branch, secretary):
    branch, _ = committee_branch
    with pytest.raises(DomainError, match="内容与扩展名不符"):
        services.activity_create(
            actor=secretary,
            branch=branch,
            data=base_data(),
            attendance={},
            attachments=[SimpleUploadedFile("minutes.pdf", b"<html>not a pdf</html>")],
        )
    a = services.activity_create(
        actor=secretary,
        branch=branch,
        data=base_data(),
        attendance={},
        attachments=[SimpleUploadedFile("minutes.pdf", b"%PDF-1.4\n%fake but signed\n")],
    )
    assert a.attachments.count() == 1


def test_flags_reused_photo_late_entry_similar_text(committee_branch, other_branch, secretary, other_secretary):
    branch, _ = committee_branch
    minutes = "会议传达学习了上级党委关于加强基层党组织建设的文件精神，" * 4
    first = services.activity_create(
        actor=other_secretary,
        branch=other_branch,
        data=base_data(type=ActivityType.THEME_DAY, content=minutes, topic="主题党日"),
        attendance={},
        photos=[jpeg(pattern=1)],
    )
    assert not first.flags.exists()
    second = services.activity_create(
        actor=secretary,
        branch=branch,
        data=base_data(held_on=TODAY - datetime.timedelta(days=45), content=minutes + "。"),
        attendance={},
        photos=[jpeg(pattern=1, size=(800, 600))],  # same picture, resized and re-encoded
    )
    kinds = set(second.flags.values_list("kind", flat=True))
    assert kinds == {FlagKind.REUSED_PHOTO, FlagKind.LATE_ENTRY, FlagKind.SIMILAR_TEXT}
    assert second.flags.get(kind=FlagKind.REUSED_PHOTO).other_activity == first
    # recomputing is idempotent
    assert integrity.activity_check_integrity(activity_id=second.pk) == 0
    assert second.flags.count() == 3


def test_different_photos_and_texts_not_flagged(committee_branch, secretary):
    branch, _ = committee_branch
    services.activity_create(
        actor=secretary, branch=branch, data=base_data(), attendance={}, photos=[jpeg(color=(20, 120, 200), pattern=0)]
    )
    b = services.activity_create(
        actor=secretary,
        branch=branch,
        data=base_data(content="支部围绕乡村振兴开展志愿服务，党员分组走访困难群众并登记需求，共走访二十三户。" * 2),
        attendance={},
        photos=[jpeg(color=(240, 240, 20), pattern=2)],
    )
    assert not b.flags.exists()


def test_hamming_and_bands():
    a = 0x0123456789ABCDEF
    b = a ^ 0b111
    assert images.hamming(images.to_signed64(a), images.to_signed64(b)) == 3
    assert images.hash_bands(images.to_signed64(0xFFFF000000000001)) == (1, 0, 0, 0xFFFF)


def test_calendar_and_compliance_counts(committee_branch, secretary):
    branch, _ = committee_branch
    year = TODAY.year - 1
    for month in range(1, 13):
        if month == 5:
            continue
        services.activity_create(
            actor=secretary,
            branch=branch,
            data=base_data(held_on=datetime.date(year, month, 10)),
            attendance={},
            photos=[jpeg(pattern=month % 3)],
        )
    # June also has one without photo: still satisfied by the complete one
    services.activity_create(
        actor=secretary, branch=branch, data=base_data(held_on=datetime.date(year, 6, 20)), attendance={}
    )
    rows = {r.type: r for r in selectors.branch_calendar(branch, year, today=TODAY)}
    committee = rows[ActivityType.COMMITTEE]
    assert [c.state for c in committee.cells].count("ok") == 11
    assert committee.cells[4].state == "missing"
    assert (committee.satisfied, committee.required) == (11, 12)
    counts = selectors.compliance_counts(datetime.date(year, 1, 1), datetime.date(year, 12, 31))
    assert counts[branch.pk][ActivityType.COMMITTEE] == 11
    assert selectors.required_periods("month", datetime.date(year, 1, 1), datetime.date(year, 12, 31)) == 12
    assert selectors.required_periods("quarter", datetime.date(year, 2, 1), datetime.date(year, 12, 31)) == 3


# ---------------------------------------------------------------- pages


def test_record_committee_meeting_through_the_form(client, committee_branch, secretary):
    branch, people = committee_branch
    client.force_login(secretary)
    url = reverse("activity_new", args=[branch.pk])
    assert "支委会" in client.get(url).content.decode()
    page = client.get(url + "?type=committee")
    assert page.status_code == 200 and people[0].name in page.content.decode()
    data = {
        "type": "committee",
        "held_on": (TODAY - datetime.timedelta(days=1)).isoformat(),
        "place": "村委会二楼",
        "form": "offline",
        "topic": "研究十二月工作",
        "content": "讨论年终民主评议安排。",
        f"att_{people[1].pk}": "leave",
        f"reason_{people[1].pk}": "住院",
        "photos": [jpeg(), SimpleUploadedFile("fake.jpg", b"not an image")],
    }
    r = client.post(url + "?type=committee", data)
    html = r.content.decode()
    assert r.status_code == 200 and "不是有效的图片" in html
    assert "研究十二月工作" in html and "住院" in html  # what was typed is kept
    assert Activity.objects.count() == 0
    data["photos"] = [jpeg(), jpeg(pattern=2)]
    r = client.post(url + "?type=committee", data)
    assert r.status_code == 302
    a = Activity.objects.get()
    assert a.photo_count == 2 and a.leave_count == 1 and a.quorum_met
    detail = client.get(reverse("activity_detail", args=[a.pk])).content.decode()
    assert "住院" in detail
    thumb = client.get(reverse("photo_file", args=[a.photos.first().pk, "thumb"]))
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"
    assert client.get(reverse("photo_file", args=[a.photos.first().pk, "original"])).status_code == 404


def test_edit_stale_version_refused(client, committee_branch, secretary):
    branch, _ = committee_branch
    a = services.activity_create(actor=secretary, branch=branch, data=base_data(), attendance={})
    client.force_login(secretary)
    url = reverse("activity_edit", args=[a.pk])
    post = {
        "version": 1,
        "held_on": a.held_on.isoformat(),
        "place": "新地点",
        "form": "offline",
        "topic": a.topic,
        "content": a.content,
    }
    assert client.post(url, post).status_code == 302
    post["place"] = "又一个地点"
    r = client.post(url, post)
    assert "已被他人修改" in r.content.decode()
    a.refresh_from_db()
    assert a.place == "新地点" and a.history.count() >= 2


@pytest.fixture
def activity(committee_branch, secretary):
    branch, _ = committee_branch
    return services.activity_create(actor=secretary, branch=branch, data=base_data(), attendance={}, photos=[jpeg()])


@pytest.fixture
def foreign_activity(other_branch, other_secretary):
    return services.activity_create(
        actor=other_secretary, branch=other_branch, data=base_data(type=ActivityType.THEME_DAY), attendance={}
    )


@pytest.mark.parametrize("role", ["secretary", "reviewer", "other_secretary"])
def test_activity_pages_scoped(client, request, activity, foreign_activity, role):
    user = request.getfixturevalue(role)
    client.force_login(user)
    own = role != "other_secretary"
    pages = [
        (reverse("activity_detail", args=[activity.pk]), own),
        (reverse("activity_edit", args=[activity.pk]), role == "secretary"),
        (reverse("activity_list", args=[activity.branch_id]), own),
        (reverse("activity_new", args=[activity.branch_id]), role == "secretary"),
        (reverse("branch_calendar", args=[activity.branch_id]), own),
        (reverse("photo_file", args=[activity.photos.get().pk, "thumb"]), own),
    ]
    for url, allowed in pages:
        assert client.get(url).status_code == (200 if allowed else 404), url


def test_flag_explain_reviewer_only(client, activity, secretary, reviewer):
    flag = IntegrityFlag.objects.create(activity=activity, kind=FlagKind.LATE_ENTRY, detail="补录")
    client.force_login(secretary)
    assert client.post(reverse("flag_explain", args=[flag.pk]), {"explanation": "x"}).status_code == 404
    assert "补录" not in client.get(reverse("activity_detail", args=[activity.pk])).content.decode()
    client.force_login(reviewer)
    assert "补录" in client.get(reverse("activity_detail", args=[activity.pk])).content.decode()
    client.post(reverse("flag_explain", args=[flag.pk]), {"explanation": "纸质记录本后补录入，已核实"})
    flag.refresh_from_db()
    assert flag.explained and flag.explained_by == reviewer
    # explained flags survive a recomputation
    integrity.activity_check_integrity(activity_id=activity.pk)
    assert IntegrityFlag.objects.filter(pk=flag.pk).exists()


@pytest.mark.parametrize("page", ["activity_list", "branch_calendar", "branch_detail"])
def test_activity_pages_constant_queries(client, committee_branch, secretary, django_assert_max_num_queries, page):
    branch, people = committee_branch
    client.force_login(secretary)
    url = reverse(page, args=[branch.pk])

    def add(n, start=0):
        """Complete records (quorum, a photo) in as many months of this year as there are:
        the calendar reads every field of each month's records."""
        for i in range(start, start + n):
            day = TODAY.replace(month=1 + i % TODAY.month, day=1) if i % TODAY.month else TODAY
            services.activity_create(
                actor=secretary,
                branch=branch,
                data=base_data(held_on=day, content=f"第{i}次会议内容"),
                attendance={},
                photos=[jpeg(pattern=i % 5)],
            )

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    add(2)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    add(15, start=2)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


def test_shell_list_includes_branches_silent_for_six_months(committee_branch, secretary, reviewer, committee):
    from ledgers.activities.selectors import shell_orgs
    from tests.factories import make_branch

    branch, _ = committee_branch
    branch.founded_on = datetime.date(2010, 1, 1)
    branch.save()
    silent = make_branch(committee, name="沉寂支部", founded_on=datetime.date(2010, 1, 1))
    MemberFactory(branch=silent)
    young = make_branch(committee, name="新建支部", founded_on=TODAY - datetime.timedelta(days=30))
    MemberFactory(branch=young)
    # before any record exists on the platform, only member-less branches are listed
    assert set(shell_orgs(reviewer)) == set()
    services.activity_create(actor=secretary, branch=branch, data=base_data(), attendance={})
    assert set(shell_orgs(reviewer)) == {silent}


def test_attendance_change_is_in_history(committee_branch, secretary):
    branch, people = committee_branch
    a = services.activity_create(actor=secretary, branch=branch, data=base_data(), attendance={})
    services.activity_update(
        actor=secretary,
        activity=a,
        version=a.version,
        data={"place": a.place},
        attendance={people[1].pk: ("absent", "")},
    )
    row = a.attendance.get(member=people[1])
    assert row.status == "absent"
    assert [h.status for h in row.history.order_by("history_date")] == ["present", "absent"]
    assert row.history.latest().history_user == secretary
    a.refresh_from_db()
    assert a.present_count == 2 and a.version == 2
