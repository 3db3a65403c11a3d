"""Forms of the scoring part: rubrics, rounds, the panel, relations, pins, adjustments.
Plain HTML inputs (phones, WeChat's browser); people are named by 登录名/手机号 or 工号, entries
by their code, so that no form lists thousands of options."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.db.models import Q

from yanxun.accounts.models import User
from yanxun.core.forms import StyledForm
from yanxun.org.models import Teacher
from yanxun.review.enums import (
    AggregationMethod,
    CompetitionStatus,
    PairRuleKind,
    PeerVisibility,
    RelationKind,
    RoundKind,
)
from yanxun.review.models import Competition, CompetitionGroup, Entry, Round, Rubric, RubricItem
from yanxun.review.rubrics import ItemInput, parse_points

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def _datetime(label: str) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label, input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT))


# --- rubrics ---------------------------------------------------------------------------------


class RubricForm(StyledForm):
    name = forms.CharField(label="量表名称", max_length=100)
    step = forms.TypedChoiceField(label="评分步长", coerce=Decimal,
                                  choices=[("1", "整数分（1 分）"), ("0.5", "半分（0.5 分）")])
    description = forms.CharField(label="说明", required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))


EMPTY_ROWS = 3


def item_rows(rubric: Rubric | None) -> list[dict]:
    """The editor's rows: the rubric's items, then a few empty ones to add."""
    rows = [{"pk": i.pk, "name": i.name, "max_score": i.max_score, "descriptor": i.descriptor}
            for i in (rubric.items.order_by("position", "pk") if rubric else [])]
    return rows + [{"pk": "", "name": "", "max_score": "", "descriptor": ""}
                   for _ in range(EMPTY_ROWS)]


def posted_items(data, rubric: Rubric | None) -> tuple[list[ItemInput], list[dict], list[str]]:
    """Items typed in the editor (rows left with an empty name are dropped): the inputs, the
    rows to show again, and messages for what could not be read."""
    own = set(rubric.items.values_list("pk", flat=True)) if rubric else set()
    names, scores = data.getlist("item_name"), data.getlist("item_max")
    texts, pks = data.getlist("item_descriptor"), data.getlist("item_pk")
    items, rows, errors = [], [], []
    for n, name in enumerate(names):
        score = scores[n] if n < len(scores) else ""
        text = texts[n] if n < len(texts) else ""
        pk_text = pks[n] if n < len(pks) else ""
        rows.append({"pk": pk_text, "name": name, "max_score": score, "descriptor": text})
        if not name.strip():
            continue
        pk = int(pk_text) if pk_text.isdigit() and int(pk_text) in own else None
        try:
            items.append(ItemInput(name.strip()[:50], parse_points(score, name.strip() + " 的分值"),
                                   text, pk))
        except Exception as exc:  # noqa: BLE001 - parse_points raises ValidationError
            errors.extend(getattr(exc, "messages", [str(exc)]))
    return items, rows, errors


# --- rounds ----------------------------------------------------------------------------------


class RoundForm(StyledForm):
    """A round's settings. `competition` and `template` are asked when creating; editing may
    swap the rubric for a fresh copy of a template while the round is in SETUP."""

    competition = forms.ModelChoiceField(label="评比活动", queryset=Competition.objects.none())
    name = forms.CharField(label="轮次名称", max_length=50, initial="初评")
    kind = forms.ChoiceField(label="方式", choices=RoundKind.choices)
    template = forms.ModelChoiceField(label="评价量表（复制模板）", queryset=Rubric.objects.none())
    judges_per_entry = forms.IntegerField(label="每件作品评委数", min_value=1, max_value=15,
                                          initial=3)
    opens_at = _datetime("评分开始")
    closes_at = _datetime("评分截止")
    blind = forms.BooleanField(label="匿名评审（评委看不到作者、学校和身份信息）", required=False,
                               initial=True)
    peer_visibility = forms.ChoiceField(label="评委互看评分", choices=PeerVisibility.choices)
    allow_abstain = forms.BooleanField(label="允许评委回避/弃评", required=False, initial=True)
    method = forms.ChoiceField(label="计分方法", choices=AggregationMethod.choices)
    trim_min = forms.IntegerField(label="去掉最高最低分的最少评分数", min_value=3, max_value=15,
                                  initial=5, help_text="评分数不足时按平均分")
    tie_break_item = forms.ModelChoiceField(label="同分时比较的评价项目", required=False,
                                            queryset=RubricItem.objects.none())
    max_spread = forms.DecimalField(label="评分极差预警线", required=False, min_value=Decimal("0.5"),
                                    max_digits=5, decimal_places=1,
                                    help_text="为空则按本轮评分分布自动确定")

    def __init__(self, *args, round_: Round | None = None, templates=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.round = round_
        self.fields["template"].queryset = templates if templates is not None \
            else Rubric.objects.none()
        if round_ is None:
            self.fields["competition"].queryset = Competition.objects.exclude(
                status__in=[CompetitionStatus.CANCELLED, CompetitionStatus.PUBLISHED])
            del self.fields["tie_break_item"]
        else:
            del self.fields["competition"]
            self.fields["template"].required = False
            self.fields["template"].label = "更换评价量表（复制模板，替换本轮量表）"
            self.fields["tie_break_item"].queryset = round_.rubric.items.order_by("position")
            if round_.status != "setup":
                for name in ("template", "kind", "judges_per_entry", "blind", "allow_abstain"):
                    self.fields[name].disabled = True

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("competition", None)
        data.pop("template", None)
        if self.round is not None and self.round.status != "setup":
            for name in ("kind", "judges_per_entry", "blind", "allow_abstain"):
                data.pop(name, None)
        return data


def round_initial(round_: Round) -> dict:
    names = ["name", "kind", "judges_per_entry", "opens_at", "closes_at", "blind",
             "peer_visibility", "allow_abstain", "method", "trim_min", "tie_break_item",
             "max_spread"]
    return {name: getattr(round_, name) for name in names}


class EntriesForm(StyledForm):
    groups = forms.ModelMultipleChoiceField(
        label="组别（不选则为全部组别）", required=False, queryset=CompetitionGroup.objects.none(),
        widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, round_: Round, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["groups"].queryset = round_.competition.groups.order_by("position", "pk")


class AdvanceForm(StyledForm):
    top_n = forms.IntegerField(label="每组前 N 名", required=False, min_value=1)
    top_share = forms.DecimalField(label="或每组前百分之几（%）", required=False, min_value=1,
                                   max_value=100, decimal_places=1)

    def clean(self):
        data = super().clean()
        if (data.get("top_n") is None) == (data.get("top_share") is None):
            raise forms.ValidationError("请在「前 N 名」与「前百分之几」中填一项。")
        return data


# --- the panel, relations, pins ------------------------------------------------------------


def find_user(text: str) -> User | None:
    text = text.strip()
    if not text:
        return None
    return User.objects.filter(Q(username=text) | Q(phone=text)).first()


def find_teacher(text: str) -> tuple[Teacher | None, str]:
    text = text.strip()
    matches = list(Teacher.objects.filter(Q(user__username=text) | Q(employee_no=text))
                   .select_related("school")[:2])
    if not matches:
        return None, f"找不到登录名或工号为「{text}」的教师。"
    if len(matches) > 1:
        return None, f"工号「{text}」对应多位教师，请填写登录名。"
    return matches[0], ""


class PanelAddForm(StyledForm):
    login = forms.CharField(label="登录名或手机号", max_length=150)
    affiliation = forms.CharField(label="工作单位（可选）", required=False, max_length=100)
    is_leader = forms.BooleanField(label="评委组长", required=False)

    def clean_login(self) -> User:
        user = find_user(self.cleaned_data["login"])
        if user is None:
            raise forms.ValidationError("找不到该登录名或手机号的用户。")
        return user


class ExpertForm(StyledForm):
    name = forms.CharField(label="专家姓名", max_length=50)
    phone = forms.CharField(label="手机号", max_length=11)
    affiliation = forms.CharField(label="工作单位", max_length=100)
    is_leader = forms.BooleanField(label="评委组长", required=False)


class RelationForm(StyledForm):
    judge = forms.CharField(label="评委（登录名或手机号）", max_length=150)
    teacher = forms.CharField(label="教师（登录名或工号）", max_length=150)
    kind = forms.ChoiceField(label="关系", choices=RelationKind.choices)
    note = forms.CharField(label="说明", required=False, max_length=200)

    def clean_judge(self) -> User:
        user = find_user(self.cleaned_data["judge"])
        if user is None:
            raise forms.ValidationError("找不到该登录名或手机号的用户。")
        return user

    def clean_teacher(self) -> Teacher:
        teacher, problem = find_teacher(self.cleaned_data["teacher"])
        if teacher is None:
            raise forms.ValidationError(problem)
        return teacher


class PairRuleForm(StyledForm):
    judge = forms.ModelChoiceField(label="评委", queryset=User.objects.none())
    code = forms.CharField(label="作品编号", max_length=12)
    kind = forms.ChoiceField(label="类型", choices=PairRuleKind.choices)
    reason = forms.CharField(label="原因", required=False, max_length=200)

    def __init__(self, *args, round_: Round, **kwargs):
        super().__init__(*args, **kwargs)
        self.round = round_
        self.fields["judge"].queryset = User.objects.filter(review_panels__round=round_)

    def clean_code(self) -> Entry:
        entry = Entry.objects.filter(round_entries__round=self.round,
                                     code=self.cleaned_data["code"].strip().upper()).first()
        if entry is None:
            raise forms.ValidationError("本轮没有这个作品编号。")
        return entry
