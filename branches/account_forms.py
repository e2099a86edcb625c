"""Forms of the account pages (``branches.account_views``)."""

import re

from django import forms
from django.contrib.auth.forms import SetPasswordForm

from branches.accounts import grantable_roles, organizations_for_grant

USERNAME = re.compile(r"^[A-Za-z0-9_.@+-]{3,30}$")


class OrgChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{'　' * max(obj.depth - 1, 0)}{obj.name}"


class RoleForm(forms.Form):
    role = forms.ChoiceField(label="角色")
    organization = OrgChoiceField(label="所在组织", queryset=None, empty_label="请选择组织")

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(r.value, r.label) for r in grantable_roles(actor)]
        self.fields["organization"].queryset = organizations_for_grant(actor).only(
            "id", "name", "depth", "path", "kind"
        )


class AccountCreateForm(RoleForm):
    username = forms.CharField(
        label="登录名", max_length=30, help_text="3～30位字母、数字或 _ . @ + -，例如手机号；创建后不能修改。"
    )
    full_name = forms.CharField(label="姓名", max_length=50)
    phone = forms.CharField(label="手机号", max_length=20, required=False)
    field_order = ["username", "full_name", "phone", "role", "organization"]

    def clean_username(self):
        name = self.cleaned_data["username"].strip()
        if not USERNAME.match(name):
            raise forms.ValidationError("登录名须为3～30位字母、数字或 _ . @ + -。")
        return name


class AccountEditForm(forms.Form):
    full_name = forms.CharField(label="姓名", max_length=50)
    phone = forms.CharField(label="手机号", max_length=20, required=False)


class DeactivateForm(forms.Form):
    reason = forms.CharField(label="停用原因", max_length=150, help_text="例如：调离岗位、不再担任支部书记。")


class ConfirmForm(forms.Form):
    """A button: nothing to fill, the one-time token only."""


class FirstPasswordForm(SetPasswordForm):
    """A new password twice; the old one is not asked (the user has just signed in with it),
    and the one-time password itself is refused: someone else has seen it."""

    def clean_new_password1(self):
        password = self.cleaned_data["new_password1"]
        if self.user.check_password(password):
            raise forms.ValidationError("新密码不能与一次性密码相同，请设置只有您自己知道的密码。")
        return password
