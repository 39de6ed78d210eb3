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
})();
