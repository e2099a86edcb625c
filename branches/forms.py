"""Forms parse input only; the rules live in ``services``."""

import datetime

import django_filters
from django import forms
from django.db.models import Q

from branches.flow_models import open_flow
from branches.models import (
    TERM_YEARS_CHOICES,
    BranchType,
    CommitteeKind,
    Education,
    InterventionKind,
    Member,
    MemberStatus,
    Occupation,
    Organization,
    OrgKind,
    PartyGroup,
    Position,
    RegionalKind,
    SanctionKind,
    Standing,
    TransferDirection,
)
from wujin_branch.errors import StaleEditError

from .permissions import Action, can_any

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONTH = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
DUES_FROM_HELP = (
    "从这个月起按月计算应交党费和欠交；此前的月份不计欠交（已交的可在党费页面“补录已交党费”）。"
    "新录入的党员为录入当月，入党晚于录入的为入党当月。"
)


class MonthField(forms.DateField):
    """A month (``<input type="month">``: 2026-03) as the 1st of that month."""

    widget = MONTH
    input_formats = ["%Y-%m", "%Y-%m-%d"]

    def to_python(self, value):
        day = super().to_python(value)
        return day.replace(day=1) if day else day


class VersionField(forms.IntegerField):
    """The version the user started from, in a hidden input. Required: a POST without it
    (or with something that is no version) is refused with the stale-edit message."""

    widget = forms.HiddenInput
    default_error_messages = {"required": StaleEditError.MESSAGE, "invalid": StaleEditError.MESSAGE}


class VersionedForm(forms.Form):
    """Carries the version the user started from, so a stale save is refused. A create form
    built on an edit form drops the field (``version = None``)."""

    version = VersionField()

    def clean(self):
        data = super().clean()
        if "version" in self._errors:  # a hidden field's error would be shown nowhere
            del self._errors["version"]
            self.add_error(None, StaleEditError.MESSAGE)
        return data


class MaskedIdForm(forms.Form):
    """Only district staff may receive a full identity number. For everyone else the edit form
    shows the masked number; left as it is, or emptied, it means "unchanged" (``id_number`` is
    then ""); a full new number may be typed and is checked by the service as before."""

    ID_HELP = "只显示前四位和后四位。不修改请保持原样或留空；如需更正，请输入完整的18位身份证号。"

    def mask_id_number(self, masked: str):
        self._masked_id = masked
        field = self.fields["id_number"]
        field.required = False
        field.help_text = self.ID_HELP
        self.initial["id_number"] = masked

    def clean_id_number(self):
        value = (self.cleaned_data.get("id_number") or "").strip()
        masked = getattr(self, "_masked_id", None)
        if masked is not None and value in ("", masked):
            return ""
        return value


class MemberForm(MaskedIdForm, VersionedForm):
    name = forms.CharField(label="姓名", max_length=50)
    gender = forms.ChoiceField(label="性别", choices=[("M", "男"), ("F", "女")])
    ethnicity = forms.CharField(label="民族", max_length=20, initial="汉族")
    birth_date = forms.DateField(label="出生日期", widget=DATE)
    education = forms.ChoiceField(label="学历", choices=Education.choices)
    occupation = forms.ChoiceField(label="职业类别", choices=Occupation.choices)
    id_number = forms.CharField(label="身份证号", max_length=18, min_length=18)
    phone = forms.CharField(
        label="手机号", max_length=20, required=False, widget=forms.TextInput(attrs={"type": "tel"})
    )
    work_unit = forms.CharField(label="工作单位及职务", max_length=100, required=False)
    address = forms.CharField(label="家庭住址", max_length=200, required=False)
    joined_on = forms.DateField(label="入党日期", widget=DATE)
    status = forms.ChoiceField(label="党员类别", choices=MemberStatus.choices)
    full_member_on = forms.DateField(label="转正日期", widget=DATE, required=False, help_text="预备党员不填")
    dues_from = MonthField(label="党费起算月", help_text=DUES_FROM_HELP)
    party_group = forms.ModelChoiceField(label="党小组", queryset=PartyGroup.objects.none(), required=False)
    is_kongua = forms.BooleanField(label="空挂党员", required=False)
    kongua_handling = forms.CharField(label="空挂处理情况", max_length=200, required=False)
    is_lost = forms.BooleanField(label="失联党员", required=False)
    lost_since = forms.DateField(label="失联时间", widget=DATE, required=False)
    lost_handling = forms.CharField(label="失联处置情况", max_length=200, required=False)
    is_hardship = forms.BooleanField(label="困难党员", required=False)
    hardship_note = forms.CharField(label="困难情况", max_length=200, required=False)

    def __init__(self, *args, branch, masked_id: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party_group"].queryset = PartyGroup.objects.filter(branch=branch, is_active=True)
        if masked_id is not None:
            self.mask_id_number(masked_id)

    @classmethod
    def initial_from(cls, m: Member):
        """The form's initial data; the identity number is filled in only for district staff
        (``masked_id`` puts the masked one in its place)."""
        data = {f: getattr(m, f) for f in cls.base_fields if f not in ("version", "party_group", "id_number")}
        data["party_group"] = m.party_group_id
        data["version"] = m.version
        return data


class MemberCreateForm(MemberForm):
    """A new member may arrive by transfer from outside the district (转入)."""

    version = None

    dues_from = MonthField(label="党费起算月", required=False, help_text=DUES_FROM_HELP + "不填即为本月。")

    transfer_from = forms.CharField(
        label="转入来源党组织", max_length=100, required=False, help_text="从区外转入的党员请填写，将记入组织关系接转"
    )
    transfer_on = forms.DateField(label="转入日期", widget=DATE, required=False)

    def clean(self):
        data = super().clean()
        if data.get("transfer_from") and not data.get("transfer_on"):
            self.add_error("transfer_on", "请填写转入日期。")
        return data


class MemberFilter(django_filters.FilterSet):
    """``request`` (django-filter's) decides whether identity numbers may be searched in full."""

    q = django_filters.CharFilter(label="姓名/拼音/首字母/身份证号后四位", method="search")
    status = django_filters.ChoiceFilter(label="党员类别", choices=MemberStatus.choices)
    standing = django_filters.ChoiceFilter(
        label="党籍状态", choices=Standing.choices, empty_label="在册（默认）", method="filter_standing"
    )
    flag = django_filters.ChoiceFilter(
        label="标记",
        method="filter_flag",
        choices=[
            ("flowing", "流动党员"),
            ("cadre", "区管党员领导干部"),
            ("kongua", "空挂党员"),
            ("lost", "失联党员"),
            ("hardship", "困难党员"),
            ("pre1949", "建国前老党员"),
        ],
    )
    branch = django_filters.NumberFilter(label="支部", method="filter_branch", widget=forms.HiddenInput)

    class Meta:
        model = Member
        fields = []

    def search(self, qs, name, value):
        v = value.strip()
        if not v:
            return qs
        lower = v.lower().replace(" ", "")
        if lower.isascii():
            q = Q(name_initials__startswith=lower) | Q(name_pinyin__startswith=v.lower())
            # Others see the last four digits anyway; more would confirm a guessed number.
            if len(v) <= 4 or (self.request is not None and can_any(self.request.user, Action.SEE_ID)):
                q |= Q(id_number__endswith=v.upper())
            return qs.filter(q)
        return qs.filter(name__contains=v)

    def filter_standing(self, qs, name, value):
        return qs.filter(standing=value)

    def filter_flag(self, qs, name, value):
        return {
            "flowing": lambda: qs.filter(open_flow()),
            "cadre": lambda: qs.filter(is_district_cadre=True),
            "kongua": lambda: qs.filter(is_kongua=True),
            "lost": lambda: qs.filter(is_lost=True),
            "hardship": lambda: qs.filter(is_hardship=True),
            "pre1949": lambda: qs.filter(joined_on__lt=datetime.date(1949, 10, 1)),
        }[value]()

    def filter_branch(self, qs, name, value):
        return qs.filter(branch_id=value)

    @property
    def qs(self):
        qs = super().qs
        if not getattr(self.form, "cleaned_data", {}).get("standing"):
            qs = qs.filter(standing=Standing.ACTIVE)
        return qs


class TransferForm(forms.Form):
    direction = forms.ChoiceField(
        label="接转类型",
        choices=[(TransferDirection.INTERNAL, "转至区内其他支部"), (TransferDirection.OUT, "转出本区")],
    )
    occurred_on = forms.DateField(label="接转日期", widget=DATE)
    to_branch = forms.ModelChoiceField(label="接收支部（区内）", queryset=Organization.objects.none(), required=False)
    counterpart = forms.CharField(label="接收党组织（区外）", max_length=100, required=False)
    note = forms.CharField(label="备注", max_length=200, required=False)

    def __init__(self, *args, branches_qs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_branch"].queryset = branches_qs


class SanctionForm(forms.Form):
    kind = forms.TypedChoiceField(label="处分种类", choices=SanctionKind.choices, coerce=int)
    imposed_on = forms.DateField(label="处分日期", widget=DATE)
    effective_until = forms.DateField(label="影响期截止", widget=DATE, required=False)
    reason = forms.CharField(label="事由", max_length=200)
    decided_by = forms.CharField(label="决定机关", max_length=100, required=False)


class GroupForm(forms.Form):
    name = forms.CharField(label="党小组名称", max_length=50)
    leader = forms.ModelChoiceField(label="党小组长", queryset=Member.objects.none(), required=False)
    members = forms.ModelMultipleChoiceField(
        label="组员", queryset=Member.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, branch, **kwargs):
        super().__init__(*args, **kwargs)
        qs = Member.objects.filter(branch=branch, standing=Standing.ACTIVE).order_by("name_pinyin")
        self.fields["leader"].queryset = qs
        self.fields["members"].queryset = qs


class ElectionForm(forms.Form):
    elected_on = forms.DateField(label="选举日期", widget=DATE)
    term_years = forms.TypedChoiceField(label="任期", choices=TERM_YEARS_CHOICES, coerce=int)

    SLOTS = 7

    def __init__(self, *args, branch, **kwargs):
        super().__init__(*args, **kwargs)
        qs = Member.objects.filter(branch=branch, standing=Standing.ACTIVE, status=MemberStatus.FULL).order_by(
            "name_pinyin"
        )
        default_positions = [
            Position.SECRETARY,
            Position.DEPUTY,
            Position.ORGANIZATION,
            Position.PROPAGANDA,
            Position.DISCIPLINE,
            Position.OTHER,
            Position.OTHER,
        ]
        for i in range(self.SLOTS):
            self.fields[f"position_{i}"] = forms.ChoiceField(
                label=f"职务{i + 1}", choices=Position.choices, initial=default_positions[i], required=False
            )
            self.fields[f"member_{i}"] = forms.ModelChoiceField(
                label=f"人选{i + 1}", queryset=qs, required=(i == 0), empty_label="（空缺，不设）"
            )
            self.fields[f"duties_{i}"] = forms.CharField(label=f"分工{i + 1}", max_length=200, required=False)

    def slot_rows(self):
        return [(self[f"position_{i}"], self[f"member_{i}"], self[f"duties_{i}"]) for i in range(self.SLOTS)]

    def seats(self):
        out = []
        for i in range(self.SLOTS):
            m = self.cleaned_data.get(f"member_{i}")
            if m:
                out.append(
                    (self.cleaned_data[f"position_{i}"] or Position.OTHER, m, self.cleaned_data.get(f"duties_{i}", ""))
                )
        return out


class SeatAddForm(forms.Form):
    position = forms.ChoiceField(label="职务", choices=Position.choices)
    member = forms.ModelChoiceField(label="人选", queryset=Member.objects.none())
    since = forms.DateField(label="任职日期", widget=DATE)
    duties = forms.CharField(label="分工", max_length=200, required=False)

    def __init__(self, *args, branch, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = Member.objects.filter(
            branch=branch, standing=Standing.ACTIVE, status=MemberStatus.FULL
        ).order_by("name_pinyin")


class SeatFillForm(SeatAddForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["position"]
        self.fields["since"].label = "补选日期"


class VacateForm(forms.Form):
    vacated_on = forms.DateField(label="出缺日期", widget=DATE)
    note = forms.CharField(label="出缺原因", max_length=200, required=False)


class PostponeForm(forms.Form):
    until = forms.DateField(label="延期换届至", widget=DATE, help_text="延期一般不超过一年")
    reason = forms.CharField(label="延期原因", max_length=200)


class InterventionForm(forms.Form):
    kind = forms.ChoiceField(label="措施", choices=InterventionKind.choices)
    person = forms.CharField(label="选派或兼任人员", max_length=50, required=False, help_text="整顿可不填")
    decided_on = forms.DateField(label="决定日期", widget=DATE)
    note = forms.CharField(label="情况说明", max_length=300, widget=forms.Textarea(attrs={"rows": 3}))


class OrgForm(VersionedForm):
    name = forms.CharField(label="名称", max_length=100)
    code = forms.CharField(label="组织代码", max_length=32, required=False)
    committee_kind = forms.ChoiceField(
        label="党(工)委类别", choices=[("", "—")] + CommitteeKind.choices, required=False
    )
    branch_type = forms.ChoiceField(label="支部类型", choices=[("", "—")] + BranchType.choices, required=False)
    regional_kind = forms.ChoiceField(label="区域性类别", choices=[("", "—")] + RegionalKind.choices, required=False)
    founded_on = forms.DateField(label="成立日期", widget=DATE, required=False)
    has_own_room = forms.BooleanField(label="有独立活动室", required=False)
    term_years = forms.TypedChoiceField(label="每届任期", choices=TERM_YEARS_CHOICES, coerce=int, initial=3)

    def __init__(self, *args, kind, **kwargs):
        super().__init__(*args, **kwargs)
        if kind != OrgKind.COMMITTEE:
            del self.fields["committee_kind"]
        if kind != OrgKind.BRANCH:
            for f in ("branch_type", "regional_kind", "has_own_room", "term_years"):
                del self.fields[f]

    def clean(self):
        data = super().clean()
        if "branch_type" in self.fields and not data.get("branch_type"):
            self.add_error("branch_type", "请选择支部类型。")
        if data.get("branch_type") == BranchType.REGIONAL and not data.get("regional_kind"):
            self.add_error("regional_kind", "区域性党支部请选择类别。")
        if data.get("code") == "":
            data["code"] = None
        return data


class OrgCreateForm(OrgForm):
    version = None
    kind = forms.ChoiceField(label="组织类别", choices=OrgKind.choices)
    reason = forms.CharField(label="设立依据/说明", max_length=200, required=False)

    def __init__(self, *args, allowed_kinds, **kwargs):
        kind = kwargs.pop("kind", None) or (args[0].get("kind") if args and args[0] else None) or allowed_kinds[0]
        super().__init__(*args, kind=kind, **kwargs)
        self.fields["kind"].choices = [(k, OrgKind(k).label) for k in allowed_kinds]
        self.fields["founded_on"].required = True


class OrgMoveForm(forms.Form):
    new_parent = forms.ModelChoiceField(label="新的上级党组织", queryset=Organization.objects.none())
    occurred_on = forms.DateField(label="调整日期", widget=DATE)
    reason = forms.CharField(label="调整原因", max_length=200)

    def __init__(self, *args, parents_qs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_parent"].queryset = parents_qs


class OrgMergeForm(forms.Form):
    into = forms.ModelChoiceField(label="撤并至（接收党员的支部）", queryset=Organization.objects.none())
    occurred_on = forms.DateField(label="撤并日期", widget=DATE)
    reason = forms.CharField(label="撤并原因", max_length=200)

    def __init__(self, *args, branches_qs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["into"].queryset = branches_qs


class OrgDissolveForm(forms.Form):
    occurred_on = forms.DateField(label="撤销日期", widget=DATE)
    reason = forms.CharField(label="撤销原因", max_length=200)
    transfer_to = forms.ModelChoiceField(
        label="党员转至", queryset=Organization.objects.none(), required=False, help_text="支部仍有在册党员时必填"
    )

    def __init__(self, *args, branches_qs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["transfer_to"].queryset = branches_qs
