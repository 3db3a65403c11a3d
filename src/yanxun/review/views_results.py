"""Pages of a round's results: the competitions with results, a competition's results hub
(rounds, awards, notice, certificates), a round's ranked tables and agreement report with its
flags, the Excel and PDF exports, acknowledging flags and releasing the results."""

from __future__ import annotations

from html import escape

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_POST

from yanxun.core.exports import XLSX_TYPE, content_disposition
from yanxun.core.listing import render_list
from yanxun.core.permissions import has_perm
from yanxun.review import lists_results, rules
from yanxun.review.enums import CompetitionStatus, RoundStatus
from yanxun.review.models import Award, Competition, Round
from yanxun.review.notices import current_notice, open_objections
from yanxun.review.results import (
    flag_acknowledge,
    flags_acknowledge_open,
    round_finalise,
    round_results,
    round_unfinalise,
)
from yanxun.review.results_export import (
    ICC_LABELS,
    icc_rows,
    number,
    offsets_chart,
    results_workbook,
)

METHOD_NOTES = {
    "mean": "各评委评分的算术平均。",
    "trimmed": "评分数不少于 {trim_min} 个时去掉一个最高分和一个最低分后平均，否则取平均。",
    "zscore": "先按评委标准化（z 分数），再换算回本轮全部评分的均值与标准差。",
}


def require(user, perm, message: str) -> None:
    if not has_perm(user, perm):
        raise PermissionDenied(message)


def round_for_results(user, pk: int) -> Round:
    require(user, rules.VIEW_RESULTS, "无权查看评审结果。")
    return get_object_or_404(Round.objects.select_related("competition", "rubric",
                                                          "tie_break_item"), pk=pk)


@login_required
def results_index(request):
    return render_list(request, lists_results.COMPETITIONS)


@login_required
def competition_results(request, pk: int):
    """A competition's results hub: its rounds, awards, notice and certificates."""
    require(request.user, rules.VIEW_RESULTS, "无权查看评审结果。")
    competition = get_object_or_404(Competition, pk=pk)
    rounds = list(competition.rounds.order_by("position", "pk"))
    notice = current_notice(competition)
    awards = Award.objects.filter(competition=competition, revoked=False)
    return render(request, "review/results/competition.html", {
        "page_title": f"评审结果：{competition.name}", "competition": competition,
        "rounds": rounds, "final_round": rounds[-1] if rounds else None, "notice": notice,
        "open_objections": open_objections(notice) if notice else 0,
        "award_count": awards.count(),
        "certified": awards.filter(serial__isnull=False).count(),
        "groups": list(competition.groups.order_by("position", "pk")),
        "can_publish": has_perm(request.user, rules.PUBLISH_RESULTS),
        "published": competition.status == CompetitionStatus.PUBLISHED,
        "reviewing": competition.status == CompetitionStatus.REVIEWING,
    })


def _context(request, round_: Round) -> dict:
    results = round_results(round_)
    method_note = METHOD_NOTES[round_.method].format(trim_min=round_.trim_min)
    can_publish = has_perm(request.user, rules.PUBLISH_RESULTS)
    return {
        "round": round_, "competition": round_.competition, "results": results,
        "method_note": method_note, "icc_headers": [label for _, label in ICC_LABELS],
        "icc_rows": icc_rows(results), "chart": offsets_chart(results),
        "judges": [{"judge": j, "offset": _signed(j.mean_offset),
                    "corr": number(j.consensus_corr)} for j in results.judges],
        "spread_threshold": number(results.spread_threshold, 1),
        "can_publish": can_publish, "can_export": has_perm(request.user, rules.RUN_REVIEWS),
        "may_finalise": can_publish and round_.status == RoundStatus.CLOSED,
        "may_reopen": can_publish and round_.status == RoundStatus.FINALISED
        and round_.competition.status == CompetitionStatus.REVIEWING,
        "finalised": round_.status == RoundStatus.FINALISED,
    }


def rows_html(rows) -> SafeString:
    """A group's table rows, built in Python: a round has thousands of entries and the
    template loop over their cells was most of the page's cost (as with core.navigation)."""
    out = []
    for r in rows:
        place = "—" if r.place is None else str(r.place)
        if r.place is not None and r.place != r.rank:
            place += f'<span class="text-secondary small">（并列第 {r.rank}）</span>'
        notes = ('<span class="badge bg-secondary-lt">未评</span>' if not r.scored else "")
        if r.tie_note:
            notes += f'<span class="badge bg-azure-lt">{escape(r.tie_note)}</span>'
        notes += "".join(f'<span class="badge bg-orange-lt">{escape(f)}</span>' for f in r.flags)
        out.append(f'<tr><td>{place}</td><td>{escape(r.code)}</td>'
                   f'<td class="cell-wrap">{escape(r.title)}</td><td>{escape(r.author)}</td>'
                   f'<td>{escape(r.school)}</td><td class="text-end">{r.n_scores}</td>'
                   f'<td class="text-end">{escape(r.final_text)}</td><td>{notes}</td></tr>')
    return mark_safe("".join(out))  # noqa: S308  every value escaped above


def _signed(value: float | None) -> str:
    return "—" if value is None else f"{value:+.2f}"


@login_required
def round_results_page(request, pk: int):
    round_ = round_for_results(request.user, pk)
    context = _context(request, round_)
    for group in context["results"].groups:  # the page's table; the PDF lays rows out itself
        group.rows_html = rows_html(group.rows)
    return render(request, "review/results/round.html", {
        **context, "page_title": f"评审结果：{round_}"})


@login_required
def round_results_xlsx(request, pk: int):
    require(request.user, rules.RUN_REVIEWS, "无权导出评审结果。")
    round_ = round_for_results(request.user, pk)
    data = results_workbook(round_results(round_), actor=request.user)
    response = HttpResponse(data, content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition(
        f"评审结果_{round_.competition.name}_{round_.name}.xlsx")
    response["Cache-Control"] = "no-store"
    return response


@login_required
def round_results_pdf(request, pk: int):
    from yanxun.core.charts import ChartError, ChartSpec, render_svgs, svg_data_uri
    from yanxun.core.pdf import PdfError, render_pdf

    round_ = round_for_results(request.user, pk)
    context = _context(request, round_)
    try:
        if context["chart"]:
            svg = render_svgs([ChartSpec(context["chart"], 640, 300)])[0]
            context["chart_uri"] = svg_data_uri(svg)
        data = render_pdf("review/results/round_pdf.html",
                          {**context, "title": f"{round_.competition.name} {round_.name}评审结果"})
    except (ChartError, PdfError) as exc:
        return HttpResponse(str(exc), status=503, content_type="text/plain; charset=utf-8")
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition(
        f"评审结果_{round_.competition.name}_{round_.name}.pdf")
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def flag_ack(request, pk: int):
    require(request.user, rules.PUBLISH_RESULTS, "无权处理评审结果预警。")
    round_ = round_for_results(request.user, pk)
    raw_id, kind = request.POST.get("object_id", ""), request.POST.get("kind", "")
    note = request.POST.get("note", "")
    try:
        if kind == "all":
            count = flags_acknowledge_open(actor=request.user, round_=round_, note=note)
        else:
            flag_acknowledge(actor=request.user, round_=round_, kind=kind,
                             object_id=int(raw_id) if raw_id.isdigit() else -1, note=note)
            count = 1
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"已记录 {count} 条预警的处理说明。")
    return redirect("review:round_results", pk=round_.pk)


@login_required
@require_POST
def round_release(request, pk: int):
    """POST action=finalise (确定结果) or action=reopen (撤销确定, with a reason)."""
    require(request.user, rules.PUBLISH_RESULTS, "无权确定评审结果。")
    round_ = round_for_results(request.user, pk)
    try:
        if request.POST.get("action") == "reopen":
            round_unfinalise(actor=request.user, round_=round_,
                             reason=request.POST.get("reason", ""))
            messages.success(request, "已撤销结果确定，轮次回到「评分结束」。")
        else:
            round_finalise(actor=request.user, round_=round_)
            messages.success(request, "评审结果已确定，可以确定获奖名单。")
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("review:round_results", pk=round_.pk)
