// The dashboard's charts (Apache ECharts, served from static/vendor): data from the page's JSON script.
(function () {
  "use strict";
  var source = document.getElementById("yardstick-data");
  if (!source || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  var red = "#c8102e";
  var checks = document.getElementById("chart-checks");
  if (checks) {
    var chart = window.echarts.init(checks, null, { renderer: "svg" });
    chart.setOption({
      aria: { enabled: true }, animation: false,
      grid: { left: 40, right: 16, top: 16, bottom: 40 },
      xAxis: { type: "category", data: data.checks.map(function (d) { return d[0].slice(5); }) },
      yAxis: { type: "value", minInterval: 1 },
      tooltip: { trigger: "axis" },
      series: [{ type: "line", data: data.checks.map(function (d) { return d[1]; }), itemStyle: { color: red } }]
    });
  }
  var departments = document.getElementById("chart-departments");
  if (departments) {
    var bars = window.echarts.init(departments, null, { renderer: "svg" });
    bars.setOption({
      aria: { enabled: true }, animation: false,
      grid: { left: 120, right: 16, top: 16, bottom: 24 },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: data.departments.map(function (d) { return d.name; }) },
      tooltip: { trigger: "axis" },
      legend: { data: ["办件", "超期"], bottom: 0 },
      series: [
        { name: "办件", type: "bar", data: data.departments.map(function (d) { return d.applications; }), itemStyle: { color: red } },
        { name: "超期", type: "bar", data: data.departments.map(function (d) { return d.overdue; }), itemStyle: { color: "#999" } }
      ]
    });
  }
}());
