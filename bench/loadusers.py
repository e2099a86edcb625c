"""The load test's people and what each asks for: 75 branch secretaries (the 75 biggest
branches, each its own), 15 committee reviewers (the 15 biggest committees), 10 district staff.
Their accounts (``load_*``) are made in the bench database once and kept; they share one
password hash (hashing is the slow part of making a login, not of the load)."""

import random
from dataclasses import dataclass, field

PASSWORD = "load-test-12345"
SECRETARIES, REVIEWERS, DISTRICT = 75, 15, 10


@dataclass
class LoadUser:
    username: str
    role: str  # secretary | reviewer | district
    # (weight, label, url) the user picks from, weighted; labels group the results
    mix: list = field(default_factory=list)

    def pick(self, rng: random.Random):
        total = sum(w for w, _, _ in self.mix)
        x = rng.uniform(0, total)
        for w, label, url in self.mix:
            x -= w
            if x <= 0:
                return label, url
        return self.mix[-1][1:]


def _account(username, org, role, encoded):
    from branches.models import RoleAssignment, User

    user, _ = User.objects.update_or_create(
        username=username,
        defaults={"full_name": username, "password": encoded, "must_change_password": False, "is_active": True},
    )
    RoleAssignment.objects.filter(user=user).exclude(organization=org, role=role).delete()
    RoleAssignment.objects.get_or_create(user=user, organization=org, role=role)
    return user


def build_users() -> list[LoadUser]:
    """Make (or refresh) the 100 accounts and each one's mix of pages."""
    from axes.models import AccessAttempt
    from django.contrib.auth.hashers import PBKDF2PasswordHasher
    from django.db.models import Count
    from django.db.models.functions import Substr
    from django.urls import reverse

    from branches.models import Member, Organization, OrgKind, Role, Standing
    from ledgers.models import Activity

    # The server's hasher, named here: this process runs with the tests' fast one. A fixed salt
    # gives the same hash every run, so the sessions kept from the last run stay valid (Django
    # ends a user's sessions when the password hash changes).
    encoded = PBKDF2PasswordHasher().encode(PASSWORD, "loadtestsalt")
    AccessAttempt.objects.filter(username__startswith="load_").delete()  # an earlier failed run's lockouts
    root = Organization.objects.get(kind=OrgKind.DISTRICT, depth=1)
    prefix_len = Organization.steplen * 2
    big_branches = list(
        Member.objects.filter(standing=Standing.ACTIVE).values_list("branch", flat=True).annotate(n=Count("id"))
        .order_by("-n", "branch")[:SECRETARIES]
    )  # fmt: skip
    committees = [
        r["prefix"]
        for r in Organization.objects.filter(kind=OrgKind.BRANCH).annotate(prefix=Substr("path", 1, prefix_len))
        .values("prefix").annotate(n=Count("id")).order_by("-n", "prefix")[:REVIEWERS]
    ]  # fmt: skip
    committees = list(Organization.objects.filter(path__in=committees).order_by("path"))
    users = []
    for i, branch_id in enumerate(big_branches, 1):
        branch = Organization.objects.get(pk=branch_id)
        _account(f"load_sec_{i:03d}", branch, Role.SECRETARY, encoded)
        record = Activity.objects.filter(branch_id=branch_id).order_by("-held_on", "-id").first()
        mix = [
            (50, "支部首页", reverse("branch_detail", args=[branch_id])),
            (15, "组织生活记录列表", reverse("activity_list", args=[branch_id])),
            (15, "完成情况日历", reverse("branch_calendar", args=[branch_id])),
            (10, "党员列表·本支部", reverse("member_list") + f"?branch={branch_id}"),
        ]
        if record:
            mix.append((10, "组织生活记录", reverse("activity_detail", args=[record.pk])))
        users.append(LoadUser(f"load_sec_{i:03d}", "secretary", mix))
    for i, committee in enumerate(committees, 1):
        _account(f"load_rev_{i:03d}", committee, Role.REVIEWER, encoded)
        branch = (
            Organization.objects.filter(kind=OrgKind.BRANCH, path__startswith=committee.path).order_by("path").first()
        )
        users.append(LoadUser(f"load_rev_{i:03d}", "reviewer", [
            (40, "党(工)委考核看板", reverse("committee_dashboard", args=[committee.pk])),
            (30, "支部首页（审核员）", reverse("branch_detail", args=[branch.pk])),
            (20, "组织树·党(工)委", reverse("org_tree", args=[committee.pk])),
            (10, "组织生活记录列表（审核员）", reverse("activity_list", args=[branch.pk])),
        ]))  # fmt: skip
    for i in range(1, DISTRICT + 1):
        _account(f"load_dist_{i:03d}", root, Role.DISTRICT, encoded)
        committee = committees[(i - 1) % len(committees)]
        users.append(LoadUser(f"load_dist_{i:03d}", "district", [
            (40, "区考核看板", reverse("district_dashboard")),
            (20, "组织树·全区", reverse("org_tree", args=[root.pk])),
            (20, "党员列表·全区", reverse("member_list")),
            (10, "党(工)委考核看板（区）", reverse("committee_dashboard", args=[committee.pk])),
            (10, "30天未记录的支部", reverse("silent_list")),
        ]))  # fmt: skip
    return users
