"""Demo 党建工作经费, 阵地, 党务公开, member records and screenings."""

import datetime
import random

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from branches.demo import REVIEWER_COMMITTEE
from branches.demo.copy import Tables
from branches.models import (
    MemberStatus,
    Organization,
    OrgKind,
)
from ledgers.demo.bulk import pool_photos
from ledgers.demo.common import YUAN, D, days
from ledgers.demo.people import World, upload_of
from ledgers.disclosure import services as disclosure
from ledgers.funding import rules as funding_rules
from ledgers.funding import services as funding
from ledgers.member_records import services as member_records
from ledgers.models import (
    FundingCategory,
    FundingEntry,
    FundingYear,
    MemberRecord,
    NoticeCategory,
    Photo,
    PublicNotice,
    RecordKind,
    RoomCheck,
    RoomItem,
    RoomKind,
)
from ledgers.venue import services as venue
from wujin_branch import images
from wujin_branch.storage import private_storage

# ---------------------------------------------------------------- funding

INCOME = {
    "village": ("村集体经济收入安排党建工作经费", (20000, 40000)),
    "community": ("街道（镇）拨付社区党建工作经费", (15000, 30000)),
    "enterprise": ("公司按营收比例列支党建工作经费", (5000, 20000)),
    "social": ("业务收入中列支党建工作经费", (3000, 8000)),
    "retired": ("单位拨付离退休党支部活动经费", (6000, 15000)),
}
EXPENSES = [
    (FundingCategory.POSITION, "更新党务公开栏、党建宣传展板", (800, 4000)),
    (FundingCategory.POSITION, "购置党旗、党徽和活动室桌椅", (600, 3500)),
    (FundingCategory.EDUCATION, "组织党员赴{site}开展党性教育交通费", (800, 3000)),
    (FundingCategory.EDUCATION, "购买党员学习教材和笔记本", (300, 1500)),
    (FundingCategory.EDUCATION, "入党积极分子培训资料费", (200, 800)),
    (FundingCategory.COMMENDATION, "“七一”走访慰问老党员、困难党员", (1000, 5000)),
    (FundingCategory.COMMENDATION, "春节走访慰问困难党员", (1000, 4000)),
    (FundingCategory.NEWSPAPERS, "订阅《人民日报》《新华日报》《常州日报》《求是》", (1200, 2600)),
]
SITES = ["常州三杰纪念馆", "新四军江南指挥部纪念馆", "雨花台烈士陵园", "沙家浜革命历史纪念馆"]


def _standard(b, rng):
    if funding_rules.standard_is_computed(b.org):
        return None, ""
    label, (lo, hi) = INCOME.get(b.profile, INCOME["social"])
    fen = rng.randint(lo, hi) // 500 * 500 * YUAN
    return fen, funding_rules.MANUAL_BASIS_HINTS.get(b.org.branch_type, label)[:120]


RECEIPT_POOL = 8  # receipts shared by the other branches' entries


class _Entries:
    """The demo branch's entries through ``funding_entry_create`` (receipts uploaded and
    processed); the other branches' built alike and written in bulk at the end, their receipts
    pointing at a few stored ones."""

    def __init__(self, w):
        self.w, self.rows, self.pool = w, [], None

    def receipt(self, b, name):
        """The demo branch's receipt as an upload; another branch's a stored receipt's name (the
        same draw from the demo's random stream, so the rest of the demo stays as it was)."""
        if b.demo:
            return upload_of(self.w.rng, name, kind="receipt", size=(300, 420))
        return self._pool()[self.w.rng.getrandbits(64) % RECEIPT_POOL]

    def add(self, b, fy, *, year, category, amount_fen, occurred_on, description, receipt=None):
        if b.demo:
            funding.funding_entry_create(
                actor=b.user, branch=b.org, year=year, category=category, amount_fen=amount_fen,
                occurred_on=occurred_on, description=description, receipt=receipt,
            )  # fmt: skip
            return
        e = FundingEntry(funding=fy, category=category, amount_fen=amount_fen, occurred_on=occurred_on,
                         description=description.strip(), receipt=receipt or "", recorded_by=b.user)  # fmt: skip
        e._history_user = b.user
        self.rows.append(e)

    def _pool(self):
        if self.pool is None:
            own = random.Random("receipts")
            self.pool = []
            for i in range(RECEIPT_POOL):
                content = funding.check_receipt(upload_of(own, f"receipt_{i}.jpg", kind="receipt", size=(300, 420)))
                name = f"receipts/demo-pool/{i:03d}.jpg"
                if private_storage.exists(name):
                    private_storage.delete(name)
                self.pool.append(private_storage.save(name, content))
        return self.pool

    def write(self):
        tables = Tables()
        tables.insert_objects(FundingEntry, self.rows)
        tables.history_of(FundingEntry, self.rows, user=self.w.actor)


def seed_funding(w: World):
    rng = w.rng
    receipt_no = 0
    entries = _Entries(w)
    for b in w.branches:
        std_fen, basis = _standard(b, rng)
        for year in (w.last, w.this):
            vetoed = b is w.no_fund
            standard = funding_rules.funding_standard(b.org, year).fen if std_fen is None else std_fen
            budget = 0 if vetoed else max(standard, 3000 * YUAN) + rng.choice([0, 0, 500, 1000]) * YUAN
            fy = FundingYear.objects.filter(branch=b.org, year=year).first()
            fy = funding.funding_year_save(
                actor=b.user, branch=b.org, year=year, version=fy.version if fy else None, budget_fen=budget,
                has_special_fund=not vetoed, has_account=not vetoed and (b.demo or rng.random() < 0.85),
                account_name=f"{b.org.name}党建工作经费专账", standard_fen=0 if vetoed else std_fen,
                standard_basis="" if vetoed else basis,
            )  # fmt: skip
            w.counts["funding_years"] += 1
            lo, hi = w.year_days(year)
            if vetoed:
                entries.add(
                    b, fy, year=year, category=FundingCategory.RETURNED_DUES,
                    amount_fen=rng.randint(30, 90) * YUAN, occurred_on=w.day(D(year, 3, 1), D(year, 4, 30)),
                    description="上级党委返还党费",
                )  # fmt: skip
                continue
            label = INCOME.get(b.profile, ("上级拨付党建工作经费", None))[0]
            if std_fen is None:
                label = "财政预算安排党建工作经费（按在册党员每人每年600元）"
            incomes = [(FundingCategory.ALLOCATION, label, budget, w.day(D(year, 1, 5), D(year, 3, 31)))]
            incomes.append((FundingCategory.RETURNED_DUES, "上级党委返还党费", rng.randint(200, 1500) * YUAN,
                            w.day(D(year, 4, 1), D(year, 6, 30))))  # fmt: skip
            for cat, text, amount, day in incomes:
                if day <= w.today:
                    entries.add(b, fy, year=year, category=cat, amount_fen=amount, occurred_on=day, description=text)
                    w.counts["funding_entries"] += 1
            spend = rng.sample(EXPENSES, rng.randint(4, 6))
            missing_receipt = -1
            if b.demo and year == w.this:
                missing_receipt = 0  # the demo branch's one thing to fix here
            elif not b.demo and rng.random() < 0.2:
                missing_receipt = len(spend) - 1
            if b is w.other_expense and year == w.this:
                spend.insert(0, (FundingCategory.OTHER_EXPENSE, "购买办公室打印机耗材（非党建专用）", (300, 900)))
            total = 0
            for i, (cat, text, (a_lo, a_hi)) in enumerate(spend):
                day = w.day(lo + days(20), hi)
                amount = rng.randint(a_lo, a_hi) * YUAN
                if total + amount > budget:
                    continue
                total += amount
                receipt = None
                if i != missing_receipt:
                    receipt_no += 1
                    receipt = entries.receipt(b, f"receipt_{receipt_no:04d}.jpg")
                entries.add(
                    b, fy, year=year, category=cat, amount_fen=amount, occurred_on=day,
                    description=text.format(site=rng.choice(SITES)), receipt=receipt,
                )  # fmt: skip
                w.counts["funding_entries"] += 1
                w.counts["receipts"] += receipt is not None
    entries.write()


# ---------------------------------------------------------------- 阵地 and 党务公开

SHARED_WITH = {
    "village": "村党群服务中心",
    "community": "社区党群服务中心",
    "enterprise": "园区党群服务中心",
    "social": "区社会组织党群服务中心",
    "retired": "老干部活动中心",
    "organ": "机关党员活动中心",
    "institution": "单位党建活动室",
}


ROOM_POOL = 12  # pictures shared by the other branches' checklist photos


def seed_rooms(w: World):
    """The demo branch's checklist through the services (its photos uploaded and processed);
    the other branches' rooms through ``room_save``, their checklist items and photos written
    in bulk (photo rows over a small pool of stored pictures, each with its own hashes, as
    the activity records' photos are)."""
    rng = w.rng
    checks, photos, pool = [], [], None
    for b in w.branches:
        own = b.org.has_own_room
        place = b.org.name.removesuffix("党支部")
        room = venue.room_save(
            actor=b.user, branch=b.org, kind=RoomKind.OWN if own else RoomKind.SHARED,
            shared_with="" if own else SHARED_WITH[b.profile],
            address=f"常州市武进区{place}{rng.choice(['二楼', '一楼', '三楼'])}党员活动室" if own
            else f"常州市武进区{SHARED_WITH[b.profile]}",
            area_m2=rng.randint(30, 120) if own else rng.randint(60, 300),
        )  # fmt: skip
        items = list(RoomItem.values)
        missing = set()
        if not b.demo:
            missing = set(rng.sample([RoomItem.REMOTE, RoomItem.MATERIALS, RoomItem.CHART, RoomItem.RULES],
                                     rng.choice([0, 0, 1, 1, 2])))  # fmt: skip
        no_photo = {RoomItem.CHART} if b.demo else set()
        checked = w.day(D(w.this, 1, 5), D(w.this, 4, 30))
        for item in items:
            present = item not in missing
            with_photo = present and item not in no_photo
            if b.demo:
                venue.room_check_save(
                    actor=b.user, branch=b.org, item=item, present=present, checked_on=checked,
                    photos=[upload_of(rng, f"IMG_{checked:%Y%m%d}_{item}.jpg", day=checked)] if with_photo else [],
                    note="" if present else rng.choice(["已列入今年阵地改造计划", "正在制作，预计下月上墙"]),
                )  # fmt: skip
            else:
                if with_photo:  # the same draws as upload_of, so the rest of the demo stays as it was
                    taken, bits = _pooled_photo_draw(rng, checked)
                note = "" if present else rng.choice(["已列入今年阵地改造计划", "正在制作，预计下月上墙"])
                check = RoomCheck(room=room, item=item, present=present, checked_on=checked, note=note)
                check._history_user = b.user
                checks.append(check)
                if with_photo:
                    if pool is None:
                        pool = pool_photos(random.Random("rooms"), ROOM_POOL, folder="demo-room-pool")
                    photos.append((check, b, taken, bits, f"IMG_{checked:%Y%m%d}_{item}.jpg"))
            w.counts["room_checks"] += 1
            w.counts["photos"] += with_photo
    _write_with_photos(RoomCheck, checks, photos, pool, w.actor)


def _pooled_photo_draw(rng, day):
    """The draws ``upload_of(rng, …, day=day)`` makes (capture time, picture seed), without drawing a picture."""
    hour, minute = rng.randint(8, 17), rng.randint(0, 59)
    taken = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))
    return taken, rng.getrandbits(64)


def _write_with_photos(model, owners, photos, pool, actor):
    """``owners`` (rows of ``model``) and their photos, with history rows, in bulk. ``photos``
    are (owner, branch, capture time, picture seed, file name); the rows point at ``pool``."""
    tables = Tables()
    tables.insert_objects(model, owners)
    tables.history_of(model, owners, user=actor)
    ct = ContentType.objects.get_for_model(model)
    rows = []
    for owner, b, taken, bits, name in photos:
        own = random.Random(bits)  # the photo's own hashes: distinct photos, as the upload path gives
        names, width, height = pool[bits % len(pool)]
        phash = images.to_signed64(own.getrandbits(64))
        band = images.hash_bands(phash)
        p = Photo(
            branch=b.org, owner_type=ct, owner_id=owner.pk, original=names["original"], display=names["display"],
            thumb=names["thumb"], width=width, height=height, taken_at=taken, phash=phash, band0=band[0],
            band1=band[1], band2=band[2], band3=band[3], sha256=f"{own.getrandbits(256):064x}", original_name=name,
            uploaded_by=b.user,
        )  # fmt: skip
        p._history_user = b.user
        rows.append(p)
    tables.insert_objects(Photo, rows)
    tables.history_of(Photo, rows, user=actor)


NOTICES = [
    (NoticeCategory.PLAN, "{year}年党支部工作计划", (1, 3), "公开支部年度工作计划、学习教育计划和党课计划。"),
    (NoticeCategory.DUES, "{year}年上半年党费收缴情况公示", (7, 8), "上半年应交党费{n}人，已交{n}人，党费已全额上缴。"),
    (NoticeCategory.DUES, "{year}年下半年党费收缴情况公示", (12, 12), "下半年党费收缴情况及党建工作经费使用情况。"),
    (
        NoticeCategory.REWARDS,
        "“七一”优秀共产党员表彰名单",
        (6, 7),
        "经支部委员会研究，报上级党委同意，表彰优秀共产党员。",
    ),
    (
        NoticeCategory.DEVELOPMENT,
        "{year}年发展党员工作公示",
        (5, 10),
        "公示拟确定的发展对象和拟接收的预备党员，接受党员群众监督。",
    ),
    (NoticeCategory.OTHER, "村（社区）重大事项“四议两公开”结果公示", (3, 11), "公开近期研究决定的重大事项及办理结果。"),
]


def seed_notices(w: World):
    """The demo branch's postings through ``notice_create``; the other branches' in bulk, their
    photos over the pool of stored pictures (as for the 阵地 checklist)."""
    rng = w.rng
    notices, photos, pool = [], [], None
    for b in w.branches:
        for year in (w.last, w.this):
            for category, title, (m1, m2), content in NOTICES:
                if category == NoticeCategory.OTHER and b.profile not in ("village", "community"):
                    continue
                if not b.demo and rng.random() < 0.15:
                    continue
                posted = w.day(D(year, m1, 1), D(year, m2, 28))
                if posted > w.today or (year == w.this and posted.month == 12):
                    continue
                with_photo = rng.random() < 0.3
                name = f"IMG_{posted:%Y%m%d}_gkl.jpg"
                if b.demo:
                    disclosure.notice_create(
                        actor=b.user, branch=b.org, category=category, title=title.format(year=year),
                        posted_on=posted, content=content.format(n=len(b.members)),
                        photos=[upload_of(rng, name, day=posted)] if with_photo else [],
                    )  # fmt: skip
                else:
                    n = PublicNotice(branch=b.org, category=category, title=title.format(year=year).strip(),
                                     posted_on=posted, content=content.format(n=len(b.members)).strip(),
                                     created_by=b.user)  # fmt: skip
                    n._history_user = b.user
                    notices.append(n)
                    if with_photo:
                        if pool is None:
                            pool = pool_photos(random.Random("notices"), ROOM_POOL, folder="demo-notice-pool")
                        photos.append((n, b, *_pooled_photo_draw(rng, posted), name))
                w.counts["notices"] += 1
                w.counts["photos"] += with_photo
    _write_with_photos(PublicNotice, notices, photos, pool, w.actor)


# ---------------------------------------------------------------- member records and screenings

TRAININGS = ["参加区委党校党员冬训", "参加支部集中学习（党章党规）", "参加“学习强国”专题线上学习",
             "参加{c}组织的党员轮训班", "参加党的创新理论专题辅导报告会"]  # fmt: skip
REWARDS = ["被{c}评为{year}年度优秀共产党员", "被评为{year}年度优秀党务工作者", "获{year}年度“党员先锋岗”称号"]
VISITS = [("春节走访慰问", (1, 2)), ("“七一”走访慰问", (6, 7)), ("重阳节走访慰问", (10, 10))]


def seed_member_records(w: World):
    """The demo branch's records through the service; the other branches' (about nine in ten)
    built alike and written in bulk with their history rows at the end."""
    rng = w.rng
    bulk = []

    def add(b, m, *, kind, occurred_on, title, detail="", amount_fen=None, by_whom=""):
        w.counts["member_records"] += 1
        if b.demo:
            member_records.member_record_create(
                actor=b.user, member=m, kind=kind, occurred_on=occurred_on, title=title, detail=detail,
                amount_fen=amount_fen, by_whom=by_whom,
            )  # fmt: skip
            return
        if kind not in (RecordKind.HELP, RecordKind.VISIT, RecordKind.REWARD):
            amount_fen = None  # as the service keeps it
        r = MemberRecord(member=m, kind=kind, occurred_on=occurred_on, title=title.strip(), detail=detail,
                         amount_fen=amount_fen, by_whom=by_whom, created_by=b.user)  # fmt: skip
        r._history_user = b.user
        bulk.append(r)

    for b in w.branches:
        cname = b.committee.name if b.committee else "上级党委"
        share = 0.9 if b.demo else rng.choice([0.9, 0.8, 0.7, 0.6, 0.4])
        for year in (w.last, w.this):
            for m in b.members:
                if m.joined_on > D(year, 6, 30):
                    continue
                if rng.random() < share:
                    day = w.day(D(year, 1, 10), D(year, 11, 30))
                    add(
                        b, m, kind=RecordKind.TRAINING, occurred_on=day,
                        title=rng.choice(TRAININGS).format(c=cname), detail=f"学时{rng.choice([4, 8, 12, 16])}学时",
                        by_whom=b.org.name,
                    )  # fmt: skip
                if m.is_pre_1949 or m.is_hardship:
                    for title, (m1, m2) in rng.sample(VISITS, 2):
                        day = w.day(D(year, m1, 1), D(year, m2, 28))
                        if day > w.today or (day.year == w.this and day.month > w.today.month):
                            continue
                        add(
                            b, m, kind=RecordKind.VISIT, occurred_on=day,
                            title=f"{title}{'建国前老党员' if m.is_pre_1949 else '困难党员'}",
                            detail="送去慰问金和慰问品，了解身体和生活情况。",
                            amount_fen=rng.choice([500, 800, 1000]) * YUAN, by_whom=f"{b.org.name}书记",
                        )  # fmt: skip
                    if m.is_hardship and rng.random() < 0.5:
                        add(
                            b, m, kind=RecordKind.HELP,
                            occurred_on=w.day(D(year, 3, 1), D(year, 9, 30)),
                            title="协助申请困难党员帮扶资金", detail=m.hardship_note or "家庭困难",
                            amount_fen=rng.choice([1000, 2000, 3000]) * YUAN, by_whom=cname,
                        )  # fmt: skip
            full = [m for m in b.members if m.status == MemberStatus.FULL and not m.is_lost]
            for m in rng.sample(full, min(len(full), rng.randint(0, 2) + (1 if b.demo else 0))):
                day = w.day(D(year, 6, 20), D(year, 7, 1))
                if day > w.today:
                    continue
                add(
                    b, m, kind=RecordKind.REWARD, occurred_on=day,
                    title=rng.choice(REWARDS).format(c=cname, year=year), by_whom=cname,
                )  # fmt: skip
    tables = Tables()
    tables.insert_objects(MemberRecord, bulk)
    tables.history_of(MemberRecord, bulk, user=w.actor)


def seed_screenings(w: World):
    rng = w.rng
    root = Organization.objects.filter(kind=OrgKind.DISTRICT, depth=1).first()
    if root is not None:
        member_records.screening_create(
            actor=w.actor, organization=root, held_on=D(w.last, 9, rng.randint(5, 25)),
            scope="全区各级党组织违法违纪党员和党代表", includes_delegates=True,
            findings="全区排查党员违法违纪情况，发现受到刑事处罚未及时处理的党员2名、受行政拘留的党员1名。",
            handling="已责成所在党(工)委依规依纪处理，处理结果报区委组织部备案。",
        )  # fmt: skip
        w.counts["screenings"] += 1
    committees = {b.committee.pk: (b.committee, b.reviewer) for b in w.branches if b.committee and b.reviewer}
    for _cid, (c, reviewer) in sorted(committees.items()):
        if c.name != REVIEWER_COMMITTEE and rng.random() < 0.5:
            continue
        member_records.screening_create(
            actor=reviewer, organization=c, held_on=w.day(D(w.this, 4, 1), D(w.this, 9, 30)),
            scope=f"{c.name}所属党组织全体党员和镇（区）党代表", includes_delegates=True,
            findings="对照公安、法院、纪检监察等部门通报逐一比对，未发现新增违法违纪党员。",
            handling="建立排查台账，对流动党员和失联党员继续跟踪核查。",
        )  # fmt: skip
        w.counts["screenings"] += 1
