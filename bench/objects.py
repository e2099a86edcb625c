"""The objects the pages are timed on (the biggest committee and branch, a busy branch, a
record) and the users who request them."""


def user_with_role(org, role, fallback_username):
    from branches.models import RoleAssignment, User

    ra = RoleAssignment.objects.filter(organization=org, role=role).select_related("user").order_by("id").first()
    if ra:
        return ra.user
    user, _ = User.objects.get_or_create(username=fallback_username, defaults={"full_name": fallback_username})
    RoleAssignment.objects.get_or_create(user=user, organization=org, role=role)
    return user


def bench_context():
    from django.db.models import Count
    from django.db.models.functions import Substr
    from django.utils import timezone

    from branches.models import CommitteeSeat, Member, Organization, OrgKind, Position, Role, Standing
    from ledgers.models import Activity, ActivityType

    root = Organization.objects.get(kind=OrgKind.DISTRICT, depth=1)
    prefix_len = Organization.steplen * 2
    biggest = (
        Organization.objects.filter(kind=OrgKind.BRANCH)
        .annotate(prefix=Substr("path", 1, prefix_len))
        .values("prefix")
        .annotate(n=Count("id"))
        .order_by("-n", "prefix")
        .first()
    )
    big_committee = Organization.objects.get(path=biggest["prefix"])
    top = (
        Member.objects.filter(standing=Standing.ACTIVE)
        .values("branch")
        .annotate(n=Count("id"))
        .order_by("-n", "branch")
        .first()
    )
    big_branch = Organization.objects.get(pk=top["branch"])
    seat = (
        CommitteeSeat.objects.filter(
            term__branch=big_branch, term__ended_on__isnull=True, position=Position.SECRETARY, holder__isnull=False
        )
        .select_related("holder")
        .first()
    )
    member = seat.holder if seat else Member.objects.filter(branch=big_branch).order_by("id").first()
    district = user_with_role(root, Role.DISTRICT, "bench_district")
    users = {
        "district": district,
        "reviewer": user_with_role(big_committee, Role.REVIEWER, "bench_reviewer"),
        "secretary": user_with_role(big_branch, Role.SECRETARY, "bench_secretary"),
    }
    year = timezone.localdate().year
    this_year = Activity.objects.filter(held_on__year=year)
    # The record page: the biggest branch's best attended 党员大会 with photos.
    record = (
        this_year.filter(branch=big_branch, type=ActivityType.CONGRESS, photo_count__gt=0)
        .order_by("-expected_count", "-id")
        .first()
        or this_year.filter(branch=big_branch).order_by("-expected_count", "-id").first()
    )
    busy = this_year.values("branch").annotate(n=Count("id")).order_by("-n", "branch").first()
    from assessment.models import Assessment

    objects = {
        "assessment": Assessment.objects.filter(branch=big_branch).order_by("-period__created_at").first(),
        "root": root,
        "big_committee": big_committee,
        "big_branch": big_branch,
        "member": member,
        "record": record,
        "busy_branch": Organization.objects.get(pk=busy["branch"]) if busy else big_branch,
        "busy_records": busy["n"] if busy else 0,
        "year": year,
    }
    return objects, users, {"big_branch_members": top["n"], "big_committee_branches": biggest["n"]}


def describe(objects, sizes):
    from branches.models import Member, Organization, OrgKind
    from ledgers.models import Activity, Attendance

    print(
        f"支部 {Organization.objects.filter(kind=OrgKind.BRANCH).count():,} 个，"
        f"党员 {Member.objects.count():,} 名；最大党(工)委：{objects['big_committee'].name}"
        f"（{sizes['big_committee_branches']} 个支部），最大支部：{objects['big_branch'].name}"
        f"（{sizes['big_branch_members']} 名党员）"
    )
    print(
        f"组织生活记录 {Activity.objects.count():,} 条，出勤 {Attendance.objects.count():,} 条；"
        f"记录最多的支部：{objects['busy_branch'].name}（本年 {objects['busy_records']} 条）"
    )
