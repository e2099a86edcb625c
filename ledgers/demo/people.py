"""Demo staff users, pictures and the in-memory world (branches, members, groups) the support writers share."""

import datetime
import io
import random
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Case, DateTimeField, Value, When
from django.utils import timezone
from PIL import Image, ImageDraw

from branches.demo import DEMO_BRANCH, FEMALE_GIVEN, MALE_GIVEN, REVIEWER_COMMITTEE
from branches.models import (
    CommitteeSeat,
    Member,
    Organization,
    OrgKind,
    OrgStatus,
    PartyGroup,
    Position,
    Role,
    RoleAssignment,
    Standing,
    User,
)
from ledgers.demo.common import SURNAME_PICK, D, days

# ---------------------------------------------------------------- staff users


@dataclass
class Staff:
    """Who types a branch's records and who decides for its committee."""

    branch: dict = field(default_factory=dict)  # branch id → user (secretary or worker)
    submitter: dict = field(default_factory=dict)  # branch id → user allowed to submit the assessment
    reviewer: dict = field(default_factory=dict)  # committee id → reviewer
    committee_of: dict = field(default_factory=dict)  # branch id → committee Organization


def person_name(rng, female=None):
    """A believable Chinese name."""
    female = rng.random() < 0.4 if female is None else female
    return SURNAME_PICK.pick(rng) + rng.choice(FEMALE_GIVEN if female else MALE_GIVEN)


def _user(username, full_name, password):
    u = User.objects.filter(username=username).first() or User(username=username)
    u.full_name = full_name
    u.password = password
    u.is_active, u.is_staff, u.is_superuser = True, False, False
    u.save()
    return u


def _grant(user, org, role, now):
    RoleAssignment.objects.get_or_create(user=user, organization=org, role=role, defaults={"created_at": now})
    user._scopes_cache = None
    return user


def demo_staff(*, rng=None) -> Staff:
    """The staff users of the demo: found or made, idempotent (a second call changes nothing).

    The demo secretary's branch uses the demo users ``secretary`` (submits) and ``worker``
    (types); the 湖塘镇党委 uses ``reviewer``. Every other active branch gets a staff user
    ``<code>-sec`` (its secretary, or a 党务工作者 while the post is vacant) and every other
    committee a reviewer ``<code>-rev``; they cannot log in (unusable password).
    """
    rng = rng or random.Random(0)
    now = timezone.now()
    unusable = make_password(None)
    staff = Staff()
    committees = {o.path: o for o in Organization.objects.filter(kind=OrgKind.COMMITTEE).order_by("path")}
    demo_users = {u.username: u for u in User.objects.filter(username__in=["secretary", "worker", "reviewer"])}
    for c in committees.values():
        if c.name == REVIEWER_COMMITTEE and "reviewer" in demo_users:
            staff.reviewer[c.pk] = _grant(demo_users["reviewer"], c, Role.REVIEWER, now)
            continue
        name = person_name(random.Random(f"rev:{c.code or c.pk}"))
        u = _user(f"{c.code or c.pk}-rev", name, unusable)
        staff.reviewer[c.pk] = _grant(u, c, Role.REVIEWER, now)
    secretaries = {
        s.term.branch_id: s.holder
        for s in CommitteeSeat.objects.filter(term__ended_on__isnull=True, position=Position.SECRETARY)
        .select_related("term", "holder")
        .order_by("id")
    }
    for b in Organization.objects.filter(kind=OrgKind.BRANCH, status=OrgStatus.ACTIVE).order_by("path"):
        staff.committee_of[b.pk] = committees.get(b.path[: Organization.steplen * 2])
        if b.name == DEMO_BRANCH and "secretary" in demo_users:
            sec = demo_users["secretary"]
            staff.submitter[b.pk] = sec
            staff.branch[b.pk] = demo_users.get("worker") or sec
            continue
        holder = secretaries.get(b.pk)
        if holder is not None:
            name, role = holder.name, Role.SECRETARY
        else:
            first = b.members.filter(standing=Standing.ACTIVE).order_by("id").first()
            name, role = (first.name if first else person_name(random.Random(f"sec:{b.pk}"))), Role.WORKER
        u = _grant(_user(f"{b.code or b.pk}-sec", name, unusable), b, role, now)
        staff.branch[b.pk] = staff.submitter[b.pk] = u
    return staff


# ---------------------------------------------------------------- pictures


def picture(seed: int, *, size=(400, 300), kind="photo", taken: datetime.datetime | None = None) -> bytes:
    """A small JPEG: a scene of coloured shapes (``photo``), or a receipt (``receipt``: white
    paper, a coloured header, ruled lines, a red stamp). Different for every seed."""
    r = random.Random(seed)
    w, h = size
    if kind == "receipt":
        img = Image.new("RGB", size, (250, 249, 244))
        d = ImageDraw.Draw(img)
        head = r.choice([(190, 40, 40), (40, 90, 170), (60, 130, 80)])
        d.rectangle((12, 10, w - 12, 10 + h // 9), fill=head)
        y = 20 + h // 9
        while y < h - 40:
            d.line((16, y, w - 16, y), fill=(200, 200, 200), width=1)
            for _ in range(r.randint(1, 4)):
                x0 = r.randint(20, w // 2)
                d.rectangle((x0, y + 4, x0 + r.randint(20, w // 3), y + 10), fill=(90, 90, 90))
            y += r.randint(18, 30)
        cx, cy, rad = r.randint(w // 2, w - 50), r.randint(h // 2, h - 50), r.randint(26, 38)
        d.ellipse((cx - rad, cy - rad, cx + rad, cy + rad), outline=(210, 30, 30), width=4)
        d.regular_polygon((cx, cy, rad // 3), 5, fill=(210, 30, 30))
    else:
        c1 = [r.randrange(256) for _ in range(3)]
        c2 = [r.randrange(256) for _ in range(3)]
        ramp = Image.linear_gradient("L").resize(size).rotate(r.choice([0, 90, 180, 270]))
        img = Image.merge(
            "RGB", [ramp.point(lambda v, a=a, b=b: a + (b - a) * v // 255) for a, b in zip(c1, c2, strict=True)]
        )
        d = ImageDraw.Draw(img)
        for _ in range(r.randint(6, 12)):
            x0, y0 = r.randrange(w), r.randrange(h)
            x1, y1 = x0 + r.randint(w // 16, w // 2), y0 + r.randint(h // 16, h // 2)
            colour = tuple(r.randrange(256) for _ in range(3))
            (d.rectangle if r.random() < 0.5 else d.ellipse)((x0, y0, x1, y1), fill=colour)
    buf = io.BytesIO()
    exif = Image.Exif()
    if taken is not None:
        exif[306] = f"{taken:%Y:%m:%d %H:%M:%S}"
    img.save(buf, "JPEG", quality=80, exif=exif)
    return buf.getvalue()


def upload_of(rng, name, *, kind="photo", day=None, size=(400, 300)):
    taken = None
    if day is not None:
        taken = datetime.datetime.combine(day, datetime.time(rng.randint(8, 17), rng.randint(0, 59)))
    return SimpleUploadedFile(name, picture(rng.getrandbits(64), size=size, kind=kind, taken=taken), "image/jpeg")


def demo_pdf(rng, name):
    """A one-page PDF (a scanned page), as a branch uploads minutes or approval forms."""
    img = Image.open(io.BytesIO(picture(rng.getrandbits(64), size=(210, 297), kind="receipt"))).convert("RGB")
    buf = io.BytesIO()
    img.save(buf, "PDF", resolution=50)
    return SimpleUploadedFile(name, buf.getvalue(), "application/pdf")


# ---------------------------------------------------------------- the world


@dataclass(eq=False)
class DemoBranch:
    org: Organization
    user: User
    committee: Organization | None
    reviewer: User | None
    members: list
    groups: list
    demo: bool
    profile: str


PROFILE = {
    "village": "village", "coop": "village", "community": "community", "organ": "organ", "institution": "institution",
    "soe": "enterprise", "private": "enterprise", "chain": "enterprise", "regional": "enterprise",
    "social": "social", "association": "social", "other": "retired",
}  # fmt: skip


class World:
    def __init__(self, *, actor, rng, today, staff: Staff):
        self.actor, self.rng, self.today = actor, rng, today
        self.this, self.last = today.year, today.year - 1
        self.staff = staff
        self.counts = defaultdict(int)
        self.branches: list[DemoBranch] = []
        groups = defaultdict(list)
        for g in PartyGroup.objects.order_by("name", "id"):
            groups[g.branch_id].append(g)
        for org in Organization.objects.filter(kind=OrgKind.BRANCH, status=OrgStatus.ACTIVE).order_by("path"):
            members = list(Member.objects.filter(branch=org, standing=Standing.ACTIVE).order_by("id"))
            if not members or org.pk not in staff.branch:
                continue
            committee = staff.committee_of.get(org.pk)
            self.branches.append(
                DemoBranch(org, staff.branch[org.pk], committee,
                   staff.reviewer.get(committee.pk) if committee else None,
                   members, groups[org.pk], org.name == DEMO_BRANCH, PROFILE.get(org.branch_type, "village"))
            )  # fmt: skip
        self.demo = next((b for b in self.branches if b.demo), None)
        # The branch without a special fund (a one-vote veto) and the one with an "other" expense.
        others = [b for b in self.branches if not b.demo]
        small = sorted(others, key=lambda b: (len(b.members), b.org.path))
        enterprise = [b for b in small if b.profile == "enterprise"]
        self.no_fund = (enterprise or small)[0] if small else None
        rest = [b for b in others if b is not self.no_fund and b.profile in ("enterprise", "social", "community")]
        self.other_expense = rng.choice(rest) if rest else None

    def day(self, lo: D, hi: D) -> D:
        hi = min(hi, self.today)
        if hi <= lo:
            return min(lo, self.today)
        return lo + days(self.rng.randint(0, (hi - lo).days))

    def year_days(self, year, lo_month=1, hi_month=12):
        return D(year, lo_month, 1), min(D(year, hi_month, 28), self.today)


def backdate(model, pks, field_name, when_by_pk):
    """Move a "now" timestamp back to when the thing happened (rows and their history rows)."""
    objs = [model(pk=pk, **{field_name: when_by_pk[pk]}) for pk in pks]
    model.objects.bulk_update(objs, [field_name], batch_size=500)
    hist = getattr(model, "history", None)
    if hist is not None:  # every history row of an object gets its time: one UPDATE per 500 objects
        for i in range(0, len(pks), 500):
            chunk = pks[i : i + 500]
            moved = Case(*[When(id=pk, then=Value(when_by_pk[pk])) for pk in chunk], output_field=DateTimeField())
            hist.model.objects.filter(id__in=chunk).update(history_date=moved)


def aware(day: D, hour=None, rng=None) -> datetime.datetime:
    hour = hour if hour is not None else (rng.randint(9, 17) if rng else 10)
    minute = rng.randint(0, 59) if rng else 0
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


