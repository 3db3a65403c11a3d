"""Pages of competitions (评比活动): the list, the hub of one competition (its groups with
entries counted by status, its rounds, links to the school's and the centre's pages), and the
centre's pages to create and edit a competition, its entry form and its groups. Thin: reads
from selectors_entries, writes through review.competitions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from yanxun.core.listing import listable, render_list
from yanxun.core.permissions import has_perm
from yanxun.review import competitions as services
from yanxun.review import lists_entries, rules
from yanxun.review import selectors_entries as selectors
from yanxun.review.entries import own_teacher, window_problem
from yanxun.review.enums import CompetitionStatus, FieldKind
from yanxun.review.forms_entries import (
    CompetitionForm,
    FieldFormSet,
    GroupForm,
    TierFormSet,
    competition_initial,
    field_rows,
    group_initial,
    tier_initial,
    tier_rows,
)
from yanxun.review.models import Competition, CompetitionGroup
from yanxun.review.recommend import is_staff

C = CompetitionStatus


def _form_page(request, form, title: str, cancel_url: str, **extra):
    return render(request, "form_page.html", {"form": form, "page_title": title,
                                              "cancel_url": cancel_url, **extra})


def _errors(exc: ValidationError) -> str:
    return "；".join(exc.messages)


@login_required
def competition_list(request):
    actions = ([{"label": "新建评比活动", "url": reverse("review:competition_create"),
                 "primary": True}] if selectors.may_manage(request.user) else [])
    return render_list(request, lists_entries.COMPETITIONS, context={"actions": actions})


def _competition_page(request, form, tiers, title: str, cancel_url: str):
    return render(request, "review/competitions/form.html", {
        "form": form, "tiers": tiers, "page_title": title, "cancel_url": cancel_url})


def _save_competition(request, form, tiers, save, *, changed_only: bool = False):
    """Validate both forms, call `save(fields)`; on refusal, show the service's message.
    With `changed_only` only the fields the user changed are passed (a datetime shown to the
    minute is not a change of its seconds)."""
    if not (form.is_valid() and tiers.is_valid()):
        return None
    names = form.changed_data if changed_only else form.cleaned_data
    fields = {**{n: form.cleaned_data[n] for n in names}, "award_tiers": tier_rows(tiers)}
    try:
        return save(fields)
    except ValidationError as exc:
        form.add_service_error(exc, Competition)
    return None


@login_required
def competition_create(request):
    selectors.require_manage(request.user)
    now = timezone.localdate()
    form = CompetitionForm(request.POST or None, initial={"year": now.year,
                                                          "organiser": _centre_name()})
    tiers = TierFormSet(request.POST or None, prefix="tiers", initial=[
        {"name": "一等奖", "share": "15"}, {"name": "二等奖", "share": "25"},
        {"name": "三等奖", "share": "35"}])
    if request.method == "POST":
        competition = _save_competition(request, form, tiers, lambda fields: (
            services.competition_create(actor=request.user, **fields)))
        if competition is not None:
            messages.success(request, f"已新建「{competition.name}」（筹备中）：请设置参评材料要求与"
                                      "组别，然后开放报名。")
            return redirect("review:competition_detail", pk=competition.pk)
    return _competition_page(request, form, tiers, "新建评比活动",
                             reverse("review:competition_list"))


def _centre_name() -> str:
    from yanxun.org.models import District

    district = District.objects.first()
    return (district.center_name or f"{district.name}教师发展中心") if district else ""


@login_required
def competition_edit(request, pk: int):
    competition = selectors.competition_for_manage(request.user, pk)
    form = CompetitionForm(request.POST or None, initial=competition_initial(competition))
    tiers = TierFormSet(request.POST or None, prefix="tiers",
                        initial=tier_initial(competition.award_tiers))
    if request.method == "POST":
        saved = _save_competition(request, form, tiers, lambda fields: (
            services.competition_update(actor=request.user, competition=competition,
                                        **fields)), changed_only=True)
        if saved is not None:
            messages.success(request, "评比活动已保存。")
            return redirect("review:competition_detail", pk=competition.pk)
    return _competition_page(request, form, tiers, f"编辑：{competition.name}",
                             reverse("review:competition_detail", args=[competition.pk]))


@login_required
def competition_fields(request, pk: int):
    """The entry form editor (参评材料要求)."""
    competition = selectors.competition_for_manage(request.user, pk)
    formset = FieldFormSet(request.POST or None, prefix="fields",
                           initial=competition.entry_fields or None)
    error = ""
    if request.method == "POST" and formset.is_valid():
        try:
            services.competition_set_entry_fields(actor=request.user, competition=competition,
                                                  rows=field_rows(formset))
        except ValidationError as exc:
            error = _errors(exc)
        else:
            messages.success(request, "参评材料要求已保存。")
            return redirect("review:competition_detail", pk=competition.pk)
    return render(request, "review/competitions/fields.html", {
        "competition": competition, "formset": formset, "error": error,
        "page_title": f"参评材料要求：{competition.name}", "max_fields": services.MAX_FIELDS})


@login_required
def competition_detail(request, pk: int):
    competition = selectors.competition_for_view(request.user, pk)
    user = request.user
    manage = selectors.may_manage(user)
    sees_entries = has_perm(user, listable(rules.VIEW_ENTRIES))
    counts = selectors.group_rows(competition, selectors.entries_visible(user)) \
        if sees_entries else []
    teacher = own_teacher(user)
    return render(request, "review/competitions/detail.html", {
        "competition": competition, "page_title": competition.name, "manage": manage,
        "groups": counts or [selectors.GroupRow(g) for g in competition.groups.all()],
        "sees_entries": sees_entries,
        "rounds": list(competition.rounds.select_related("rubric")),
        "fields": competition.entry_fields, "file_kind": FieldKind.FILE,
        "transitions": [{"to": str(to), "label": services.TRANSITION_VERBS[to]}
                        for to in services.transitions_for(competition)] if manage else [],
        "editable": manage and competition.status not in (C.PUBLISHED, C.CANCELLED),
        "form_editable": manage and competition.status in (C.DRAFT, C.OPEN),
        "can_enter": teacher is not None and has_perm(user, rules.SUBMIT_ENTRIES)
        and window_problem(competition, timezone.now()) is None,
        "school_page": has_perm(user, rules.RECOMMEND_ENTRIES) or is_staff(user),
        "check_page": is_staff(user),
        "entries_url": reverse("review:entry_list") + f"?competition={competition.pk}",
    })


@login_required
@require_POST
def competition_transition(request, pk: int):
    competition = selectors.competition_for_manage(request.user, pk)
    to = request.POST.get("to", "")
    if to not in C.values:
        messages.error(request, "未知的活动状态。")
        return redirect("review:competition_detail", pk=competition.pk)
    try:
        services.competition_transition(competition, C(to), actor=request.user,
                                        reason=request.POST.get("reason", "")[:500])
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, f"评比活动已转为「{C(to).label}」。")
    return redirect("review:competition_detail", pk=competition.pk)


# --- groups ------------------------------------------------------------------------------------


@login_required
def group_create(request, pk: int):
    competition = selectors.competition_for_manage(request.user, pk)
    form = GroupForm(request.POST or None, initial={"position": competition.groups.count() + 1})
    back = reverse("review:competition_detail", args=[competition.pk])
    if request.method == "POST" and form.is_valid():
        try:
            services.group_create(actor=request.user, competition=competition,
                                  **form.cleaned_data)
        except ValidationError as exc:
            form.add_service_error(exc, CompetitionGroup)
        else:
            messages.success(request, f"已添加组别「{form.cleaned_data['name']}」。")
            return redirect(back)
    return _form_page(request, form, f"添加组别：{competition.name}", back, narrow=True)


@login_required
def group_edit(request, pk: int):
    group = selectors.group_for_manage(request.user, pk)
    form = GroupForm(request.POST or None, initial=group_initial(group))
    back = reverse("review:competition_detail", args=[group.competition_id])
    if request.method == "POST" and form.is_valid():
        try:
            services.group_update(actor=request.user, group=group, **form.cleaned_data)
        except ValidationError as exc:
            form.add_service_error(exc, CompetitionGroup)
        else:
            messages.success(request, "组别已保存。")
            return redirect(back)
    return _form_page(request, form, f"编辑组别：{group.name}", back, narrow=True)


@login_required
@require_POST
def group_delete(request, pk: int):
    group = selectors.group_for_manage(request.user, pk)
    try:
        services.group_delete(actor=request.user, group=group)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, f"已删除组别「{group.name}」。")
    return redirect("review:competition_detail", pk=group.competition_id)
