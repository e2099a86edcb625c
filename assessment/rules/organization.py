"""Rules of section 组织设置合理: committee size, party groups, duties, elections."""

from collections import defaultdict

from assessment.rules.base import Suggestion, link, rule
from assessment.rules.helpers import HALF, final_score, join_names, points_text
from assessment.rules.reads import allowed_term_years, branch_rows, committee_terms, roster_of
from assessment.rules.thresholds import COMMITTEE_MIN_SIZE, GROUP_NEEDED_MEMBERS, NO_ROSTER, VACANCY_MAX_DAYS
from branches.models import PartyGroup, Position
from branches.services import MAX_COMMITTEE_SIZE, SMALL_BRANCH_FULL_MEMBERS, SMALL_BRANCH_POSITIONS
from branches.term_models import years_text


@rule(
    "committee_size",
    f"考核期截止时有在任的支委会（届次）且书记在任；职数与正式党员人数相符：正式党员{SMALL_BRANCH_FULL_MEMBERS}人以上的"
    f"设{COMMITTEE_MIN_SIZE}—{MAX_COMMITTEE_SIZE}个职务，不足{SMALL_BRANCH_FULL_MEMBERS}人的只设书记（可设副书记）。"
    "两项都符合得2分，符合其中一项得1分，都不符合或没有在任支委会得0分。",
)
def committee_size(ctx, item):
    out = {}
    for bid in ctx.branch_ids:
        term, _ = committee_terms(ctx)[bid]
        evidence = [link("支部页面（支委会）", "branch_detail", bid)]
        n_full = sum(1 for m in roster_of(ctx, bid) if m.full_on(ctx.end))
        if term is None:
            out[bid] = Suggestion(
                final_score(item, 2, 0),
                f"平台上没有本支部考核期截止时在任的支委会届次记录（正式党员{n_full}名），得0分。",
                evidence,
            )
            continue
        posts = [s for s in term.seats if s.state_on(ctx.end) != "absent"]
        positions = [s.position for s in posts]
        has_secretary = any(s.position == Position.SECRETARY and s.state_on(ctx.end) == "held" for s in posts)
        if n_full >= SMALL_BRANCH_FULL_MEMBERS:
            fits = COMMITTEE_MIN_SIZE <= len(posts) <= MAX_COMMITTEE_SIZE
            need = f"应设{COMMITTEE_MIN_SIZE}—{MAX_COMMITTEE_SIZE}个职务"
        else:
            fits = bool(positions) and set(positions) <= SMALL_BRANCH_POSITIONS
            need = "应只设书记（可设副书记）"
        score = (1 if has_secretary else 0) + (1 if fits else 0)
        labels = "、".join(Position(p).label for p in positions)
        out[bid] = Suggestion(
            final_score(item, 2, score),
            f"考核期截止时正式党员{n_full}名，{need}，本届设{len(posts)}个职务（{labels or '无'}）"
            f"{'相符' if fits else '不相符'}，书记{'在任' if has_secretary else '缺职'}，得{points_text(score)}分。",
            evidence,
        )
    return out


@rule(
    "party_groups",
    f"考核期末在册党员{GROUP_NEEDED_MEMBERS}名以上的支部应划分党小组：每个党小组都有党小组长且每名在册党员都编入党小组得2分；"
    f"有党小组但有党员未编组或有党小组没有组长得1分；未划分党小组得0分。在册党员不足{GROUP_NEEDED_MEMBERS}名且未划分党小组的"
    "得2分（党员人数较少，可不划分党小组）；已划分的按上述标准评；没有在册党员的需人工评分。",
)
def party_groups(ctx, item):
    def load():
        out = defaultdict(list)
        for bid, pk, name, leader_id in PartyGroup.objects.filter(
            branch_id__in=ctx.branch_ids, is_active=True
        ).values_list("branch_id", "id", "name", "leader_id"):
            out[bid].append((pk, name, leader_id))
        return out

    groups_by_branch = ctx.once("rec:party_groups", load)
    out = {}
    for bid in ctx.branch_ids:
        roster = roster_of(ctx, bid)
        groups = groups_by_branch.get(bid, [])
        evidence = [link("支部页面（党小组）", "branch_detail", bid)]
        n = len(roster)
        if not n:
            out[bid] = Suggestion(None, NO_ROSTER, evidence)
            continue
        if not groups:
            if n < GROUP_NEEDED_MEMBERS:
                out[bid] = Suggestion(
                    final_score(item, 2, 2), f"考核期末在册党员{n}名，党员人数较少，可不划分党小组，得2分。", evidence
                )
            else:
                out[bid] = Suggestion(
                    final_score(item, 2, 0),
                    f"考核期末在册党员{n}名（{GROUP_NEEDED_MEMBERS}名以上），平台上没有本支部的党小组记录，得0分。",
                    evidence,
                )
            continue
        roster_ids = {m.id for m in roster}
        group_ids = {pk for pk, _, _ in groups}
        ungrouped = [m for m in roster if m.party_group_id not in group_ids]
        leaderless = [name for _, name, leader_id in groups if leader_id is None or leader_id not in roster_ids]
        score = 2 if not ungrouped and not leaderless else 1
        evidence += [link(f"{m.name}（未编入党小组）", "member_records", m.id) for m in ungrouped[:5]]
        out[bid] = Suggestion(
            final_score(item, 2, score),
            f"考核期末在册党员{n}名、党小组{len(groups)}个，未编入党小组的党员{len(ungrouped)}名，"
            f"没有党小组长的党小组{len(leaderless)}个{('（' + join_names(leaderless) + '）') if leaderless else ''}，"
            f"得{points_text(score)}分。",
            evidence,
        )
    return out


@rule(
    "committee_duties",
    "考核期截止时在任的每名支委（含只设书记的）都登记了分工得3分；部分登记得1.5分；都未登记或没有在任支委得0分。",
)
def committee_duties(ctx, item):
    out = {}
    for bid in ctx.branch_ids:
        term, _ = committee_terms(ctx)[bid]
        evidence = [link("支部页面（支委会）", "branch_detail", bid)]
        held = [s for s in term.seats if s.state_on(ctx.end) == "held"] if term else []
        if not held:
            out[bid] = Suggestion(
                final_score(item, 3, 0), "平台上没有本支部考核期截止时在任的支委记录，得0分。", evidence
            )
            continue
        with_duties = [s for s in held if s.duties.strip()]
        missing = [Position(s.position).label for s in held if not s.duties.strip()]
        score = 3 if len(with_duties) == len(held) else (HALF * 3 if with_duties else 0)
        out[bid] = Suggestion(
            final_score(item, 3, score),
            f"在任支委{len(held)}名，其中{len(with_duties)}名登记了分工"
            f"{('（未登记：' + join_names(missing) + '）') if missing else ''}，得{points_text(score)}分。",
            evidence,
        )
    return out


@rule(
    "elections",
    "按期换届1.5分：考核期截止时本届未逾期（届满日期，经批准延期的按延期日期，不早于考核期截止日），考核期内完成的换届"
    "不晚于上一届的届满（延期）日期，且本届任期年限符合换届任期规定（考核周期选定的规定；未选定的按本届选举时施行的规定："
    "《基层组织选举工作暂行条例》2年或3年，《支部工作条例（试行）》3年、村和社区3年或5年；按支部类型，规定是可维护的数据）；"
    "逾期后上级党组织采取的整顿、选派、兼任措施在理由中列出；"
    f"及时补选1.5分：考核期截止时没有出缺超过{VACANCY_MAX_DAYS}天的职务。"
    "没有在任支委会得0分。",
)
def elections(ctx, item):
    out = {}
    for bid in ctx.branch_ids:
        term, ended = committee_terms(ctx)[bid]
        evidence = [link("支部页面（换届与补选）", "branch_detail", bid)]
        if term is None:
            out[bid] = Suggestion(
                final_score(item, 3, 0), "平台上没有本支部考核期截止时在任的支委会届次记录，得0分。", evidence
            )
            continue
        parts = []
        overdue_days = (ctx.end - term.effective_due_on).days
        due_label = "延期至" if term.postponed_until else "届满日期"
        late = [t for t in ended if t.ended_on > t.effective_due_on]
        on_time = overdue_days <= 0 and not late
        if overdue_days > 0:
            parts.append(f"本届{due_label}{term.effective_due_on}，考核期截止时已逾期{overdue_days}天")
        elif late:
            t = late[-1]
            parts.append(f"考核期内换届时已逾期{(t.ended_on - t.effective_due_on).days}天")
        else:
            parts.append(f"本届{due_label}{term.effective_due_on}，按期换届")
        rule_set, allowed = allowed_term_years(ctx, term, branch_rows(ctx)[bid]["branch_type"])
        if allowed and term.term_years not in allowed:
            on_time = False
            parts.append(f"本届任期{term.term_years}年，不符合{rule_set.name}（本类支部{years_text(allowed)}）")
        if term.interventions and overdue_days > 0:
            steps = "、".join(f"{d.month}月{d.day}日{kind}{person}" for d, kind, person in term.interventions[-2:])
            parts.append(f"上级党组织已采取措施（{steps}）")
        vacancies = []
        for s in term.seats:
            if s.state_on(ctx.end) == "vacant":
                days = (ctx.end - (s.vacated_on or s.since)).days
                vacancies.append((days, Position(s.position).label))
        long_ones = [(d, p) for d, p in vacancies if d > VACANCY_MAX_DAYS]
        if not vacancies:
            parts.append("没有出缺的职务")
        else:
            longest = max(vacancies)
            parts.append(f"出缺职务{len(vacancies)}个，最长为{longest[1]}已出缺{longest[0]}天")
        score = (HALF * 3 if on_time else 0) + (HALF * 3 if not long_ones else 0)
        out[bid] = Suggestion(final_score(item, 3, score), "，".join(parts) + f"，得{points_text(score)}分。", evidence)
    return out
