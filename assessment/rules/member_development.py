"""Rules of section 党员管理规范, first half: 发展党员规范 and 党员教育规范."""

from collections import defaultdict
from decimal import Decimal

from assessment.rules.base import Suggestion, link, rule
from assessment.rules.helpers import D0, HALF, age_on, final_score, join_names, pct, points_text, share_at_least
from assessment.rules.reads import dev_plans, in_progress, roster_of, window_activities, window_steps, year_plans
from assessment.rules.thresholds import (
    COLLEGE_OR_ABOVE,
    CULTIVATION_STEPS,
    FRONTLINE,
    IDEALS_MAIN_SHARE,
    IDEALS_SOME_SHARE,
    MATERIAL_PENALTY,
    MATERIAL_STEPS,
    ONLINE_FULL,
    STUDY_NOTES_FULL,
    STUDY_NOTES_HALF,
    STUDY_PLAN_SHARE,
    YOUNG_AGE,
)
from assessment.scoring import floor_half
from ledgers.models import Activity, ActivityForm, ActivityType, DevStage, PlanKind, StudyNote, StudyPlan

# ---------------------------------------------------------------- 发展党员


@rule(
    "development_structure",
    "考核期内接收为预备党员（上级党委审批，第17步）的人员，其结构与本年度发展党员计划中的目标比较："
    f"{YOUNG_AGE}岁以下、大专以上学历、一线工人农民三项占比目标（计划中填写了的）逐项达到即达标，"
    "建议分 = 3 × 达标项数 ÷ 已填目标项数，向下取0.5分；考核期内没有接收预备党员，或计划未填写结构目标的，需人工评分。",
)
def development_structure(ctx, item):
    out = {}
    for bid in ctx.branch_ids:
        developed = [r for r in window_steps(ctx).get(bid, []) if r["code"] == 17]
        evidence = [link("发展党员", "dev_list", bid), link("年度计划", "plans_page", bid)]
        if not developed:
            out[bid] = Suggestion(None, "考核期内本支部没有接收预备党员，发展党员结构无从评价，需人工评分。", evidence)
            continue
        n = len(developed)
        young = sum(1 for r in developed if age_on(r["applicant__birth_date"], r["done_on"]) < YOUNG_AGE)
        college = sum(1 for r in developed if r["applicant__education"] in COLLEGE_OR_ABOVE)
        frontline = sum(1 for r in developed if r["applicant__occupation"] in FRONTLINE)
        actual = f"接收预备党员{n}名，其中{YOUNG_AGE}岁以下{young}名、大专以上{college}名、一线工人农民{frontline}名"
        plan = dev_plans(ctx).get(bid)
        targets = []
        if plan:
            for label, key, count in (
                (f"{YOUNG_AGE}岁以下", "target_young_pct", young),
                ("大专以上", "target_college_pct", college),
                ("一线工人农民", "target_frontline_pct", frontline),
            ):
                if plan[key] is not None:
                    targets.append((label, plan[key], count, count * 100 >= plan[key] * n))
        if not targets:
            out[bid] = Suggestion(
                None,
                f"考核期内{actual}，但{ctx.year}年度发展党员计划{'未填写结构目标' if plan else '未录入'}，"
                "无从比较，需人工评分。",
                evidence,
            )
            continue
        met = sum(1 for t in targets if t[3])
        score = final_score(item, 3, Decimal(3) * met / len(targets))
        detail = "、".join(f"{label}{pct(c, n)}（目标{t}%）{'达到' if ok else '未达到'}" for label, t, c, ok in targets)
        out[bid] = Suggestion(score, f"考核期内{actual}，{detail}，得{points_text(score)}分。", evidence)
    return out


@rule(
    "activist_plan",
    f"有本年度入党积极分子培养计划（计划类别“入党积极分子培养计划”）或发展党员计划得1.5分；目前的入党积极分子和发展对象中"
    f"已记录第{CULTIVATION_STEPS[0]}步（指定培养联系人）和第{CULTIVATION_STEPS[1]}步（培养教育考察）的比例 × 1.5分"
    "（向下取0.5分），没有入党积极分子和发展对象的此项不扣分。",
)
def activist_plan(ctx, item):
    out = {}
    for bid in ctx.branch_ids:
        evidence = [link("年度计划", "plans_page", bid), link("发展党员", "dev_list", bid)]
        has_plan = PlanKind.ACTIVIST in year_plans(ctx).get(bid, {}) or bid in dev_plans(ctx)
        people = [r for r in in_progress(ctx).get(bid, []) if r.stage in (DevStage.ACTIVIST, DevStage.CANDIDATE)]
        cultivated = [r for r in people if r.step5 and r.step6]
        plan_part = HALF * 3 if has_plan else D0
        if people:
            care_part = floor_half(HALF * 3 * len(cultivated) / len(people))
            care_text = (
                f"入党积极分子和发展对象{len(people)}名，其中{len(cultivated)}名已记录指定培养联系人和培养教育考察"
            )
        else:
            care_part = HALF * 3
            care_text = "目前没有入党积极分子和发展对象，培养考察不扣分"
        score = final_score(item, 3, plan_part + care_part)
        out[bid] = Suggestion(
            score,
            f"{ctx.year}年度{'有' if has_plan else '没有'}入党积极分子培养计划或发展党员计划，"
            f"{care_text}，得{points_text(score)}分。",
            evidence,
        )
    return out


@rule(
    "development_procedure",
    "考核期内记录的发展党员步骤：都没有违反时限或顺序规则得3分；有违反但都填写了例外原因得1.5分；有违反且未说明原因得0分；"
    f"第{'、'.join(map(str, MATERIAL_STEPS))}步未上传材料的每步扣{points_text(MATERIAL_PENALTY)}分，扣完为止；"
    "考核期内没有发展党员步骤记录的需人工评分。",
)
def development_procedure(ctx, item):
    out = {}
    for bid in ctx.branch_ids:
        steps = window_steps(ctx).get(bid, [])
        evidence = [link("发展党员", "dev_list", bid)]
        if not steps:
            out[bid] = Suggestion(None, "考核期内本支部没有发展党员步骤记录，无从评价程序，需人工评分。", evidence)
            continue
        broken = [r for r in steps if r["broken"]]
        unexplained = [r for r in broken if not r["explained"]]
        no_material = [r for r in steps if r["code"] in MATERIAL_STEPS and not r["has_material"]]
        base = D0 if unexplained else (HALF * 3 if broken else Decimal(3))
        raw = max(D0, base - MATERIAL_PENALTY * len(no_material))
        score = final_score(item, 3, raw)
        people = sorted({r["applicant__name"] for r in no_material + unexplained})
        out[bid] = Suggestion(
            score,
            f"考核期内记录发展党员步骤{len(steps)}个，违反时限或顺序规则{len(broken)}个（未说明原因{len(unexplained)}个），"
            f"应上传材料而未上传的{len(no_material)}个{('（' + join_names(people) + '）') if people else ''}，"
            f"得{points_text(score)}分。",
            evidence,
        )
    return out


# ---------------------------------------------------------------- 党员教育


@rule(
    "study_plans",
    f"有本年度支部学习教育计划得1分；考核期末在册党员中已制定本年度个人学习计划的达到{STUDY_PLAN_SHARE}%得1分；"
    f"督促党员记好学习笔记：考核期内有学习笔记记录（文字或笔记照片，按党员逐篇记录）的在册党员达到{STUDY_NOTES_FULL}%得1分、"
    f"达到{STUDY_NOTES_HALF}%得0.5分（不设篇数要求，不排名）。",
)
def study_plans(ctx, item):
    def load():
        out = defaultdict(set)
        for bid, member_id in StudyPlan.objects.filter(
            member__branch_id__in=ctx.branch_ids, year=ctx.year, has_plan=True
        ).values_list("member__branch_id", "member_id"):
            out[bid].add(member_id)
        noted = set(
            StudyNote.objects.filter(
                member__branch_id__in=ctx.branch_ids, noted_on__gte=ctx.start, noted_on__lte=ctx.end
            ).values_list("member_id", flat=True)
        )
        return out, noted

    planned, noted = ctx.once("rec:study_plans", load)
    out = {}
    for bid in ctx.branch_ids:
        evidence = [link("年度计划", "plans_page", bid), link("个人学习计划与学习笔记", "study_plans", bid)]
        has_plan = PlanKind.EDUCATION in year_plans(ctx).get(bid, {})
        roster = roster_of(ctx, bid)
        n = sum(1 for m in roster if m.id in planned.get(bid, ()))
        with_notes = [m for m in roster if m.id in noted]
        k = len(with_notes)
        ok = share_at_least(n, len(roster), STUDY_PLAN_SHARE)
        notes_points = 1 if share_at_least(k, len(roster), STUDY_NOTES_FULL) else (
            HALF if share_at_least(k, len(roster), STUDY_NOTES_HALF) else 0
        )
        score = final_score(item, 3, (1 if has_plan else 0) + (1 if ok else 0) + notes_points)
        if roster:
            personal = (
                f"考核期末在册党员{len(roster)}名中{n}名（{pct(n, len(roster))}）已制定个人学习计划"
                f"（要求{STUDY_PLAN_SHARE}%），{k}名（{pct(k, len(roster))}）考核期内有学习笔记记录"
            )
            evidence += [link(f"{m.name}的学习笔记", "study_notes", m.id) for m in with_notes[:3]]
        else:
            personal = "平台上没有本支部考核期末的在册党员记录"
        out[bid] = Suggestion(
            score,
            f"{ctx.year}年度支部学习教育计划{'已' if has_plan else '未'}制定，{personal}，得{points_text(score)}分。",
            evidence,
        )
    return out


def _categorized(ctx):
    """Counting records of the window with an education content category: one query."""
    out = defaultdict(list)
    rows = (
        Activity.objects.counting()
        .filter(branch_id__in=ctx.branch_ids, held_on__gte=ctx.start, held_on__lte=ctx.end,
                content_category__isnull=False)  # fmt: skip
        .order_by("held_on", "id")
        .values_list("branch_id", "id", "held_on", "type", "content_category__is_ideals", "content_category__is_skills")
    )
    for bid, *rest in rows:
        out[bid].append(rest)
    return out


@rule(
    "education_content",
    "只读支部为党课、主题党日等学习记录选择的教育内容类别（可不选，不按关键词推断）：考核期内计入完成情况且选了类别的记录中，"
    f"“理想信念”类占{IDEALS_MAIN_SHARE}%以上得2分、占{IDEALS_SOME_SHARE}%以上得1分；另有“业务知识”或“科学文化”类记录得1分。"
    "没有选类别的记录时需人工评分。",
)
def education_content(ctx, item):
    records = ctx.once("rec:categorized", lambda: _categorized(ctx))
    out = {}
    for bid in ctx.branch_ids:
        rows = records.get(bid, [])
        if not rows:
            continue  # no basis: manual
        ideals = [r for r in rows if r[3]]
        skills = [r for r in rows if r[4]]
        n = len(rows)
        main = 2 if share_at_least(len(ideals), n, IDEALS_MAIN_SHARE) else (
            1 if share_at_least(len(ideals), n, IDEALS_SOME_SHARE) else 0
        )
        score = final_score(item, 3, main + (1 if skills else 0))
        evidence = [link("活动记录", "activity_list", bid)]
        evidence += [link(f"{d:%Y-%m-%d} {ActivityType(t).label}（理想信念）", "activity_detail", pk)
                     for pk, d, t, _, _ in ideals[:6]]  # fmt: skip
        evidence += [link(f"{d:%Y-%m-%d} {ActivityType(t).label}（业务、文化）", "activity_detail", pk)
                     for pk, d, t, _, _ in skills[:3]]  # fmt: skip
        out[bid] = Suggestion(
            score,
            f"考核期内选了教育内容类别的记录{n}条，其中理想信念类{len(ideals)}条（{pct(len(ideals), n)}），"
            f"业务知识、科学文化类{len(skills)}条，得{points_text(score)}分。",
            evidence,
        )
    return out


@rule(
    "online_education",
    f"考核期内形式为“线上”或“线上线下结合”的活动记录：{ONLINE_FULL}次以上得3分，1次得1.5分，没有得0分。",
)
def online_education(ctx, item):
    out = {}
    for bid in ctx.branch_ids:
        online = [a for a in window_activities(ctx).get(bid, []) if a.form in (ActivityForm.ONLINE, ActivityForm.MIXED)]
        n = len(online)
        raw = 3 if n >= ONLINE_FULL else (HALF * 3 if n else 0)
        evidence = [link("活动记录", "activity_list", bid)]
        evidence += [
            link(
                f"{a.held_on:%Y-%m-%d} {ActivityType(a.type).label}（{ActivityForm(a.form).label}）",
                "activity_detail",
                a.id,
            )
            for a in online[:6]
        ]
        score = final_score(item, 3, raw)
        out[bid] = Suggestion(score, f"考核期内线上或线上线下结合的活动{n}次，得{points_text(score)}分。", evidence)
    return out
