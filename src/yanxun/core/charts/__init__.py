"""Report charts: one ECharts option drives the browser chart and the PDF chart (ADR 0008).

In a page, pass the option through ``json_script`` and let ECharts draw it; for a PDF, turn a
batch of options into SVG with :func:`render_svgs` (ECharts' own SVG renderer under Node, one
process per batch) and put each SVG in an ``<img src="{{ uri }}">`` with :func:`svg_data_uri`.
Options are plain JSON (no JavaScript functions), so both sides receive the same dict.

The Node executable is ``$YANXUN_NODE`` (default ``node`` on the PATH); echarts is loaded from
``settings.NODE_MODULES``, the copy that staticfiles serves to browsers.
"""

import base64
import json
import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from yanxun.core.charts.options import (
    bar_option,
    caterpillar_option,
    grouped_bar_option,
    histogram_option,
)

__all__ = [
    "ChartError",
    "ChartSpec",
    "bar_option",
    "caterpillar_option",
    "grouped_bar_option",
    "histogram_option",
    "render_svgs",
    "svg_data_uri",
]

SCRIPT = Path(__file__).with_name("ssr.mjs")
MAX_SIDE = 4000  # pixels; ssr.mjs refuses more


class ChartError(Exception):
    """A chart could not be drawn; the message is in Chinese, for the person waiting."""


@dataclass(frozen=True)
class ChartSpec:
    option: dict[str, Any]
    width: int = 640  # CSS pixels: 640 px is 169 mm, the text width of an A4 report page
    height: int = 320


def render_svgs(charts: Sequence[ChartSpec], *, timeout: float = 60.0) -> list[str]:
    """SVG text for each chart, in order, drawn by one Node process for the whole batch."""
    if not charts:
        return []
    stdout = _run_node(_payload(charts), timeout)
    svgs = json.loads(stdout)
    if len(svgs) != len(charts):
        raise ChartError(f"图表渲染结果数量不符：提交 {len(charts)} 个，收到 {len(svgs)} 个。")
    return svgs


def svg_data_uri(svg: str) -> str:
    """A data: URI for an <img>: each chart stays a document of its own inside the PDF."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")


def _payload(charts: Sequence[ChartSpec]) -> str:
    for number, chart in enumerate(charts, start=1):
        for side in (chart.width, chart.height):
            if not isinstance(side, int) or not 1 <= side <= MAX_SIDE:
                raise ChartError(f"第 {number} 个图表的宽、高须为 1–{MAX_SIDE} 的整数像素。")
    rows = [{"option": c.option, "width": c.width, "height": c.height} for c in charts]
    try:
        return json.dumps(rows, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise ChartError(f"图表配置须为纯 JSON（不能含函数、日期、Decimal、NaN）：{error}") from error


def _run_node(payload: str, timeout: float) -> str:
    node = os.environ.get("YANXUN_NODE", "node")
    env = {**os.environ, "YANXUN_NODE_MODULES": str(settings.NODE_MODULES)}
    try:
        result = subprocess.run([node, str(SCRIPT)], input=payload.encode(), env=env,
                                capture_output=True, timeout=timeout, check=False)
    except (FileNotFoundError, PermissionError) as error:
        raise ChartError(f"找不到可执行的 Node.js（{node}）：服务器端图表需要 Node.js，请安装 nodejs"
                         "（scripts/bootstrap.sh 会安装），或用环境变量 YANXUN_NODE 指明其路径。") from error
    except subprocess.TimeoutExpired as error:
        raise ChartError(f"图表渲染超时（超过 {timeout:g} 秒），请减少图表数量后重试。") from error
    if result.returncode != 0:
        detail = result.stderr.decode(errors="replace").strip() or f"退出码 {result.returncode}"
        raise ChartError(f"图表渲染失败：{detail}")
    return result.stdout.decode()
