"""Forms of the hours pages (学时认定, 学时申报, settings, export, certificates). They read
and check input; the writes are in training.hours, .claims, .hours_settings, .exports and
.certificates."""

from __future__ import annotations

from django import forms

from yanxun.core.forms import StyledForm
from yanxun.training import exports
from yanxun.training.enums import ClaimKind, ProgramLevel, RequirementUnit
from yanxun.training.files import EVIDENCE_MAX_FILES, check_evidence, check_seal
from yanxun.training.models import Category, ClaimRule

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
LAYOUT_ROWS = 15


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={
            "accept": ".pdf,.jpg,.jpeg,.png,.docx,.xlsx"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        items = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(MultipleFileField, self).clean(item, initial) for item in items]


def rule_label(rule: ClaimRule) -> str:
    unit = "学时/天" if rule.per_day else "学时"
    cap = f"，每周期至多 {rule.cycle_cap} 学时" if rule.cycle_cap is not None else ""
    return f"{rule.name}（{rule.hours} {unit}{cap}）"


class ClaimForm(StyledForm):
    rule = forms.ModelChoiceField(label="申报类型", queryset=ClaimRule.objects.none(),
                                  empty_label="请选择")
    title = forms.CharField(label="名称", max_length=200,
                            help_text="如：区级公开课《背影》、论文《……》获市一等奖")
    happened_on = forms.DateField(label="日期", widget=DATE, help_text="上课、获奖、发表或培训的日期")
    days = forms.IntegerField(label="天数", required=False, min_value=1, max_value=60,
                              help_text="仅外出培训等按天计学时的类型填写")
    description = forms.CharField(label="说明", required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    files = MultipleFileField(label="证明材料", required=False,
                              help_text=f"PDF、JPG、PNG、Word（.docx）或 Excel（.xlsx），每个不超过 "
                                        f"10 MB，最多 {EVIDENCE_MAX_FILES} 个")

    def __init__(self, *args, rules_queryset, evidence=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rule"].queryset = rules_queryset
        self.fields["rule"].label_from_instance = rule_label
        if evidence:
            self.fields["remove"] = forms.MultipleChoiceField(
                label="删除已上传的材料", required=False, widget=forms.CheckboxSelectMultiple,
                choices=[(e.pk, e.original_name) for e in evidence])
            self.fields["remove"].widget.attrs["class"] = "form-check-input"

    def clean_files(self):
        try:
            return check_evidence(self.cleaned_data["files"])
        except forms.ValidationError as exc:
            raise forms.ValidationError(exc.messages) from None


class DecisionForm(StyledForm):
    reason = forms.CharField(label="审核意见", required=False, max_length=200,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text="退回或不予认定时必填")


class ReasonForm(StyledForm):
    reason = forms.CharField(label="原因", max_length=200)


class ClaimRuleForm(StyledForm):
    kind = forms.ChoiceField(label="类型", choices=ClaimKind.choices)
    level = forms.ChoiceField(label="层级", choices=ProgramLevel.choices)
    name = forms.CharField(label="名称", max_length=50)
    hours = forms.DecimalField(label="学时", min_value=0, max_digits=7, decimal_places=1)
    per_day = forms.BooleanField(label="按天计（学时为每天的学时，申报时填写天数）", required=False)
    cycle_cap = forms.DecimalField(label="每周期上限（学时）", required=False, min_value=0,
                                   max_digits=7, decimal_places=1, help_text="留空表示不设上限")
    category = forms.ModelChoiceField(label="计入类别", queryset=Category.objects.all())
    is_active = forms.BooleanField(label="在用", required=False, initial=True)


class HoursPolicyForm(StyledForm):
    cycle_years = forms.IntegerField(label="学时周期（年）", min_value=1, max_value=10)
    cycle_start_year = forms.IntegerField(label="首个周期起始年份", min_value=1990,
                                          max_value=2100)
    hours_per_credit = forms.DecimalField(label="每学分折合学时", min_value=0.01, max_digits=5,
                                          decimal_places=2)
    presenter_multiplier = forms.DecimalField(label="授课教师学时倍数", min_value=1,
                                              max_digits=4, decimal_places=2)
    seal = forms.FileField(label="证书印章图片", required=False,
                           widget=forms.ClearableFileInput(attrs={"accept": ".png,.jpg,.jpeg"}),
                           help_text="PNG 或 JPEG，不超过 2 MB，建议透明背景的 PNG")
    remove_seal = forms.BooleanField(label="删除现有印章图片", required=False)

    def clean_seal(self):
        upload = self.cleaned_data.get("seal")
        if not upload:
            return None
        try:
            return check_seal(upload)
        except forms.ValidationError as exc:
            raise forms.ValidationError(exc.messages) from None


class RequirementForm(StyledForm):
    name = forms.CharField(label="要求", max_length=50, help_text="如：周期总学时、区级及以上培训学时")
    minimum = forms.DecimalField(label="不少于", min_value=0.1, max_digits=7, decimal_places=1)
    unit = forms.ChoiceField(label="单位", choices=RequirementUnit.choices)
    min_level = forms.ChoiceField(label="最低层级", required=False,
                                  choices=[("", "不限")] + list(ProgramLevel.choices))
    position = forms.IntegerField(label="顺序", min_value=0, max_value=100, initial=0)
    categories = forms.ModelMultipleChoiceField(
        label="限定类别（不选表示全部类别）", queryset=Category.objects.all(), required=False,
        widget=forms.CheckboxSelectMultiple)


class LayoutForm(StyledForm):
    name = forms.CharField(label="名称", max_length=50)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "（不用）")] + exports.field_choices()
        for i in range(1, LAYOUT_ROWS + 1):
            self.fields[f"field_{i}"] = forms.ChoiceField(label=f"第 {i} 列 字段",
                                                          choices=choices, required=False)
            self.fields[f"header_{i}"] = forms.CharField(
                label=f"第 {i} 列 列名", required=False, max_length=30,
                help_text="留空则用字段名")
            self.fields[f"field_{i}"].widget.attrs["class"] = "form-select"
            self.fields[f"header_{i}"].widget.attrs["class"] = "form-control"

    @staticmethod
    def initial_for(layout) -> dict:
        out = {"name": layout.name}
        for i, column in enumerate(layout.columns, start=1):
            out[f"field_{i}"], out[f"header_{i}"] = column["field"], column["header"]
        return out

    def columns(self) -> list[dict]:
        return [{"header": self.cleaned_data[f"header_{i}"],
                 "field": self.cleaned_data[f"field_{i}"]}
                for i in range(1, LAYOUT_ROWS + 1) if self.cleaned_data.get(f"field_{i}")]


class ExportForm(StyledForm):
    layout = forms.ModelChoiceField(label="导出格式", queryset=None, empty_label=None)
    year_from = forms.IntegerField(label="起始年度", min_value=1990, max_value=2100)
    year_to = forms.IntegerField(label="截止年度", min_value=1990, max_value=2100)
    school = forms.ModelChoiceField(label="学校", queryset=None, required=False,
                                    empty_label="全部学校")
    level = forms.ChoiceField(label="层级", required=False,
                              choices=[("", "全部层级")] + list(ProgramLevel.choices))

    def __init__(self, *args, layouts, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["layout"].queryset = layouts
        self.fields["school"].queryset = schools

    def clean(self):
        data = super().clean()
        if data.get("year_from") and data.get("year_to") and data["year_from"] > data["year_to"]:
            raise forms.ValidationError("起始年度不能晚于截止年度。")
        return data


class VerifyForm(forms.Form):
    code = forms.CharField(label="验证码", max_length=40,
                           widget=forms.TextInput(attrs={"class": "form-control",
                                                         "autocomplete": "off",
                                                         "placeholder": "证书上的 12 位验证码"}))
