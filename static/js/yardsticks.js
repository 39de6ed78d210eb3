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
      legend: { top: 0, left: "center" },
      grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
      xAxis: { type: "category", name: checks.dataset.xName, nameLocation: "middle", nameGap: 28,
               data: data.checks.map(function (d) { return d[0].slice(5); }), axisLabel: { hideOverlap: true } },
      yAxis: { type: "value", minInterval: 1 },
      tooltip: { trigger: "axis" },
      series: [{ name: checks.dataset.series, type: "line", data: data.checks.map(function (d) { return d[1]; }), itemStyle: { color: red } }]
    });
  }
  var departments = document.getElementById("chart-departments");
  if (departments) {
    var bars = window.echarts.init(departments, null, { renderer: "svg" });
    var names = (departments.dataset.series || "|").split("|");
    bars.setOption({
      aria: { enabled: true }, animation: false,
      // the legend above the plot, the axes' labels inside the grid (containLabel): they never overlap
      legend: { top: 0, left: "center" },
      grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: data.departments.map(function (d) { return d.name; }),
               axisLabel: { width: 110, overflow: "break", lineHeight: 16 } },  // lineHeight: a long (English) name broken over lines whose boxes do not overlap
      tooltip: { trigger: "axis" },
      series: [
        { name: names[0], type: "bar", data: data.departments.map(function (d) { return d.applications; }), itemStyle: { color: red } },
        { name: names[1], type: "bar", data: data.departments.map(function (d) { return d.overdue; }), itemStyle: { color: "#767676" } }
      ]
    });
  }
  window.addEventListener("resize", function () {
    [checks, departments].forEach(function (element) { var instance = element && window.echarts.getInstanceByDom(element); if (instance) { instance.resize(); } });
  });
}());
