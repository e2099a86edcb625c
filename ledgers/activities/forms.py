from django import forms

from branches.forms import DATE, VersionedForm
from ledgers.models import (
    ActivityForm,
    ActivityType,
    ContentCategory,
    LecturerRole,
    LifeMeetingLevel,
    minutes_min_chars,
)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file field taking several files; the real checks happen in the service."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [f for f in data if f]
        return [data] if data else []


TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class ActivityEditForm(VersionedForm):
    held_on = forms.DateField(label="日期", widget=DATE)
    start_time = forms.TimeField(label="开始时间", widget=TIME, required=False)
    place = forms.CharField(label="地点", max_length=100)
    form = forms.ChoiceField(label="形式", choices=ActivityForm.choices, initial=ActivityForm.OFFLINE)
    topic = forms.CharField(label="主题", max_length=200)
    host = forms.CharField(label="主持人", max_length=50, required=False)
    recorder = forms.CharField(label="记录人", max_length=50, required=False)
    lecturer = forms.CharField(label="授课人", max_length=50, required=False)
    lecturer_role = forms.ChoiceField(label="授课人身份", choices=[("", "—")] + LecturerRole.choices, required=False)
    life_level = forms.ChoiceField(label="组织生活会层级", choices=LifeMeetingLevel.choices, required=False)
    content = forms.CharField(label="内容/会议记录", widget=forms.Textarea(attrs={"rows": 8}))
    content_category = forms.ModelChoiceField(
        label="教育内容类别（可不选）",
        queryset=ContentCategory.objects.filter(active=True),
        required=False,
        widget=forms.RadioSelect,
        empty_label="不选",
    )
    decisions = forms.CharField(label="决议事项", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    team_check = forms.CharField(label="书记代表班子对照检查", widget=forms.Textarea(attrs={"rows": 4}), required=False)
    personal_check = forms.CharField(label="书记个人对照检查", widget=forms.Textarea(attrs={"rows": 4}), required=False)
    photos = MultipleFileField(
        label="照片",
        required=False,
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        help_text="可拍照或从相册选择多张（JPG/PNG/WebP，单张不超过 15 MB）",
    )
    attachments = MultipleFileField(
        label="附件（会议记录扫描件等）",
        required=False,
        widget=MultipleFileInput(attrs={"accept": ".pdf,.doc,.docx,.xls,.xlsx"}),
    )

    TYPE_FIELDS = {
        ActivityType.LECTURE: {"lecturer", "lecturer_role", "content_category"},
        ActivityType.THEME_DAY: {"content_category"},
        ActivityType.OTHER: {"content_category"},
        ActivityType.LIFE: {"life_level", "team_check", "personal_check"},
    }
    OPTIONAL = {"lecturer", "lecturer_role", "content_category", "life_level", "team_check",
                "personal_check"}  # fmt: skip

    def __init__(self, *args, activity_type, **kwargs):
        super().__init__(*args, **kwargs)
        keep = self.TYPE_FIELDS.get(activity_type, set())
        for name in self.OPTIONAL - keep:
            del self.fields[name]
        if activity_type == ActivityType.LECTURE:
            self.fields["lecturer"].required = True
        self.fields["content"].help_text = f"会议记录不少于{minutes_min_chars()}字才计入完成情况和建议分"

    def service_data(self):
        return {k: v for k, v in self.cleaned_data.items() if k not in ("version", "photos", "attachments")}


class ActivityCreateForm(ActivityEditForm):
    version = None


class ExplainForm(forms.Form):
    explanation = forms.CharField(label="说明", max_length=300)


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label="退回理由",
        max_length=500,
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": "例如：会议记录只有标题，请补充讨论内容和决议；缺少现场照片。"}
        ),
        error_messages={
            "required": "请填写退回理由，说明需要补充或修改什么。",
            "max_length": "退回理由不能超过 500 字。",
        },
    )


class VoidForm(forms.Form):
    """Its own ids: the record's page shows it beside the 退回补充 form, whose field is also `reason`."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "void_%s")
        super().__init__(*args, **kwargs)

    reason = forms.CharField(
        label="作废理由",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "例如：与 5月12日 的支委会记录重复录入。"}),
        error_messages={"required": "请填写作废理由。", "max_length": "作废理由不能超过 500 字。"},
    )


class RestoreForm(VoidForm):
    reason = forms.CharField(
        label="恢复理由",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "请填写恢复理由。", "max_length": "恢复理由不能超过 500 字。"},
    )
