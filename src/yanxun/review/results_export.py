"""A round's results as an Excel workbook (结果 / 评委 / 原始评分, staff only, audited) and as
a PDF (the ranked tables per group and the agreement report, with the judge-offset chart)."""

from __future__ import annotations

import io

import xlsxwriter
from django.utils import timezone

from yanxun.core.audit import audit_record
from yanxun.core.charts import bar_option
from yanxun.review import aggregate
from yanxun.review.enums import ScoreStatus
from yanxun.review.models import RubricItem, Score
from yanxun.review.results import RoundResults, shown

ICC_LABELS = (("icc1", "ICC(1,1)"), ("icc2", "ICC(2,1)"), ("icc3", "ICC(3,1)"),
              ("icc1k", "ICC(1,k)"), ("icc2k", "ICC(2,k)"), ("icc3k", "ICC(3,k)"))


def number(value: float | None, decimals: int = 2) -> str:
    return "—" if value is None else f"{value:.{decimals}f}"


def icc_rows(results: RoundResults) -> list[dict]:
    """The ICC table: the whole round, then each group."""
    rows = [("全部作品", results.icc, results.verdict)]
    if len(results.groups) > 1:
        rows += [(g.name, g.icc, g.verdict) for g in results.groups]
    return [{"label": label, "verdict": verdict,
             "values": [number(getattr(icc, key, None) if icc else None, 3)
                        for key, _ in ICC_LABELS]}
            for label, icc, verdict in rows]


def offsets_chart(results: RoundResults) -> dict | None:
    """Each judge's mean offset (positive: lenient) as bars around zero."""
    judges = [j for j in results.judges if j.mean_offset is not None]
    if not judges:
        return None
    return bar_option(categories=[j.name for j in judges],
                      values=[j.mean_offset for j in judges], unit="分", reference=0,
                      reference_name="评委组平均", title="评委平均偏离（评分 − 作品平均分）")


# --- Excel -----------------------------------------------------------------------------------


def results_workbook(results: RoundResults, *, actor) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    head = book.add_format({"bold": True, "bg_color": "#EEF2F7", "border": 1})
    _results_sheet(book, head, results)
    _judges_sheet(book, head, results)
    raw = _raw_sheet(book, head, results)
    book.close()
    round_ = results.round
    audit_record(actor=actor, action="review.results.export", obj=round_,
                 after={"entries": len(results.rows), "judges": len(results.judges),
                        "scores": raw}, reason="导出评审结果（含作者与评委姓名）")
    return buffer.getvalue()


def _sheet(book, head, name: str, headers: list[tuple[str, int]]):
    sheet = book.add_worksheet(name)
    for col, (header, width) in enumerate(headers):
        sheet.set_column(col, col, width)
        sheet.write_string(0, col, header, head)
    sheet.freeze_panes(1, 0)
    return sheet


def _results_sheet(book, head, results: RoundResults) -> None:
    sheet = _sheet(book, head, "结果", [
        ("组别", 14), ("作品编号", 10), ("作品名称", 30), ("作者", 10), ("学校", 20),
        ("评分数", 8), ("最终得分", 10), ("名次", 6), ("同分区分后名次", 8),
        (f"{results.tie_break_name or '同分比较项'}均分", 10), ("说明", 30)])
    line = 1
    for group in results.groups:
        for row in group.rows:
            values = [group.name, row.code, row.title, row.author, row.school, row.n_scores]
            for col, value in enumerate(values):
                sheet.write(line, col, value)
            _number(sheet, line, 6, row.final, 4)
            _number(sheet, line, 7, row.rank)
            _number(sheet, line, 8, row.place)
            _number(sheet, line, 9, row.tie_break, 4)
            notes = [row.tie_note, *row.flags] if row.scored else ["未评"]
            sheet.write_string(line, 10, "；".join(n for n in notes if n))
            line += 1


def _number(sheet, line: int, col: int, value, decimals: int | None = None) -> None:
    if value is None:
        sheet.write_string(line, col, "")
    else:
        sheet.write_number(line, col, aggregate.round_half_even(float(value), decimals)
                           if decimals else value)


def _judges_sheet(book, head, results: RoundResults) -> None:
    sheet = _sheet(book, head, "评委", [
        ("评委", 12), ("工作单位", 20), ("评分数", 8), ("平均偏离", 10),
        ("与他人一致性（相关系数）", 14), ("异常", 6), ("原因", 30)])
    for line, judge in enumerate(results.judges, start=1):
        sheet.write_string(line, 0, judge.name)
        sheet.write_string(line, 1, judge.affiliation)
        sheet.write_number(line, 2, judge.n)
        _number(sheet, line, 3, judge.mean_offset, 4)
        _number(sheet, line, 4, judge.consensus_corr, 4)
        sheet.write_string(line, 5, "是" if judge.outlier else "")
        reasons = list(judge.reasons) + (["无法标准化"] if judge.zscore_fallback else [])
        sheet.write_string(line, 6, "；".join(reasons))


def _raw_sheet(book, head, results: RoundResults) -> int:
    items = list(RubricItem.objects.filter(rubric_id=results.round.rubric_id)
                 .order_by("position", "pk"))
    sheet = _sheet(book, head, "原始评分", [
        ("组别", 14), ("作品编号", 10), ("评委", 12), ("状态", 10), ("总分", 8),
        *[(f"{i.name}（{shown(float(i.max_score), 1)}）", 10) for i in items],
        ("评语", 40), ("提交时间", 18)])
    groups = {g.group_id: g.name for g in results.groups}
    scores = (Score.objects.filter(assignment__round=results.round)
              .exclude(status=ScoreStatus.DRAFT)
              .values_list("assignment__entry__group_id", "assignment__entry__code",
                           "assignment__judge__name", "status", "total", "items", "comment",
                           "submitted_at")
              .order_by("assignment__entry__code", "assignment__judge__name"))
    labels = dict(ScoreStatus.choices)
    line = 0
    for group_id, code, judge, status, total, values, comment, submitted in scores:
        line += 1
        for col, value in enumerate([groups.get(group_id, ""), code, judge, labels[status]]):
            sheet.write_string(line, col, value or "")
        _number(sheet, line, 4, float(total) if total is not None else None)
        for offset, item in enumerate(items):
            raw = (values or {}).get(str(item.pk))
            _number(sheet, line, 5 + offset, float(raw) if raw not in (None, "") else None)
        sheet.write_string(line, 5 + len(items), comment or "")
        sheet.write_string(line, 6 + len(items),
                           f"{timezone.localtime(submitted):%Y-%m-%d %H:%M}" if submitted else "")
    return line
