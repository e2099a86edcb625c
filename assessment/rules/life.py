"""Item 19 落实组织生活会制度 (8 points): "每半年召开一次党支部或党小组组织生活会，会议内容、
流程符合要求" and, in the seed (§二(三)2), the minutes "报送上级党组织备案".

Read from what happened (issue #17): before, a branch with every 对照检查 cleared and 备案
unticked still got 8/8 — holding the meeting was all the rule read, and 备案 was a checkbox
the branch ticked. Now each half-year's best meeting is scored in three parts: held and
counting (4), content and process (2: the 书记's 班子 and personal 对照检查 for a branch-level
meeting, a 发言 of every member present, and — where a 党委 / 党总支 sits above — its 班子会
held before the meeting), and filed with and accepted (已备案) by the upper committee (2).
The reason names what each half-year's meeting lacks.
"""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce, Length, Trim

from assessment.rules.base import Suggestion, link, periods_in_window, rule
from assessment.rules.helpers import final_score, points_text
from branches.models import Organization
from ledgers.activities.selectors import period_index
from ledgers.life.selectors import TEAM_MEETING_LEAD_DAYS, UPPER_KINDS, package_gaps, team_meeting_before
from ledgers.models import (
    Activity,
    ActivityType,
    AttendanceStatus,
    FilingStatus,
    LifeSpeech,
    MinutesFiling,
    TeamMeeting,
)

HELD, CONTENT, FILED = Decimal(4), Decimal(2), Decimal(2)
NOMINAL = HELD + CONTENT + FILED
HALF = ("上半年", "下半年")


def _meetings(ctx):
    """Every counting 组织生活会 of the window with what its package holds and its last
    filing's status: one query."""
    last = MinutesFiling.objects.filter(activity=OuterRef("pk")).order_by("-filed_at", "-id")
    # 发言 of members present at the meeting only: one whose attendance was later changed to
    # 缺席 / 请假 no longer counts (the filing page and the service read the same).
    present_speeches = (
        LifeSpeech.objects.filter(
            activity=OuterRef("pk"),
            member__attendance__activity=OuterRef("pk"),
            member__attendance__status=AttendanceStatus.PRESENT,
        )
        .order_by()
        .values("activity")
        .annotate(n=Count("id"))
        .values("n")
    )
    return list(
        Activity.objects.counting()
        .filter(branch_id__in=ctx.branch_ids, type=ActivityType.LIFE, held_on__gte=ctx.start, held_on__lte=ctx.end)
        .annotate(
            n_speeches=Coalesce(Subquery(present_speeches, output_field=IntegerField()), 0),
            team_len=Length(Trim("team_check"), output_field=IntegerField()),
            personal_len=Length(Trim("personal_check"), output_field=IntegerField()),
            filing_status=Subquery(last.values("status")[:1]),
            filing_reason=Subquery(last.values("reason")[:1]),
        )
        .order_by("held_on", "id")
        .values_list(
            "branch_id",
            "id",
            "held_on",
            "life_level",
            "present_count",
            "n_speeches",
            "team_len",
            "personal_len",
            "filing_status",
            "filing_reason",
        )  # fmt: skip
    )


def _team_meetings(ctx):
    """{branch: [dates of its upper 党委/党总支's 班子会]} and the branches that have such an
    upper organization: three queries."""
    paths = dict(Organization.objects.filter(pk__in=ctx.branch_ids).values_list("pk", "path"))
    parent_path = {bid: p[: -Organization.steplen] for bid, p in paths.items()}
    uppers = dict(
        Organization.objects.filter(path__in=set(parent_path.values()), kind__in=UPPER_KINDS).values_list("path", "pk")
    )
    earliest = ctx.start - datetime.timedelta(days=TEAM_MEETING_LEAD_DAYS)
    dates = defaultdict(list)
    for org_id, held_on in TeamMeeting.objects.filter(
        organization_id__in=set(uppers.values()), held_on__gte=earliest, held_on__lte=ctx.end
    ).values_list("organization_id", "held_on"):
        dates[org_id].append(held_on)
    out = {}
    for bid, pp in parent_path.items():
        if pp in uppers:
            out[bid] = dates.get(uppers[pp], [])
    return out


def _judge(row, upper_dates):
    """(points out of 8, what is missing) for one counting meeting."""
    _, _, held_on, level, present, n_speeches, team_len, personal_len, status, reason = row
    missing = package_gaps(level=level, team_check="x" * (team_len or 0), personal_check="x" * (personal_len or 0),
                           speech_count=n_speeches, present_count=present)  # fmt: skip
    parts = 3 if level != "group" else 1
    if upper_dates is not None:
        parts += 1
        if team_meeting_before(upper_dates, held_on) is None:
            missing.append("上级党委（党总支）会前班子会议")
    content = CONTENT * Decimal(parts - len(missing)) / Decimal(parts)
    filed = status == FilingStatus.ACCEPTED
    if not filed:
        missing.append(
            "上级党组织备案（会议记录已报送，尚未备案）" if status == FilingStatus.FILED
            else f"上级党组织备案（会议记录被退回：{reason}）" if status == FilingStatus.RETURNED
            else "上级党组织备案（备案后记录已修改，待重新报送）" if status == FilingStatus.REOPENED
            else "会议记录报送上级党组织备案"
        )  # fmt: skip
    return HELD + content + (FILED if filed else 0), missing


@rule(
    "freq_life",
    "组织生活会：考核期内每个半年有一次到会人数符合要求、附照片、有主题且会议记录达到规定字数的党支部或党小组组织生活会，"
    "取每个半年最好的一次，按三部分计分（满分8分）：召开并计入得4分；会议内容、流程得2分——党支部层级的须有书记代表班子"
    "和书记个人的对照检查，每名出席党员都有发言记录，上级为党委或党总支的还须其在本次会议前半年内召开过班子会议（记录在"
    "“班子会议”页面），缺几项按比例扣；会议记录由支部报送、经上级党组织备案（而非支部自行勾选）得2分，已报送未备案或被"
    "退回的不得分。建议分 = 8 × 各半年得分之和 ÷ (8 × 应召开半年数)，向下取 0.5 分；理由中逐个半年列出缺少的内容。",
)
def freq_life(ctx, item):
    rows = ctx.once("rec:life_meetings", lambda: _meetings(ctx))
    uppers = ctx.once("rec:life_team_meetings", lambda: _team_meetings(ctx))
    periods = periods_in_window("half", ctx.start, ctx.judged_end)
    by_half = defaultdict(list)
    for row in rows:
        by_half[(row[0], row[2].year, period_index("half", row[2].month))].append(row)
    out = {}
    for bid in ctx.branch_ids:
        if not periods:
            out[bid] = Suggestion(None, "考核期内没有完整的半年，本项需人工评分。", [])
            continue
        evidence = [link("完成情况日历", "branch_calendar", bid, query=f"year={ctx.year}")]
        total, notes = Decimal(0), []
        for year, idx in periods:
            label = f"{year}年{HALF[idx]}"
            candidates = [(_judge(r, uppers.get(bid)), r) for r in by_half.get((bid, year, idx), [])]
            if not candidates:
                notes.append(f"{label}未召开计入的组织生活会")
                continue
            (got, missing), r = max(candidates, key=lambda c: c[0][0])
            total += got
            day = f"{r[2].month}月{r[2].day}日"
            notes.append(
                f"{label}（{day}）得{points_text(got)}分" + (f"，缺{'、'.join(missing)}" if missing else "，齐全")
            )
            evidence.append(link(f"{r[2]:%Y-%m-%d} 组织生活会报送备案", "minutes_filing", r[1]))
        score = final_score(item, NOMINAL, total / len(periods))
        out[bid] = Suggestion(
            score,
            f"考核期内应召开{len(periods)}次组织生活会（每半年1次）：{'；'.join(notes)}；"
            f"按 8 × 各半年得分之和 ÷ (8×{len(periods)}) 向下取 0.5 分得{points_text(score)}分。",
            evidence,
        )
    return out
