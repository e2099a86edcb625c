"""Organizations, people, committees and roles.

The organization tree (区委组织部 → 党(工)委 → 党总支 → 党支部) is a materialized path
(django-treebeard ``MP_Node``): "everything under this committee" is one indexed
``path LIKE 'prefix%'`` query. 党小组 hang off their branch as ``PartyGroup`` rows because
they are not assessed and need no subtree queries of their own.
"""

import datetime

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords
from treebeard.mp_tree import MP_Node

PRE_1949_CUTOFF = datetime.date(1949, 10, 1)


class User(AbstractUser):
    """A login. What the user may see comes from ``RoleAssignment`` rows, not from flags."""

    full_name = models.CharField("姓名", max_length=50, blank=True)
    phone = models.CharField("手机号", max_length=20, blank=True)
    # someone else chose the password (new account, reset): their own comes first (branches.middleware)
    must_change_password = models.BooleanField("首次登录须修改密码", default=False)

    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self):
        return self.full_name or self.username


class OrgKind(models.TextChoices):
    DISTRICT = "district", "区委组织部"
    COMMITTEE = "committee", "党(工)委/党组"
    GENERAL_BRANCH = "general", "党总支"
    BRANCH = "branch", "党支部"


class CommitteeKind(models.TextChoices):
    TOWN = "town", "镇党委"
    DEV_ZONE = "devzone", "开发区党工委"
    SUBDISTRICT = "subdistrict", "街道党工委"
    DISTRICT_DEPT = "dept", "区委部委办"
    BUREAU = "bureau", "区办局公司党组(党委)"
    DIRECT_UNIT = "direct", "区直属单位党委(党组)"
    PEOPLE_ORG = "people", "区人民团体党组"


class BranchType(models.TextChoices):
    ORGAN = "organ", "机关"
    INSTITUTION = "institution", "事业单位"
    VILLAGE = "village", "村"
    COMMUNITY = "community", "社区"
    STATE_ENTERPRISE = "soe", "国有企业"
    PRIVATE_ENTERPRISE = "private", "非公有制企业"
    SOCIAL_ORG = "social", "社会组织"
    REGIONAL = "regional", "区域性"
    COOPERATIVE = "coop", "农民专业合作社"
    ASSOCIATION = "association", "专业协会"
    INDUSTRY_CHAIN = "chain", "产业链"
    OTHER = "other", "其他"


class RegionalKind(models.TextChoices):
    PARK = "park", "开发区(园区)"
    MARKET = "market", "专业市场"
    BUILDING = "building", "楼宇"
    BUSINESS_DISTRICT = "business", "商圈"


class OrgStatus(models.TextChoices):
    ACTIVE = "active", "正常"
    MERGED = "merged", "已撤并"
    DISSOLVED = "dissolved", "已撤销"


TERM_YEARS_CHOICES = [(2, "2年"), (3, "3年"), (5, "5年")]


class Organization(MP_Node):
    kind = models.CharField("组织类别", max_length=16, choices=OrgKind.choices)
    name = models.CharField("名称", max_length=100)
    code = models.CharField("组织代码", max_length=32, unique=True, null=True, blank=True)
    committee_kind = models.CharField("党(工)委类别", max_length=16, choices=CommitteeKind.choices, blank=True)
    branch_type = models.CharField("支部类型", max_length=16, choices=BranchType.choices, blank=True)
    regional_kind = models.CharField("区域性类别", max_length=16, choices=RegionalKind.choices, blank=True)
    founded_on = models.DateField("成立日期", null=True, blank=True)
    has_own_room = models.BooleanField("有独立活动室", default=False)
    term_years = models.PositiveSmallIntegerField("每届任期", choices=TERM_YEARS_CHOICES, default=3)
    status = models.CharField("状态", max_length=16, choices=OrgStatus.choices, default=OrgStatus.ACTIVE)
    ended_on = models.DateField("撤并/撤销日期", null=True, blank=True)
    merged_into = models.ForeignKey(
        "self", verbose_name="撤并至", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "党组织"
        verbose_name_plural = "党组织"
        indexes = [models.Index(fields=["kind", "status"])]

    def __str__(self):
        return self.name

    @property
    def is_branch(self):
        return self.kind == OrgKind.BRANCH

    @property
    def is_active(self):
        return self.status == OrgStatus.ACTIVE

    def type_label(self):
        if self.kind == OrgKind.BRANCH:
            label = self.get_branch_type_display()
            if self.branch_type == BranchType.REGIONAL and self.regional_kind:
                label += f"（{self.get_regional_kind_display()}）"
            return label
        if self.kind == OrgKind.COMMITTEE and self.committee_kind:
            return self.get_committee_kind_display()
        return self.get_kind_display()


class OrgChangeKind(models.TextChoices):
    FOUNDED = "founded", "成立"
    MERGED = "merged", "撤并"
    DISSOLVED = "dissolved", "撤销"
    MOVED = "moved", "调整隶属关系"
    RENAMED = "renamed", "更名"


class OrgChange(models.Model):
    """One change in the life of an organization; the organization row itself is never deleted."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="changes")
    kind = models.CharField("变更类型", max_length=16, choices=OrgChangeKind.choices)
    occurred_on = models.DateField("日期")
    reason = models.TextField("原因")
    from_parent = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    to_parent = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    merged_into = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    old_name = models.CharField(max_length=100, blank=True)
    members_moved = models.PositiveIntegerField("转移党员数", default=0)
    actor = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "组织变更"
        verbose_name_plural = "组织变更"
        ordering = ["-occurred_on", "-id"]

    def __str__(self):
        return f"{self.organization} {self.get_kind_display()} {self.occurred_on}"


class Gender(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"


class Education(models.TextChoices):
    POSTGRADUATE = "postgrad", "研究生"
    BACHELOR = "bachelor", "大学本科"
    COLLEGE = "college", "大学专科"
    SECONDARY = "secondary", "中专"
    HIGH_SCHOOL = "high", "高中"
    JUNIOR = "junior", "初中及以下"


class Occupation(models.TextChoices):
    WORKER = "worker", "工人"
    FARMER = "farmer", "农民"
    PROFESSIONAL = "professional", "专业技术人员"
    MANAGER = "manager", "企业管理人员"
    PUBLIC_SERVANT = "public", "机关/事业单位工作人员"
    STUDENT = "student", "学生"
    RETIRED = "retired", "离退休人员"
    SOLDIER = "soldier", "军人/武警"
    OTHER = "other", "其他"


class MemberStatus(models.TextChoices):
    FULL = "full", "正式党员"
    PROBATIONARY = "probationary", "预备党员"


class Standing(models.TextChoices):
    """党籍/组织关系 state. Only ACTIVE members are on a branch's roster."""

    ACTIVE = "active", "在册"
    TRANSFERRED_OUT = "out", "已转出"
    DECEASED = "deceased", "已去世"
    LEFT = "left", "已出党"


def mask_id_number(n: str | None) -> str:
    """What everyone but district staff sees of an identity number: the first and last four."""
    n = n or ""
    if len(n) < 8:
        return "*" * len(n)
    return n[:4] + "*" * (len(n) - 8) + n[-4:]


class Member(models.Model):
    branch = models.ForeignKey(Organization, verbose_name="所在支部", on_delete=models.PROTECT, related_name="members")
    party_group = models.ForeignKey(
        "PartyGroup", verbose_name="党小组", null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    name = models.CharField("姓名", max_length=50)
    name_pinyin = models.CharField(max_length=200, editable=False, db_index=True)
    name_initials = models.CharField(max_length=50, editable=False, db_index=True)
    gender = models.CharField("性别", max_length=1, choices=Gender.choices)
    ethnicity = models.CharField("民族", max_length=20, default="汉族")
    birth_date = models.DateField("出生日期")
    education = models.CharField("学历", max_length=16, choices=Education.choices)
    occupation = models.CharField("职业类别", max_length=16, choices=Occupation.choices)
    id_number = models.CharField("身份证号", max_length=18, unique=True)
    phone = models.CharField("手机号", max_length=20, blank=True)
    # 《党员基本情况登记表》 also asks for these two (item 26 checks every field of it).
    work_unit = models.CharField("工作单位及职务", max_length=100, blank=True)
    address = models.CharField("家庭住址", max_length=200, blank=True)
    joined_on = models.DateField("入党日期")
    full_member_on = models.DateField("转正日期", null=True, blank=True)
    status = models.CharField("党员类别", max_length=16, choices=MemberStatus.choices, default=MemberStatus.FULL)
    # 党费起算月 (the 1st of a month): dues are owed from this month on; earlier months may be
    # entered as paid but are never owed. Set when the member comes onto the platform
    # (``branches.derived.default_dues_from``) and editable by the branch.
    dues_from = models.DateField("党费起算月")
    standing = models.CharField("党籍状态", max_length=16, choices=Standing.choices, default=Standing.ACTIVE)
    left_on = models.DateField("离册日期", null=True, blank=True)

    # 流动党员: ``MemberFlow`` rows (branches.flow_models), one open at a time
    is_kongua = models.BooleanField("空挂党员", default=False)
    kongua_handling = models.CharField("空挂处理情况", max_length=200, blank=True)
    is_lost = models.BooleanField("失联党员", default=False)
    lost_since = models.DateField("失联时间", null=True, blank=True)
    lost_handling = models.CharField("失联处置情况", max_length=200, blank=True)
    is_hardship = models.BooleanField("困难党员", default=False)
    hardship_note = models.CharField("困难情况", max_length=200, blank=True)
    # 区管党员领导干部: attends their unit's 民主生活会 yearly (``LifeMeeting``); set by district or committee
    is_district_cadre = models.BooleanField("区管党员领导干部", default=False)

    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "党员"
        verbose_name_plural = "党员"
        ordering = ["name_pinyin", "id"]
        indexes = [models.Index(fields=["branch", "standing", "name_pinyin"])]

    def __str__(self):
        return self.name

    @property
    def is_pre_1949(self):
        """建国前老党员: derived from the join date, never stored."""
        return self.joined_on < PRE_1949_CUTOFF

    @property
    def id_number_masked(self):
        return mask_id_number(self.id_number)

    def age_on(self, day):
        b = self.birth_date
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))


# 党小组 by their number (第一、第二 …), then by name; unnumbered ones last. Aggregating
# queries drop Meta.ordering, so they order by this explicitly.
GROUP_ORDER = (F("number").asc(nulls_last=True), "name", "id")


class PartyGroup(models.Model):
    branch = models.ForeignKey(Organization, verbose_name="所在支部", on_delete=models.PROTECT, related_name="groups")
    name = models.CharField("党小组名称", max_length=50)
    # The ordering key: the number in the name (第三党小组 → 3), set by the group service, so
    # that groups list 第一、第二、第三 and not by the characters' code points (一 < 三 < 二).
    number = models.PositiveSmallIntegerField("序号", null=True, blank=True, editable=False)
    leader = models.ForeignKey(
        Member, verbose_name="党小组长", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_active = models.BooleanField(default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "党小组"
        verbose_name_plural = "党小组"
        ordering = list(GROUP_ORDER)
        constraints = [
            models.UniqueConstraint(
                fields=["branch", "name"], condition=Q(is_active=True), name="uniq_active_group_name"
            )
        ]

    def __str__(self):
        return self.name


class TransferDirection(models.TextChoices):
    IN = "in", "转入"
    OUT = "out", "转出"
    INTERNAL = "internal", "区内转接"


class MemberTransfer(models.Model):
    """A transfer of organizational relation (党组织关系接转)."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="transfers")
    direction = models.CharField("方向", max_length=10, choices=TransferDirection.choices)
    occurred_on = models.DateField("日期")
    from_branch = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    to_branch = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    counterpart = models.CharField("对方党组织", max_length=100, blank=True)
    note = models.CharField("备注", max_length=200, blank=True)
    actor = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "组织关系接转"
        verbose_name_plural = "组织关系接转"
        ordering = ["-occurred_on", "-id"]

    def __str__(self):
        return f"{self.member} {self.get_direction_display()} {self.occurred_on}"


class CommitteeTerm(models.Model):
    """One elected term (届) of a branch committee. The current term has ``ended_on`` empty."""

    branch = models.ForeignKey(Organization, verbose_name="党支部", on_delete=models.PROTECT, related_name="terms")
    elected_on = models.DateField("选举日期")
    term_years = models.PositiveSmallIntegerField("任期", choices=TERM_YEARS_CHOICES)
    # Stored (derived from elected_on + term_years by the service) so that "overdue"
    # can be one indexed query over thousands of branches.
    due_on = models.DateField("届满日期", editable=False)
    postponed_until = models.DateField("延期换届至", null=True, blank=True)
    postponement_reason = models.CharField("延期原因", max_length=200, blank=True)
    postponement_approved_by = models.ForeignKey(
        User, verbose_name="延期批准人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    postponement_approved_on = models.DateField("延期批准日期", null=True, blank=True)
    ended_on = models.DateField("届满换届日期", null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "支委会届次"
        verbose_name_plural = "支委会届次"
        ordering = ["-elected_on"]
        constraints = [
            models.UniqueConstraint(fields=["branch"], condition=Q(ended_on__isnull=True), name="one_current_term")
        ]
        indexes = [models.Index(fields=["due_on"], condition=Q(ended_on__isnull=True), name="current_term_due")]

    def __str__(self):
        return f"{self.branch} {self.elected_on:%Y}年届"

    @property
    def effective_due_on(self):
        return self.postponed_until or self.due_on


class Position(models.TextChoices):
    SECRETARY = "secretary", "书记"
    DEPUTY = "deputy", "副书记"
    ORGANIZATION = "organization", "组织委员"
    PROPAGANDA = "propaganda", "宣传委员"
    DISCIPLINE = "discipline", "纪律检查委员"
    OTHER = "other", "委员"


POSITION_ORDER = {p.value: i for i, p in enumerate(Position)}


class CommitteeSeat(models.Model):
    """A post in a term. ``holder`` empty means the post is vacant (出缺) until a by-election."""

    term = models.ForeignKey(CommitteeTerm, on_delete=models.CASCADE, related_name="seats")
    position = models.CharField("职务", max_length=16, choices=Position.choices)
    holder = models.ForeignKey(
        Member, verbose_name="任职党员", null=True, blank=True, on_delete=models.PROTECT, related_name="seats"
    )
    since = models.DateField("任职日期")
    vacated_on = models.DateField("出缺日期", null=True, blank=True)
    by_election = models.BooleanField("补选产生", default=False)
    duties = models.CharField("分工", max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "支委职务"
        verbose_name_plural = "支委职务"
        constraints = [
            models.UniqueConstraint(fields=["term"], condition=Q(position="secretary"), name="one_secretary_per_term"),
            models.UniqueConstraint(
                fields=["term", "holder"], condition=Q(holder__isnull=False), name="one_seat_per_holder"
            ),
        ]

    def __str__(self):
        return f"{self.get_position_display()} {self.holder or '（出缺）'}"

    @property
    def is_vacant(self):
        return self.holder_id is None


class Role(models.TextChoices):
    DISTRICT = "district", "区委组织部工作人员"
    REVIEWER = "reviewer", "党(工)委审核员"
    SECRETARY = "secretary", "支部书记"
    WORKER = "worker", "党务工作者"


class RoleAssignment(models.Model):
    """A user's role in an organization; a user may hold several."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="role_assignments")
    role = models.CharField("角色", max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "角色"
        verbose_name_plural = "角色"
        constraints = [models.UniqueConstraint(fields=["user", "organization", "role"], name="uniq_role_assignment")]

    def __str__(self):
        return f"{self.user} · {self.organization} · {self.get_role_display()}"


def add_years(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


from branches.account_models import AccountAction, AccountEvent  # noqa: E402,F401  (models of this app)
from branches.flow_models import FlowDirection, LifeMeeting, MemberFlow  # noqa: E402,F401
from branches.sanction_models import Sanction, SanctionKind  # noqa: E402,F401
from branches.term_models import InterventionKind, TermIntervention, TermRule, TermRuleSet  # noqa: E402,F401
