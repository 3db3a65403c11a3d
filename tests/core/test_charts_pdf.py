"""Report charts drawn by ECharts under Node (SVG), and reports printed by WeasyPrint (PDF)."""

import html
import json
import re
import shutil
import stat
from itertools import pairwise
from pathlib import Path

import pytest

from tests.core.pdf_text import read_pdf
from yanxun.core.charts import (
    ChartError,
    ChartSpec,
    bar_option,
    caterpillar_option,
    grouped_bar_option,
    histogram_option,
    render_svgs,
    svg_data_uri,
)
from yanxun.core.charts.options import PALETTE
from yanxun.core.pdf import PdfError, render_pdf

SCHOOLS = ["城东实验学校", "城西中学", "南山小学"]
# ECharts draws a bar as a rectangle path: M x y l width 0 l 0 -height l -width 0 Z
BAR = re.compile(r'<path d="M[\d.]+ [\d.]+l[\d.]+ 0l0 -([\d.]+)l-[\d.]+ 0Z" fill="(#\w+)" '
                 r'ecmeta_series_index="(\d+)" ecmeta_data_index="(\d+)" ecmeta_ssr_type="chart"')
FONT = "font-family:'Noto Sans CJK SC', 'Noto Sans SC'"


def texts(svg: str) -> list[str]:
    return [html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]


def bars(svg: str) -> list[tuple[int, int, str, float]]:
    """(series, data index, colour, height in px) of each bar, in drawing order."""
    return [(int(s), int(i), colour, float(h)) for h, colour, s, i in BAR.findall(svg)]


def executable(path: Path, script: str) -> Path:
    path.write_text(script)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.mark.slow
def test_bar_chart_draws_one_bar_per_school_named_in_chinese():
    [svg] = render_svgs([ChartSpec(bar_option(categories=SCHOOLS, values=[3, 5, 7]), 400, 300)])

    drawn = bars(svg)
    assert [(s, i, colour) for s, i, colour, _ in drawn] == [
        (0, 0, PALETTE[0]), (0, 1, PALETTE[0]), (0, 2, PALETTE[0])]
    heights = [h for *_, h in drawn]
    assert [round(h / heights[0] * 3, 1) for h in heights] == [3.0, 5.0, 7.0]
    assert [texts(svg).count(name) for name in SCHOOLS] == [1, 1, 1]
    assert svg.startswith('<svg width="400" height="300"')
    assert svg.count("<text ") == svg.count(FONT) == len(texts(svg))
    assert "paint-order" not in svg  # halos removed: WeasyPrint would paint them over the text


@pytest.mark.slow
def test_reference_line_is_a_labelled_line_not_a_bar():
    option = bar_option(categories=SCHOOLS, values=[70, 80.25, 90.5], unit="分", reference=80.25)
    [svg] = render_svgs([ChartSpec(option)])

    assert len(bars(svg)) == 3
    assert texts(svg).count("区均值 80.25分") == 1
    assert len(re.findall(r'<path d="M[\d.]+ ([\d.]+)L[\d.]+ \1"[^>]*stroke="#1d2939" '
                          r'stroke-dasharray="4,2"', svg)) == 1  # one horizontal dashed line
    assert [t for t in texts(svg) if t.endswith("分") and "均" not in t][-3:] == [
        "70分", "80.25分", "90.5分"]


@pytest.mark.slow
def test_a_batch_comes_back_in_order_from_one_node_process(tmp_path, monkeypatch):
    log = tmp_path / "node-runs.log"
    node = executable(tmp_path / "node", f'#!/bin/sh\necho run >> {log}\n'
                                         f'exec {shutil.which("node")} "$@"\n')
    monkeypatch.setenv("YANXUN_NODE", str(node))
    names = ["一中", "二中", "三中"]
    charts = [ChartSpec(bar_option(categories=[name], values=[1]), 300 + n, 200)
              for n, name in enumerate(names)]

    svgs = render_svgs(charts)

    assert [re.match(r'<svg width="(\d+)"', s)[1] for s in svgs] == ["300", "301", "302"]
    assert [[name for name in names if name in texts(s)] for s in svgs] == [[n] for n in names]
    assert log.read_text() == "run\n"


@pytest.mark.slow
def test_grouped_bars_one_colour_per_series():
    option = grouped_bar_option(categories=SCHOOLS, unit="%",
                                series={"前100名占比": [22.5, 10.1, 8], "生源比": [15, 14.2, 12]})
    [svg] = render_svgs([ChartSpec(option)])

    assert [(s, i, colour) for s, i, colour, _ in bars(svg)] == [
        (0, 0, PALETTE[0]), (0, 1, PALETTE[0]), (0, 2, PALETTE[0]),
        (1, 0, PALETTE[1]), (1, 1, PALETTE[1]), (1, 2, PALETTE[1])]
    assert [t for t in texts(svg) if t in {"前100名占比", "生源比"}] == ["前100名占比", "生源比"]
    assert [t for t in texts(svg) if t.endswith("%") and "." in t] == ["22.5%", "10.1%", "14.2%"]


@pytest.mark.slow
def test_histogram_one_adjacent_bar_per_band():
    bands = ["0–59", "60–69", "70–79", "80–89", "90–100"]
    option = histogram_option(bands=bands, counts=[31, 64, 110, 82, 33])
    [svg] = render_svgs([ChartSpec(option, 500, 260)])

    drawn = re.findall(r'<path d="M([\d.]+) [\d.]+l([\d.]+) 0l0 -[\d.]+l-[\d.]+ 0Z" '
                       r'fill="#206bc4"', svg)
    assert len(drawn) == 5
    gaps = [float(x2) - float(x1) - float(w1) for (x1, w1), (x2, _) in pairwise(drawn)]
    assert max(gaps) < 0.1 * float(drawn[0][1])  # adjacent: gaps under a tenth of a bar
    assert [t for t in texts(svg) if t in bands] == bands
    assert [t for t in texts(svg) if t in {"31", "64", "110", "82", "33"}] == [
        "31", "64", "110", "82", "33"]


@pytest.mark.slow
def test_caterpillar_sorted_coloured_and_inside_the_axis():
    option = caterpillar_option(labels=["甲校", "乙校", "丙校", "丁校", "戊校"],
                                estimates=[1.8, -2.1, 0.6, 3.1, -0.4],
                                lowers=[0.5, -3.6, -0.8, 1.6, -1.9],
                                uppers=[3.1, -0.6, 2.0, 4.6, 1.1], reference_name="区均值")
    [svg] = render_svgs([ChartSpec(option, 500, 60 + 22 * 5)])

    order = ["乙校", "戊校", "丙校", "甲校", "丁校"]  # by estimate, drawn from the bottom up
    assert option["yAxis"]["data"] == order
    assert [t for t in texts(svg) if t.endswith("校")] == order
    assert (option["xAxis"]["min"], option["xAxis"]["max"], option["xAxis"]["interval"]) == (
        -4, 6, 2)
    assert [t for t in texts(svg) if re.fullmatch(r"-?\d", t)] == ["-4", "-2", "0", "2", "4", "6"]
    intervals = re.findall(r'<path d="M[\d.]+ [\d.]+L[\d.]+ [\d.]+"[^>]*stroke="(#\w+)" '
                           r'stroke-width="2"', svg)
    assert intervals == ["#d63939", "#667382", "#667382", "#2fb344", "#2fb344"]
    points = re.findall(r'<path d="M1 0A1 1[^"]*"[^>]*fill="(#\w+)"', svg)
    assert points == intervals
    assert texts(svg).count("区均值 0") == 1


@pytest.mark.parametrize("option", [
    bar_option(categories=SCHOOLS, values=[1.005, 2, None], reference=1.5),
    grouped_bar_option(categories=SCHOOLS, series={"a": [1, 2, 3], "b": [3, 2, 1]}),
    histogram_option(bands=["0–59", "60–100"], counts=[4, 6]),
    caterpillar_option(labels=SCHOOLS, estimates=[1, 2, 3], lowers=[0, 1, 2], uppers=[2, 3, 4]),
])
def test_options_are_plain_json_for_the_browser_too(option):
    assert json.loads(json.dumps(option, allow_nan=False)) == option


@pytest.mark.slow
def test_an_option_echarts_rejects_is_a_chart_error_naming_the_chart():
    good = ChartSpec(bar_option(categories=SCHOOLS, values=[1, 2, 3]))
    bad = ChartSpec({"series": [{"type": "nosuch", "data": [1]}]})

    with pytest.raises(ChartError) as error:
        render_svgs([good, bad])

    assert str(error.value) == "图表渲染失败：第 2 个图表：[ECharts] Unknown series nosuch"


def test_an_option_that_is_not_json_is_refused_before_node(monkeypatch, tmp_path):
    monkeypatch.setenv("YANXUN_NODE", str(tmp_path / "never-run"))
    with pytest.raises(ChartError) as error:
        render_svgs([ChartSpec({"series": [{"type": "bar", "data": [float("nan")]}]})])

    assert str(error.value) == ("图表配置须为纯 JSON（不能含函数、日期、Decimal、NaN）："
                                "Out of range float values are not JSON compliant")


def test_a_size_out_of_range_is_refused():
    with pytest.raises(ChartError) as error:
        render_svgs([ChartSpec({}, 640, 320), ChartSpec({}, 0, 320)])

    assert str(error.value) == "第 2 个图表的宽、高须为 1–4000 的整数像素。"


def test_no_charts_start_no_process(monkeypatch, tmp_path):
    monkeypatch.setenv("YANXUN_NODE", str(tmp_path / "never-run"))
    assert render_svgs([]) == []


def test_missing_node_is_a_chart_error(monkeypatch, tmp_path):
    missing = tmp_path / "bin" / "node"
    monkeypatch.setenv("YANXUN_NODE", str(missing))

    with pytest.raises(ChartError) as error:
        render_svgs([ChartSpec(bar_option(categories=SCHOOLS, values=[1, 2, 3]))])

    assert str(error.value) == (f"找不到可执行的 Node.js（{missing}）：服务器端图表需要 Node.js，"
                                "请安装 nodejs（scripts/bootstrap.sh 会安装），或用环境变量 "
                                "YANXUN_NODE 指明其路径。")


@pytest.mark.slow
def test_missing_echarts_is_a_chart_error(settings, tmp_path):
    settings.NODE_MODULES = tmp_path

    with pytest.raises(ChartError) as error:
        render_svgs([ChartSpec(bar_option(categories=SCHOOLS, values=[1, 2, 3]))])

    first_line = str(error.value).splitlines()[0]
    assert first_line == (f"图表渲染失败：无法从 {tmp_path} 载入 echarts（请在项目目录运行 npm ci）："
                          f"Cannot find module '{tmp_path}/echarts'")


@pytest.mark.slow
def test_a_node_that_hangs_times_out(monkeypatch, tmp_path):
    monkeypatch.setenv("YANXUN_NODE", str(executable(tmp_path / "node", "#!/bin/sh\nexec sleep 30\n")))

    with pytest.raises(ChartError) as error:
        render_svgs([ChartSpec({})], timeout=0.5)

    assert str(error.value) == "图表渲染超时（超过 0.5 秒），请减少图表数量后重试。"


REPORT = """{% extends "core/pdf_base.html" %}
{% block title %}{{ title }}{% endblock %}
{% block content %}
<h1>{{ title }}</h1>
<p>本次考试全区参考学生共计三千余人。</p>
<table><thead><tr><th>学校</th><th class="num">平均分</th></tr></thead>
<tbody>{% for name, mean in rows %}<tr><td>{{ name }}</td><td class="num">{{ mean }}</td></tr>
{% endfor %}</tbody></table>
<div class="page-break"></div>
{% for uri in charts %}<figure><img class="chart" src="{{ uri }}"></figure>{% endfor %}
{% endblock %}
"""


@pytest.fixture
def report_template(settings, tmp_path):
    """A template folder of the test's own, searched before the project's."""
    folder = tmp_path / "templates"
    (folder / "reports").mkdir(parents=True)
    (folder / "reports" / "test_report.html").write_text(REPORT)
    engine = settings.TEMPLATES[0]
    settings.TEMPLATES = [{**engine, "DIRS": [folder, *engine["DIRS"]]}]
    return "reports/test_report.html"


@pytest.mark.slow
def test_pdf_has_title_table_and_chart_text_in_noto_cjk(report_template):
    title = "期末考试质量分析报告"
    charts = render_svgs([
        ChartSpec(bar_option(categories=["鹭岛中学", "鸥湾小学"], values=[98.76, 90.5])),
        ChartSpec(histogram_option(bands=["0–59", "60–100"], counts=[12, 27])),
    ])
    rows = [("鹭岛中学", 98.76)] + [(f"{n}号学校", 80 + n / 10) for n in range(1, 60)]

    pdf = render_pdf(report_template, {"title": title, "rows": rows,
                                       "charts": [svg_data_uri(svg) for svg in charts]})

    assert pdf.startswith(b"%PDF-")
    facts = read_pdf(pdf)
    assert facts.pages == 3  # the 60 rows take two pages, the charts the third
    assert facts.fonts == {"Noto-Sans-CJK-SC", "Noto-Sans-CJK-SC-Bold", "Noto-Serif-CJK-SC"}
    assert facts.runs.count(title) == 3  # the heading, then the page header of pages 2 and 3
    assert facts.runs.count("学校平均分") == 2  # the table header, repeated on its second page
    assert facts.runs.count("鹭岛中学98.76") == 1  # a table row
    assert [facts.runs.count(t) for t in ["鹭岛中学", "鸥湾小学", "98.76", "0–59", "27"]] == [
        1, 1, 1, 1, 1]  # text of the charts
    assert [r for r in facts.runs if r.startswith("第 ")] == [
        f"第 {n} 页 / 共 3 页" for n in range(1, 4)]


def test_pdf_refuses_to_fetch_from_the_network(report_template):
    charts = ["http://127.0.0.1:9/chart.svg"]

    with pytest.raises(PdfError) as error:
        render_pdf(report_template, {"title": "报告", "rows": [], "charts": charts})

    assert str(error.value) == ("生成 PDF 失败，无法读取报告中的图片或样式："
                                'Error fetching "http://127.0.0.1:9/chart.svg"')
