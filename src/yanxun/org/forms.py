"""Forms of the org pages. They check input; the services in org.services do the writes."""

from datetime import date

from django import forms
from django.contrib.auth.password_validation import validate_password

from yanxun.core.forms import StyledForm
from yanxun.core.validators import validate_id_number, validate_phone
from yanxun.org.enums import (
    Gender,
    Location,
    ProfessionalTitle,
    SchoolType,
    Stage,
    TeacherStatus,
)
from yanxun.org.models import District, EducationGroup, ResearchCommunity, School, Subject


def _this_year() -> int:
    return date.today().year


class TeacherForm(StyledForm):
    employee_no = forms.CharField(label="工号", max_length=30)
    name = forms.CharField(label="姓名", max_length=50)
    gender = forms.ChoiceField(label="性别", choices=Gender.choices)
    id_number = forms.CharField(label="身份证号", max_length=18, min_length=18,
                                validators=[validate_id_number])
    phone = forms.CharField(label="手机号", max_length=11, required=False,
                            validators=[validate_phone])
    stage = forms.ChoiceField(label="学段", choices=Stage.choices)
    subjects = forms.ModelMultipleChoiceField(label="任教学科", queryset=Subject.objects.all(),
                                              required=False,
                                              widget=forms.CheckboxSelectMultiple)
    professional_title = forms.ChoiceField(label="职称", choices=ProfessionalTitle.choices)
    entry_year = forms.IntegerField(label="入职年份", min_value=1950)
    status = forms.ChoiceField(label="状态", choices=TeacherStatus.choices)

    def clean_entry_year(self) -> int:
        year = self.cleaned_data["entry_year"]
        if year > _this_year():
            raise forms.ValidationError("入职年份不能晚于今年。")
        return year

    def clean_id_number(self) -> str:
        return self.cleaned_data["id_number"].strip().upper()


class TeacherCreateForm(TeacherForm):
    """A new teacher: the school is chosen among those the user may manage."""

    field_order = ["school"]

    def __init__(self, *args, schools=None, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["status"]
        self.fields["school"] = forms.ModelChoiceField(
            label="学校", queryset=schools, empty_label="请选择学校",
            error_messages={"invalid_choice": "请选择您有权管理的学校。"})
        self.fields["school"].widget.attrs["class"] = "form-select"
        self.fields["initial_password"] = forms.CharField(
            label="初始密码", widget=forms.PasswordInput(attrs={"class": "form-control",
                                                               "autocomplete": "new-password"}),
            help_text="教师首次登录后须修改。至少 8 位，须同时包含字母和数字。")
        self.order_fields(["school", *[n for n in self.fields if n != "school"]])

    def clean_initial_password(self) -> str:
        password = self.cleaned_data["initial_password"]
        validate_password(password)
        return password


class TransferForm(StyledForm):
    to_school = forms.ModelChoiceField(label="调入学校", queryset=School.objects.none(),
                                       empty_label="请选择学校",
                                       error_messages={"invalid_choice": "请选择在用的其他学校。"})
    on = forms.DateField(label="调动日期", widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label="说明", max_length=200, required=False)

    def __init__(self, *args, teacher=None, **kwargs):
        super().__init__(*args, **kwargs)
        schools = School.objects.filter(is_active=True)
        if teacher is not None:
            schools = schools.exclude(pk=teacher.school_id)
        self.fields["to_school"].queryset = schools


class SchoolForm(StyledForm):
    district = forms.ModelChoiceField(label="区县", queryset=District.objects.all(),
                                      empty_label=None)
    code = forms.CharField(label="学校代码", max_length=20)
    name = forms.CharField(label="学校名称", max_length=100)
    short_name = forms.CharField(label="简称", max_length=30, required=False)
    school_type = forms.ChoiceField(label="办学类型", choices=SchoolType.choices)
    location = forms.ChoiceField(label="城乡", choices=Location.choices)
    is_weak = forms.BooleanField(label="薄弱学校", required=False)
    is_active = forms.BooleanField(label="在用", required=False, initial=True)
    address = forms.CharField(label="地址", max_length=200, required=False)
    education_groups = forms.ModelMultipleChoiceField(
        label="所属教育集团", queryset=EducationGroup.objects.all(), required=False,
        widget=forms.CheckboxSelectMultiple)
    research_communities = forms.ModelMultipleChoiceField(
        label="所属教研共同体", queryset=ResearchCommunity.objects.all(), required=False,
        widget=forms.CheckboxSelectMultiple)
