"""Forms for 流动党员 and 区管党员领导干部; they parse input only (rules: ``flow_services``)."""

from django import forms

from branches.flow_models import FlowDirection
from branches.forms import DATE, VersionedForm
from branches.models import Member, Organization


class FlowStartForm(forms.Form):
    direction = forms.ChoiceField(
        label="流动类型",
        choices=[
            (FlowDirection.OUT, "本支部党员外出流动（流出）"),
            (FlowDirection.IN, "组织关系在区外的党员流入本支部（流入）"),
        ],
    )
    started_on = forms.DateField(label="流动开始日期", widget=DATE)
    in_branch = forms.ModelChoiceField(
        label="流入地党支部（区内）", queryset=Organization.objects.none(), required=False,
        help_text="流向区内其他支部时选择：由流入地支部主管、本支部协管",
    )  # fmt: skip
    counterpart = forms.CharField(
        label="区外党组织", max_length=100, required=False,
        help_text="流向区外时填写流入地党组织；区外流入时填写组织关系所在的流出地党组织",
    )  # fmt: skip
    note = forms.CharField(label="流动情况说明", max_length=200, required=False)

    def __init__(self, *args, branches_qs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["in_branch"].queryset = branches_qs


class FlowEndForm(forms.Form):
    ended_on = forms.DateField(label="流动结束日期", widget=DATE)
    note = forms.CharField(label="说明", max_length=100, required=False, help_text="如：已返回本地")


class CadreForm(VersionedForm):
    is_district_cadre = forms.BooleanField(label="区管党员领导干部", required=False)


class LifeMeetingForm(forms.Form):
    organization = forms.ModelChoiceField(label="所在单位党组织", queryset=Organization.objects.none())
    held_on = forms.DateField(label="召开日期", widget=DATE)
    topic = forms.CharField(label="主题", max_length=200)
    minutes = forms.CharField(label="会议记录", widget=forms.Textarea(attrs={"rows": 8}))
    participants = forms.ModelMultipleChoiceField(
        label="参会区管党员领导干部", queryset=Member.objects.none(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, orgs_qs, cadres_qs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = orgs_qs
        self.fields["participants"].queryset = cadres_qs
        self.fields["participants"].label_from_instance = lambda m: f"{m.name}（{m.branch.name}）"
