"""Pages of entries: 参加评比 (open competitions and the teacher's own entries), the entry form,
an entry's page with the actions its viewer may take, file downloads, the school's
recommendation page, the centre's 形式审查 page and the list of entries. Thin: reads from
selectors_entries, writes through review.entries and review.recommend."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from yanxun.core.listing import render_list
from yanxun.core.lists import action_label
from yanxun.core.models import AuditLog
from yanxun.core.permissions import has_perm
from yanxun.review import entries as services
from yanxun.review import lists_entries, recommend, rules
from yanxun.review import selectors_entries as selectors
from yanxun.review.enums import CompetitionStatus, EntryStatus, FieldKind
from yanxun.review.forms_entries import EntryForm, ReasonForm, entry_initial
from yanxun.review.models import Entry

E = EntryStatus


def _errors(exc: ValidationError) -> str:
    return "；".join(exc.messages)


# --- the teacher's pages ----------------------------------------------------------------------


@login_required
def my_entries(request):
    """参加评比: competitions taking entries now, and the teacher's own entries."""
    if not has_perm(request.user, rules.SUBMIT_ENTRIES):
        raise PermissionDenied("无权提交参评作品。")
    teacher = services.own_teacher(request.user)
    entries = selectors.my_entries(teacher)
    missing = services.missing_by_entry(entries) if entries else {}
    for entry in entries:
        entry.missing_labels = missing[entry.pk]
    return render(request, "review/entries/mine.html", {
        "page_title": "参加评比", "competitions": selectors.open_for_entries(request.user,
                                                                           timezone.now()),
        "entries": entries, "teacher": teacher,
    })


def _entry_form_page(request, form, competition, title: str, cancel_url: str, entry=None):
    return render(request, "review/entries/form.html", {
        "form": form, "competition": competition, "entry": entry, "page_title": title,
        "cancel_url": cancel_url, "max_bytes_mb": services.max_file_bytes() // (1024 * 1024),
    })


def _input(form: EntryForm) -> services.EntryInput:
    data = form.cleaned_data
    return services.EntryInput(title=data["title"], co_authors=data["co_authors"],
                               values=form.values(), uploads=form.uploads(),
                               remove=form.removed())


def _saved_message(request, entry: Entry) -> None:
    if entry.status == E.SUBMITTED:
        messages.success(request, f"作品已提交，编号 {entry.code}，等待学校推荐。")
    else:
        messages.success(request, "已保存为草稿；填写完整后请提交。")


@login_required
def entry_create(request, pk: int):
    competition = selectors.competition_for_view(request.user, pk)
    if not has_perm(request.user, rules.SUBMIT_ENTRIES):
        raise PermissionDenied("无权提交参评作品。")
    if services.own_teacher(request.user) is None:
        raise PermissionDenied("您的账号没有关联教师档案，不能提交作品。")
    problem = services.window_problem(competition, timezone.now())
    if problem:
        messages.error(request, problem)
        return redirect("review:my_entries")
    form = EntryForm(request.POST or None, request.FILES or None, competition=competition,
                     initial={"group": request.GET.get("group")})
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.entry_create(actor=request.user, group=form.cleaned_data["group"],
                                          data=_input(form),
                                          submit=request.POST.get("action") == "submit")
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            _saved_message(request, entry)
            return redirect("review:entry_detail", pk=entry.pk)
    return _entry_form_page(request, form, competition, f"提交作品：{competition.name}",
                            reverse("review:my_entries"))


@login_required
def entry_edit(request, pk: int):
    entry = selectors.entry_for_author(request.user, pk)
    if entry.status not in services.EDITABLE:
        messages.error(request, f"作品当前为「{E(entry.status).label}」，不能修改。")
        return redirect("review:entry_detail", pk=entry.pk)
    present = selectors.files_by_key(entry)
    form = EntryForm(request.POST or None, request.FILES or None, competition=entry.competition,
                     files_present=present, group_locked=bool(entry.code),
                     initial=entry_initial(entry))
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.entry_update(actor=request.user, entry=entry, data=_input(form),
                                          group=form.cleaned_data["group"],
                                          submit=request.POST.get("action") == "submit")
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            _saved_message(request, saved)
            return redirect("review:entry_detail", pk=entry.pk)
    return _entry_form_page(request, form, entry.competition, f"修改作品：{entry.title}",
                            reverse("review:entry_detail", args=[entry.pk]), entry=entry)


def _author_action(request, pk: int, action) -> object:
    entry = selectors.entry_for_author(request.user, pk)
    try:
        action(entry)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    return redirect("review:entry_detail", pk=entry.pk)


@login_required
@require_POST
def entry_submit(request, pk: int):
    def submit(entry):
        services.entry_submit(actor=request.user, entry=entry)
        _saved_message(request, entry)
    return _author_action(request, pk, submit)


@login_required
@require_POST
def entry_withdraw(request, pk: int):
    def withdraw(entry):
        services.entry_withdraw(actor=request.user, entry=entry,
                                reason=request.POST.get("reason", ""))
        messages.success(request, "作品已撤回。")
    return _author_action(request, pk, withdraw)


@login_required
@require_POST
def entry_restore(request, pk: int):
    def restore(entry):
        services.entry_restore(actor=request.user, entry=entry)
        messages.success(request, "作品已恢复为草稿。")
    return _author_action(request, pk, restore)


# --- an entry's page -----------------------------------------------------------------------------


def _history(entry: Entry) -> list[dict]:
    rows = (AuditLog.objects.filter(object_type="review.entry", object_id=str(entry.pk))
            .exclude(action="review.entry.save").select_related("actor").order_by("at", "pk"))
    return [{"at": r.at, "actor": r.actor.name if r.actor else "", "action": action_label(
        r.action), "reason": r.reason} for r in rows]


def _with_decisions(user, entries) -> None:
    decisions = recommend.decisions_for(user, entries)
    for entry in entries:
        entry.decisions = decisions[entry.pk]
        entry.needs_reason = any(d.get("reason") for d in entry.decisions)


@login_required
def entry_detail(request, pk: int):
    entry = selectors.entry_for_view(request.user, pk)
    teacher = services.own_teacher(request.user)
    is_lead = teacher is not None and entry.teacher_id == teacher.pk
    files = selectors.files_by_key(entry)
    fields = [{**f, "value": (entry.form_data or {}).get(f["key"], ""),
               "file": files.get(f["key"])} for f in services.form_fields(entry.competition)]
    return render(request, "review/entries/detail.html", {
        "entry": entry, "page_title": f"{entry.code or '草稿'} {entry.title}",
        "co_authors": list(entry.co_authors.select_related("school")),
        "fields": fields, "file_kind": FieldKind.FILE,
        "missing": services.missing_by_entry([entry])[entry.pk],
        "is_lead": is_lead,
        "moves": services.author_moves(entry, is_lead=is_lead),
        "decisions": recommend.decisions_for(request.user, [entry])[entry.pk],
        "reason_form": ReasonForm(),
        "history": _history(entry),
    })


@login_required
def entry_file(request, pk: int):
    """An entry's file, by its original name, to those who may see the entry."""
    entry_file = selectors.entry_file_for_download(request.user, pk)
    return services.entry_file_response(entry_file)


# --- decisions of the school and the centre -----------------------------------------------------


DECISIONS = {
    "recommend": lambda user, entry, reason: recommend.entry_recommend(actor=user, entry=entry),
    "not_recommend": lambda user, entry, reason: recommend.entry_not_recommend(
        actor=user, entry=entry, reason=reason),
    "unrecommend": lambda user, entry, reason: recommend.entry_unrecommend(actor=user,
                                                                          entry=entry),
    "return": lambda user, entry, reason: recommend.entry_return(actor=user, entry=entry,
                                                                  reason=reason),
    "accept": lambda user, entry, reason: recommend.entry_accept(actor=user, entry=entry),
    "reject": lambda user, entry, reason: recommend.entry_reject(actor=user, entry=entry,
                                                                 reason=reason),
    "reopen_check": lambda user, entry, reason: recommend.entry_reopen_check(actor=user,
                                                                            entry=entry),
}
DONE = {"recommend": "已推荐", "not_recommend": "已标记为不推荐", "unrecommend": "已撤销推荐",
        "return": "已退回作者修改", "accept": "已审查通过", "reject": "已标记为审查不通过",
        "reopen_check": "已撤销审查结论"}


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next", "")
    return target if target.startswith("/") and not target.startswith("//") else default


@login_required
@require_POST
def entry_decide(request, pk: int):
    """One of the school's or the centre's decisions (action=…, reason=…)."""
    if not (has_perm(request.user, rules.RECOMMEND_ENTRIES) or recommend.is_staff(request.user)):
        raise PermissionDenied("无权对作品作推荐或审查决定。")
    entry = selectors.entry_for_view(request.user, pk)
    action = request.POST.get("action", "")
    back = _safe_next(request, reverse("review:entry_detail", args=[entry.pk]))
    if action not in DECISIONS:
        messages.error(request, "未知的操作。")
        return redirect(back)
    try:
        DECISIONS[action](request.user, entry, request.POST.get("reason", "")[:300])
    except ValidationError as exc:
        messages.error(request, f"{entry.code}：{_errors(exc)}")
    else:
        messages.success(request, f"{entry.code}：{DONE[action]}。")
    return redirect(back)


@login_required
def school_entries(request, pk: int):
    """学校推荐: the school's submitted entries per group with the quota; the centre's staff
    choose the school (?school=)."""
    competition = selectors.competition_for_view(request.user, pk)
    schools = selectors.schools_for_decisions(request.user)
    if not schools.exists() and not recommend.is_staff(request.user):
        raise PermissionDenied("无权推荐作品。")
    chosen = request.GET.get("school", "")
    if chosen:
        school = schools.filter(pk=chosen).first() if chosen.isdigit() and len(chosen) < 19 \
            else None
        if school is None:
            raise Http404("未找到该学校，或无权查看。")
    else:
        school = None if recommend.is_staff(request.user) else schools.first()
    now = timezone.now()
    groups = selectors.school_groups(competition, school) if school else []
    for group in groups:
        _with_decisions(request.user, group.entries)
    closes = competition.recommend_closes
    return render(request, "review/entries/school.html", {
        "competition": competition, "school": school, "groups": groups,
        "page_title": f"学校推荐：{competition.name}",
        "schools": schools.order_by("code") if recommend.is_staff(request.user) else [],
        "closed": bool(closes and now >= closes), "is_staff": recommend.is_staff(request.user),
        "open": competition.status == CompetitionStatus.OPEN, "reason_form": ReasonForm(),
        "here": request.get_full_path(),
    })


@login_required
def check_list(request, pk: int):
    """形式审查: entries awaiting the check, with what each lacks; accept, reject, return one
    by one, or accept every complete one."""
    competition = selectors.competition_for_staff(request.user, pk)
    group = request.GET.get("group", "")
    group_id = int(group) if group.isdigit() and len(group) < 19 else None
    status = request.GET.get("status", E.RECOMMENDED)
    if status not in (E.RECOMMENDED, E.ACCEPTED, E.REJECTED):
        status = E.RECOMMENDED
    rows = selectors.check_rows(competition, group_id=group_id, status=status)
    _with_decisions(request.user, [r.entry for r in rows])
    return render(request, "review/entries/check.html", {
        "competition": competition, "rows": rows, "page_title": f"形式审查：{competition.name}",
        "groups": list(competition.groups.all()), "group_id": group_id, "status": status,
        "statuses": [(s, E(s).label) for s in (E.RECOMMENDED, E.ACCEPTED, E.REJECTED)],
        "complete": sum(1 for r in rows if not r.missing),
        "open": competition.status == CompetitionStatus.OPEN, "reason_form": ReasonForm(),
        "here": request.get_full_path(),
    })


@login_required
@require_POST
def check_accept_complete(request, pk: int):
    competition = selectors.competition_for_staff(request.user, pk)
    group = request.POST.get("group", "")
    rows = selectors.check_rows(competition, group_id=int(group) if group.isdigit()
                                and len(group) < 19 else None)
    try:
        result = recommend.entries_accept_complete(actor=request.user,
                                                   entries=[r.entry for r in rows])
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        text = f"已审查通过 {len(result.accepted)} 件。"
        if result.incomplete:
            text += f"{len(result.incomplete)} 件材料不完整，未处理：{'、'.join(result.incomplete)}。"
        messages.success(request, text)
    return redirect(_safe_next(request, reverse("review:check_list", args=[competition.pk])))


@login_required
def entry_list(request):
    return render_list(request, lists_entries.ENTRIES)
