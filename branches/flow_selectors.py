"""Reads for 流动党员 pages and the 区管党员领导干部 / 民主生活会 page, each in a fixed number of queries."""

from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.http import Http404

from branches.flow_models import FlowDirection, LifeMeeting, MemberFlow
from branches.models import Member, OrgKind, OrgStatus, Standing
from branches.permissions import Action, can
from branches.selectors import members_visible_to, orgs_visible_to


def district_cadres(user, year, *, missing_only=False):
    """The 区管党员领导干部 the user may oversee (district staff, committees: APPROVE), each with
    ``year_meetings`` (the 民主生活会 of ``year`` they took part in) and ``met``: two queries."""
    took_part = LifeMeeting.participants.through.objects.filter(
        member_id=OuterRef("pk"), lifemeeting__held_on__year=year
    )
    qs = (
        members_visible_to(user, Action.APPROVE)
        .filter(is_district_cadre=True, standing=Standing.ACTIVE)
        .select_related("branch")
        .annotate(met=Exists(took_part))
        .prefetch_related(
            Prefetch(
                "life_meetings",
                queryset=LifeMeeting.objects.filter(held_on__year=year).select_related("organization"),
                to_attr="year_meetings",
            )
        )
        .order_by("met", "name_pinyin", "id")
    )
    if missing_only:
        qs = qs.filter(met=False)
    return qs


def life_meetings_of_year(user, year):
    return (
        LifeMeeting.objects.filter(organization__in=orgs_visible_to(user), held_on__year=year)
        .select_related("organization")
        .annotate(n=Count("participants"))
        .order_by("-held_on", "-id")
    )


def life_meeting_orgs(user):
    """Where the user may record a 民主生活会: active units' organizations in their APPROVE scope."""
    return (
        orgs_visible_to(user, Action.APPROVE)
        .filter(status=OrgStatus.ACTIVE)
        .exclude(kind=OrgKind.DISTRICT)
        .order_by("path")
        .only("id", "name")
    )


def get_life_meeting_for_user(user, pk):
    m = LifeMeeting.objects.select_related("organization", "actor").filter(pk=pk).first()
    if m is None or not can(user, Action.VIEW, m.organization):
        raise Http404("未找到该民主生活会")
    return m


def member_life_meetings(member):
    return member.life_meetings.select_related("organization").order_by("-held_on")


def cadre_choices(user):
    return (
        Member.objects.filter(is_district_cadre=True, standing=Standing.ACTIVE)
        .filter(pk__in=members_visible_to(user, Action.APPROVE).values("pk"))
        .select_related("branch")
        .order_by("branch__path", "name_pinyin")
    )


def flowing_in(branch, day):
    """流入地主管: members of other branches of the district whose flow into ``branch`` was open on
    ``day``. The branch records their attendance at its meetings (``expected_attendees``), though
    they count for the quorum and the totals of their own branch."""
    flows = MemberFlow.objects.filter(member=OuterRef("pk"), in_branch=branch, started_on__lte=day).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gt=day)
    )
    return (
        Member.objects.filter(Exists(flows), joined_on__lte=day)
        .filter(Q(standing=Standing.ACTIVE) | Q(left_on__gt=day))
        .exclude(branch=branch)
    )


def flow_labels(branch, member_ids, day) -> dict[int, tuple[str, str]]:
    """{member id: (label, where)} for the attendance grid of a ``branch`` meeting on ``day``,
    so the secretary sees why someone is listed: 流入 (from another branch of the district; not
    in this branch's quorum), 区外流入 (relation outside the district), 流出（在外） (this
    branch's member working away). One query."""
    flows = (
        MemberFlow.objects.filter(member_id__in=list(member_ids), started_on__lte=day)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=day))
        .select_related("member__branch", "in_branch")
    )
    out = {}
    for f in flows:
        if f.direction == FlowDirection.IN:
            out[f.member_id] = ("区外流入", f"组织关系在{f.counterpart}" if f.counterpart else "组织关系在区外")
        elif f.member.branch_id == branch.pk:
            out[f.member_id] = ("流出（在外）", f"流入{f.in_side}" if f.in_side else "")
        elif f.in_branch_id == branch.pk:
            out[f.member_id] = ("流入", f"组织关系在{f.member.branch.name}，在原支部计入法定人数")
    return out
