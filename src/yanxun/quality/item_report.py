"""小题分析 for pages, downloads and PDFs: which item figures a user sees (reads) and how they
are shown (columns, flags, the chart, the .xlsx sheets, the PDF sections). The figures are the
stored "items:<subject>" tables that quality.item_scores computes.

报告到校 as everywhere: center staff (VIEW_REPORTS scope ALL) see the district's figures and
any school's; a school administrator sees their own school's beside the district's, never
another school's (its URL is "not found")."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404

from yanxun.core.enums import DataScope
from yanxun.core.permissions import best_scope, scoped
from yanxun.org.models import School
from yanxun.quality import rules
from yanxun.quality.item_scores import TABLE_PREFIX
from yanxun.quality.models import Exam, ExamItem, ExamTable
from yanxun.quality.reports import fmt

COLUMNS = [("full_mark", "满分", "num"), ("mean", "平均分", "num"),
           ("difficulty", "难度", "num3"), ("discrimination", "区分度 D", "num3"),
           ("item_rest_r", "题总相关 r", "num3")]
BENCHMARK = [("mean", "全区平均分", "num"), ("difficulty", "全区难度", "num3"),
             ("discrimination", "全区区分度 D", "num3")]
FLAGS = ["难度评价", "区分度评价"]
# items.py's flag words → as the page says them, and the badge colour of each.
DISCRIMINATION_LABELS = {"很好": "很好", "良好": "良好", "需修改": "尚可，需修改",
                         "差": "差，需淘汰"}
FLAG_CLASSES = {"适中": "bg-green-lt", "偏难": "bg-orange-lt", "偏易": "bg-yellow-lt",
                "很好": "bg-green-lt", "良好": "bg-teal-lt", "需修改": "bg-yellow-lt",
                "差": "bg-red-lt"}
EXPLANATION = ("难度 = 平均分 ÷ 满分，0.3–0.7 为适中；区分度 D = (高分组平均分 − 低分组平均分) ÷ 满分，"
               "高、低分组为按本科成绩排序的前、后 27%，D ≥ 0.4 很好，0.3–0.39 良好，0.2–0.29 尚可需"
               "修改，< 0.2 差需淘汰；题总相关 r 为本题得分与其余各题合计的相关系数；α 为试卷的"
               "Cronbach α 信度系数。")


# --- reads ---------------------------------------------------------------------------------


def item_subjects(exam: Exam) -> list[str]:
    """The exam's subjects that have a stored item analysis, in the exam's order."""
    names = set(ExamTable.objects.filter(exam=exam, school=None, name__startswith=TABLE_PREFIX)
                .values_list("name", flat=True))
    return [s.name for s in exam.subjects.all() if TABLE_PREFIX + s.name in names]


def item_counts(exam: Exam) -> list[tuple[str, int]]:
    """(subject, number of items) for the subjects with imported item scores."""
    counts = dict(ExamItem.objects.filter(exam=exam).values("subject__name")
                  .annotate(n=Count("pk")).values_list("subject__name", "n"))
    return [(s.name, counts[s.name]) for s in exam.subjects.all() if s.name in counts]


@dataclass
class ItemAnalysis:
    exam: Exam
    subjects: list[str]
    subject: str
    district: dict  # {"paper": {n, items, alpha}, "items": [one row per item]}
    schools: list[School] = field(default_factory=list)  # the schools the user may open
    school: School | None = None
    unit: dict | None = None  # the chosen school's table
    sees_all: bool = False

    @property
    def shown(self) -> dict:
        return self.unit or self.district

    @property
    def choose_school(self) -> bool:
        return self.sees_all or len(self.schools) > 1


def item_analysis(user, exam: Exam, *, subject: str = "", school_pk: str | None = None):
    """One subject's item figures for this user: the district's, and a school's when one is
    chosen (a school administrator: their own school, chosen for them)."""
    scope = best_scope(user, rules.VIEW_REPORTS)
    if scope not in (DataScope.ALL, DataScope.UNIT):
        raise PermissionDenied("无权查看小题分析。")
    subjects = item_subjects(exam)
    if not subjects:
        raise Http404("该考试没有小题分析。")
    subject = subject if subject in subjects else subjects[0]
    tables = ExamTable.objects.filter(exam=exam, name=TABLE_PREFIX + subject)
    schools = list(scoped(School.objects.filter(
        pk__in=tables.filter(school__isnull=False).values("school_id")), user,
        rules.VIEW_REPORTS).order_by("code"))
    result = ItemAnalysis(exam, subjects, subject, tables.get(school=None).rows[0], schools,
                          sees_all=scope == DataScope.ALL)
    if school_pk:
        result.school = next((s for s in schools if str(s.pk) == str(school_pk)), None)
        if result.school is None:
            raise Http404("未找到该学校的小题分析，或无权查看。")
    elif not result.sees_all and schools:
        result.school = schools[0]
    if result.school is not None:
        result.unit = tables.get(school=result.school).rows[0]
    return result


# --- how it is shown -----------------------------------------------------------------------


def headers(*, benchmark: bool) -> list[str]:
    return (["题号"] + [label for _, label, _ in COLUMNS] + FLAGS
            + ([label for _, label, _ in BENCHMARK] if benchmark else []))


def rows(table: dict, district: dict | None = None) -> list[dict]:
    """One row per item: its figures formatted, its flags (label and badge), and with
    `district` the district's figures of the same item."""
    bench = {r["item"]: r for r in district["items"]} if district else {}
    out = []
    for row in table["items"]:
        flags = [(row["difficulty_flag"], row["difficulty_flag"]),
                 (row["discrimination_flag"],
                  DISCRIMINATION_LABELS.get(row["discrimination_flag"] or ""))]
        out.append({
            "item": row["item"],
            "cells": [fmt(row.get(key), kind) for key, _, kind in COLUMNS],
            "flags": [{"label": label or "—", "css": FLAG_CLASSES.get(word or "", "")}
                      for word, label in flags],
            "district": [fmt(bench.get(row["item"], {}).get(key), kind)
                         for key, _, kind in BENCHMARK] if district else [],
        })
    return out


def paper_note(table: dict, label: str) -> str:
    paper = table["paper"]
    alpha = "—" if paper.get("alpha") is None else f"{paper['alpha']:.3f}"
    return f"{label}：实考 {paper['n']} 人，{paper['items']} 道小题，α = {alpha}"


def chart(subject: str, table: dict, district: dict | None = None, *, scope: str = "") -> dict:
    """Per item: difficulty as bars over the preferred band 0.3–0.7, discrimination D as a
    line with the 0.4 and 0.2 marks; with `district`, the district's difficulty as a dashed
    line."""
    labels = [r["item"] for r in table["items"]]
    difficulty = {"type": "bar", "name": "难度", "barMaxWidth": 28,
                  "data": [_round3(r["difficulty"]) for r in table["items"]],
                  "markArea": {"silent": True, "itemStyle": {"color": "rgba(47,179,68,0.10)"},
                               "data": [[{"yAxis": 0.3, "name": "难度适中 0.3–0.7"},
                                         {"yAxis": 0.7}]]}}
    discrimination = {"type": "line", "name": "区分度 D",
                      "data": [_round3(r["discrimination"]) for r in table["items"]],
                      "markLine": {"symbol": "none", "lineStyle": {"type": "dashed"},
                                   "data": [{"yAxis": 0.4, "name": "很好"},
                                            {"yAxis": 0.2, "name": "需淘汰"}],
                                   "label": {"formatter": "D {c}"}}}
    series = [difficulty, discrimination]
    if district is not None:
        series.append({"type": "line", "name": "全区难度", "symbol": "none",
                       "lineStyle": {"type": "dashed"},
                       "data": [_round3(r["difficulty"]) for r in district["items"]]})
    return {"title": {"text": f"{subject} {scope}各题难度与区分度", "left": "center",
                      "textStyle": {"fontSize": 15}},
            "tooltip": {"trigger": "axis"}, "legend": {"top": 36},
            "grid": {"top": 84, "bottom": 40, "left": 45, "right": 60},
            "xAxis": {"type": "category", "name": "题号", "data": labels,
                      "axisLabel": {"interval": 0 if len(labels) <= 30 else "auto"}},
            "yAxis": {"type": "value", "max": 1}, "series": series}


def _round3(value):
    return None if value is None else round(value, 3)


# --- in the report downloads -----------------------------------------------------------------


def report_tables(report) -> list[tuple[str, dict, dict | None]]:
    """(subject, the report's own item table, the district's beside it or None) per subject
    with items, from a selectors.Report (district: its own tables are the district's)."""
    out = []
    for subject in report.subjects:
        own = report.tables.get(TABLE_PREFIX + subject)
        if own:
            out.append((subject, own[0],
                        (report.tables.get("district_" + TABLE_PREFIX + subject) or [None])[0]))
    return out


def write_xlsx_sheets(book, report, *, title: str, bold, head, formats: dict) -> None:
    """One sheet 小题分析-<subject> per subject with items: the item table (and the district's
    figures beside a school's), numbers as numbers."""
    flags = 1 + len(COLUMNS)
    for subject, table, district in report_tables(report):
        ws = book.add_worksheet(_sheet_name(f"小题分析-{subject}"))
        ws.write_string(0, 0, title, head)
        ws.write_string(1, 0, paper_note(table, subject))
        if district is not None:
            ws.write_string(2, 0, paper_note(district, "全区"))
        labels = headers(benchmark=district is not None)
        for i, label in enumerate(labels):
            ws.write_string(4, i, label, bold)
        bench = {r["item"]: r for r in district["items"]} if district else {}
        for r, row in enumerate(table["items"], start=5):
            ws.write_string(r, 0, row["item"])
            _numbers(ws, r, 1, row, COLUMNS, formats)
            ws.write_string(r, flags, row["difficulty_flag"] or "")
            ws.write_string(r, flags + 1,
                            DISCRIMINATION_LABELS.get(row["discrimination_flag"] or "", ""))
            if district is not None:
                _numbers(ws, r, flags + 2, bench.get(row["item"], {}), BENCHMARK, formats)
        ws.freeze_panes(5, 1)
        ws.set_column(0, 0, 10)
        ws.set_column(1, len(labels), 12)


def _numbers(ws, r: int, first: int, row: dict, columns: list, formats: dict) -> None:
    for i, (key, _, kind) in enumerate(columns, start=first):
        if row.get(key) is not None:
            ws.write_number(r, i, row[key], formats[kind])


def _sheet_name(name: str) -> str:
    for char in "[]:*?/\\":
        name = name.replace(char, "_")
    return name[:31]


def pdf_sections(report) -> list[dict]:
    """Sections for quality/report_pdf.html: one per subject with items."""
    sections = []
    for subject, table, district in report_tables(report):
        note = paper_note(table, "本校" if district is not None else "全区")
        if district is not None:
            note += "；" + paper_note(district, "全区")
        sections.append({
            "heading": f"小题分析 · {subject}", "unit_label": "题号", "note": note,
            "headers": headers(benchmark=district is not None)[1:],
            "rows": [{"label": r["item"], "district": False,
                      "cells": r["cells"] + [f["label"] for f in r["flags"]] + r["district"]}
                     for r in rows(table, district)]})
    return sections


def pdf_charts(report) -> list[tuple[str, dict]]:
    out = []
    for subject, table, district in report_tables(report):
        scope = "本校" if district is not None else "全区"
        out.append((f"{subject} {scope}各题难度与区分度",
                    chart(subject, table, district, scope=scope)))
    return out
