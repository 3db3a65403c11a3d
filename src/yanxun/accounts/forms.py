from django import forms
from django.contrib.auth.password_validation import validate_password

from yanxun.core.enums import Role
from yanxun.core.forms import StyledForm
from yanxun.core.validators import validate_phone


class LoginForm(forms.Form):
    login = forms.CharField(label="登录名或手机号", max_length=150)
    password = forms.CharField(label="密码", widget=forms.PasswordInput)


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label="原密码", widget=forms.PasswordInput)
    new_password = forms.CharField(label="新密码", widget=forms.PasswordInput,
                                   help_text="至少 8 位，须同时包含字母和数字。")
    new_password_again = forms.CharField(label="再次输入新密码", widget=forms.PasswordInput)

    def clean(self):
        data = super().clean()
        if data.get("new_password") != data.get("new_password_again"):
            raise forms.ValidationError("两次输入的新密码不一致。")
        return data


def _password_field(label: str, help_text: str = "") -> forms.CharField:
    return forms.CharField(label=label, help_text=help_text, strip=False,
                           widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))


class NewPasswordMixin:
    """Two password fields that must match and meet the password policy."""

    def clean(self):
        data = super().clean()
        password, again = data.get("new_password"), data.get("new_password_again")
        if password and again and password != again:
            self.add_error("new_password_again", "两次输入的密码不一致。")
        elif password:
            try:
                validate_password(password)
            except forms.ValidationError as exc:
                self.add_error("new_password", exc)
        return data


class PasswordResetForm(NewPasswordMixin, StyledForm):
    new_password = _password_field("新的初始密码", "用户下次登录时须修改。至少 8 位，须同时包含字母和数字。")
    new_password_again = _password_field("再次输入")


class UserCreateForm(NewPasswordMixin, StyledForm):
    username = forms.CharField(label="登录名", max_length=150)
    name = forms.CharField(label="姓名", max_length=50)
    phone = forms.CharField(label="手机号", max_length=11, required=False,
                            validators=[validate_phone])
    new_password = _password_field("初始密码", "用户首次登录时须修改。")
    new_password_again = _password_field("再次输入")


class RoleAssignForm(StyledForm):
    role = forms.ChoiceField(label="角色", choices=Role.choices)
    school = forms.ModelChoiceField(label="所属学校", queryset=None, required=False,
                                    empty_label="（不限）", help_text="学校管理员须指定学校或教育集团。")
    education_group = forms.ModelChoiceField(label="所属教育集团", queryset=None,
                                             required=False, empty_label="（不限）")
    expires_at = forms.DateTimeField(label="到期时间", required=False,
                                     widget=forms.DateInput(attrs={"type": "date"}),
                                     help_text="留空表示长期有效。")

    def __init__(self, *args, **kwargs):
        from yanxun.org.models import EducationGroup, School

        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = School.objects.filter(is_active=True)
        self.fields["education_group"].queryset = EducationGroup.objects.all()

    def clean(self):
        data = super().clean()
        if data.get("school") and data.get("education_group"):
            raise forms.ValidationError("学校与教育集团只能选其一。")
        return data
