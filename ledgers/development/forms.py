"""发展党员 forms: they parse input only; every rule is checked by the services."""

from django import forms

from branches.forms import DATE, MaskedIdForm, VersionedForm
from branches.models import Education, Gender, Occupation
from ledgers import development as dev

MATERIAL_ACCEPT = ".pdf,.doc,.docx,image/jpeg,image/png,image/webp"


def _material_field(label="材料（扫描件或照片）"):
    return forms.FileField(
        label=label,
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": MATERIAL_ACCEPT}),
        help_text="PDF、Word，或用手机拍照（JPG/PNG/WebP）",
    )


class ApplicantForm(MaskedIdForm, VersionedForm):
    name = forms.CharField(label="姓名", max_length=50)
    gender = forms.ChoiceField(label="性别", choices=Gender.choices)
    ethnicity = forms.CharField(label="民族", max_length=20, initial="汉族")
    birth_date = forms.DateField(label="出生日期", widget=DATE)
    id_number = forms.CharField(label="身份证号", max_length=18, min_length=18)
    education = forms.ChoiceField(label="学历", choices=Education.choices)
    occupation = forms.ChoiceField(label="职业类别", choices=Occupation.choices)
    phone = forms.CharField(
        label="手机号", max_length=20, required=False, widget=forms.TextInput(attrs={"type": "tel"})
    )

    def __init__(self, *args, masked_id: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if masked_id is not None:
            self.mask_id_number(masked_id)

    def person_data(self):
        data = {k: v for k, v in self.cleaned_data.items() if k in dev.APPLICANT_FIELDS}
        if not data.get("id_number"):  # a masked number left as it was: unchanged
            data.pop("id_number", None)
        return data


class ApplicantCreateForm(ApplicantForm):
    version = None
    applied_on = forms.DateField(label="递交入党申请书日期", widget=DATE)
    note = forms.CharField(label="情况说明", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    material = _material_field("入党申请书（扫描件或照片）")


class StepForm(forms.Form):
    done_on = forms.DateField(label="日期", widget=DATE)
    people = forms.CharField(label="相关人员", max_length=200, required=False)
    vote_expected = forms.IntegerField(label="应到（有表决权的正式党员）", min_value=0, required=False)
    vote_present = forms.IntegerField(label="实到", min_value=0, required=False)
    ballots_issued = forms.IntegerField(label="发出票数", min_value=0, required=False)
    ballots_returned = forms.IntegerField(label="收回票数", min_value=0, required=False)
    votes_for = forms.IntegerField(label="赞成票", min_value=0, required=False)
    training_days = forms.IntegerField(label="集中培训天数", min_value=0, max_value=365, required=False)
    training_hours = forms.IntegerField(label="集中培训学时", min_value=0, max_value=2000, required=False)
    note = forms.CharField(label="情况说明", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    material = _material_field()
    exception_reason = forms.CharField(
        label="例外原因",
        max_length=300,
        required=False,
        help_text="仅在不符合时限或顺序规定时填写；填写后将向审核人员标红显示。",
    )

    def __init__(self, *args, step: dev.Step, full_members=None, **kwargs):
        super().__init__(*args, **kwargs)
        if step.people_label:
            self.fields["people"].label = step.people_label
            self.fields["people"].required = step.people_required
        else:
            del self.fields["people"]
        if step.vote:
            for name in dev.VOTE_FIELDS:
                self.fields[name].required = step.vote == "required"
            if full_members is not None:
                self.fields[
                    "vote_expected"
                ].help_text = f"本支部目前在册正式党员 {full_members} 人（请除去不应计入的人数）"
        else:
            for name in dev.VOTE_FIELDS:
                del self.fields[name]
        if step.code != 11:
            del self.fields["training_days"], self.fields["training_hours"]

    def votes(self):
        return {k: self.cleaned_data.get(k) for k in dev.VOTE_FIELDS}


REASON_HELP = "更正或撤回的原因，将与原内容一并保留在“更正记录”中，审核人员可以查看。"


def _reason_field(label):
    return forms.CharField(label=label, max_length=300, widget=forms.Textarea(attrs={"rows": 2}), help_text=REASON_HELP)


class StepCorrectForm(VersionedForm, StepForm):
    reason = _reason_field("更正理由")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["material"].label = "更换材料（不更换请留空）"


class StopCorrectForm(VersionedForm):
    done_on = forms.DateField(label="终止日期", widget=DATE)
    note = forms.CharField(label="终止培养原因", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    reason = _reason_field("更正理由")


class WithdrawForm(VersionedForm):
    reason = _reason_field("撤回理由")


class ExaminationForm(forms.Form):
    examined_on = forms.DateField(label="考察日期", widget=DATE)
    examined_by = forms.CharField(label="考察人（培养联系人、党小组等）", max_length=100)
    content = forms.CharField(
        label="考察情况",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        help_text="思想、学习、工作表现，听取党小组、培养联系人和群众意见的情况，存在的不足及下一步培养措施。",
    )


class StopForm(forms.Form):
    stopped_on = forms.DateField(label="终止日期", widget=DATE)
    reason = forms.CharField(label="终止培养原因", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class PlanForm(forms.Form):
    planned_count = forms.IntegerField(label="计划发展人数", min_value=0, max_value=999)
    target_young_pct = forms.IntegerField(label="35岁以下占比目标(%)", min_value=0, max_value=100, required=False)
    target_college_pct = forms.IntegerField(label="大专以上学历占比目标(%)", min_value=0, max_value=100, required=False)
    target_frontline_pct = forms.IntegerField(
        label="一线工人、农民占比目标(%)", min_value=0, max_value=100, required=False
    )
    text = forms.CharField(label="计划内容", widget=forms.Textarea(attrs={"rows": 5}), required=False)


class ExaminationWithdrawForm(forms.Form):
    reason = _reason_field("撤销理由")
