"""Forms of the quality pages. They check input; quality.services does the writes."""

from decimal import Decimal

from django import forms
from django.conf import settings

from yanxun.core.forms import StyledForm
from yanxun.org.enums import Stage
from yanxun.quality import services
from yanxun.quality.enums import ExamKind

LINE_HELP = "占满分的比例，如 0.85"
UPLOAD_MAX = 50 * 1024 * 1024


def _line(label: str, initial: str) -> forms.DecimalField:
    return forms.DecimalField(label=label, initial=Decimal(initial), min_value=0, max_value=1,
                              max_digits=5, decimal_places=4, help_text=LINE_HELP)


class ExamForm(StyledForm):
    name = forms.CharField(label="考试名称", max_length=100)
    held_on = forms.DateField(label="考试日期", widget=forms.DateInput(attrs={"type": "date"}))
    grade = forms.CharField(label="年级", max_length=20, help_text="如 九年级、高二")
    stage = forms.ChoiceField(label="学段", choices=Stage.choices)
    kind = forms.ChoiceField(label="类型", choices=ExamKind.choices)
    subjects = forms.CharField(
        label="科目及满分", widget=forms.Textarea(attrs={"rows": 3}),
        help_text="科目=满分，用逗号分隔，按成绩文件中的列名填写，如：语文=150，数学=150，英语=150")
    electives = forms.CharField(label="选考科目", required=False,
                                help_text="新高考选考科目（空白表示未选考），用逗号分隔；没有则留空")
    excellent_line = _line("优秀线", "0.85")
    good_line = _line("良好线", "0.75")
    pass_line = _line("合格线", "0.60")
    low_line = _line("低分线", "0.40")

    def clean(self):
        data = super().clean()
        if "subjects" in data:
            electives = (data.get("electives") or "").replace("，", ",").replace("、", ",")
            try:
                data["subjects"] = services.parse_subjects(data["subjects"],
                                                           electives.split(","))
            except forms.ValidationError as exc:
                self.add_error("subjects", exc)
        lines = [data.get(k) for k in ("excellent_line", "good_line", "pass_line", "low_line")]
        if None not in lines and not lines[0] >= lines[1] >= lines[2] >= lines[3]:
            raise forms.ValidationError("各线应满足 优秀线 ≥ 良好线 ≥ 合格线 ≥ 低分线")
        data.pop("electives", None)
        return data


class ScoresUploadForm(StyledForm):
    file = forms.FileField(label="成绩文件", help_text="Excel（.xlsx/.xls）或 CSV：考号、姓名、学校、"
                                                  "班级（可有学籍号），然后每科一列")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > UPLOAD_MAX:
            raise forms.ValidationError("文件超过 50 MB，请拆分后分批导入。")
        name = upload.name.lower()
        if not name.endswith((".xlsx", ".xls", ".csv")):
            raise forms.ValidationError("只接受 .xlsx、.xls 或 .csv 文件。")
        return upload


class SchoolMappingForm(StyledForm):
    """One select per name in the file that matched no school."""

    def __init__(self, *args, names: list[str], schools, **kwargs):
        super().__init__(*args, **kwargs)
        for i, name in enumerate(names):
            self.fields[f"school_{i}"] = forms.ModelChoiceField(
                label=f"文件中的「{name}」", queryset=schools, empty_label="请选择对应的学校")
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select"
        self.names = names

    def mapping(self) -> dict:
        return {name: self.cleaned_data[f"school_{i}"] for i, name in enumerate(self.names)}


class ClassTeachersUploadForm(StyledForm):
    file = forms.FileField(label="任课表文件", help_text="Excel（.xlsx、.xls）或 CSV：学校、班级、科目、工号、"
                                                   "姓名；可先下载本考试的模板再填写",
                           widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xls,.csv"}))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.IMPORT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(f"文件大小 {upload.size / 1048576:.1f} MB，超过上限 "
                                        f"{limit / 1048576:.0f} MB。")
        return upload
