"""Rules of section 保障措施到位: 阵地, 经费 and 台账."""

from collections import Counter, defaultdict
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q

from assessment.rules.base import Suggestion, link, rule
from assessment.rules.helpers import D0, HALF, final_score, join_names, month_start, pct, points_text, share_at_least
from assessment.rules.reads import (
    branch_rows,
    dev_plans,
    in_progress,
    roster_of,
    service_with_photo,
    window_activities,
    window_steps,
    year_plans,
)
from assessment.rules.thresholds import (
    CARE_KINDS,
    MEMBER_REGISTER_FIELDS,
    OTHER_EXPENSE_MAX_SHARE,
    SERVICE_LEDGER_STEPS,
    TRAINING_SHARE,
)
from branches.models import Member, Standing
from ledgers.funding.rules import (
    COMPUTED_STANDARD_TYPES,
    FUNDING_PER_MEMBER_FEN,
    funding_sums,
    roster_date_for,
)
from ledgers.models import (
    ActivityRoom,
    ActivityType,
    DuesPayment,
    MemberRecord,
    Photo,
    PlanKind,
    RecordKind,
    RoomCheck,
    RoomItem,
    RoomKind,
)

# ---------------------------------------------------------------- 阵地


def _rooms(ctx):
    def load():
        rooms = {
            r["branch_id"]: r
            for r in ActivityRoom.objects.filter(branch_id__in=ctx.branch_ids).values("branch_id", "kind", "address")
        }
        photos = Photo.objects.filter(
            owner_type__app_label=RoomCheck._meta.app_label, owner_type__model=RoomCheck._meta.model_name,
            owner_id=OuterRef("pk"),
        )  # fmt: skip
        checks = defaultdict(dict)
        for bid, item, present, has_photo in (
            RoomCheck.objects.filter(room__branch_id__in=ctx.branch_ids)
            .annotate(has_photo=Exists(photos))
            .values_list("room__branch_id", "item", "present", "has_photo")
        ):
            checks[bid][item] = (present, has_photo)
        return rooms, checks

    return ctx.once("rec:rooms", load)


@rule("room", "平台上登记了本支部的活动阵地（独立活动室或共用活动阵地）得3分，否则得0分。")
def room(ctx, item):
    rooms, _ = _rooms(ctx)
    out = {}
    for bid in ctx.branch_ids:
        r = rooms.get(bid)
        evidence = [link("活动阵地", "room_page", bid)]
        if r:
            out[bid] = Suggestion(
                final_score(item, 3, 3),
                f"已登记活动阵地（{RoomKind(r['kind']).label}，{r['address']}），得3分。",
                evidence,
            )
        else:
            out[bid] = Suggestion(final_score(item, 3, 0), "平台上没有本支部的活动阵地记录，得0分。", evidence)
    return out


@rule(
    "room_facilities",
    f"阵地建设核对表共{len(RoomItem.values)}项（党支部标识、党旗、入党誓词等），已具备且附照片的项数 × 3 ÷ "
    f"{len(RoomItem.values)}，向下取0.5分；没有登记活动阵地的得0分。",
)
def room_facilities(ctx, item):
    rooms, checks = _rooms(ctx)
    total = len(RoomItem.values)
    out = {}
    for bid in ctx.branch_ids:
        evidence = [link("活动阵地", "room_page", bid)]
        if bid not in rooms:
            out[bid] = Suggestion(
                final_score(item, 3, 0), "平台上没有本支部的活动阵地记录，阵地设施无从核对，得0分。", evidence
            )
            continue
        c = checks.get(bid, {})
        ok = [i for i in RoomItem.values if c.get(i) == (True, True)]
        no_photo = [RoomItem(i).label for i in RoomItem.values if c.get(i, (False, False))[0] and not c[i][1]]
        missing = [RoomItem(i).label for i in RoomItem.values if not c.get(i, (False, False))[0]]
        score = final_score(item, 3, Decimal(3) * len(ok) / total)
        text = f"阵地核对表{total}项中{len(ok)}项已具备且附照片"
        if no_photo:
            text += f"，{len(no_photo)}项已具备但缺照片（{join_names(no_photo, 3)}）"
        if missing:
            text += f"，{len(missing)}项未具备或未核对（{join_names(missing, 3)}）"
        out[bid] = Suggestion(score, f"{text}，得{points_text(score)}分。", evidence)
    return out


# ---------------------------------------------------------------- 经费


def _funding(ctx):
    """The year's funding row with its sums, and the standard (computed from the roster on
    1 January for 机关/事业单位, as in ``ledgers.funding``): two queries."""

    def load():
        rows = {r["branch_id"]: r for r in funding_sums(ctx.year, ctx.branch_ids)}
        computed = [bid for bid, b in branch_rows(ctx).items() if b["branch_type"] in COMPUTED_STANDARD_TYPES]
        standards = {}
        if computed:
            day = roster_date_for(ctx.year)
            counts = dict(
                Member.objects.filter(branch_id__in=computed, joined_on__lte=day)
                .filter(Q(standing=Standing.ACTIVE) | Q(left_on__gt=day))
                .values("branch_id")
                .annotate(n=Count("id"))
                .values_list("branch_id", "n")
            )
            standards = {bid: counts.get(bid, 0) * FUNDING_PER_MEMBER_FEN for bid in computed}
        for bid, r in rows.items():
            if bid in standards:
                r["standard_fen"] = standards[bid]
            r["computed"] = bid in standards
        return rows

    return ctx.once("rec:funding", load)


def _yuan(fen):
    return f"{fen / 100:.2f}".rstrip("0").rstrip(".")


@rule(
    "funding_provided",
    f"本年度已落实党建工作专项经费且年度预算不低于经费标准（机关、事业单位按1月1日在册党员每人每年"
    f"{FUNDING_PER_MEMBER_FEN // 100}元计算，其他支部按登记的标准）"
    "得3分；已落实专项经费但预算低于标准或未登记标准得1.5分；未落实得0分。",
)
def funding_provided(ctx, item):
    rows = _funding(ctx)
    out = {}
    for bid in ctx.branch_ids:
        evidence = [link("党建工作经费", "funding_page", bid)]
        r = rows.get(bid)
        if r is None or not r["has_special_fund"]:
            out[bid] = Suggestion(
                final_score(item, 3, 0),
                f"{ctx.year}年度"
                f"{'平台上没有本支部的党建工作经费记录' if r is None else '未落实党建工作专项经费'}，得0分。",
                evidence,
            )
            continue
        if not r["standard_fen"] and not r["computed"]:
            raw, text = HALF * 3, "已落实专项经费，但未登记经费标准，无法核对预算"
        elif r["budget_fen"] >= r["standard_fen"]:
            raw, text = 3, f"已落实专项经费，年度预算{_yuan(r['budget_fen'])}元不低于标准{_yuan(r['standard_fen'])}元"
        else:
            raw, text = (
                HALF * 3,
                f"已落实专项经费，但年度预算{_yuan(r['budget_fen'])}元低于标准{_yuan(r['standard_fen'])}元",
            )
        score = final_score(item, 3, raw)
        out[bid] = Suggestion(score, f"{ctx.year}年度{text}，得{points_text(score)}分。", evidence)
    return out


@rule(
    "funding_use",
    "本年度有经费支出记录且都在规定范围内（阵地建设、发展党员和党员教育管理、党员表彰和慰问、党报党刊订阅）得3分；"
    f"有“其他支出”但金额不超过支出总额的{OTHER_EXPENSE_MAX_SHARE}%得1.5分，超过的得0分；没有支出记录得0分。",
)
def funding_use(ctx, item):
    rows = _funding(ctx)
    out = {}
    for bid in ctx.branch_ids:
        evidence = [link("党建工作经费", "funding_page", bid)]
        r = rows.get(bid)
        if r is None or not r["n_expense"]:
            out[bid] = Suggestion(
                final_score(item, 3, 0),
                f"平台上没有本支部{ctx.year}年度的党建工作经费支出记录，无从核对经费用途，得0分。",
                evidence,
            )
            continue
        if not r["other_n"]:
            raw = 3
        elif r["other_fen"] * 100 <= OTHER_EXPENSE_MAX_SHARE * r["expense"]:
            raw = HALF * 3
        else:
            raw = 0
        score = final_score(item, 3, raw)
        out[bid] = Suggestion(
            score,
            f"{ctx.year}年度经费支出{r['n_expense']}笔共{_yuan(r['expense'])}元，其中规定范围以外的“其他支出”{r['other_n']}笔"
            f"共{_yuan(r['other_fen'])}元（{pct(r['other_fen'], r['expense'])}），得{points_text(score)}分。",
            evidence,
        )
    return out


@rule(
    "funding_account",
    "本年度经费：设专户管理得1分；有收支记录且收支结余不为负得1分；有支出记录且每笔支出都上传了票据得1分。",
)
def funding_account(ctx, item):
    rows = _funding(ctx)
    out = {}
    for bid in ctx.branch_ids:
        evidence = [link("党建工作经费", "funding_page", bid)]
        r = rows.get(bid)
        if r is None:
            out[bid] = Suggestion(
                final_score(item, 3, 0), f"平台上没有本支部{ctx.year}年度的党建工作经费记录，得0分。", evidence
            )
            continue
        balance = r["income"] - r["expense"]
        account = 1 if r["has_account"] else 0
        balanced = 1 if r["n_entries"] and balance >= 0 else 0
        receipts = 1 if r["n_expense"] and not r["no_receipt"] else 0
        score = final_score(item, 3, account + balanced + receipts)
        if not r["n_entries"]:
            rest = "没有收支记录"
        else:
            rest = (
                f"收入{_yuan(r['income'])}元、支出{_yuan(r['expense'])}元、结余{_yuan(balance)}元，"
                f"支出{r['n_expense']}笔中{r['no_receipt']}笔未上传票据"
            )
        out[bid] = Suggestion(
            score,
            f"{ctx.year}年度经费{'已' if r['has_account'] else '未'}设专户，{rest}，得{points_text(score)}分。",
            evidence,
        )
    return out


# ---------------------------------------------------------------- 台账


@rule(
    "member_ledger",
    "以下五项各1分：考核期末每名在册党员的《党员基本情况登记表》各项齐全（姓名、性别、民族、出生日期、学历、入党日期、"
    "转正日期（正式党员）、职业、工作单位及职务、家庭住址、联系电话），缺项的逐项列出；考核期内有教育培训记录的党员达到"
    f"在册党员的{TRAINING_SHARE}%；考核期内有党费交纳记录；有发展党员记录（考核期内的步骤记录），或本年度没有发展计划且"
    "没有在培养的人员；每名建国前老党员和困难党员考核期内都有受助帮扶或走访慰问记录（没有此类党员的得分）。",
)
def member_ledger(ctx, item):
    def load():
        records = defaultdict(set)
        for member_id, kind in (
            MemberRecord.objects.filter(
                member__branch_id__in=ctx.branch_ids, occurred_on__gte=ctx.start, occurred_on__lte=ctx.end
            )
            .values_list("member_id", "kind")
            .distinct()
        ):
            records[member_id].add(kind)
        dues_rows = dict(
            DuesPayment.objects.filter(
                member__branch_id__in=ctx.branch_ids, month__gte=month_start(ctx.start), month__lte=ctx.end
            )
            .values("member__branch_id")
            .annotate(n=Count("id"))
            .values_list("member__branch_id", "n")
        )
        return records, dues_rows

    records, dues_rows = ctx.once("rec:member_ledger", load)
    out = {}
    for bid in ctx.branch_ids:
        roster = roster_of(ctx, bid)
        n = len(roster)
        parts, score = [], 0
        evidence = [link("支部页面（党员名册）", "branch_detail", bid)]
        if n:
            gaps = {m.id: m.register_gaps(MEMBER_REGISTER_FIELDS) for m in roster}
            short = [m for m in roster if gaps[m.id]]
            score += 0 if short else 1
            by_field = Counter(label for m in short for label in gaps[m.id])
            missing = "、".join(f"{label}{n}名" for label, n in by_field.most_common(3))
            more = "等" if len(by_field) > 3 else ""
            parts.append(f"登记表缺项的党员{len(short)}名" + (f"（缺{missing}{more}）" if short else ""))
            evidence += [
                link(f"{m.name}（登记表缺{'、'.join(gaps[m.id][:3])}）", "member_detail", m.id) for m in short[:3]
            ]
            trained = sum(1 for m in roster if RecordKind.TRAINING in records.get(m.id, ()))
            score += 1 if share_at_least(trained, n, TRAINING_SHARE) else 0
            parts.append(f"有教育培训记录的{trained}名（{pct(trained, n)}）")
        else:
            parts.append("考核期末没有在册党员")
        n_dues = dues_rows.get(bid, 0)
        score += 1 if n_dues else 0
        parts.append(f"党费交纳记录{n_dues}条")
        steps = window_steps(ctx).get(bid, [])
        plan = dev_plans(ctx).get(bid)
        waiting = in_progress(ctx).get(bid, [])
        if steps:
            score += 1
            parts.append(f"发展党员步骤记录{len(steps)}条")
        elif not waiting and not (plan and plan["planned_count"]):
            score += 1
            parts.append("本年度无发展党员任务")
        else:
            parts.append("有发展任务但考核期内没有发展党员步骤记录")
        needy = [m for m in roster if m.pre_1949 or m.is_hardship]
        uncared = [m for m in needy if not records.get(m.id, set()) & set(CARE_KINDS)]
        score += 0 if uncared else 1
        parts.append(f"建国前老党员和困难党员{len(needy)}名中{len(uncared)}名没有帮扶慰问记录")
        evidence += [link(f"{m.name}（无帮扶慰问记录）", "member_records", m.id) for m in uncared[:3]]
        evidence += [
            link("党费交纳", "dues_month", bid),
            link("发展党员", "dev_list", bid),
            link("关爱帮扶", "care_list", bid),
        ]
        total = final_score(item, 5, score)
        out[bid] = Suggestion(total, "，".join(parts) + f"，得{points_text(total)}分。", evidence)
    return out


@rule(
    "life_ledger",
    "考核期内的组织生活记录中完整记录（到会人数符合要求、附照片、地点/主题/内容齐全，主题和会议记录达到规定字数）"
    "所占比例 × 5，向下取0.5分；"
    "没有记录得0分。",
)
def life_ledger(ctx, item):
    out = {}
    for bid in ctx.branch_ids:
        acts = window_activities(ctx).get(bid, [])
        evidence = [
            link(f"{ctx.year}年党组织生活台账", "life_ledger", bid, ctx.year),
            link("活动记录", "activity_list", bid),
        ]
        if not acts:
            out[bid] = Suggestion(final_score(item, 5, 0), "平台上没有本支部考核期内的组织生活记录，得0分。", evidence)
            continue
        complete = [a for a in acts if a.complete]
        incomplete = [a for a in acts if not a.complete]
        no_photo = sum(1 for a in acts if not a.photo_count)
        no_quorum = sum(1 for a in acts if not a.quorum_met)
        thin = sum(1 for a in acts if not a.substantive)
        score = final_score(item, 5, Decimal(5) * len(complete) / len(acts))
        evidence += [
            link(f"{a.held_on:%Y-%m-%d} {ActivityType(a.type).label}（不完整）", "activity_detail", a.id)
            for a in incomplete[:6]
        ]
        out[bid] = Suggestion(
            score,
            f"考核期内组织生活记录{len(acts)}条，完整的{len(complete)}条（缺照片{no_photo}条、到会人数不符合要求{no_quorum}条、"
            f"主题或会议记录过短{thin}条），"
            f"按5×{len(complete)}/{len(acts)}向下取0.5分得{points_text(score)}分。",
            evidence,
        )
    return out


@rule(
    "service_ledger",
    "有本年度联系服务群众计划得1分；考核期内附照片的联系服务群众活动记录：6次以上得4分，3—5次得2分，1—2次得1分，没有得0分。",
)
def service_ledger(ctx, item):
    out = {}
    for bid in ctx.branch_ids:
        has_plan = PlanKind.SERVICE in year_plans(ctx).get(bid, {})
        acts = service_with_photo(ctx, bid)
        part = next((pts for at_least, pts in SERVICE_LEDGER_STEPS if len(acts) >= at_least), D0)
        score = final_score(item, 5, (1 if has_plan else 0) + part)
        evidence = [link("年度计划", "plans_page", bid), link("联系服务群众", "service_page", bid)]
        evidence += [link(f"{a.held_on:%Y-%m-%d} 联系服务群众活动", "activity_detail", a.id) for a in acts[:12]]
        out[bid] = Suggestion(
            score,
            f"{ctx.year}年度联系服务群众计划{'已' if has_plan else '未'}制定，"
            f"考核期内附照片的联系服务群众活动{len(acts)}次，得{points_text(score)}分。",
            evidence,
        )
    return out
