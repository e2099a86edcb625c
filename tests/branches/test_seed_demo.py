"""``seed_demo``: the small demo district (its organizations, people and records, seeded once),
--if-empty, --flush and a small run of the district generator."""

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, F, Q
from django.test import TestCase, override_settings
from django.utils import timezone

from branches.demo import DEMO_BRANCH, DEMO_PASSWORD
from branches.models import (
    PRE_1949_CUTOFF,
    BranchType,
    CommitteeKind,
    CommitteeSeat,
    CommitteeTerm,
    LifeMeeting,
    Member,
    MemberFlow,
    MemberStatus,
    MemberTransfer,
    Organization,
    OrgKind,
    PartyGroup,
    Position,
    RegionalKind,
    Role,
    RoleAssignment,
    Sanction,
    SanctionKind,
    Standing,
    User,
    add_years,
)
from branches.services import SMALL_BRANCH_FULL_MEMBERS, name_pinyin, validate_id_number
from ledgers.activities.selectors import REQUIREMENTS, branch_calendar
from ledgers.models import (
    Activity,
    ActivityType,
    Attendance,
    AttendanceStatus,
    FlagKind,
    IntegrityFlag,
    Photo,
)
from tests.conftest import written_once
from wujin_branch import versions
from wujin_branch.storage import private_storage

pytestmark = pytest.mark.django_db


def seed(**options):
    options.setdefault("no_activities", True)  # records are covered by tests/ledgers/test_demo_activities.py
    out = StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def mini(seed_value, **extra):
    return seed(scale="district", branches=30, members_per_branch=5, seed=seed_value, **extra)


def assert_tree_valid():
    assert Organization.objects.find_problems() == ([], [], [], [], [])
    for org in Organization.objects.all():
        assert org.numchild == Organization.objects.filter(path__startswith=org.path, depth=org.depth + 1).count(), (
            org.name
        )
        assert len(org.path) == 4 * org.depth


def current_terms():
    return CommitteeTerm.objects.filter(ended_on__isnull=True)


def in_effect(qs, on):
    return qs.filter(imposed_on__lte=on).filter(Q(effective_until__isnull=True) | Q(effective_until__gte=on))


@pytest.fixture(scope="class")
def small_demo_seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    """The small demo (seed 1) with its records, seeded once for the class that asks for it (the
    seeding is the slowest thing in the suite: once, not once per test): its output and the media
    folder its photos went to. The records' integrity checks run after the commit (eager Celery),
    so the callbacks are run here."""
    media = tmp_path_factory.mktemp("demo-media")
    with written_once(django_db_blocker), override_settings(MEDIA_ROOT=media):
        with TestCase.captureOnCommitCallbacks(execute=True):
            output = seed(seed=1, no_activities=False)
        yield output, media


@pytest.fixture
def small_demo(small_demo_seeded, settings):
    output, media = small_demo_seeded
    settings.MEDIA_ROOT = media
    return output


class TestSmallDemo:
    def test_small_demo_has_every_role_type_and_situation(self, small_demo):
        output = small_demo
        today = timezone.localdate()
        assert "demo12345" in output

        # One login per role, all with the demo password; the district user can use /admin.
        expected = {
            "district": (Role.DISTRICT, OrgKind.DISTRICT),
            "reviewer": (Role.REVIEWER, OrgKind.COMMITTEE),
            "secretary": (Role.SECRETARY, OrgKind.BRANCH),
            "worker": (Role.WORKER, OrgKind.BRANCH),
        }
        for username, (role, kind) in expected.items():
            user = User.objects.get(username=username)
            assert user.check_password(DEMO_PASSWORD)
            ra = RoleAssignment.objects.get(user=user)
            assert (ra.role, ra.organization.kind) == (role, kind)
        district = User.objects.get(username="district")
        assert district.is_staff and district.is_superuser
        assert RoleAssignment.objects.get(user__username="reviewer").organization.name == "湖塘镇党委"
        branch = RoleAssignment.objects.get(user__username="secretary").organization
        assert branch == RoleAssignment.objects.get(user__username="worker").organization
        assert branch.path.startswith(Organization.objects.get(name="湖塘镇党委").path)
        assert (
            User.objects.get(username="secretary").full_name
            == CommitteeSeat.objects.get(
                term__branch=branch, term__ended_on__isnull=True, position=Position.SECRETARY
            ).holder.name
        )

        # The tree.
        assert_tree_valid()
        root = Organization.objects.get(depth=1)
        assert (root.kind, root.name) == (OrgKind.DISTRICT, "中共常州市武进区委组织部")
        assert set(Organization.objects.filter(kind=OrgKind.COMMITTEE).values_list("committee_kind", flat=True)) == set(
            CommitteeKind.values
        )
        assert Organization.objects.filter(kind=OrgKind.GENERAL_BRANCH).exists()
        branches = Organization.objects.filter(kind=OrgKind.BRANCH)
        assert set(branches.values_list("branch_type", flat=True)) == set(BranchType.values)
        assert set(branches.filter(branch_type=BranchType.REGIONAL).values_list("regional_kind", flat=True)) == set(
            RegionalKind.values
        )
        assert branches.exclude(status="active").filter(merged_into__isnull=False).exists()

        # Members: valid identity numbers, rules of the member service, every special situation.
        members = list(Member.objects.all())
        assert len(members) > 300
        for m in members:
            assert validate_id_number(m.id_number), m.id_number
            assert (m.name_pinyin, m.name_initials) == name_pinyin(m.name)
            assert m.age_on(m.joined_on) >= 18
            assert m.joined_on <= today
            assert (m.status == MemberStatus.FULL) == (m.full_member_on is not None)
        active = Member.objects.filter(standing=Standing.ACTIVE)
        assert active.filter(status=MemberStatus.PROBATIONARY, full_member_on__isnull=True).exists()
        # 流动党员: every open flow names its other side; in-district flows (both branches see
        # them), one 流出 to outside the district and one 流入 from outside; a few 区管干部, one 民主生活会
        flows = MemberFlow.objects.open().filter(member__standing=Standing.ACTIVE)
        assert not flows.filter(in_branch__isnull=True, counterpart="").exists()
        assert flows.filter(direction="out", in_branch__isnull=False).exists()
        assert flows.filter(direction="out", in_branch__isnull=True).exists()
        assert flows.filter(direction="in").exists()
        assert active.filter(is_district_cadre=True).count() >= 2
        meeting = LifeMeeting.objects.get()
        assert meeting.participants.count() == 2
        assert active.filter(is_kongua=True).exclude(kongua_handling="").exists()
        assert active.filter(is_lost=True, lost_since__isnull=False).exists()
        assert active.filter(is_hardship=True).exists()
        assert active.filter(joined_on__lt=PRE_1949_CUTOFF).exists()
        assert set(Member.objects.values_list("gender", flat=True)) == {"M", "F"}
        assert len(set(Member.objects.values_list("education", flat=True))) >= 5
        assert len(set(Member.objects.values_list("occupation", flat=True))) >= 5
        assert Member.objects.filter(ethnicity="汉族").count() > 0.9 * len(members)
        assert Member.objects.filter(standing=Standing.TRANSFERRED_OUT).exists()
        assert MemberTransfer.objects.filter(direction="out").exists()
        assert MemberTransfer.objects.filter(direction="in").exists()
        assert MemberTransfer.objects.filter(direction="internal").exists()

        # Groups have leaders from their own branch.
        groups = PartyGroup.objects.select_related("leader")
        assert groups.exists()
        for g in groups:
            assert g.leader is not None and g.leader.branch_id == g.branch_id

        # Committees: due dates derived, every alert case present, small branches have a 书记 only.
        for t in CommitteeTerm.objects.all():
            assert t.due_on == add_years(t.elected_on, t.term_years)
        soon = today + datetime.timedelta(days=90)
        assert current_terms().filter(due_on__lt=today, postponed_until__isnull=True).exists()
        assert current_terms().filter(due_on__gte=today, due_on__lte=soon).exists()
        postponed = current_terms().filter(postponed_until__gt=today)
        assert postponed.count() == 1 and postponed.get().postponement_approved_by is not None
        assert current_terms().filter(due_on__gt=soon).count() > current_terms().count() / 2
        current_seats = CommitteeSeat.objects.filter(term__ended_on__isnull=True)
        assert current_seats.filter(position=Position.SECRETARY, holder__isnull=True).exists()
        assert current_seats.filter(holder__isnull=True).exclude(position=Position.SECRETARY).exists()
        for term in current_terms().select_related("branch"):
            full = Member.objects.filter(branch=term.branch, standing=Standing.ACTIVE, status=MemberStatus.FULL).count()
            positions = list(term.seats.values_list("position", flat=True))
            if full < SMALL_BRANCH_FULL_MEMBERS:
                assert positions == [Position.SECRETARY], term.branch.name
            else:
                assert 3 <= len(positions) <= 7
            for seat in term.seats.exclude(holder=None).select_related("holder"):
                assert seat.holder.branch_id == term.branch_id and seat.holder.status == MemberStatus.FULL
        assert current_terms().annotate(n=Count("seats")).filter(n=1).exists()

        # Sanctions for the one-vote vetoes: a 书记 with 警告 and a committee member with 严重警告, in effect.
        secretaries = current_seats.filter(position=Position.SECRETARY).values("holder")
        members_ = current_seats.exclude(position=Position.SECRETARY).values("holder")
        assert in_effect(Sanction.objects.filter(kind=SanctionKind.WARNING, member__in=secretaries), today).exists()
        assert in_effect(
            Sanction.objects.filter(kind=SanctionKind.SERIOUS_WARNING, member__in=members_), today
        ).exists()

        # History rows exist for the bulk-inserted tables.
        # every member has its creation in the history (development and dues add more rows)
        assert set(Member.history.filter(history_type="+").values_list("id", flat=True)) == {m.pk for m in members}
        assert Organization.history.count() == Organization.objects.count()
        for model in (PartyGroup, CommitteeTerm, CommitteeSeat, MemberTransfer, Sanction, RoleAssignment, User):
            assert model.history.count() >= model.objects.count() > 0, model.__name__

        # Stage 1: this year's milestones, the demo reviewer's 实施方案 returned, one accepted, one waiting.
        from assessment.models import StageMilestone
        from review.stage_plan_models import StagePlan

        assert StageMilestone.objects.count() == 4
        plans = dict(StagePlan.objects.values_list("committee__name", "status"))
        assert plans["湖塘镇党委"] == "returned"
        assert sorted(plans.values()) == ["accepted", "returned", "submitted"]

    def test_if_empty_does_nothing_the_second_time(self, small_demo):
        seed(seed=1, if_empty=True)
        counts = (Organization.objects.count(), Member.objects.count(), Member.history.count(), User.objects.count())
        assert counts[1] > 0
        output = seed(seed=2, if_empty=True)
        assert "跳过" in output
        assert (
            Organization.objects.count(),
            Member.objects.count(),
            Member.history.count(),
            User.objects.count(),
        ) == counts

    def test_refuses_to_seed_over_existing_data_without_flush(self, small_demo):
        with pytest.raises(CommandError):
            seed(seed=1)

    def test_flush_replaces_the_demo_data(self, small_demo):
        # Flushed and replaced by a small district run (cheap): nothing of the demo is left
        # in any table that hangs off an organization, users stay, roles are replaced.
        before = {m: m.objects.order_by("-pk").values_list("pk", flat=True).first() for m in _org_models()}
        assert sum(1 for last in before.values() if last) > 40
        users = User.objects.count()
        tokens = versions.tokens(versions.ORGS, versions.ASSESSMENTS)
        mini(3, flush=True)
        assert versions.tokens(versions.ORGS, versions.ASSESSMENTS) != tokens  # cached dashboards miss
        for model, last in before.items():
            if last is not None:
                assert not model.objects.filter(pk__lte=last).exists(), model.__name__
        assert Organization.objects.filter(depth=1).count() == 1
        assert Organization.objects.filter(kind=OrgKind.BRANCH).count() == 30
        assert User.objects.count() == users
        assert RoleAssignment.objects.filter(user__username="secretary").count() == 1  # replaced, not doubled
        assert_tree_valid()

    def test_small_demo_records_flags_photos_and_calendars(self, small_demo):
        output = small_demo
        today = timezone.localdate()
        assert "组织生活记录" in output

        types = set(Activity.objects.values_list("type", flat=True))
        assert {t for t, _, _ in REQUIREMENTS} | {ActivityType.SERVICE} <= types
        assert not Activity.objects.filter(held_on__gt=today).exists()
        assert not Activity.objects.filter(held_on__lt=datetime.date(today.year - 1, 12, 1)).exists()

        # At least one of each kind of flag, all made on purpose: nothing flagged by accident.
        kinds = dict(IntegrityFlag.objects.values_list("kind").annotate(n=Count("id")))
        assert set(kinds) == set(FlagKind.values), kinds
        assert sum(kinds.values()) < 30

        # Entry times are shortly after the activity, except the deliberate late entries;
        # the history rows carry the entry time and the demo district user.
        late = Activity.objects.filter(created_at__gt=F("held_on") + datetime.timedelta(days=31))
        assert 3 <= late.count() <= 6
        assert set(late.values_list("pk", flat=True)) == set(
            IntegrityFlag.objects.filter(kind=FlagKind.LATE_ENTRY).values_list("activity_id", flat=True)
        )
        first = Activity.objects.order_by("id").first()
        created = Activity.history.filter(id=first.pk, history_type="+").get()
        assert created.history_date == first.created_at and created.history_user.username == "district"

        # Real photos behind the photo rows, stored by the upload path (three variants).
        photos = list(Photo.objects.all())
        assert len(photos) > Activity.objects.count()
        for p in photos[:: max(1, len(photos) // 60)]:
            for f in (p.original, p.display, p.thumb):
                assert private_storage.exists(f.name), f.name
            assert (p.width, p.height) == (400, 300)
        assert Activity.objects.filter(photo_count=0).exists()
        assert Activity.objects.filter(quorum_met=False).exists()

        # Stored counts agree with the attendance rows; leave always has a reason.
        for a in Activity.objects.annotate(
            n=Count("attendance"), p=Count("attendance", filter=Q(attendance__status=AttendanceStatus.PRESENT))
        ).order_by("id")[::29]:
            assert (a.expected_count, a.present_count) == (a.n, a.p)
        assert Attendance.objects.filter(status=AttendanceStatus.LEAVE).exists()
        assert not Attendance.objects.filter(status=AttendanceStatus.LEAVE, leave_reason="").exists()

        # The demo secretary's branch: green but for one missed month, and one flagged record.
        branch = Organization.objects.get(name=DEMO_BRANCH, kind=OrgKind.BRANCH)
        states = [c.state for row in branch_calendar(branch, today.year) for c in row.cells]
        assert states.count("missing") == 1 and states.count("partial") == 0
        assert states.count("ok") >= 30
        assert IntegrityFlag.objects.filter(activity__branch=branch).values("activity").distinct().count() == 1

        # Elsewhere some branches missed months and some records lack photos or quorum.
        seen = set()
        for b in Organization.objects.filter(kind=OrgKind.BRANCH).exclude(pk=branch.pk):
            seen.update(c.state for row in branch_calendar(b, today.year) for c in row.cells)
        assert {"ok", "missing", "partial"} <= seen


def _org_models():
    from branches.demo.flush import models_depending_on_orgs

    return [m for m in models_depending_on_orgs() if m._meta.managed and not m._meta.proxy]


def test_size_options_need_district_scale():
    with pytest.raises(CommandError):
        seed(branches=10)


def test_district_generator_small_run_is_deterministic_and_valid():
    mini(7)
    names = list(Member.objects.order_by("id").values_list("name", "id_number", "birth_date"))
    org_names = list(Organization.objects.order_by("path").values_list("path", "name"))

    assert Organization.objects.filter(kind=OrgKind.BRANCH).count() == 30
    assert len(names) == 150
    assert_tree_valid()
    assert set(Organization.objects.filter(kind=OrgKind.COMMITTEE).values_list("committee_kind", flat=True)) == set(
        CommitteeKind.values
    )
    sizes = Member.objects.values("branch").annotate(n=Count("id")).values_list("n", flat=True)
    assert min(sizes) >= 3 and max(sizes) <= 120
    assert Member.history.count() == 150
    assert Organization.history.count() == Organization.objects.count()
    assert CommitteeSeat.history.count() == CommitteeSeat.objects.count() > 0
    assert all(validate_id_number(n) for _, n, _ in names)
    today = timezone.localdate()
    assert current_terms().filter(due_on__lt=today, postponed_until__isnull=True).exists()
    assert CommitteeSeat.objects.filter(
        term__ended_on__isnull=True, position=Position.SECRETARY, holder__isnull=True
    ).exists()
    reviewer_org = RoleAssignment.objects.get(user__username="reviewer").organization
    assert reviewer_org.name == "湖塘镇党委"
    secretary_branch = RoleAssignment.objects.get(user__username="secretary").organization
    assert secretary_branch.path.startswith(reviewer_org.path)
    biggest = Member.objects.values("branch").annotate(n=Count("id")).order_by("-n").first()["n"]
    assert secretary_branch.members.count() == biggest

    mini(7, flush=True)
    assert list(Member.objects.order_by("id").values_list("name", "id_number", "birth_date")) == names
    assert list(Organization.objects.order_by("path").values_list("path", "name")) == org_names

    mini(8, flush=True)
    assert list(Member.objects.order_by("id").values_list("name", "id_number", "birth_date")) != names


@pytest.mark.django_db(transaction=True)
def test_foreign_keys_checked_at_end_catches_a_row_pointing_nowhere(member):
    """District scale skips PostgreSQL's per-row foreign-key checks while loading, then checks every
    foreign key once: a row pointing nowhere fails the seed (nothing is committed)."""
    from django.db import connection, transaction

    from branches.demo.copy import foreign_keys_checked_at_end, verify_foreign_keys

    verify_foreign_keys([Member])  # the fixtures' rows are fine
    if connection.vendor != "postgresql":
        pytest.skip("per-row checks are skipped only on PostgreSQL")
    with pytest.raises(RuntimeError, match="branch_id"), transaction.atomic():
        with foreign_keys_checked_at_end([Member]):
            Member.objects.filter(pk=member.pk).update(branch_id=10**9)
    member.refresh_from_db()
    assert member.branch_id != 10**9
