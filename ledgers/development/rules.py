"""The checks a step must pass when it is recorded: time rules between steps (data,
``DevRule``), the order of the stages, the length of 集中培训 and the vote numbers.

A break does not refuse the step: it needs an exception reason and is kept on the step.
"""

import datetime

from ledgers.development.steps import STAGE_STEPS, STEP, STOP_CODE, VOTE_FIELDS, fmt_day, training_minimum
from ledgers.models import DevRule
from wujin_branch.errors import DomainError


def active_rules() -> list[DevRule]:
    return list(DevRule.objects.filter(active=True).order_by("from_step", "to_step", "id"))


def rule_breaks_for(code: int, done_on: datetime.date, dates: dict[int, datetime.date], rules) -> list[str]:
    """The time rules that recording ``code`` on ``done_on`` breaks, given the other steps' dates."""
    out = []
    for r in rules:
        if r.to_step == code and r.from_step in dates:
            start, end = dates[r.from_step], done_on
        elif r.from_step == code and r.to_step in dates:
            start, end = done_on, dates[r.to_step]
        else:
            continue
        days = (end - start).days
        span = f"第{r.from_step}步 {fmt_day(start)} 至第{r.to_step}步 {fmt_day(end)}"
        if days < 0:
            out.append(f"{r.description}（{span}，第{r.to_step}步早于第{r.from_step}步）")
        elif r.min_days is not None and days < r.min_days:
            out.append(f"{r.description}（{span}，仅 {days} 天，应不少于 {r.min_days} 天）")
        elif r.max_days is not None and days > r.max_days:
            out.append(f"{r.description}（{span}，已 {days} 天，应不超过 {r.max_days} 天）")
    return out


def order_breaks_for(code: int, done_on: datetime.date, dates: dict[int, datetime.date]) -> list[str]:
    """Steps of an earlier stage not yet done, or dated after this one; later stages dated before it."""
    stage = STEP[code].stage
    out = []
    missing = [c for k in range(1, stage) for c in STAGE_STEPS[k] if c not in dates]
    if missing:
        names = "、".join(f"第{c}步“{STEP[c].name}”" for c in missing)
        out.append(f"顺序：前一阶段的{names}尚未完成，即进行第{code}步")
    for c, d in sorted(dates.items()):
        if c == code or c == STOP_CODE:
            continue
        if STEP[c].stage < stage and d > done_on:
            out.append(
                f"顺序：第{code}步日期 {fmt_day(done_on)} 早于前一阶段第{c}步“{STEP[c].name}”的日期 {fmt_day(d)}"
            )
        elif STEP[c].stage > stage and d < done_on:
            out.append(
                f"顺序：第{code}步日期 {fmt_day(done_on)} 晚于后一阶段第{c}步“{STEP[c].name}”的日期 {fmt_day(d)}"
            )
    return out


def training_breaks(days, hours) -> list[str]:
    min_days, min_hours = training_minimum()
    if (days or 0) >= min_days or (hours or 0) >= min_hours:
        return []
    return [f"集中培训时间一般不少于{min_days}天或{min_hours}个学时（本次 {days or 0} 天、{hours or 0} 学时）"]


def check_votes(code: int, votes: dict) -> dict:
    """Validate the vote numbers of a step; return the values to store (all None if there is no vote)."""
    kind = STEP[code].vote
    values = {k: votes.get(k) for k in VOTE_FIELDS}
    given = [v for v in values.values() if v is not None]
    if not kind:
        return {k: None for k in VOTE_FIELDS}
    if not given and kind == "optional":
        return values
    if len(given) != len(VOTE_FIELDS):
        raise DomainError("请完整填写应到、实到、发出票数、收回票数和赞成票。", field="vote_expected")
    if any(v < 0 for v in given):
        raise DomainError("票数不能为负数。", field="vote_expected")
    e, p, i, r, y = (values[k] for k in VOTE_FIELDS)
    if e == 0:
        raise DomainError("应到人数不能为 0。", field="vote_expected")
    if p > e:
        raise DomainError(f"实到人数（{p}）不能多于应到人数（{e}）。", field="vote_present")
    if i > p:
        raise DomainError(f"发出票数（{i}）不能多于实到人数（{p}）。", field="ballots_issued")
    if r > i:
        raise DomainError(f"收回票数（{r}）不能多于发出票数（{i}）。", field="ballots_returned")
    if y > r:
        raise DomainError(f"赞成票（{y}）不能多于收回票数（{r}）。", field="votes_for")
    if kind == "required" and y * 2 <= e:
        raise DomainError(
            f"赞成票 {y} 张，未超过应到会有表决权的正式党员（{e} 人）的半数，决议未通过，不能记录为通过。",
            field="votes_for",
        )
    return values
