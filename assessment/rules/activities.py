"""Rules of section 活动开展有序: the frequency of the required activities (三会一课,
组织生活会 …) and 联系服务群众制度.
"""

from collections import defaultdict
from decimal import Decimal

from assessment.rules.base import RULES, Rule, Suggestion, link, periods_in_window, rule
from assessment.rules.helpers import D0, final_score, join_names, points_text
from assessment.rules.reads import service_with_photo, year_plans
from assessment.scoring import floor_half, proportional
from branches.models import PartyGroup
from ledgers.activities.selectors import REQUIREMENTS, period_index
from ledgers.models import Activity, ActivityType, LecturerRole, PlanKind, ServiceSystem, minutes_min_chars


def _complete_records(ctx):
    """Every record that counts (``ActivityQuerySet.counting``) of a required type in the window: one query."""
    rows = (
        Activity.objects.counting()
        .filter(
            branch_id__in=ctx.branch_ids,
            held_on__gte=ctx.start,
            held_on__lte=ctx.end,
            type__in=[t for t, _, _ in REQUIREMENTS],
        )
        .order_by("held_on", "id")
        .values_list("branch_id", "type", "party_group_id", "id", "held_on")
    )
    out = defaultdict(list)
    for branch_id, type_, group_id, pk, held_on in rows:
        out[(branch_id, type_)].append((group_id, pk, held_on))
    return out


def _short_records(ctx):
    """Records of a required type in the window that fall short only for a thin topic or
    minutes (the rest of ``counts_q`` met), to be named in the reasons: one query."""
    rows = (
        Activity.objects.short_of_substance()
        .filter(
            branch_id__in=ctx.branch_ids,
            held_on__gte=ctx.start,
            held_on__lte=ctx.judged_end,
            type__in=[t for t, _, _ in REQUIREMENTS],
            quorum_met=True,
            photo_count__gt=0,
            returned=False,
        )
        .order_by("held_on", "id")
        .values_list("branch_id", "type", "id", "held_on")
    )
    out = defaultdict(list)
    for branch_id, type_, pk, held_on in rows:
        out[(branch_id, type_)].append((pk, held_on))
    return out


def _short_text(short, label):
    if not short:
        return ""
    days = "、".join(f"{held_on.month}月{held_on.day}日" for _, held_on in short[:3])
    more = f"等{len(short)}次" if len(short) > 3 else ""
    return (
        f"；{days}{more}的{label}主题或会议记录过短（会议记录少于{minutes_min_chars()}字），未计入"
    )


def _groups(ctx):
    groups = defaultdict(list)
    for branch_id, pk in PartyGroup.objects.filter(branch_id__in=ctx.branch_ids, is_active=True).values_list(
        "branch_id", "pk"
    ):
        groups[branch_id].append(pk)
    return groups


KIND_LABEL = {"month": "个月", "quarter": "个季度", "half": "个半年"}


def _frequency(ctx, item, type_, kind):
    records = ctx.once("complete_records", lambda: _complete_records(ctx))
    shorts = ctx.once("short_records", lambda: _short_records(ctx))
    periods = periods_in_window(kind, ctx.start, ctx.judged_end)
    label = ActivityType(type_).label
    points = item.points
    out = {}
    groups = ctx.once("groups", lambda: _groups(ctx)) if type_ == ActivityType.GROUP else None
    for bid in ctx.branch_ids:
        recs = records.get((bid, type_), [])
        satisfied_periods, used = set(), []
        for group_id, pk, held_on in recs:
            key = (group_id if type_ == ActivityType.GROUP else None, held_on.year, period_index(kind, held_on.month))
            if key[1:] in periods and key not in satisfied_periods:
                satisfied_periods.add(key)
                used.append((pk, held_on))
        short = shorts.get((bid, type_), [])
        evidence = [link("完成情况日历", "branch_calendar", bid, query=f"year={ctx.year}")]
        evidence += [link(f"{held_on:%Y-%m-%d} {label}", "activity_detail", pk) for pk, held_on in used[:24]]
        evidence += [link(f"{d:%Y-%m-%d} {label}（记录过短）", "activity_detail", pk) for pk, d in short[:6]]
        if type_ == ActivityType.GROUP:
            n_groups = len(groups.get(bid, []))
            if not n_groups:
                out[bid] = Suggestion(None, "本支部未划分党小组，本项需人工评分。", evidence)
                continue
            required = len(periods) * n_groups
            done = len({k for k in satisfied_periods if k[0] in groups[bid]})
            unit = f"组·月（{n_groups}个党小组×{len(periods)}个月）"
        else:
            required = len(periods)
            done = len(satisfied_periods)
            unit = KIND_LABEL[kind]
        if not required:
            out[bid] = Suggestion(None, "考核期内没有完整的考核时段，本项需人工评分。", evidence)
            continue
        score = proportional(points, done, required)
        out[bid] = Suggestion(
            score,
            f"考核期内应开展{required}{unit}，其中{done}个时段有到会人数符合要求、附照片且主题和会议记录达到要求的"
            f"{label}记录{_short_text(short, label)}，"
            f"按 {points.normalize()}×{done}/{required} 向下取 0.5 分得 {score.normalize()} 分。",
            evidence,
        )
    return out


for _type, _kind, _label in REQUIREMENTS:
    if _type in (ActivityType.APPRAISAL, ActivityType.THEME_DAY, ActivityType.LECTURE, ActivityType.LIFE):
        continue  # 党课 (below) and 组织生活会 (assessment.rules.life) have their own rules

    def _make(type_=_type, kind=_kind):
        def fn(ctx, item):
            return _frequency(ctx, item, type_, kind)

        return fn

    RULES[f"freq_{_type}"] = Rule(
        f"freq_{_type}",
        f"{_label}：考核期内每个时段（{ {'month': '月', 'quarter': '季度', 'half': '半年'}[_kind] }）"
        f"有一次到会人数符合要求、附照片、有主题且会议记录达到规定字数（平台设置，现为不少于{minutes_min_chars()}字）的记录即为达标，"
        f"主题或会议记录过短的记录在理由中列出、不计入；建议分 = 分值 × 达标时段数 ÷ 应达标时段数，向下取 0.5 分。"
        + ("按全部党小组的“组·月”计算；未划分党小组的需人工评分。" if _type == ActivityType.GROUP else ""),
        _make(),
    )


# ---------------------------------------------------------------- 党课

LECTURE_PLAN_PENALTY = Decimal("0.5")  # 本年度没有党课计划（每年初由党支部制定党课计划）
LECTURE_LEADER_PENALTY = Decimal("0.5")  # 考核期内党组织主要负责同志未讲党课（每年至少1次）


def _lectures(ctx):
    """Every counting 党课 of the window with its lecturer: one query."""
    out = defaultdict(list)
    rows = (
        Activity.objects.counting()
        .filter(branch_id__in=ctx.branch_ids, type=ActivityType.LECTURE, held_on__gte=ctx.start, held_on__lte=ctx.end)
        .order_by("held_on", "id")
        .values_list("branch_id", "id", "held_on", "lecturer", "lecturer_role")
    )
    for bid, pk, held_on, lecturer, role in rows:
        out[bid].append((pk, held_on, lecturer, role))
    return out


@rule(
    "freq_lecture",
    f"党课：考核期内每个季度有一次到会人数符合要求、附照片、有主题且会议记录达到规定字数（平台设置，现为不少于{minutes_min_chars()}字）的"
    "党课记录即为达标（过短的记录在理由中列出），"
    "按 2 × 达标季度数 ÷ 应达标季度数 向下取 0.5 分；本年度没有党课计划（每年初由党支部制定）扣 0.5 分；"
    "考核期已结束而党组织主要负责同志（授课人身份为“党组织主要负责同志”）在考核期内没有讲过党课的扣 0.5 分"
    "（考核期未结束时只提示）。上级党组织负责人讲党课的次数在理由中列出，供审核参考。",
)
def freq_lecture(ctx, item):
    base = _frequency(ctx, item, ActivityType.LECTURE, "quarter")
    lectures = ctx.once("rec:lectures", lambda: _lectures(ctx))
    plans = year_plans(ctx)
    window_over = ctx.today > ctx.end
    out = {}
    for bid in ctx.branch_ids:
        s = base[bid]
        rows = lectures.get(bid, [])
        plan_id = plans.get(bid, {}).get(PlanKind.LECTURE)
        leader = [r for r in rows if r[3] == LecturerRole.BRANCH_LEADER]
        upper = [r for r in rows if r[3] == LecturerRole.UPPER_LEADER]
        notes, penalty = [], D0
        if plan_id:
            s.evidence.insert(1, link(f"{ctx.year}年党课计划", "plans_page", bid, query=f"year={ctx.year}"))
        else:
            notes.append(f"{ctx.year}年度没有党课计划")
            penalty += LECTURE_PLAN_PENALTY
        if leader:
            notes.append(f"党组织主要负责同志讲党课{len(leader)}次（{join_names([r[2] or '—' for r in leader])}）")
        elif window_over:
            notes.append("党组织主要负责同志在考核期内没有讲党课")
            penalty += LECTURE_LEADER_PENALTY
        else:
            notes.append("党组织主要负责同志尚未讲党课（每年至少1次）")
        if upper:
            notes.append(f"上级党组织负责人讲党课{len(upper)}次（{join_names([r[2] or '—' for r in upper])}）")
        s.evidence += [
            link(f"{held_on:%Y-%m-%d} 党课（{LecturerRole(role).label}）", "activity_detail", pk)
            for pk, held_on, _, role in leader + upper
        ]
        head = s.reason.removesuffix("。")
        if s.score is None:
            out[bid] = Suggestion(None, f"{head}（{'；'.join(notes)}）。", s.evidence)
            continue
        score = final_score(item, item.points, s.score - penalty)
        extra = f"，扣{points_text(penalty)}分，得{points_text(score)}分" if penalty else ""
        out[bid] = Suggestion(score, f"{head}；{'；'.join(notes)}{extra}。", s.evidence)
    return out


# ---------------------------------------------------------------- 联系服务群众


@rule(
    "service_system",
    "年初有目标：本年度联系服务群众制度已确定并填写年度目标得2分；月月有举措：考核期内每个完整月份有附照片的联系服务群众活动，"
    "得 4 × 有活动的月数 ÷ 月数 分（向下取0.5分）；年终有考核：已填写年终考核得2分。",
)
def service_system(ctx, item):
    systems = ctx.once(
        "rec:service_systems",
        lambda: {
            r["branch_id"]: r
            for r in ServiceSystem.objects.filter(branch_id__in=ctx.branch_ids, year=ctx.year).values(
                "branch_id", "kind", "name", "goal", "year_end_review"
            )
        },
    )
    months = periods_in_window("month", ctx.start, ctx.judged_end)
    out = {}
    for bid in ctx.branch_ids:
        s = systems.get(bid)
        evidence = [link("联系服务群众", "service_page", bid)]
        acts = service_with_photo(ctx, bid)
        covered = {(a.held_on.year, a.held_on.month - 1) for a in acts} & set(months)
        goal_ok = bool(s and s["goal"].strip())
        review_ok = bool(s and s["year_end_review"].strip())
        monthly = floor_half(Decimal(4) * len(covered) / len(months)) if months else D0
        score = final_score(item, 8, (2 if goal_ok else 0) + monthly + (2 if review_ok else 0))
        evidence += [link(f"{a.held_on:%Y-%m-%d} 联系服务群众活动", "activity_detail", a.id) for a in acts[:12]]
        state = "已确定并有年度目标" if goal_ok else ("未填写年度目标" if s else "未录入")
        head = f"{ctx.year}年度联系服务群众制度{state}"
        out[bid] = Suggestion(
            score,
            f"{head}，考核期{len(months)}个完整月份中{len(covered)}个月有附照片的联系服务群众活动（得{points_text(monthly)}分），"
            f"年终考核{'已填写' if review_ok else '未填写'}，得{points_text(score)}分。",
            evidence,
        )
    return out
