// Server-side chart rendering (ADR 0008): ECharts options in, SVG strings out.
//
//   stdin:  a JSON array of {"option": {...}, "width": 640, "height": 320}
//   stdout: a JSON array of SVG strings, in the same order
//   errors: exit status 1 and the problem on stderr, in Chinese (it reaches the user through
//           ChartError); nothing on stdout
//
// echarts comes from $YANXUN_NODE_MODULES (the repository's node_modules, which the Python
// side passes so that the browser and the PDF draw with the same copy); without it, from
// the usual Node resolution (node_modules folders above this file, then NODE_PATH).
// Any warning ECharts prints while drawing a chart (an unknown series type, a misspelt
// component) fails that chart: a PDF must not silently carry an empty chart.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

// Single quotes only: ECharts copies the family into an SVG style="..." attribute unescaped.
const FONT_FAMILY = "'Noto Sans CJK SC', 'Noto Sans SC', 'Source Han Sans SC', " +
  "'Microsoft YaHei', 'PingFang SC', sans-serif";
const MAX_SIDE = 4000;

class InputError extends Error {}

function loadEcharts() {
  const require = createRequire(import.meta.url);
  const folder = process.env.YANXUN_NODE_MODULES;
  const target = folder ? path.join(folder, "echarts") : "echarts";
  try {
    return require(target);
  } catch (error) {
    throw new InputError(`无法从 ${folder || "node_modules"} 载入 echarts` +
      `（请在项目目录运行 npm ci）：${error.message}`);
  }
}

function readCharts() {
  let charts;
  try {
    charts = JSON.parse(readFileSync(0, "utf8"));
  } catch (error) {
    throw new InputError(`输入不是 JSON：${error.message}`);
  }
  if (!Array.isArray(charts)) throw new InputError("输入须为图表的数组");
  charts.forEach(checkChart);
  return charts;
}

function chartName(index) {
  return `第 ${index + 1} 个图表`;
}

function checkChart(chart, index) {
  const where = chartName(index);
  if (chart === null || typeof chart !== "object") throw new InputError(`${where}不是对象`);
  if (chart.option === null || typeof chart.option !== "object" || Array.isArray(chart.option)) {
    throw new InputError(`${where}的 option 须为对象`);
  }
  for (const side of ["width", "height"]) {
    const value = chart[side];
    if (!Number.isInteger(value) || value < 1 || value > MAX_SIDE) {
      throw new InputError(`${where}的 ${side} 须为 1–${MAX_SIDE} 的整数`);
    }
  }
}

function withDefaults(option) {
  const textStyle = { fontFamily: FONT_FAMILY, ...(option.textStyle || {}) };
  return { animation: false, ...option, textStyle };
}

// ECharts reports bad options through console.warn / console.error, not by throwing.
function collectWarnings(draw) {
  const warnings = [];
  const saved = { warn: console.warn, error: console.error };
  console.warn = console.error = (...args) => warnings.push(args.join(" "));
  try {
    return { result: draw(), warnings };
  } finally {
    Object.assign(console, saved);
  }
}

// WeasyPrint ignores paint-order, so the outline ECharts draws under a label ("halo") would be
// painted over its letters; print needs no halo.
function dropTextHalos(svg) {
  return svg.replace(/<text\b[^>]*\bpaint-order="stroke"[^>]*>/g, (tag) =>
    tag.replace(/ (stroke|stroke-width|stroke-miterlimit|stroke-linejoin|paint-order)="[^"]*"/g, ""));
}

function renderOne(echarts, { option, width, height }, index) {
  const chart = echarts.init(null, null, { renderer: "svg", ssr: true, width, height });
  try {
    const { result, warnings } = collectWarnings(() => {
      chart.setOption(withDefaults(option));
      return dropTextHalos(chart.renderToSVGString());
    });
    if (warnings.length) throw new InputError(`${chartName(index)}：${warnings.join("；")}`);
    return result;
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`${chartName(index)}：${error.message}`);
  } finally {
    chart.dispose();  // an undisposed chart keeps a timer alive and Node never exits
  }
}

function main() {
  console.log = console.info = console.error;  // stdout carries the JSON answer only
  try {
    const charts = readCharts();
    const echarts = loadEcharts();
    const svgs = charts.map((chart, index) => renderOne(echarts, chart, index));
    process.stdout.write(JSON.stringify(svgs), () => process.exit(0));
  } catch (error) {
    process.stderr.write(`${error instanceof InputError ? error.message : error.stack}\n`);
    process.exitCode = 1;
  }
}

main();
