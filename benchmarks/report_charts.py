"""Benchmark: report charts drawn as SVG by ECharts under Node, and a report printed to PDF.

Measures, each as the median of --runs runs (ADR 0008):

1. the floor of one Node process: `node -e 0`, then `node` loading echarts (no chart drawn);
2. `render_svgs` on batches of 1, 5 and 20 charts (the four builders in turn, 8 schools each):
   one Node process per batch, so a batch costs the floor plus a few ms per chart;
3. `render_pdf` of a report with 5 charts and a 60-row table (WeasyPrint only; the SVGs are
   drawn beforehand).

    .venv/bin/python benchmarks/report_charts.py [--runs 7] [--sizes 1 5 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yanxun.settings")

import django  # noqa: E402

django.setup()

from common import machine  # noqa: E402
from django.conf import settings  # noqa: E402

from yanxun.core.charts import (  # noqa: E402
    ChartSpec,
    bar_option,
    caterpillar_option,
    grouped_bar_option,
    histogram_option,
    render_svgs,
    svg_data_uri,
)
from yanxun.core.pdf import render_pdf  # noqa: E402

SCHOOLS = ["城东实验学校", "城西中学", "南山小学", "北湖初级中学", "第一中学", "育才学校",
           "实验二小", "江滨中学"]
MEANS = [78.4, 71.25, 69.9, 74.1, 80.33, 66.0, 72.5, 75.75]
REPORT = """{% extends "core/pdf_base.html" %}
{% block title %}基准报告{% endblock %}
{% block content %}<h1>2024学年第一学期期末考试质量分析报告</h1>
<p>本次考试全区参考学生 3,214 人。</p>
{% for uri in charts %}<figure><img class="chart" src="{{ uri }}"></figure>{% endfor %}
<table><thead><tr><th>学校</th><th class="num">人数</th><th class="num">平均分</th></tr></thead>
<tbody>{% for name, n, mean in rows %}<tr><td>{{ name }}</td><td class="num">{{ n }}</td>
<td class="num">{{ mean }}</td></tr>{% endfor %}</tbody></table>{% endblock %}
"""


def charts(count: int) -> list[ChartSpec]:
    builders = [
        lambda: ChartSpec(bar_option(categories=SCHOOLS, values=MEANS, unit="分",
                                     reference=73.5)),
        lambda: ChartSpec(grouped_bar_option(categories=SCHOOLS, unit="%", series={
            "前100名占比": [22.5, 10.1, 8.0, 15.2, 30.0, 4.2, 6.0, 4.0],
            "生源比": [15.0, 14.2, 12.0, 16.1, 18.9, 11.0, 7.0, 5.8]})),
        lambda: ChartSpec(histogram_option(bands=["0–59", "60–69", "70–79", "80–89", "90–100"],
                                           counts=[312, 640, 1104, 822, 336]), 640, 280),
        lambda: ChartSpec(caterpillar_option(
            labels=SCHOOLS, estimates=[1.8, -0.4, -2.1, 0.6, 3.1, -3.3, 0.1, 1.2],
            lowers=[0.5, -1.9, -3.6, -0.8, 1.6, -5.0, -1.2, -0.1],
            uppers=[3.1, 1.1, -0.6, 2.0, 4.6, -1.6, 1.4, 2.5]), 640, 60 + 22 * 8),
    ]
    return [builders[n % len(builders)]() for n in range(count)]


def median_seconds(runs: int, action: Callable[[], object]) -> tuple[float, list[float]]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


def line(label: str, median: float, times: list[float]) -> None:
    spread = f"{min(times) * 1000:.0f}–{max(times) * 1000:.0f} ms"
    print(f"{label:<44} median {median * 1000:6.0f} ms  (runs {spread}, "
          f"load {os.getloadavg()[0]:.1f})", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 5, 20])
    args = parser.parse_args()
    print(f"machine: {machine()}")
    node = os.environ.get("YANXUN_NODE", "node")
    print("node:", subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip())
    line("node -e 0", *median_seconds(args.runs, lambda: subprocess.run([node, "-e", "0"])))
    load = f"require({str(settings.NODE_MODULES / 'echarts')!r})"
    line("node loading echarts", *median_seconds(
        args.runs, lambda: subprocess.run([node, "-e", load], check=True)))
    for size in args.sizes:
        batch = charts(size)
        render_svgs(batch)  # warm the file cache
        median, times = median_seconds(args.runs, lambda batch=batch: render_svgs(batch))
        line(f"render_svgs, batch of {size} chart(s)", median, times)
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "bench_report.html").write_text(REPORT)
        settings.TEMPLATES[0]["DIRS"].append(Path(folder))
        uris = [svg_data_uri(svg) for svg in render_svgs(charts(5))]
        rows = [(SCHOOLS[n % 8], 400 + n, MEANS[n % 8]) for n in range(60)]
        context = {"charts": uris, "rows": rows}
        render_pdf("bench_report.html", context)
        line("render_pdf, 5 charts + 60-row table", *median_seconds(
            args.runs, lambda: render_pdf("bench_report.html", context)))


if __name__ == "__main__":
    main()
