// The health statistics chart (Apache ECharts, served from static/vendor): people by colour and day,
// drawn from the page's own by-day table, so axis, legend and series names are the page's words.
(function () {
  "use strict";
  var target = document.getElementById("chart-by-day");
  var table = document.querySelector("[data-testid=by-day]");
  if (!target || !table || !window.echarts) { return; }
  var names = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) { return th.textContent.trim(); });
  var rows = Array.prototype.filter.call(table.querySelectorAll("tbody tr"), function (tr) { return tr.cells.length === 4; });
  var colours = ["#0a7c3e", "#e0a800", "#c8102e"];
  var chart = window.echarts.init(target, null, { renderer: "svg" });
  chart.setOption({
    aria: { enabled: true, label: { description: target.dataset.label } }, animation: false,
    legend: { top: 0, left: "center" },
    grid: { left: 8, right: 16, top: 48, bottom: 8, containLabel: true },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    xAxis: { type: "category", name: names[0], nameLocation: "middle", nameGap: 28,
             data: rows.map(function (tr) { return tr.cells[0].textContent.trim().slice(5); }), axisLabel: { hideOverlap: true } },
    yAxis: { type: "value", name: target.dataset.yName, minInterval: 1 },
    series: [1, 2, 3].map(function (column) {
      return { name: names[column], type: "bar", stack: "people", barMaxWidth: 28, itemStyle: { color: colours[column - 1] },
               data: rows.map(function (tr) { return Number(tr.cells[column].textContent.trim()) || 0; }) };
    })
  });
  window.addEventListener("resize", function () { chart.resize(); });
}());
