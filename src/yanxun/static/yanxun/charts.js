// Charts from data in <script type="application/json"> blocks (json_script), drawn with
// ECharts: <div class="chart-box" data-chart="bar|pie|option" data-source="<json id>">.
(function () {
  "use strict";
  if (!window.echarts) return;
  var palette = ["#206bc4", "#4299e1", "#2fb344", "#f59f00", "#d63939", "#ae3ec9", "#667382"];

  function barOption(rows) {
    return {
      color: palette,
      grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: rows.map(function (r) { return r.name; }) },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "bar", barMaxWidth: 36, data: rows.map(function (r) { return r.value; }),
                 label: { show: true, position: "top" } }]
    };
  }

  function pieOption(rows) {
    return {
      color: palette,
      tooltip: { trigger: "item", formatter: "{b}：{c} 人（{d}%）" },
      series: [{ type: "pie", radius: ["40%", "68%"], center: ["50%", "50%"], data: rows,
                 label: { formatter: "{b}\n{c}" } }]
    };
  }

  document.querySelectorAll(".chart-box[data-chart]").forEach(function (box) {
    var source = document.getElementById(box.getAttribute("data-source"));
    if (!source) return;
    var rows = JSON.parse(source.textContent);
    var chart = window.echarts.init(box);
    var kind = box.getAttribute("data-chart");
    // "option": a whole ECharts option built on the server (the same one the PDF renders).
    var option = kind === "option" ? Object.assign({ color: palette }, rows)
      : kind === "pie" ? pieOption(rows) : barOption(rows);
    chart.setOption(option);
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
