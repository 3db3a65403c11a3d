"""Forms of program management and enrolment. Plain HTML inputs (date, time,
datetime-local, checkboxes), so that the pages work in WeChat's built-in browser."""

from __future__ import annotations

from django import forms
from django.db.models import Q

from yanxun.accounts.models import User
from yanxun.core.enums import Role
from yanxun.core.forms import StyledForm
from yanxun.org.enums import HonourTier, Location, Stage
from yanxun.org.models import School, Subject, Teacher
from yanxun.training.models import Category, Program, TrainingClass, TrainingSession

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
PROGRAM_FIELDS = [
    "name", "year", "level", "category", "organiser", "description", "budget_line",
    "budget_planned", "budget_spent",
    "audience_stages", "audience_subjects", "audience_honours", "audience_max_years",
    "audience_min_years", "audience_locations", "audience_weak_schools",
    "is_long", "needs_school_approval", "enrol_opens", "enrol_closes", "withdraw_deadline",
    "min_attendance_share", "pro_rata", "checkin_opens_before", "on_time_until", "late_until",
]


def _datetime(label: str) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label, required=False, input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT))


def _checkboxes(label: str, choices) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(label=label, choices=choices, required=False,
                                     widget=forms.CheckboxSelectMultiple)


class ProgramForm(StyledForm):
    """Every field of a program; the audience rules left empty do not restrict."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = self.initial.get("category")
        categories = Category.objects.filter(Q(is_active=True) | Q(pk=getattr(current, "pk",
                                                                                current)))
        self.fields["category"].queryset = categories

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()


def _program_fields() -> dict[str, forms.Field]:
    fields = forms.fields_for_model(Program, fields=PROGRAM_FIELDS)
    fields["description"].widget = forms.Textarea(attrs={"rows": 3})
    fields["audience_stages"] = _checkboxes("面向学段", Stage.choices)
    fields["audience_honours"] = _checkboxes("面向荣誉层次（持有其一即可）", HonourTier.choices)
    fields["audience_locations"] = _checkboxes("面向城乡", Location.choices)
    fields["audience_subjects"] = forms.ModelMultipleChoiceField(
        label="面向学科", queryset=Subject.objects.all(), required=False,
        widget=forms.CheckboxSelectMultiple)
    fields["enrol_opens"] = _datetime("报名开始")
    fields["enrol_closes"] = _datetime("报名截止")
    fields["withdraw_deadline"] = _datetime("退出截止")
    fields["audience_max_years"].help_text = "新教师填 3：入职当年为第 1 年，按项目年度计算"
    return fields


ProgramForm.base_fields = _program_fields()


def program_initial(program: Program) -> dict:
    data = {name: getattr(program, name) for name in PROGRAM_FIELDS
            if name != "audience_subjects"}
    data["audience_subjects"] = list(program.audience_subjects.all())
    return data


class TrainingClassForm(StyledForm):
    name = forms.CharField(label="班次名称", max_length=50)
    capacity = forms.IntegerField(label="名额", min_value=1, max_value=100000)
    head = forms.ModelChoiceField(label="班主任", required=False, queryset=User.objects.none(),
                                  help_text="中心的研训员")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["head"].queryset = (User.objects.filter(
            role_assignments__role__in=[Role.TRAINER, Role.ADMIN]).distinct().order_by("name"))


class TrainingSessionForm(StyledForm):
    title = forms.CharField(label="内容", max_length=100)
    date = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"},
                                                              format="%Y-%m-%d"))
    starts_at = forms.TimeField(label="开始时间", widget=forms.TimeInput(
        attrs={"type": "time"}, format="%H:%M"))
    ends_at = forms.TimeField(label="结束时间", widget=forms.TimeInput(
        attrs={"type": "time"}, format="%H:%M"))
    place = forms.CharField(label="地点", max_length=100, required=False)
    online_url = forms.URLField(label="线上会议链接", required=False, assume_scheme="https",
                                help_text="线上日程填写会议链接；地点与链接至少填一项")
    hours = forms.DecimalField(label="学时", max_digits=7, decimal_places=1, min_value=0.1)
    presenter_no = forms.CharField(label="授课教师工号（本区教师）", max_length=30,
                                   required=False, help_text="本区教师授课时填写，可计授课学时")
    presenter_name = forms.CharField(label="授课人", max_length=50, required=False,
                                     help_text="区外专家填写姓名与单位")

    def clean_presenter_no(self) -> Teacher | None:
        number = self.cleaned_data["presenter_no"].strip()
        if not number:
            return None
        matches = list(Teacher.objects.filter(employee_no=number)[:2])
        if not matches:
            raise forms.ValidationError(f"没有工号为「{number}」的教师。")
        if len(matches) > 1:
            raise forms.ValidationError(f"工号「{number}」对应多名教师，请改填授课人姓名。")
        return matches[0]

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data["presenter"] = data.pop("presenter_no")
        if data["presenter"] is not None and not data["presenter_name"]:
            data["presenter_name"] = data["presenter"].name
        return data


def session_initial(session: TrainingSession) -> dict:
    fields = ["title", "date", "starts_at", "ends_at", "place", "online_url", "hours",
              "presenter_name"]
    data = {name: getattr(session, name) for name in fields}
    data["presenter_no"] = session.presenter.employee_no if session.presenter else ""
    return data


class CategoryForm(StyledForm):
    name = forms.CharField(label="类别名称", max_length=30)
    annual_cap = forms.DecimalField(
        label="每年计入上限（学时）", max_digits=7, decimal_places=1, min_value=0, required=False,
        help_text="该类别每年计入周期学时的上限，按认定先后计入，超出部分在学时档案中显示为不计入；"
                  "为空表示不设上限")
    sort_order = forms.IntegerField(label="顺序", min_value=0, max_value=32767, initial=0)
    is_active = forms.BooleanField(label="在用", required=False, initial=True,
                                   help_text="停用后不能再用于新项目，已有项目与学时不受影响")


class ReasonForm(StyledForm):
    reason = forms.CharField(label="原因", max_length=200,
                             widget=forms.TextInput(attrs={"placeholder": "请填写原因"}))


class MoveForm(StyledForm):
    to_class = forms.ModelChoiceField(label="调至班次", queryset=TrainingClass.objects.none())

    def __init__(self, *args, enrolment=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_class"].queryset = TrainingClass.objects.filter(
            program_id=enrolment.program_id).exclude(pk=enrolment.training_class_id)


class BulkFilterForm(StyledForm):
    """Which teachers to enrol: the program's audience rules, narrowed further if wanted."""

    training_class = forms.ModelChoiceField(label="报入班次", queryset=TrainingClass.objects.none())
    match_audience = forms.BooleanField(label="只选符合本项目面向条件的教师", required=False,
                                        initial=True)
    school = forms.ModelChoiceField(label="学校", queryset=School.objects.none(), required=False)
    stage = forms.ChoiceField(label="学段", choices=[("", "不限"), *Stage.choices],
                              required=False)
    subject = forms.ModelChoiceField(label="学科", queryset=Subject.objects.all(),
                                     required=False)
    entry_year_from = forms.IntegerField(label="入职年份（起）", required=False,
                                         min_value=1950, max_value=2100)
    entry_year_to = forms.IntegerField(label="入职年份（止）", required=False,
                                       min_value=1950, max_value=2100)
    overflow_waits = forms.BooleanField(label="超出名额的教师列入候补", required=False,
                                        initial=True,
                                        help_text="不勾选：超出名额的教师不报名，在结果中列出")

    def __init__(self, *args, program=None, schools=None, **kwargs):
        super().__init__(*args, **kwargs)
        _one_class(self, program)
        self.fields["school"].queryset = schools


class BulkImportForm(StyledForm):
    training_class = forms.ModelChoiceField(label="报入班次", queryset=TrainingClass.objects.none())
    file = forms.FileField(label="名单文件", help_text="Excel（.xlsx、.xls）或 CSV；请使用导入模板",
                           widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xls,.csv"}))
    overflow_waits = forms.BooleanField(label="超出名额的教师列入候补", required=False,
                                        initial=True,
                                        help_text="不勾选：名单超出名额时整份名单不导入")

    def __init__(self, *args, program=None, **kwargs):
        super().__init__(*args, **kwargs)
        _one_class(self, program)


def _one_class(form, program) -> None:
    """Offer the program's classes; preselect the only one."""
    classes = list(program.classes.all())
    form.fields["training_class"].queryset = program.classes.all()
    if len(classes) == 1:
        form.fields["training_class"].initial = classes[0].pk
