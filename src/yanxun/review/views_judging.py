"""The judge's pages (phones first): 我的评审, a round's list of my entries, the scoring page,
abstaining, and an entry's files. Only the judge's own assignments, only while the round is
open for scoring; in a blind round nothing names an author, a co-author or a school (the
entry is shown through review.scoring.entry_view, files under "<code>-<field label>")."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from yanxun.core.permissions import has_perm
from yanxun.review import rules, scoring
from yanxun.review.entries import entry_file_response
from yanxun.review.models import Score


@login_required
def my_reviews(request):
    if not has_perm(request.user, rules.SCORE_ENTRIES):
        raise PermissionDenied("无评分权限。")
    return render(request, "review/scoring/judge_home.html", {
        "page_title": "我的评审", "rounds": scoring.judge_rounds(request.user)})


@login_required
def judge_round(request, pk: int):
    round_ = scoring.judge_round(request.user, pk)
    rows = scoring.my_assignments(request.user, round_)
    done = sum(1 for r in rows if r.status in scoring.DONE)
    return render(request, "review/scoring/judge_round.html", {
        "page_title": f"{round_.competition.name} · {round_.name}", "round": round_,
        "rows": rows, "done": done, "total": len(rows),
        "next": next((r for r in rows if r.status not in scoring.DONE), None)})


def _score_page(request, assignment, *, values: dict | None = None, comment: str | None = None,
                errors: list[str] = (), status: int = 200):
    round_ = assignment.round
    score = Score.objects.filter(assignment=assignment).first()
    saved = score.items if score is not None else {}
    items = [{"item": item, "value": (values if values is not None else saved).get(str(item.pk),
                                                                                  "")}
             for item in round_.rubric.items.order_by("position", "pk")]
    rows = scoring.my_assignments(request.user, round_)
    done = sum(1 for r in rows if r.status in scoring.DONE)
    locked = score is not None and score.status in scoring.DONE
    return render(request, "review/scoring/judge_score.html", {
        "page_title": f"评分：{assignment.entry.code}", "assignment": assignment, "round": round_,
        "view": scoring.entry_view(assignment.entry, round_), "items": items, "score": score,
        "comment": comment if comment is not None else (score.comment if score else ""),
        "errors": errors, "locked": locked, "step": round_.rubric.step,
        "full": sum(i["item"].max_score for i in items), "done": done, "total": len(rows),
        "peers": scoring.peer_scores(assignment),
        "position": next((n for n, r in enumerate(rows, start=1) if r.pk == assignment.pk), 0),
    }, status=status)


@login_required
def judge_score(request, pk: int):
    assignment = scoring.judge_assignment(request.user, pk)
    if request.method != "POST":
        return _score_page(request, assignment)
    action = request.POST.get("action", "draft")
    values = {str(i.pk): request.POST.get(f"item_{i.pk}", "")
              for i in assignment.round.rubric.items.all()}
    comment = request.POST.get("comment", "")
    try:
        scoring.score_save(actor=request.user, assignment=assignment, items=values,
                           comment=comment, submit=action in ("submit", "next"))
    except ValidationError as exc:
        return _score_page(request, assignment, values=values, comment=comment,
                           errors=exc.messages, status=400)
    code = assignment.entry.code
    if action == "draft":
        messages.success(request, f"已暂存作品 {code} 的评分。")
        return redirect("review:judge_score", pk=assignment.pk)
    messages.success(request, f"已提交作品 {code} 的评分。")
    following = scoring.next_unscored(assignment) if action == "next" else None
    if following is not None:
        return redirect("review:judge_score", pk=following.pk)
    if action == "next":
        messages.info(request, "本轮分配给您的作品已全部评完。")
    return redirect("review:judge_round", pk=assignment.round_id)


@login_required
@require_POST
def judge_abstain(request, pk: int):
    assignment = scoring.judge_assignment(request.user, pk)
    try:
        scoring.score_abstain(actor=request.user, assignment=assignment,
                              reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        return _score_page(request, assignment, errors=exc.messages, status=400)
    messages.success(request, f"已回避作品 {assignment.entry.code}。")
    following = scoring.next_unscored(assignment)
    if following is not None:
        return redirect("review:judge_score", pk=following.pk)
    return redirect("review:judge_round", pk=assignment.round_id)


@login_required
def judge_file(request, pk: int, file_pk: int):
    """An entry's file, for its judge: served under the blind name in blind rounds."""
    assignment = scoring.judge_assignment(request.user, pk)
    item, name = scoring.entry_file(assignment, file_pk)
    return entry_file_response(item, name=name)
