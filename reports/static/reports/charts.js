// Charts of the reports dashboards. Data comes from a <script type="application/json"> block (json_script),
// never from inline script, so the Content-Security-Policy can forbid inline code.
(function () {
  "use strict";
  if (!window.echarts) return;
  var cache = {};
  function data(id) {
    if (!(id in cache)) cache[id] = JSON.parse(document.getElementById(id).textContent);
    return cache[id];
  }
  var MONTHS = ["1月", "2月", "3月", "4月", "5月", "6月", "7月", "8月", "9月", "10月", "11月", "12月"];
  var grid = { left: 8, right: 12, top: 24, bottom: 8, containLabel: true };
  var builders = {
    months: function (d) {
      return { grid: grid, tooltip: {}, xAxis: { type: "category", data: MONTHS },
        yAxis: { type: "value", minInterval: 1 }, series: [{ type: "bar", data: d.months, itemStyle: { color: "#b71c1c" } }] };
    },
    rates: function (d) {
      return { grid: grid, tooltip: {}, xAxis: { type: "value", max: 100 },
        yAxis: { type: "category", data: d.groups, axisLabel: { width: 110, overflow: "truncate" } },
        series: [{ type: "bar", data: d.rates, markLine: { data: [{ xAxis: 80 }], symbol: "none" } }] };
    },
    delays: function (d) {
      return { grid: grid, tooltip: {}, xAxis: { type: "category", data: d.delay_labels },
        yAxis: { type: "value", minInterval: 1 },
        series: [{ type: "bar", data: d.delays, itemStyle: { color: "#6c757d" } }] };
    },
    rects: function (d) {
      return { grid: grid, tooltip: {}, xAxis: { type: "category", data: d.rect_labels },
        yAxis: { type: "value", minInterval: 1 },
        series: [{ type: "bar", data: d.rects, itemStyle: { color: "#0d6efd" } }] };
    },
    late: function (d) {
      return { grid: grid, tooltip: {}, xAxis: { type: "value", minInterval: 1 },
        yAxis: { type: "category", data: d.groups, axisLabel: { width: 110, overflow: "truncate" } },
        series: [{ type: "bar", data: d.late, itemStyle: { color: "#f0ad4e" } }] };
    },
    heatmap: function (d) {
      return { grid: grid, tooltip: {}, xAxis: { type: "category", data: d.quarters },
        yAxis: { type: "category", data: d.groups, axisLabel: { width: 110, overflow: "truncate" } },
        visualMap: { min: 0, max: 3, show: false, inRange: { color: ["#fdecea", "#b71c1c"] } },
        series: [{ type: "heatmap", data: d.seminars, label: { show: true } }] };
    },
    coverage: function (d) {
      var c = d.coverage;
      return { grid: { left: 8, right: 12, top: 8, bottom: 8, containLabel: true },
        tooltip: { formatter: function (p) { // names are typed by users: escaped, as the tooltip is HTML
          var esc = window.echarts.format.encodeHTML;
          return esc(c.groups[p.value[1]]) + "<br>" + esc(c.topics[p.value[0]]) + "：" + (p.value[2] ? "已学" : "未学"); } },
        xAxis: { type: "category", data: c.topics.map(function (t, i) { return String(i + 1); }) },
        yAxis: { type: "category", data: c.groups, axisLabel: { width: 110, overflow: "truncate" } },
        visualMap: { min: 0, max: 1, show: false, inRange: { color: ["#fdecea", "#2e7d32"] } },
        series: [{ type: "heatmap", data: c.cells }] };
    },
    plan: function (d) {
      return { grid: grid, tooltip: { trigger: "axis" }, legend: { data: ["已学习", "计划专题"] },
        xAxis: { type: "category", data: MONTHS }, yAxis: { type: "value", minInterval: 1 },
        series: [{ name: "已学习", type: "bar", data: d.months, itemStyle: { color: "#b71c1c" } },
                 { name: "计划专题", type: "line", data: d.planned }] };
    }
  };
  var charts = [];
  document.querySelectorAll(".report-chart").forEach(function (el) {
    var d = data(el.dataset.source);
    var rows = (d.groups || []).length;
    el.style.width = "100%";
    if (el.dataset.chart === "coverage") rows = d.coverage.groups.length;
    el.style.height = (["months", "plan", "delays", "rects"].indexOf(el.dataset.chart) >= 0 ? 260 : Math.max(200, 28 * rows + 60)) + "px";
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption(builders[el.dataset.chart](d));
    charts.push(chart);
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
