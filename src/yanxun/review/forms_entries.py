"""Forms of competitions, groups, the entry form editor and the entry itself. Plain HTML
inputs, so that the pages work on a phone and in WeChat's built-in browser. The rules are
the services' (review.competitions, review.entries): these forms only carry the input."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from django import forms

from yanxun.core.forms import StyledForm
from yanxun.org.enums import Stage
from yanxun.org.models import Subject
from yanxun.review.competitions import COMPETITION_FIELDS, MAX_FIELDS, MAX_TIERS, share_percent
from yanxun.review.entries import MAX_CO_AUTHORS, TEXT_MAX, TITLE_MAX, form_fields
from yanxun.review.enums import FieldKind
from yanxun.review.models import Competition, CompetitionGroup

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
MAIN_FIELDS = [f for f in COMPETITION_FIELDS if f != "award_tiers"]


def _datetime(label: str, help_text: str = "") -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label, required=False, help_text=help_text,
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT))


class CompetitionForm(StyledForm):
    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()


def _competition_fields() -> dict[str, forms.Field]:
    fields = forms.fields_for_model(Competition, fields=MAIN_FIELDS)
    fields["description"].widget = forms.Textarea(attrs={"rows": 5})
    fields["entry_opens"] = _datetime("报名开始", "为空表示开放报名后即可提交")
    fields["entry_closes"] = _datetime("报名截止", "为空表示不限")
    fields["recommend_closes"] = _datetime("学校推荐截止", "截止后只有中心工作人员可作推荐决定")
    fields["quota_per_school"].help_text = "每所学校在每个组别最多推荐的作品数；组别可单独设置"
    return fields


CompetitionForm.base_fields = _competition_fields()


def competition_initial(competition: Competition) -> dict:
    """The fields, datetimes to the minute as the inputs show them (so that saving the form
    unchanged changes nothing)."""
    data = {name: getattr(competition, name) for name in MAIN_FIELDS}
    for name, value in data.items():
        if isinstance(value, datetime):
            data[name] = value.replace(second=0, microsecond=0)
    return data


class TierForm(StyledForm):
    """One award tier: a share (按比例), entered as a percentage, or a minimum score (按分数段).
    The services keep shares as fractions ("15" here is "0.15" there)."""

    name = forms.CharField(label="奖项", max_length=20, required=False,
                           widget=forms.TextInput(attrs={"aria-label": "奖项名称"}))
    share = forms.CharField(label="比例（%）", max_length=10, required=False,
                            widget=forms.TextInput(attrs={"inputmode": "decimal",
                                                          "placeholder": "如 15",
                                                          "aria-label": "比例（%）"}))
    min_score = forms.CharField(label="最低分", max_length=10, required=False,
                                widget=forms.TextInput(attrs={"inputmode": "decimal",
                                                              "placeholder": "如 90",
                                                              "aria-label": "最低分"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A row left as the defaults offered (一等奖 15 …) is still a row: read it.
        self.empty_permitted = False

    def clean_share(self) -> str:
        text = self.cleaned_data["share"].strip().rstrip("%％").strip()
        if not text:
            return ""
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise forms.ValidationError("请填写百分数，如 15 表示 15%。") from None
        if not number.is_finite() or not Decimal("0") < number <= Decimal("100"):
            raise forms.ValidationError("比例应大于 0、不超过 100（如 15 表示 15%）。")
        return format((number / 100).normalize(), "f")


TierFormSet = forms.formset_factory(TierForm, extra=2, max_num=MAX_TIERS, absolute_max=MAX_TIERS)


def tier_initial(tiers: list[dict] | None) -> list[dict] | None:
    """Stored tiers as the form shows them: shares as percentages ("0.15" → "15")."""
    if not tiers:
        return None
    return [{**t, "share": share_percent(t["share"]).rstrip("%")} if t.get("share") else t
            for t in tiers]


def tier_rows(formset) -> list[dict]:
    """The filled-in rows of the tiers formset, in order (empty rows left out)."""
    return [f.cleaned_data for f in formset.forms
            if f.cleaned_data.get("name") or f.cleaned_data.get("share")
            or f.cleaned_data.get("min_score")]


class FieldRowForm(StyledForm):
    """One field of the entry form."""

    key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=30)
    label = forms.CharField(label="名称", max_length=30, required=False)
    kind = forms.ChoiceField(label="类型", choices=FieldKind.choices, initial=FieldKind.FILE)
    required = forms.BooleanField(label="必填", required=False, initial=True)
    identifying = forms.BooleanField(label="含身份信息（匿名评审时对评委隐藏）", required=False)
    help = forms.CharField(label="填写说明", max_length=200, required=False)


FieldFormSet = forms.formset_factory(FieldRowForm, extra=2, max_num=MAX_FIELDS,
                                     absolute_max=MAX_FIELDS, can_delete=True)


def field_rows(formset) -> list[dict]:
    """The rows kept (not deleted, with a name or a key), in order."""
    out = []
    for form in formset.forms:
        data = form.cleaned_data
        if not data or data.get("DELETE"):
            continue
        if data.get("label") or data.get("key"):
            out.append({k: v for k, v in data.items() if k != "DELETE"})
    return out


class GroupForm(StyledForm):
    name = forms.CharField(label="组别名称", max_length=50, help_text="如 初中数学组")
    stage = forms.ChoiceField(label="学段", choices=[("", "不限"), *Stage.choices],
                              required=False)
    subject = forms.ModelChoiceField(label="学科", queryset=Subject.objects.all(),
                                     required=False, empty_label="不限")
    quota_per_school = forms.IntegerField(label="每校推荐上限", min_value=1, max_value=999,
                                          required=False, help_text="为空则用活动的设置")
    position = forms.IntegerField(label="顺序", min_value=0, max_value=999, initial=0)
    code_prefix = forms.CharField(label="作品编号字母", max_length=2, required=False,
                                  help_text="如 A：本组作品编号为 A0001、A0002…；为空则自动分配")


def group_initial(group: CompetitionGroup) -> dict:
    return {"name": group.name, "stage": group.stage, "subject": group.subject,
            "quota_per_school": group.quota_per_school, "position": group.position,
            "code_prefix": group.code_prefix}


class ReasonForm(StyledForm):
    reason = forms.CharField(label="原因", max_length=300, required=False,
                             widget=forms.TextInput(attrs={"placeholder": "请填写原因"}))


class EntryForm(StyledForm):
    """The entry: group, title, co-authors, then the competition's own fields. Text answers
    and files are checked by the service (review.entries), which gives the messages."""

    def __init__(self, *args, competition: Competition, files_present=(), group_locked=False,
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.competition = competition
        self.file_keys: list[str] = []
        self.remove_keys: dict[str, str] = {}
        self._add_fields(set(files_present), group_locked)
        self._style()  # StyledForm styled the fields it had; these came after

    def _add_fields(self, present: set[str], group_locked: bool) -> None:
        groups = self.competition.groups.all()
        self.fields["group"] = forms.ModelChoiceField(
            label="组别", queryset=groups, empty_label=None, disabled=group_locked,
            help_text="已有编号的作品不能更换组别" if group_locked else "")
        self.fields["title"] = forms.CharField(label="作品名称", max_length=TITLE_MAX)
        self.fields["co_authors"] = forms.CharField(
            label="其他作者", required=False, max_length=300,
            help_text=f"填写本区教师的工号或本校教师的姓名，用逗号或顿号分隔，最多 {MAX_CO_AUTHORS} 人")
        for field in form_fields(self.competition):
            self.fields[f"field_{field['key']}"] = self._field(field, field["key"] in present)
            if field["kind"] == FieldKind.FILE:
                self.file_keys.append(field["key"])
                if field["key"] in present and not field.get("required"):
                    self.remove_keys[field["key"]] = f"remove_{field['key']}"
                    self.fields[f"remove_{field['key']}"] = forms.BooleanField(
                        label=f"删除已上传的「{field['label']}」", required=False)

    @staticmethod
    def _field(field: dict, has_file: bool) -> forms.Field:
        label = field["label"]
        help_text = field.get("help") or ""
        if field["kind"] == FieldKind.FILE:
            note = "已上传，重新选择文件将替换" if has_file else "PDF、Word、PowerPoint、Excel 或图片"
            return forms.FileField(label=label, required=False,
                                   help_text="；".join(p for p in (help_text, note) if p))
        widget = forms.Textarea(attrs={"rows": 4}) if field["kind"] == FieldKind.TEXTAREA \
            else forms.TextInput(attrs={"inputmode": "url"} if field["kind"] == FieldKind.URL
                                 else {})
        return forms.CharField(label=label, required=False, help_text=help_text, widget=widget,
                               max_length=TEXT_MAX[field["kind"]])

    def _style(self) -> None:
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            if css not in widget.attrs.get("class", ""):
                widget.attrs["class"] = (widget.attrs.get("class", "") + " " + css).strip()

    def values(self) -> dict[str, str]:
        return {f["key"]: self.cleaned_data.get(f"field_{f['key']}", "")
                for f in form_fields(self.competition) if f["kind"] != FieldKind.FILE}

    def uploads(self) -> dict:
        return {key: self.cleaned_data.get(f"field_{key}") for key in self.file_keys
                if self.cleaned_data.get(f"field_{key}")}

    def removed(self) -> list[str]:
        return [key for key, name in self.remove_keys.items() if self.cleaned_data.get(name)]


def entry_initial(entry) -> dict:
    data = {"group": entry.group_id, "title": entry.title,
            "co_authors": "、".join(t.employee_no for t in entry.co_authors.all())}
    for key, value in (entry.form_data or {}).items():
        data[f"field_{key}"] = value
    return data
