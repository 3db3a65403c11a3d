"""What a report shows and how: its columns with Chinese headers, number formats, the .xlsx
download (one sheet per table) and the chart options (ECharts, the same dicts in the browser
and, through core.charts, in the PDF). Reports hold figures per unit, never students' names."""

from __future__ import annotations

import io

import xlsxwriter

from yanxun.quality.selectors import Report, Row

STATS = [("n", "实考", "int"), ("absent", "缺考", "int"), ("excluded", "作弊/违纪/免考", "int"),
         ("mean", "平均分", "num"), ("std", "标准差", "num"), ("max", "最高分", "num"),
         ("min", "最低分", "num"), ("median", "中位数", "num"),
         ("excellent_rate", "优秀率", "pct"), ("good_rate", "良好率", "pct"),
         ("pass_rate", "合格率", "pct"), ("low_rate", "低分率", "pct")]
RELATIVE = [("above_mean_rate", "超均率", "pct"), ("mean_ratio", "比均率", "num3"),
            ("t_score", "T分数", "num"), ("rank", "名次", "int")]


def fmt(value, kind: str) -> str:
    """A figure for the page: rates as percentages with two decimals, means with two."""
    if value is None:
        return "—"
    if kind == "int":
        return str(int(value))
    if kind == "pct":
        return f"{value * 100:.2f}%"
    if kind == "num3":
        return f"{value:.3f}"
    if kind == "num4":
        return f"{value:.4f}"
    return f"{value:.2f}"


def headers(*, relative: bool) -> list[str]:
    return [label for _, label, _ in STATS + (RELATIVE if relative else [])]


def cells(row: Row, *, relative: bool) -> list[str]:
    return [fmt(row.figures.get(key), kind) for key, _, kind in
            STATS + (RELATIVE if relative else [])]


LINE_LABELS = {"excellent": "优秀线", "good": "良好线", "pass": "合格线"}


def borderline_counts(rows: list[dict], subject: str) -> list[dict]:
    """临界生 of one subject: per line, how many students are just below it."""
    return [{"line": LINE_LABELS.get(r["line"], r["line"]), "count": r["count"]}
            for r in rows if r["subject"] == subject]


def by_subject(rows: list[Row], subject: str) -> list[Row]:
    return [r for r in rows if r.subject == subject]


# --- charts ------------------------------------------------------------------------------


def school_means_chart(report: Report, subject: str) -> dict:
    """Bar chart of school means for one subject, with the district mean as a line."""
    rows = by_subject(report.schools, subject)
    district = next((r for r in report.district if r.subject == subject), None)
    mean = district.figures.get("mean") if district else None
    series = {"type": "bar", "name": "平均分",
              "data": [_round(r.figures.get("mean")) for r in rows]}
    if mean is not None:
        series["markLine"] = {"symbol": "none", "data": [{"yAxis": _round(mean),
                                                          "name": "全区平均"}],
                              "label": {"formatter": "全区 {c}"}}
    return {"title": {"text": f"{subject} 各校平均分", "left": "center"},
            "tooltip": {"trigger": "axis"}, "grid": {"bottom": 90, "left": 50, "right": 70},
            "xAxis": {"type": "category", "data": [r.school for r in rows],
                      "axisLabel": {"rotate": 45, "interval": 0}},
            "yAxis": {"type": "value", "name": "分"}, "series": [series]}


def bands_chart(rows: list[dict], subject: str, title: str) -> dict:
    """Score distribution: students per band of the full mark."""
    mine = [r for r in rows if r.get("subject") == subject]
    return {"title": {"text": title, "left": "center"}, "tooltip": {"trigger": "axis"},
            "grid": {"bottom": 50, "left": 50, "right": 20},
            "xAxis": {"type": "category", "data": [
                f"{r['from_score']:g}–{r['to_score']:g}" for r in mine],
                "axisLabel": {"rotate": 30}},
            "yAxis": {"type": "value", "name": "人数"},
            "series": [{"type": "bar", "name": "人数", "data": [r["count"] for r in mine]}]}


def top_n_chart(rows: list[dict], n_top: int, names: dict[str, str] | None = None) -> dict:
    """For one N: each school's share of the top-N group beside its share of all students."""
    mine = [r for r in rows if r.get("n_top") == n_top]
    return {"title": {"text": f"前 {n_top} 名占比与生源比", "left": "center"},
            "tooltip": {"trigger": "axis"}, "legend": {"top": 34},
            "grid": {"top": 76, "bottom": 90, "left": 50, "right": 20},
            "xAxis": {"type": "category", "data": [r.get("school_name", "") for r in mine],
                      "axisLabel": {"rotate": 45, "interval": 0}},
            "yAxis": {"type": "value", "name": "%"},
            "series": [
                {"type": "bar", "name": "前N名占比",
                 "data": [_round((r.get("share") or 0) * 100) for r in mine]},
                {"type": "bar", "name": "生源比",
                 "data": [_round((r.get("enrolment_share") or 0) * 100) for r in mine]}]}


def caterpillar_chart(rows: list[dict], subject: str) -> dict:
    """Schools' value added with 95 % intervals, lowest first: each interval a box from its
    lower to its upper limit with the estimate as the line inside (ECharts' boxplot series,
    which draws the same in the browser and in the server's SVG)."""
    return {"title": {"text": f"{subject} 增值（学校随机截距及 95% 区间）", "left": "center"},
            "tooltip": {"trigger": "item"}, "grid": {"bottom": 90, "left": 50, "right": 20},
            "xAxis": {"type": "category", "data": [r["school"] for r in rows],
                      "axisLabel": {"rotate": 45, "interval": 0}},
            "yAxis": {"type": "value", "name": "标准分"},
            "series": [{"type": "boxplot", "name": "增值",
                        "data": [[_round3(r["ci_low"]), _round3(r["ci_low"]),
                                  _round3(r["value_added"]), _round3(r["ci_high"]),
                                  _round3(r["ci_high"])] for r in rows],
                        "markLine": {"symbol": "none", "data": [{"yAxis": 0}],
                                     "lineStyle": {"type": "dashed"}}}]}


def _round3(value):
    return None if value is None else round(value, 3)


def _round(value):
    return None if value is None else round(value, 2)


# --- xlsx --------------------------------------------------------------------------------


def report_xlsx(report: Report, *, title: str) -> bytes:
    """The report as a workbook: 全区 / 学校 / 班级 / 全科合格 / 前N名 and 小题分析-<科目>, rates
    as fractions formatted as percentages (so that Excel can compute with them)."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = book.add_format({"bold": True, "bg_color": "#EEF2F7", "border": 1})
    formats = {"int": book.add_format({"num_format": "0"}),
               "num": book.add_format({"num_format": "0.00"}),
               "num3": book.add_format({"num_format": "0.000"}),
               "pct": book.add_format({"num_format": "0.00%"})}
    head = book.add_format({"bold": True, "font_size": 14})

    def sheet(name: str, rows: list[Row], keys: list[str], relative: bool) -> None:
        ws = book.add_worksheet(name)
        ws.write_string(0, 0, title, head)
        labels = {"subject": "科目", "school": "学校", "class_name": "班级"}
        columns = STATS + (RELATIVE if relative else [])
        for i, header in enumerate([labels[k] for k in keys] + [c[1] for c in columns]):
            ws.write_string(2, i, header, bold)
        for r, row in enumerate(rows, start=3):
            for i, key in enumerate(keys):
                ws.write_string(r, i, str(getattr(row, key)))
            for i, (key, _, kind) in enumerate(columns, start=len(keys)):
                value = row.figures.get(key)
                if value is not None:
                    ws.write_number(r, i, value, formats[kind])
        ws.freeze_panes(3, len(keys))
        ws.set_column(0, len(keys) - 1, 14)

    sheet("全区", report.district, ["subject"], False)
    if report.schools:
        sheet("学校", report.schools, ["subject", "school"], True)
    if report.classes:
        sheet("班级", report.classes, ["subject", "school", "class_name"], True)
    for name, label in (("all_pass", "全科合格"), ("top_n", "前N名")):
        rows = report.tables.get(name) or []
        if not rows:
            continue
        ws = book.add_worksheet(label)
        keys = list(rows[0])
        for i, key in enumerate(keys):
            ws.write_string(0, i, TABLE_HEADERS.get(key, key), bold)
        for r, row in enumerate(rows, start=1):
            for i, key in enumerate(keys):
                value = row[key]
                if isinstance(value, int | float):
                    ws.write_number(r, i, value, formats["pct"] if "share" in key or
                                    "rate" in key else formats["int"])
                elif value is not None:
                    ws.write_string(r, i, str(value))
    from yanxun.quality import item_report  # it formats with this module's fmt

    item_report.write_xlsx_sheets(book, report, title=title, bold=bold, head=head,
                                  formats=formats)
    book.close()
    return buffer.getvalue()


TABLE_HEADERS = {"n": "人数", "all_pass_rate": "全科合格率", "n_top": "前N名", "count": "人数",
                 "share": "占前N名比例", "enrolment_share": "生源比", "school_name": "学校"}


VALUE_ADDED_COLUMNS = [("n", "人数", "int"), ("value_added", "增值", "num3"),
                       ("ci_low", "95%区间下限", "num3"), ("ci_high", "95%区间上限", "num3"),
                       ("mean_residual", "平均残差", "num3")]
MODEL_COLUMNS = [("n", "匹配学生", "int"), ("unmatched", "未匹配", "int"),
                 ("slope", "斜率", "num3"), ("intercept", "截距", "num3"),
                 ("school_variance", "校间方差", "num4"), ("residual_variance", "残差方差", "num4")]


def significance(row: dict) -> str:
    if not row.get("significant"):
        return ""
    return "高于预期" if (row.get("value_added") or 0) > 0 else "低于预期"


def value_added_xlsx(results: list, *, title: str) -> bytes:
    """增值评价 as a workbook: the model of every subject on one sheet, then one sheet per
    subject with each school's value added (other schools anonymous, as on the page)."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = book.add_format({"bold": True, "bg_color": "#EEF2F7", "border": 1})
    head = book.add_format({"bold": True, "font_size": 14})
    formats = {"int": book.add_format({"num_format": "0"}),
               "num3": book.add_format({"num_format": "0.000"}),
               "num4": book.add_format({"num_format": "0.0000"})}
    ws = book.add_worksheet("模型")
    ws.write_string(0, 0, title, head)
    for i, header in enumerate(["科目", "匹配依据", *(c[1] for c in MODEL_COLUMNS), "说明"]):
        ws.write_string(2, i, header, bold)
    for r, result in enumerate(results, start=3):
        ws.write_string(r, 0, result.subject)
        if result.model is None:
            ws.write_string(r, 2 + len(MODEL_COLUMNS), result.error)
            continue
        ws.write_string(r, 1, result.model.get("key", ""))
        for i, (key, _, kind) in enumerate(MODEL_COLUMNS, start=2):
            if result.model.get(key) is not None:
                ws.write_number(r, i, result.model[key], formats[kind])
    ws.set_column(0, 0, 12)
    for result in results:
        if result.model is None:
            continue
        ws = book.add_worksheet(result.subject[:31])
        for i, header in enumerate(["学校", *(c[1] for c in VALUE_ADDED_COLUMNS), "显著"]):
            ws.write_string(0, i, header, bold)
        for r, row in enumerate(reversed(result.schools), start=1):
            ws.write_string(r, 0, row["school"])
            for i, (key, _, kind) in enumerate(VALUE_ADDED_COLUMNS, start=1):
                if row.get(key) is not None:
                    ws.write_number(r, i, row[key], formats[kind])
            ws.write_string(r, 1 + len(VALUE_ADDED_COLUMNS), significance(row))
        ws.freeze_panes(1, 1)
        ws.set_column(0, 0, 24)
    book.close()
    return buffer.getvalue()


def value_added_sections(results: list) -> list[dict]:
    """Per subject, the rows of the PDF: each school's value added with its interval."""
    sections = []
    for result in results:
        if result.model is None:
            sections.append({"heading": result.subject, "note": result.error, "rows": [],
                             "headers": [], "unit_label": "学校"})
            continue
        m = result.model
        note = (f"匹配学生 {m['n']} 人（按{m.get('key', '')}），未匹配 {m['unmatched']} 人；"
                f"斜率 {fmt(m['slope'], 'num3')}，校间方差 {fmt(m['school_variance'], 'num4')}，"
                f"残差方差 {fmt(m['residual_variance'], 'num4')}")
        rows = [{"label": r["school"], "district": False,
                 "cells": [fmt(r.get(k), kind) for k, _, kind in VALUE_ADDED_COLUMNS]
                 + [significance(r)]} for r in reversed(result.schools)]
        sections.append({"heading": result.subject, "note": note, "rows": rows,
                         "unit_label": "学校",
                         "headers": [c[1] for c in VALUE_ADDED_COLUMNS] + ["显著"]})
    return sections
