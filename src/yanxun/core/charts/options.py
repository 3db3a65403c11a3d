"""ECharts option builders for report charts, shared by pages and PDFs (ADR 0008).

Every builder returns plain JSON (numbers rounded for display, label formats as ECharts
string templates such as ``"{c}%"``, never JavaScript functions), so the same dict goes to the
browser through ``json_script`` and to :func:`yanxun.core.charts.render_svgs` for a PDF.
Rates are passed as the numbers to print: 37.5 with ``unit="%"``, not 0.375.
"""

import math
from collections.abc import Mapping, Sequence
from typing import Any

# The browser's palette (static/yanxun/charts.js): Tabler blue, azure, green, yellow, red ...
PALETTE = ["#206bc4", "#4299e1", "#2fb344", "#f59f00", "#d63939", "#ae3ec9", "#667382"]
ABOVE, BELOW, NEUTRAL, REFERENCE = "#2fb344", "#d63939", "#667382", "#1d2939"
ROTATE_AFTER_CHARACTERS = 30  # category names longer than this in total are printed slanted

Number = float | int


def bar_option(*, categories: Sequence[str], values: Sequence[Number | None], unit: str = "",
               reference: Number | None = None, reference_name: str = "区均值",
               title: str = "", decimals: int = 2) -> dict[str, Any]:
    """One bar per category with its value on top; optionally a dashed line at `reference`."""
    series: dict[str, Any] = {
        "type": "bar", "barMaxWidth": 36, "data": _numbers(values, decimals),
        "label": _value_label(unit),
    }
    frame = _frame(title)
    if reference is not None:
        line = _reference_line(reference, reference_name, unit, decimals, "yAxis")
        series["markLine"] = line
        # the line's label is printed after its right end, outside the plot
        frame["grid"]["right"] = 16 + _text_width(line["data"][0]["label"]["formatter"])
    return {**frame, "xAxis": _category_axis(categories), "yAxis": _value_axis(unit),
            "series": [series]}


def grouped_bar_option(*, categories: Sequence[str], series: Mapping[str, Sequence[Number | None]],
                       unit: str = "", title: str = "", decimals: int = 2) -> dict[str, Any]:
    """Bars side by side per category, one colour per series (e.g. 前N名占比 and 生源比)."""
    labelled = len(categories) * len(series) <= 20  # beyond that the numbers collide
    bars = [{"type": "bar", "name": name, "barMaxWidth": 24, "data": _numbers(values, decimals),
             "label": {**_value_label(unit), "show": labelled, "fontSize": 10}}
            for name, values in series.items()]
    frame = _frame(title)
    frame["legend"] = {"top": 28 if title else 0}
    frame["grid"]["top"] = 64 if title else 36
    return {**frame, "xAxis": _category_axis(categories), "yAxis": _value_axis(unit),
            "series": bars}


def histogram_option(*, bands: Sequence[str], counts: Sequence[int], title: str = "",
                     band_name: str = "分数段", count_name: str = "人数") -> dict[str, Any]:
    """A score distribution: adjacent bars, one per band, with the count on top."""
    y_axis = {**_value_axis(""), "minInterval": 1, "name": count_name}
    series = {"type": "bar", "barCategoryGap": "4%", "data": [int(c) for c in counts],
              "label": _value_label("")}
    return {**_frame(title), "xAxis": {**_category_axis(bands), "name": band_name,
                                       "nameLocation": "middle", "nameGap": 28},
            "yAxis": y_axis, "series": [series]}


def caterpillar_option(*, labels: Sequence[str], estimates: Sequence[Number],
                       lowers: Sequence[Number], uppers: Sequence[Number],
                       reference: Number = 0, reference_name: str = "", unit: str = "",
                       title: str = "", decimals: int = 2) -> dict[str, Any]:
    """Estimates with their intervals (e.g. value-added with a 95% CI), one row per label,
    sorted so the largest is on top; green when the whole interval is above `reference`, red
    when below. Give it a height of about 60 + 22 px per row."""
    rows = sorted(zip(labels, estimates, lowers, uppers, strict=True), key=lambda row: row[1])
    points, intervals = [], []
    for label, estimate, lower, upper in rows:
        colour = ABOVE if lower > reference else BELOW if upper < reference else NEUTRAL
        low, high = round(float(lower), decimals), round(float(upper), decimals)
        points.append({"name": label, "value": [round(float(estimate), decimals), label, low, high],
                       "itemStyle": {"color": colour}})
        line = {"color": colour, "type": "solid", "width": 2}
        intervals.append([{"coord": [low, label], "lineStyle": line},
                          {"coord": [high, label]}])
    marks = _reference_line(reference, reference_name, unit, decimals, "xAxis")
    marks["data"] += intervals
    low, high, step = _nice_range([*lowers, reference], [*uppers, reference])
    x_axis = {**_value_axis(unit), "min": low, "max": high, "interval": step}
    scatter = {"type": "scatter", "symbolSize": 8, "z": 3, "data": points, "markLine": marks,
               "dimensions": ["估计值", "对象", "下限", "上限"],
               "encode": {"x": 0, "y": 1, "tooltip": [0, 2, 3]}}
    y_axis = {"type": "category", "data": [row[0] for row in rows],
              "axisLabel": {"interval": 0}, "axisTick": {"show": False}}
    return {**_frame(title, trigger="item"), "xAxis": x_axis, "yAxis": y_axis,
            "series": [scatter]}


def _frame(title: str, *, trigger: str = "axis") -> dict[str, Any]:
    frame: dict[str, Any] = {
        "color": PALETTE, "tooltip": {"trigger": trigger},
        # No containLabel: ECharts 6 keeps axis labels and names inside the canvas by itself.
        "grid": {"left": 8, "right": 32, "top": 40 if title else 24, "bottom": 8},
    }
    if title:
        frame["title"] = {"text": title, "left": "center", "textStyle": {"fontSize": 14}}
    return frame


def _category_axis(categories: Sequence[str]) -> dict[str, Any]:
    slanted = sum(len(c) for c in categories) > ROTATE_AFTER_CHARACTERS
    return {"type": "category", "data": list(categories),
            "axisLabel": {"interval": 0, "rotate": 30 if slanted else 0}}


def _value_axis(unit: str) -> dict[str, Any]:
    return {"type": "value", "axisLabel": {"formatter": "{value}" + unit}}


def _value_label(unit: str) -> dict[str, Any]:
    return {"show": True, "position": "top", "formatter": "{c}" + unit}


def _reference_line(value: Number, name: str, unit: str, decimals: int,
                    axis: str) -> dict[str, Any]:
    value = round(float(value), decimals)
    shown = f"{value:.{decimals}f}".rstrip("0").rstrip(".") if decimals > 0 else f"{value:.0f}"
    label = {"show": bool(name), "formatter": f"{name} {shown}{unit}", "position": "end"}
    return {"silent": True, "symbol": ["none", "none"], "label": {"show": False},
            "data": [{"name": name, axis: value, "label": label,
                      "lineStyle": {"color": REFERENCE, "type": "dashed", "width": 1}}]}


def _text_width(text: str, font_size: int = 12) -> int:
    """Pixels, roughly: a CJK character is one em wide, anything else about 0.6 em."""
    return round(sum(font_size if ord(ch) > 0x2E80 else 0.6 * font_size for ch in text))


def _numbers(values: Sequence[Number | None], decimals: int) -> list[float | None]:
    return [None if v is None else round(float(v), decimals) for v in values]


def _nice_range(lows: Sequence[Number], highs: Sequence[Number],
                ticks: int = 5) -> tuple[float, float, float]:
    """Axis bounds that contain every interval, on a round step (markLines do not widen the
    axis by themselves)."""
    low, high = float(min(lows)), float(max(highs))
    raw = (high - low or abs(high) or 1.0) / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return (round(math.floor(low / step) * step, 10), round(math.ceil(high / step) * step, 10),
            round(step, 10))
