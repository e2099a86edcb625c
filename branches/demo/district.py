"""District scale: ~40 committees and thousands of generated branches (for the benchmark)."""

import math

from branches.demo.common import DEMO_BRANCH, MAX_SIZE, MIN_SIZE, Weighted, cn
from branches.demo.names import (
    ASSOC,
    BUSINESS,
    CHAIN,
    COMMUNITY_A,
    COMMUNITY_B,
    COMPANY_A,
    COMPANY_FORM,
    COMPANY_IND,
    HOSPITAL_DEPTS,
    MARKET_GOODS,
    OTHER_BRANCH,
    OTHER_UNITS,
    PLACE_A,
    PLACE_B,
    PRODUCE,
    SCHOOLS,
    SOCIAL,
    SOE,
    TOWN_UNITS,
)
from branches.demo.plan import BranchSpec, CommitteeSpec, GeneralSpec
from branches.demo.profiles import PROFILES, TYPE_PROFILE

# (name, kind, weight, short name) in the order a small run picks them: one of each kind first.
COMMITTEES = [
    ("湖塘镇党委", "town", 9, "湖塘镇"),
    ("武进国家高新区党工委", "devzone", 7, "高新区"),
    ("南夏墅街道党工委", "subdistrict", 3, "南夏墅街道"),
    ("区委办公室党组", "dept", 0.3, "区委办公室"),
    ("区教育局党委", "bureau", 5, "区教育局"),
    ("区人民医院党委", "direct", 0.8, "区人民医院"),
    ("区总工会党组", "people", 0.15, "区总工会"),
    ("牛塘镇党委", "town", 5, "牛塘镇"),
    ("遥观镇党委", "town", 6, "遥观镇"),
    ("横林镇党委", "town", 6, "横林镇"),
    ("洛阳镇党委", "town", 5, "洛阳镇"),
    ("横山桥镇党委", "town", 5, "横山桥镇"),
    ("雪堰镇党委", "town", 5, "雪堰镇"),
    ("前黄镇党委", "town", 5, "前黄镇"),
    ("礼嘉镇党委", "town", 5, "礼嘉镇"),
    ("嘉泽镇党委", "town", 4, "嘉泽镇"),
    ("湟里镇党委", "town", 4, "湟里镇"),
    ("武进经济开发区党工委", "devzone", 5, "经开区"),
    ("西太湖科技产业园党工委", "devzone", 4, "西太湖"),
    ("西湖街道党工委", "subdistrict", 3, "西湖街道"),
    ("丁堰街道党工委", "subdistrict", 2, "丁堰街道"),
    ("戚墅堰街道党工委", "subdistrict", 2, "戚墅堰街道"),
    ("潞城街道党工委", "subdistrict", 2, "潞城街道"),
    ("区委宣传部机关党委", "dept", 0.3, "区委宣传部"),
    ("区委政法委机关党委", "dept", 0.3, "区委政法委"),
    ("区委统战部机关党委", "dept", 0.2, "区委统战部"),
    ("区卫生健康局党委", "bureau", 2, "区卫生健康局"),
    ("区财政局党组", "bureau", 0.4, "区财政局"),
    ("区住房和城乡建设局党委", "bureau", 0.8, "区住建局"),
    ("区农业农村局党委", "bureau", 0.6, "区农业农村局"),
    ("区交通运输局党委", "bureau", 0.6, "区交通运输局"),
    ("区市场监督管理局党委", "bureau", 1, "区市场监管局"),
    ("常州市公安局武进分局党委", "bureau", 1.5, "武进公安分局"),
    ("武进城市建设投资集团党委", "bureau", 1, "武进城投集团"),
    ("武进水务集团党委", "bureau", 0.6, "武进水务集团"),
    ("区中医医院党委", "direct", 0.5, "区中医医院"),
    ("区第二人民医院党委", "direct", 0.4, "区第二人民医院"),
    ("武进开放大学党委", "direct", 0.3, "武进开放大学"),
    ("区融媒体中心党委", "direct", 0.3, "区融媒体中心"),
    ("团区委党组", "people", 0.1, "团区委"),
    ("区妇联党组", "people", 0.1, "区妇联"),
    ("区科协党组", "people", 0.1, "区科协"),
    ("区工商联党组", "people", 0.2, "区工商联"),
    ("区残联党组", "people", 0.1, "区残联"),
]

TYPE_WEIGHTS = {
    "town": {
        "village": 30,
        "community": 12,
        "private": 32,
        "organ": 4,
        "institution": 5,
        "social": 3,
        "regional": 4,
        "coop": 4,
        "association": 2,
        "soe": 1,
        "chain": 1,
        "other": 2,
    },
    "devzone": {
        "private": 55,
        "regional": 10,
        "chain": 6,
        "soe": 6,
        "community": 8,
        "organ": 5,
        "social": 4,
        "institution": 4,
        "association": 2,
    },
    "subdistrict": {
        "community": 40,
        "private": 28,
        "organ": 5,
        "social": 8,
        "regional": 8,
        "institution": 5,
        "other": 3,
        "association": 3,
    },
    "dept": {"organ": 85, "other": 15},
    "bureau": {"organ": 25, "institution": 50, "soe": 18, "other": 7},
    "direct": {"institution": 80, "organ": 10, "other": 10},
    "people": {"organ": 75, "social": 15, "association": 10},
}
REGIONAL_WEIGHTS = {"park": 35, "market": 20, "building": 25, "business": 20}


_W = {k: Weighted(v) for k, v in TYPE_WEIGHTS.items()}
_REGIONAL = Weighted(REGIONAL_WEIGHTS)


class _Namer:
    """Branch names for one committee, unique within it."""

    def __init__(self, rng, short: str, kind: str):
        self.rng, self.short, self.kind = rng, short, kind
        self.used: set[str] = set()
        self.counters: dict[str, int] = {}

    def _next(self, key):
        self.counters[key] = self.counters.get(key, 0) + 1
        return self.counters[key]

    def place(self):
        r = self.rng
        while True:
            a, b = r.choice(PLACE_A), r.choice(PLACE_B)
            if a != b:
                return a + b

    def company(self):
        r = self.rng
        return r.choice(COMPANY_FORM).format(a=r.choice(COMPANY_A), i=r.choice(COMPANY_IND))

    def _raw(self, btype, regional):
        r, s = self.rng, self.short
        if btype == "village":
            return f"{self.place()}村党支部"
        if btype == "community":
            return f"{r.choice(COMMUNITY_A)}{r.choice(COMMUNITY_B)}党支部"
        if btype == "organ":
            return f"{s}机关第{cn(self._next('organ'))}党支部"
        if btype == "institution":
            if "教育" in s:
                return f"武进区{r.choice(COMMUNITY_A + [self.place()])}{r.choice(SCHOOLS)}党支部"
            if "医院" in s:
                return f"{s}{r.choice(HOSPITAL_DEPTS)}党支部"
            units = TOWN_UNITS if self.kind in ("town", "devzone", "subdistrict") else OTHER_UNITS
            return f"{s}{r.choice(units)}党支部"
        if btype == "soe":
            return f"武进{r.choice(SOE)}{r.choice(['集团有限公司', '有限公司'])}党支部"
        if btype == "private":
            return f"{self.company()}党支部"
        if btype == "social":
            return f"{s}{r.choice(SOCIAL)}党支部"
        if btype == "association":
            return f"{s}{r.choice(ASSOC)}协会党支部"
        if btype == "coop":
            return f"{self.place()}{r.choice(PRODUCE)}专业合作社党支部"
        if btype == "chain":
            return f"{s}{r.choice(CHAIN)}产业链党支部"
        if btype == "other":
            return f"{s}{r.choice(OTHER_BRANCH).format(n=cn(self._next('other')))}"
        # regional
        if regional == "park":
            return f"{s}{self.place()}工业园区联合党支部"
        if regional == "market":
            return f"{self.place()}{r.choice(MARKET_GOODS)}市场党支部"
        if regional == "building":
            return f"{r.choice(COMPANY_A)}{r.choice(['大厦', '广场', '科技大厦', '国际中心'])}楼宇党支部"
        return f"{r.choice(BUSINESS)}商圈党支部"

    def unique(self, make):
        for _ in range(20):
            name = make()
            if name not in self.used:
                break
        n = 1
        base = name
        while name in self.used:
            n += 1
            name = base.replace("党支部", f"第{cn(n)}党支部") if base.endswith("党支部") else f"{base}{n}"
        self.used.add(name)
        return name

    def branch(self, btype):
        regional = _REGIONAL.pick(self.rng) if btype == "regional" else ""
        return BranchSpec(self.unique(lambda: self._raw(btype, regional)), btype, regional_kind=regional)

    def general(self, n_children):
        if self.kind == "town" and self.rng.random() < 0.7:
            base, btype = self.unique(lambda: f"{self.place()}村党总支")[:-3], "village"
        elif self.kind == "subdistrict":
            base, btype = self.unique(lambda: f"{self.rng.choice(COMMUNITY_A)}社区党总支")[:-3], "community"
        else:
            base, btype = self.unique(lambda: f"{self.company()}党总支")[:-3], "private"
        children = [BranchSpec(f"{base}第{cn(i)}党支部", btype) for i in range(1, n_children + 1)]
        self.used.update(c.name for c in children)
        return GeneralSpec(f"{base}党总支", children)


def _allocate(total, weights):
    """Split ``total`` by weight, at least one each (largest remainder, ties by order)."""
    k = len(weights)
    rest = total - k
    s = sum(weights)
    raw = [w / s * rest for w in weights]
    out = [1 + int(x) for x in raw]
    left = total - sum(out)
    order = sorted(range(k), key=lambda i: (-(raw[i] - int(raw[i])), i))
    for i in order[:left]:
        out[i] += 1
    return out


def district_plan(rng, n_branches=3000, members_per_branch=30):
    """A generated district: ~40 committees, ``n_branches`` branches, ~``members_per_branch`` members each."""
    k = max(1, min(n_branches, max(7, min(len(COMMITTEES), n_branches // 20))))
    chosen = COMMITTEES[:k]
    plan = []
    for (name, kind, _, short), quota in zip(chosen, _allocate(n_branches, [c[2] for c in chosen]), strict=True):
        c = CommitteeSpec(name, kind)
        namer = _Namer(rng, short, kind)
        remaining = quota
        if c.reviewer:
            namer.used.add(DEMO_BRANCH)
            c.units.append(BranchSpec(DEMO_BRANCH, "village", term="fine", demo=True))
            remaining -= 1
        while remaining > 0:
            if kind in ("town", "devzone", "subdistrict") and remaining >= 3 and rng.random() < 0.035:
                g = namer.general(min(remaining, rng.randint(2, 4)))
                c.units.append(g)
                remaining -= len(g.branches)
            else:
                c.units.append(namer.branch(_W[kind].pick(rng)))
                remaining -= 1
        plan.append(c)

    specs = [b for c in plan for b in _branch_specs(c)]
    candidates = [b for b in specs if not b.demo]
    n_shell = max(1, round(len(specs) * 0.005)) if len(specs) >= 10 else 0
    for b in rng.sample(candidates, n_shell):
        b.term = "none"
    live = [b for b in specs if b.term != "none"]
    sigma = 0.65
    factor = members_per_branch / 30
    sizes = [
        rng.lognormvariate(math.log(PROFILES[TYPE_PROFILE[b.branch_type]].mean_size * factor) - sigma**2 / 2, sigma)
        for b in live
    ]
    sizes = _fit_sizes(rng, sizes, members_per_branch * len(specs))
    demo = next((i for i, b in enumerate(live) if b.demo), None)
    if demo is not None:
        top = max(range(len(sizes)), key=lambda i: (sizes[i], -i))
        sizes[demo], sizes[top] = sizes[top], sizes[demo]
    for b, n in zip(live, sizes, strict=True):
        b.size = n
    return plan


def _fit_sizes(rng, raw, total):
    """Round and scale sizes into [MIN_SIZE, MAX_SIZE] so they add up to ``total`` where possible."""
    if not raw:
        return []
    f = total / sum(raw)
    sizes = [min(MAX_SIZE, max(MIN_SIZE, round(x * f))) for x in raw]
    diff = total - sum(sizes)
    n = len(sizes)
    guard = 20 * n + 10 * abs(diff)
    while diff and guard:
        guard -= 1
        i = rng.randrange(n)
        if diff > 0 and sizes[i] < MAX_SIZE:
            sizes[i] += 1
            diff -= 1
        elif diff < 0 and sizes[i] > MIN_SIZE:
            sizes[i] -= 1
            diff += 1
    return sizes


def _branch_specs(c):
    for u in c.units:
        if isinstance(u, GeneralSpec):
            yield from u.branches
        else:
            yield u
