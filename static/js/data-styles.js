// Styles that come from data (a credential type's colour, a bar's length) are set here from data-*
// attributes, so templates need no inline style attribute and the Content-Security-Policy can refuse
// every inline style. Setting element.style from a script is allowed by the policy.
(function () {
  "use strict";
  document.querySelectorAll("[data-colour-bar]").forEach(function (element) {
    element.style.borderLeftColor = element.dataset.colourBar;
  });
  document.querySelectorAll("[data-width-pct]").forEach(function (element) {
    element.style.width = element.dataset.widthPct + "%";
  });

  // Tables that become cards on a phone (table.stacked): each cell is labelled by its column's header
  // unless the template labelled it, and keeps its table semantics once displayed as blocks.
  document.querySelectorAll("table.stacked").forEach(function (table) {
    var headers = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) { return th.textContent.trim(); });
    if (!headers.length && table.rows.length) {
      headers = Array.prototype.map.call(table.rows[0].cells, function (cell) { return cell.tagName === "TH" ? cell.textContent.trim() : ""; });
    }
    table.setAttribute("role", "table");
    Array.prototype.forEach.call(table.querySelectorAll("thead, tbody, tfoot"), function (group) { group.setAttribute("role", "rowgroup"); });
    Array.prototype.forEach.call(table.rows, function (row) {
      row.setAttribute("role", "row");
      Array.prototype.forEach.call(row.cells, function (cell, index) {
        var header = cell.tagName === "TH" && (cell.closest("thead") || cell.getAttribute("scope") === "col");
        cell.setAttribute("role", header ? "columnheader" : cell.tagName === "TH" ? "rowheader" : "cell");
        var wholeRow = cell.colSpan > 1 && cell.colSpan >= headers.length;  // "暂无记录" and the like: no column to name
        if (!header && !wholeRow && !cell.hasAttribute("data-label") && headers[index]) cell.setAttribute("data-label", headers[index]);
      });
    });
  });

  // Pinned bars (the sticky header, the phone's bottom tab bar) are pinned only while they take at most
  // data-pin-max per cent of the screen's height: with large text they scroll with the page instead.
  function pin() {
    document.querySelectorAll("[data-pin-max]").forEach(function (bar) {
      bar.classList.remove("unpinned");
      var pinned = ["sticky", "fixed"].indexOf(getComputedStyle(bar).position) >= 0;
      if (pinned && bar.getBoundingClientRect().height > window.innerHeight * Number(bar.dataset.pinMax) / 100) bar.classList.add("unpinned");
    });
  }
  pin();
  window.addEventListener("resize", pin);

  // The tab of the section the page belongs to
  var current = null;
  document.querySelectorAll(".tabs a, .staff-nav a").forEach(function (link) {
    var path = link.pathname;
    if (path !== "/" && location.pathname.indexOf(path) === 0 && (!current || path.length > current.pathname.length)) current = link;
  });
  if (current) current.setAttribute("aria-current", "page");
})();
