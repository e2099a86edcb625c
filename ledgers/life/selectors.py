"""Reads for 组织生活会 filing: what a package lacks (one rule for the page, the service and
the rubric), the committee's list of packages awaiting 备案, the upper 班子会."""

import datetime

from branches.models import Member, Organization, OrgKind
from branches.permissions import Action
from branches.selectors import branches_visible_to, get_for_user, parents_by_path
from ledgers.models import (
    AttendanceStatus,
    FilingStatus,
    LifeMeetingLevel,
    LifeSpeech,
    MinutesFiling,
    TeamMeeting,
)

# A branch whose parent is one of these holds its 组织生活会 after the parent's 班子会议.
UPPER_KINDS = (OrgKind.COMMITTEE, OrgKind.GENERAL_BRANCH)
# How long before the branch's meeting the upper 班子会 may be held and still count as "before it".
TEAM_MEETING_LEAD_DAYS = 183


def package_gaps(*, level, team_check, personal_check, speech_count, present_count) -> list[str]:
    """What the minutes package of one 组织生活会 lacks, in words (empty: complete). A
    branch-level meeting needs the 书记's 班子 and personal 对照检查; every meeting needs a 发言
    of each member present (班子成员和其他党员也要逐一发言)."""
    out = []
    if level != LifeMeetingLevel.GROUP:
        if not (team_check or "").strip():
            out.append("书记代表班子对照检查")
        if not (personal_check or "").strip():
            out.append("书记个人对照检查")
    if speech_count == 0:
        out.append("党员发言记录")
    elif speech_count < present_count:
        out.append(f"党员逐一发言记录（出席{present_count}人，记录{speech_count}人）")
    return out


def team_meeting_before(meetings, held_on):
    """The latest of ``meetings`` (dates, any order) held on or before ``held_on`` and within
    ``TEAM_MEETING_LEAD_DAYS`` of it, or None."""
    earliest = held_on - datetime.timedelta(days=TEAM_MEETING_LEAD_DAYS)
    days = [d for d in meetings if earliest <= d <= held_on]
    return max(days) if days else None


def upper_of(branch) -> Organization | None:
    """The branch's parent when it is a 党委 / 党总支 (its 班子会 comes first), else None."""
    if branch.depth <= 1:
        return None
    return Organization.objects.filter(path=branch.path[: -Organization.steplen], kind__in=UPPER_KINDS).first()


def present_members(activity):
    return Member.objects.filter(attendance__activity=activity, attendance__status=AttendanceStatus.PRESENT).order_by(
        "name_pinyin", "id"
    )


def speeches_of(activity) -> dict:
    return {s.member_id: s for s in LifeSpeech.objects.filter(activity=activity)}


def filings_of(activity):
    return activity.filings.select_related("filed_by", "decided_by").order_by("-filed_at", "-id")


def awaiting_filing(user):
    """Packages awaiting 备案 from every branch the user may decide for, oldest first: one
    query whatever the number of branches (the page adds one for the parents' names)."""
    return (
        MinutesFiling.objects.filter(
            status=FilingStatus.FILED, activity__branch__in=branches_visible_to(user, Action.APPROVE)
        )
        .select_related("activity__branch", "filed_by")
        .order_by("filed_at", "id")
    )


def with_parent_names(filings):
    rows = list(filings)
    parents = parents_by_path([f.activity.branch for f in rows])
    for f in rows:
        f.parent_name = parents.get(f.activity.branch_id, "")
    return rows


def team_meetings_of(org):
    return TeamMeeting.objects.filter(organization=org).select_related("created_by")


def get_team_meeting_for_user(user, pk, action=Action.VIEW) -> TeamMeeting:
    return get_for_user(TeamMeeting.objects.select_related("organization"), pk, user, action,
                        branch="organization", missing="未找到该会议")  # fmt: skip
