"""Pages of centre staff for rubrics, rounds, panels, relations, pins, the assignment run and
its adjustments, and the round's scores (reopening one). Thin: the rules live in
review.rubrics, review.rounds, review.assign and review.scoring."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from yanxun.core.listing import render_list
from yanxun.core.permissions import has_perm
from yanxun.review import assign, rounds, rubrics, rules, scoring
from yanxun.review.enums import AssignmentSource, RoundKind, RoundStatus
from yanxun.review.forms_scoring import (
    AdvanceForm,
    EntriesForm,
    ExpertForm,
    PairRuleForm,
    PanelAddForm,
    RelationForm,
    RoundForm,
    RubricForm,
    item_rows,
    posted_items,
    round_initial,
)
from yanxun.review.lists_scoring import ROUNDS
from yanxun.review.models import (
    Assignment,
    Entry,
    PairRule,
    Relation,
    Round,
    RoundJudge,
    Rubric,
    Score,
)

RELATIONS_PER_PAGE = 50
SCORES_PER_PAGE = 50


def _staff(user) -> None:
    if not has_perm(user, rules.RUN_REVIEWS):
        raise PermissionDenied("无权组织评审。")


def _round(request, pk: int) -> Round:
    _staff(request.user)
    return get_object_or_404(Round.objects.select_related("competition", "rubric"), pk=pk)


def _errors(request, exc: ValidationError) -> None:
    messages.error(request, "；".join(exc.messages))


def _reason(request) -> str:
    return request.POST.get("reason", "").strip()[:500]


# --- rubrics ---------------------------------------------------------------------------------


@login_required
def rubric_list(request):
    _staff(request.user)
    templates = list(rubrics.rubric_templates())
    return render(request, "review/scoring/rubric_list.html", {
        "page_title": "评价量表", "templates": [
            {"rubric": r, "full": sum((i.max_score for i in r.items.all()), Decimal("0"))}
            for r in templates]})


def _rubric_page(request, rubric: Rubric | None, form: RubricForm, rows: list[dict],
                 errors: list[str] = ()):
    back = (reverse("review:round_detail", args=[rubric.rounds.first().pk])
            if rubric is not None and not rubric.is_template and rubric.rounds.exists()
            else reverse("review:rubric_list"))
    return render(request, "review/scoring/rubric_form.html", {
        "page_title": f"编辑量表：{rubric.name}" if rubric else "新建量表模板",
        "form": form, "rows": rows, "item_errors": errors, "cancel_url": back,
        "locked": rubrics.rubric_locked_reason(rubric) if rubric and not rubric.is_template
        else ""})


def _rubric_save(request, rubric: Rubric | None):
    _staff(request.user)
    initial = ({"name": rubric.name, "step": str(rubric.step.normalize()),
                "description": rubric.description} if rubric else {"step": "1"})
    form = RubricForm(request.POST or None, initial=initial)
    if request.method != "POST":
        return _rubric_page(request, rubric, form, item_rows(rubric))
    items, rows, errors = posted_items(request.POST, rubric)
    if form.is_valid() and not errors:
        try:
            saved = rubrics.rubric_save(actor=request.user, rubric=rubric, items=items,
                                        **form.cleaned_data)
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, f"量表「{saved.name}」已保存。")
            if not saved.is_template:
                return redirect("review:round_detail", pk=saved.rounds.first().pk)
            return redirect("review:rubric_list")
    return _rubric_page(request, rubric, form, rows, errors)


@login_required
def rubric_create(request):
    return _rubric_save(request, None)


@login_required
def rubric_edit(request, pk: int):
    _staff(request.user)
    return _rubric_save(request, get_object_or_404(Rubric, pk=pk))


@login_required
@require_POST
def rubric_copy(request, pk: int):
    _staff(request.user)
    rubric = get_object_or_404(Rubric, pk=pk, is_template=True)
    copy = rubrics.rubric_copy(actor=request.user, rubric=rubric, name=f"{rubric.name}（副本）")
    messages.success(request, f"已复制为「{copy.name}」。")
    return redirect("review:rubric_edit", pk=copy.pk)


@login_required
@require_POST
def rubric_delete(request, pk: int):
    _staff(request.user)
    rubric = get_object_or_404(Rubric, pk=pk)
    try:
        rubrics.rubric_delete(actor=request.user, rubric=rubric)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, f"已删除量表「{rubric.name}」。")
    return redirect("review:rubric_list")


# --- rounds ----------------------------------------------------------------------------------


@login_required
def round_list(request):
    actions = [{"label": "新建轮次", "url": reverse("review:round_create"), "primary": True},
               {"label": "评价量表", "url": reverse("review:rubric_list")},
               {"label": "回避关系", "url": reverse("review:relation_list")}] \
        if has_perm(request.user, rules.RUN_REVIEWS) else []
    return render_list(request, ROUNDS, context={"actions": actions})


def _form_page(request, form, title: str, cancel_url: str, **extra):
    return render(request, "form_page.html", {"form": form, "page_title": title,
                                              "cancel_url": cancel_url, **extra})


def _new_round_initial(competition: str, templates) -> dict:
    """The create form filled in as most rounds are: the default rubric; a competition's first
    round is 初评 online, a later one 复评 live."""
    default = next((t for t in templates if t.name == rubrics.DEFAULT_NAME), None)
    initial = {"template": default or next(iter(templates), None)}
    if competition.isdigit():
        initial["competition"] = int(competition)
        if Round.objects.filter(competition=int(competition)).exists():
            initial.update(name="复评", kind=RoundKind.LIVE)
    return initial


@login_required
def round_create(request):
    _staff(request.user)
    templates = rubrics.rubric_templates()
    form = RoundForm(request.POST or None, templates=templates,
                     initial=_new_round_initial(request.GET.get("competition", ""), templates))
    if request.method == "POST" and form.is_valid():
        try:
            round_ = rounds.round_create(actor=request.user,
                                         competition=form.cleaned_data["competition"],
                                         template=form.cleaned_data["template"],
                                         **form.service_fields())
        except ValidationError as exc:
            form.add_service_error(exc, Round)
        else:
            messages.success(request, f"已新建轮次「{round_.name}」，请选择参评作品和评委。")
            return redirect("review:round_detail", pk=round_.pk)
    return _form_page(request, form, "新建评审轮次", reverse("review:round_list"))


@login_required
def round_edit(request, pk: int):
    round_ = _round(request, pk)
    form = RoundForm(request.POST or None, round_=round_, templates=rubrics.rubric_templates(),
                     initial=round_initial(round_))
    if request.method == "POST" and form.is_valid():
        try:
            rounds.round_update(actor=request.user, round_=round_,
                                template=form.cleaned_data.get("template"),
                                **form.service_fields())
        except ValidationError as exc:
            form.add_service_error(exc, Round)
        else:
            messages.success(request, "轮次设置已保存。")
            return redirect("review:round_detail", pk=round_.pk)
    return _form_page(request, form, f"编辑轮次：{round_}",
                      reverse("review:round_detail", args=[round_.pk]))


@login_required
def round_detail(request, pk: int):
    round_ = _round(request, pk)
    report = assign.coverage(round_)
    return render(request, "review/scoring/round_detail.html", {
        "page_title": str(round_), "round": round_, "report": report,
        "items": round_.rubric.items.order_by("position", "pk"),
        "full": rubrics.full_score(round_.rubric),
        "editable_rubric": round_.status == RoundStatus.SETUP,
        "progress": scoring.round_progress(round_),
        "pair_rules": round_.pair_rules.count(),
        "transitions": [{"to": to.value, "label": verb, "reason": needs}
                        for to, verb, needs in rounds.TRANSITIONS[RoundStatus(round_.status)]],
    })


@login_required
@require_POST
def round_transition(request, pk: int):
    round_ = _round(request, pk)
    to = request.POST.get("to", "")
    if to not in RoundStatus.values:
        messages.error(request, "未知的轮次状态。")
        return redirect("review:round_detail", pk=round_.pk)
    try:
        rounds.round_transition(actor=request.user, round_=round_, to=RoundStatus(to),
                                reason=_reason(request))
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, f"轮次已转为「{RoundStatus(to).label}」。")
    return redirect("review:round_detail", pk=round_.pk)


# --- the round's entries -----------------------------------------------------------------------


@login_required
def round_entries(request, pk: int):
    round_ = _round(request, pk)
    form = EntriesForm(request.POST if request.POST.get("how") == "groups" else None,
                       round_=round_)
    advance = AdvanceForm(request.POST if request.POST.get("how") == "advance" else None)
    previous = rounds.previous_round(round_)
    if request.method == "POST":
        try:
            if request.POST.get("how") == "groups" and form.is_valid():
                n = rounds.round_entries_set(actor=request.user, round_=round_,
                                             groups=list(form.cleaned_data["groups"]))
            elif request.POST.get("how") == "advance" and advance.is_valid() and previous:
                share = advance.cleaned_data["top_share"]
                ranked, places = rounds.previous_ranking(previous)
                advanced = rounds.round_entries_advance(
                    actor=request.user, round_=round_, ranked_entry_ids=ranked, places=places,
                    top_n=advance.cleaned_data["top_n"],
                    top_share=share / 100 if share is not None else None)
                n = len(advanced.entry_ids)
                if advanced.tied:
                    messages.info(request, f"名额线上有并列，{advanced.tied} 件并列作品一并晋级。")
            else:
                n = None
        except ValidationError as exc:
            _errors(request, exc)
        else:
            if n is not None:
                messages.success(request, f"本轮参评作品已更新：共 {n} 件。")
                return redirect("review:round_detail", pk=round_.pk)
    entries = (Entry.objects.filter(round_entries__round=round_).select_related("group", "school")
               .order_by("code"))
    return render(request, "review/scoring/round_entries.html", {
        "page_title": f"参评作品：{round_}", "round": round_, "form": form,
        "advance": advance, "previous": previous,
        "page": Paginator(entries, 100).get_page(request.GET.get("page")),
        "editable": round_.status == RoundStatus.SETUP,
    })


# --- the panel ---------------------------------------------------------------------------------


@login_required
def round_panel(request, pk: int):
    round_ = _round(request, pk)
    members = RoundJudge.objects.filter(round=round_).select_related("judge").order_by(
        "-is_leader", "pk")
    return render(request, "review/scoring/round_panel.html", {
        "page_title": f"评委：{round_}", "round": round_, "members": members,
        "form": PanelAddForm(), "until": rounds.judge_role_until(round_),
        "editable": round_.status in (RoundStatus.SETUP, RoundStatus.SCORING),
    })


@login_required
@require_POST
def panel_add(request, pk: int):
    round_ = _round(request, pk)
    form = PanelAddForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
        return redirect("review:round_panel", pk=round_.pk)
    try:
        member = rounds.panel_add(actor=request.user, round_=round_,
                                  judge=form.cleaned_data["login"],
                                  is_leader=form.cleaned_data["is_leader"],
                                  affiliation=form.cleaned_data["affiliation"])
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, f"已添加评委「{member.judge}」。")
    return redirect("review:round_panel", pk=round_.pk)


@login_required
def expert_create(request, pk: int):
    round_ = _round(request, pk)
    form = ExpertForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            new = rounds.expert_create(actor=request.user, round_=round_, **form.cleaned_data)
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            return render(request, "review/scoring/expert_created.html", {
                "page_title": "专家账号已创建", "round": round_, "new": new})
    return _form_page(request, form, f"新建外聘专家账号：{round_}",
                      reverse("review:round_panel", args=[round_.pk]), narrow=True,
                      intro=f"将生成临时登录账号和初始密码（只显示一次），账号与评委角色在 "
                            f"{rounds.judge_role_until(round_):%Y-%m-%d %H:%M} 到期。")


@login_required
@require_POST
def panel_remove(request, pk: int, judge_pk: int):
    round_ = _round(request, pk)
    member = get_object_or_404(RoundJudge, round=round_, judge=judge_pk)
    try:
        n = rounds.panel_remove(actor=request.user, round_=round_, judge=member.judge,
                                reason=_reason(request))
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, f"已将「{member.judge}」移出评委名单（撤回分配 {n} 件）。")
    return redirect("review:round_panel", pk=round_.pk)


# --- relations and pair rules ------------------------------------------------------------------


@login_required
def relation_list(request):
    _staff(request.user)
    form = RelationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            relation = rounds.relation_declare(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, f"已登记回避关系：{relation.judge} — {relation.teacher.name}"
                                      f"（{relation.get_kind_display()}）。")
            return redirect("review:relation_list")
    relations = (Relation.objects.select_related("judge", "teacher__school", "declared_by")
                 .order_by("-created_at", "-pk"))
    query = request.GET.get("q", "").strip()[:50]
    if query:
        relations = relations.filter(judge__name__icontains=query) | relations.filter(
            teacher__name__icontains=query)
    return render(request, "review/scoring/relation_list.html", {
        "page_title": "回避关系", "form": form, "q": query,
        "page": Paginator(relations, RELATIONS_PER_PAGE).get_page(request.GET.get("page"))})


@login_required
@require_POST
def relation_delete(request, pk: int):
    _staff(request.user)
    relation = get_object_or_404(Relation, pk=pk)
    rounds.relation_delete(actor=request.user, relation=relation)
    messages.success(request, "已删除该回避关系。")
    return redirect("review:relation_list")


@login_required
def pair_rules(request, pk: int):
    round_ = _round(request, pk)
    form = PairRuleForm(request.POST or None, round_=round_)
    if request.method == "POST" and form.is_valid():
        try:
            rounds.pair_rule_set(actor=request.user, round_=round_,
                                 judge=form.cleaned_data["judge"], entry=form.cleaned_data["code"],
                                 kind=form.cleaned_data["kind"], reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, "已保存。重新运行分配后生效。")
            return redirect("review:pair_rules", pk=round_.pk)
    return render(request, "review/scoring/pair_rules.html", {
        "page_title": f"指定与回避：{round_}", "round": round_, "form": form,
        "rules": round_.pair_rules.select_related("judge", "entry").order_by("kind", "pk")})


@login_required
@require_POST
def pair_rule_delete(request, pk: int):
    _staff(request.user)
    rule = get_object_or_404(PairRule, pk=pk)
    try:
        rounds.pair_rule_delete(actor=request.user, rule=rule)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, "已删除。")
    return redirect("review:pair_rules", pk=rule.round_id)


# --- the assignment ----------------------------------------------------------------------------


@login_required
@require_POST
def assignment_run(request, pk: int):
    round_ = _round(request, pk)
    try:
        result = assign.assignment_run(actor=request.user, round_=round_,
                                       fill_gaps=request.POST.get("fill_gaps") == "on")
    except ValidationError as exc:
        _errors(request, exc)
    else:
        text = (f"分配完成：新增 {result.written} 项，替换 {result.removed} 项，保留 {result.kept} 项。")
        if result.shortfalls:
            messages.warning(request, text + f"有 {len(result.shortfalls)} 件作品评委不足，见下方说明。")
        else:
            messages.success(request, text)
    return redirect("review:assignment_result", pk=round_.pk)


@login_required
def assignment_result(request, pk: int):
    round_ = _round(request, pk)
    code = request.GET.get("entry", "").strip().upper()[:12]
    entry = (Entry.objects.filter(round_entries__round=round_, code=code).first() if code
             else None)
    entry_rows = []
    if entry is not None:
        for a in (Assignment.objects.filter(round=round_, entry=entry)
                  .select_related("judge", "score").order_by("pk")):
            entry_rows.append({"assignment": a, "score": getattr(a, "score", None)})
    panel = list(RoundJudge.objects.filter(round=round_).select_related("judge").order_by("pk"))
    return render(request, "review/scoring/assignment_result.html", {
        "page_title": f"评审分配：{round_}", "round": round_, "report": assign.coverage(round_),
        "conflicts": assign.conflicting_assignments(round_), "code": code, "entry": entry,
        "entry_rows": entry_rows, "panel": panel, "sources": dict(AssignmentSource.choices),
        "adjustable": round_.status in (RoundStatus.SETUP, RoundStatus.SCORING),
        "has_scores": Score.objects.filter(assignment__round=round_).exists(),
    })


def _assignment_of(round_: Round, raw: str) -> Assignment:
    if not raw.isdigit():
        raise ValidationError("请选择要调整的分配。")
    assignment = Assignment.objects.select_related("judge", "entry").filter(
        round=round_, pk=int(raw)).first()
    if assignment is None:
        raise ValidationError("该分配不存在或已被调整，请刷新后重试。")
    return assignment


def _panel_member(round_: Round, raw: str):
    member = (RoundJudge.objects.select_related("judge").filter(round=round_, judge=raw).first()
              if raw.isdigit() else None)
    if member is None:
        raise ValidationError("请选择本轮的评委。")
    return member.judge


@login_required
@require_POST
def assignment_adjust(request, pk: int):
    """One staff adjustment: add / move / swap / remove (action=...)."""
    round_ = _round(request, pk)
    action, post, reason = request.POST.get("action", ""), request.POST, _reason(request)
    code = post.get("code", "").strip().upper()[:12]
    try:
        if action == "add":
            entry = Entry.objects.filter(round_entries__round=round_, code=code).first()
            if entry is None:
                raise ValidationError("本轮没有这个作品编号。")
            assign.assignment_add(actor=request.user, round_=round_,
                                  judge=_panel_member(round_, post.get("judge", "")),
                                  entry=entry, reason=reason)
        elif action == "move":
            assign.assignment_move(actor=request.user,
                                   assignment=_assignment_of(round_, post.get("assignment", "")),
                                   to_judge=_panel_member(round_, post.get("judge", "")),
                                   reason=reason)
        elif action == "swap":
            assign.assignment_swap(actor=request.user,
                                   first=_assignment_of(round_, post.get("assignment", "")),
                                   second=_assignment_of(round_, post.get("other", "")),
                                   reason=reason)
        elif action == "remove":
            assign.assignment_remove(actor=request.user,
                                     assignment=_assignment_of(round_, post.get("assignment", "")),
                                     reason=reason)
        else:
            raise ValidationError("未知的调整操作。")
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, "分配已调整。")
    url = reverse("review:assignment_result", args=[round_.pk])
    return redirect(f"{url}?entry={code}" if code else url)


# --- scores ------------------------------------------------------------------------------------


@login_required
def round_scores(request, pk: int):
    round_ = _round(request, pk)
    scores = (Score.objects.filter(assignment__round=round_)
              .select_related("assignment__judge", "assignment__entry")
              .order_by("assignment__entry__code", "assignment__judge__name"))
    status = request.GET.get("status", "")
    if status in ("draft", "submitted", "abstained"):
        scores = scores.filter(status=status)
    return render(request, "review/scoring/round_scores.html", {
        "page_title": f"评分记录：{round_}", "round": round_, "status": status,
        "page": Paginator(scores, SCORES_PER_PAGE).get_page(request.GET.get("page")),
        "reopenable": round_.status in (RoundStatus.SCORING, RoundStatus.CLOSED),
    })


@login_required
@require_POST
def score_reopen(request, pk: int):
    _staff(request.user)
    score = get_object_or_404(Score.objects.select_related("assignment"), pk=pk)
    try:
        scoring.score_reopen(actor=request.user, score=score, reason=_reason(request))
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, "已重新开放该评分，评委可修改后再次提交。")
    return redirect("review:round_scores", pk=score.assignment.round_id)
