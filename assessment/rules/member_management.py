"""Rules of section 党员管理规范, second half: 党员管理规范 (roster flags, 排查清理,
党费) and 党员评议规范.
"""

import datetime
from collections import defaultdict

from assessment.rules.base import Suggestion, link, rule
from assessment.rules.helpers import (
    HALF,
    add_months,
    cn_date,
    final_score,
    join_names,
    month_start,
    pct,
    points_text,
    share_at_least,
)
from assessment.rules.reads import branch_rows, roster_of
from assessment.rules.thresholds import APPRAISAL_SHARE, ARREARS_MONTHS, DUES_BASE_SHARE, DUES_PAID_SHARE, NO_ROSTER
from branches.models import MemberTransfer, Organization
from ledgers.dues import TRANSFER_IN, amount_for_year, dues_first_month
from ledgers.models import Appraisal, AppraisalResult, DuesBase, DuesPayment, Screening


@rule(
    "member_management",
    "考核期末在册党员中：每名失联党员都登记了处置情况、每名空挂党员都登记了处理情况、每名流动党员都登记了流入/流出地党组织，"
    "三类都齐全得3分，每有一类不齐全扣1分；没有在册党员的需人工评分。",
)
def member_management(ctx, item):
    out = {}
    for bid in ctx.branch_ids:
        roster = roster_of(ctx, bid)
        if not roster:
            out[bid] = Suggestion(None, NO_ROSTER, [link("支部页面（党员名册）", "branch_detail", bid)])
            continue
        lost = [m for m in roster if m.is_lost]
        kongua = [m for m in roster if m.is_kongua]
        flowing = [m for m in roster if m.is_flowing]
        gaps = {
            "失联": [m for m in lost if not m.lost_handling.strip()],
            "空挂": [m for m in kongua if not m.kongua_handling.strip()],
            "流动": [m for m in flowing if not m.flow_counterpart.strip()],
        }
        kinds_with_gaps = [k for k, v in gaps.items() if v]
        score = final_score(item, 3, 3 - len(kinds_with_gaps))
        evidence = [link("支部页面（党员名册）", "branch_detail", bid), link("党内统计", "statistics", bid)]
        for k, ms in gaps.items():
            evidence += [link(f"{m.name}（{k}党员，未登记）", "member_records", m.id) for m in ms[:3]]
        out[bid] = Suggestion(
            score,
            f"考核期末在册党员{len(roster)}名，失联{len(lost)}名（未登记处置{len(gaps['失联'])}名）、"
            f"空挂{len(kongua)}名（未登记处理{len(gaps['空挂'])}名）、流动{len(flowing)}名"
            f"（未登记流入/流出地党组织{len(gaps['流动'])}名），得{points_text(score)}分。",
            evidence,
        )
    return out


@rule(
    "screening",
    "考核期内本支部或其任一上级党组织（党总支、党(工)委、区委组织部）开展过违法违纪党代表和党员排查清理得3分，否则得0分。",
)
def screening(ctx, item):
    branches = branch_rows(ctx)
    steplen = Organization.steplen

    def prefixes(path):
        return [path[:i] for i in range(steplen, len(path) + 1, steplen)]

    all_prefixes = {p for b in branches.values() for p in prefixes(b["path"])}
    rows = ctx.once(
        "rec:screenings",
        lambda: list(
            Screening.objects.filter(held_on__gte=ctx.start, held_on__lte=ctx.end, organization__path__in=all_prefixes)
            .order_by("-held_on", "-id")
            .values_list("organization_id", "organization__path", "organization__name", "held_on")
        ),
    )
    by_path = defaultdict(list)
    for org_id, path, name, held_on in rows:
        by_path[path].append((org_id, name, held_on))
    out = {}
    for bid in ctx.branch_ids:
        b = branches.get(bid)
        found = [s for p in prefixes(b["path"]) for s in by_path.get(p, [])] if b else []
        if found:
            org_id, name, held_on = max(found, key=lambda s: s[2])
            out[bid] = Suggestion(
                final_score(item, 3, 3),
                f"考核期内{name}于{held_on}开展了违法违纪党员排查清理（共{len(found)}次涉及本支部），得3分。",
                [link(f"{name}排查清理记录", "screening_list", org_id)],
            )
        else:
            out[bid] = Suggestion(
                final_score(item, 3, 0),
                "平台上没有考核期内本支部或上级党组织的违法违纪党员排查清理记录，得0分。",
                [link("排查清理记录", "screening_list", bid)],
            )
    return out


def _dues_facts(ctx):
    """Per branch: members with a base for the year, expected and paid member-months of the
    window's complete months, and who has a run of ``ARREARS_MONTHS`` unpaid months at its
    end. Four queries. Months follow ``ledgers.dues`` (``dues_first_month``): from the
    member's 党费起算月, not before joining or the month after a transfer in, and not in a
    year whose verified amount is 0 (a waiver)."""

    def load():
        last_day = min(ctx.end, ctx.today)
        last = add_months(month_start(last_day + datetime.timedelta(days=1)), -1)  # last complete month
        first = ctx.start if ctx.start.day == 1 else add_months(month_start(ctx.start), 1)
        fetch_from = min(first, add_months(last, 1 - ARREARS_MONTHS))
        bases = defaultdict(list)
        for member_id, year, fen in (
            DuesBase.objects.filter(member__branch_id__in=ctx.branch_ids, year__lte=ctx.end.year)
            .order_by("year")
            .values_list("member_id", "year", "monthly_fen")
        ):
            bases[member_id].append((year, fen))
        paid = defaultdict(set)
        for member_id, month in DuesPayment.objects.filter(
            member__branch_id__in=ctx.branch_ids, month__gte=fetch_from, month__lte=last
        ).values_list("member_id", "month"):
            paid[member_id].add(month)
        recorded = set(
            DuesPayment.objects.filter(member__branch_id__in=ctx.branch_ids)
            .values_list("member__branch_id", flat=True)
            .distinct()
        )
        moved_in = {}
        for member_id, to_branch, day in (
            MemberTransfer.objects.filter(direction__in=TRANSFER_IN, to_branch_id__in=ctx.branch_ids)
            .order_by("occurred_on", "id")
            .values_list("member_id", "to_branch_id", "occurred_on")
        ):
            moved_in[(member_id, to_branch)] = day  # the latest one wins

        out = {}
        for bid in ctx.branch_ids:
            # 区外流入 members pay where their relation is (ledgers.dues.members.dues_elsewhere)
            roster = [m for m in roster_of(ctx, bid) if not m.relation_outside]
            with_base = [m for m in roster if any(y == ctx.year for y, _ in bases[m.id])]
            expected = paid_n = 0
            flagged = []
            for m in roster:
                start = dues_first_month(
                    joined_on=m.joined_on, dues_from=m.dues_from, transfer_in_on=moved_in.get((m.id, bid))
                )
                month = max(start, first)
                while month <= last:
                    if amount_for_year(bases[m.id], month.year) != 0:
                        expected += 1
                        paid_n += month in paid[m.id]
                    month = add_months(month, 1)
                run, month = 0, last
                while (
                    run < ARREARS_MONTHS
                    and month >= start
                    and amount_for_year(bases[m.id], month.year) != 0
                    and month not in paid[m.id]
                ):
                    run += 1
                    month = add_months(month, -1)
                if run >= ARREARS_MONTHS:
                    flagged.append(m)
            out[bid] = {
                "roster": len(roster),
                "with_base": len(with_base),
                "recorded": bid in recorded,
                "expected": expected,
                "paid": paid_n,
                "flagged": flagged,
                "last": last,
            }
        return out

    return ctx.once("rec:dues", load)


@rule(
    "dues",
    f"考核期末在册党员中已核定本年度党费基数的达到{DUES_BASE_SHARE}%得1.5分；考核期内已结束的月份中，应交党费的“人·月”"
    f"已交达到{DUES_PAID_SHARE}%，且截至考核期末（或今天）没有连续{ARREARS_MONTHS}个月以上未交的党员，得1.5分"
    "（应交月份同党费页面：自党员的党费起算月起，不早于入党当月或转入次月，减免为0的年度除外；党费起算月以前的月份不计欠交）；"
    "有应交月份但平台上没有本支部任何党费交纳记录的，后一项不得分；没有在册党员的需人工评分。",
)
def dues(ctx, item):
    facts = _dues_facts(ctx)
    out = {}
    for bid in ctx.branch_ids:
        f = facts[bid]
        evidence = [
            link("党费基数核定", "dues_bases", bid),
            link("党费交纳", "dues_month", bid),
            link("欠交党费", "dues_arrears", bid),
        ]
        if not f["roster"]:
            out[bid] = Suggestion(None, NO_ROSTER, evidence)
            continue
        base_ok = share_at_least(f["with_base"], f["roster"], DUES_BASE_SHARE)
        base_text = (
            f"{ctx.year}年度党费基数已核定{f['with_base']}/{f['roster']}名（{pct(f['with_base'], f['roster'])}）"
        )
        if not f["recorded"] and f["expected"]:
            pay_ok = False
            pay_text = "平台上没有本支部的党费交纳记录"
        else:
            share_ok = f["expected"] == 0 or share_at_least(f["paid"], f["expected"], DUES_PAID_SHARE)
            pay_ok = share_ok and not f["flagged"]
            pay_text = (
                f"考核期内应交{f['expected']}人·月、已交{f['paid']}人·月（{pct(f['paid'], f['expected'])}），"
                f"连续{ARREARS_MONTHS}个月以上未交的{len(f['flagged'])}名"
                f"{('（' + join_names([m.name for m in f['flagged']]) + '）') if f['flagged'] else ''}"
            )
        score = final_score(item, 3, (HALF * 3 if base_ok else 0) + (HALF * 3 if pay_ok else 0))
        out[bid] = Suggestion(score, f"{base_text}，{pay_text}，得{points_text(score)}分。", evidence)
    return out


@rule(
    "appraisal",
    "考核期内召开的民主评议党员（无论评议的是哪一年度，如年初评议上一年度的）计入本考核期：为评议当日在册党员的"
    f"{APPRAISAL_SHARE}%以上评定了等次得3分；有评议记录但评定等次的党员不足该比例得1.5分；考核期内没有召开民主评议得0分。"
    "考核期内召开了不止一次的，按评定等次覆盖面最高的一次（相同的按较晚的一次）计。",
)
def appraisal(ctx, item):
    def load():
        held = list(
            Appraisal.objects.filter(
                branch_id__in=ctx.branch_ids, held_on__gte=ctx.start, held_on__lte=ctx.judged_end
            ).values("id", "branch_id", "year", "held_on")
        )
        results = defaultdict(set)
        if held:
            for appraisal_id, member_id in AppraisalResult.objects.filter(
                appraisal_id__in=[a["id"] for a in held]
            ).values_list("appraisal_id", "member_id"):
                results[appraisal_id].add(member_id)
        by_branch = defaultdict(list)
        for a in held:
            by_branch[a["branch_id"]].append(a)
        return by_branch, results

    held, results = ctx.once("rec:appraisals", load)
    out = {}
    for bid in ctx.branch_ids:
        evidence = [link("民主评议党员", "appraisal_page", bid)]
        graded = []
        for a in held.get(bid, []):
            roster = roster_of(ctx, bid, a["held_on"])
            n = sum(1 for m in roster if m.id in results[a["id"]])
            graded.append((share_at_least(n, len(roster), APPRAISAL_SHARE), n * 1000 // max(len(roster), 1),
                           a["held_on"], a, n, len(roster)))  # fmt: skip
        if not graded:
            out[bid] = Suggestion(
                final_score(item, 3, 0),
                f"平台上没有本支部考核期内（{cn_date(ctx.start)}至{cn_date(ctx.end)}）召开的民主评议党员记录，得0分。",
                evidence,
            )
            continue
        ok, _, held_on, a, n, on_roster = max(graded, key=lambda g: g[:3])
        score = final_score(item, 3, 3 if ok else HALF * 3)
        out[bid] = Suggestion(
            score,
            f"{cn_date(held_on)}召开的{a['year']}年度民主评议党员，当时在册党员{on_roster}名中{n}名"
            f"（{pct(n, on_roster)}）评定了等次（要求{APPRAISAL_SHARE}%），得{points_text(score)}分。",
            evidence,
        )
    return out
