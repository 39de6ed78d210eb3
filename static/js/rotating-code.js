// A rotating signed code (the health pass, 鲁通码): a live clock (a screenshot shows a stale time) and a
// new code fetched before the current one expires. A health pass's answer also carries its colour.
(function () {
  "use strict";
  var box = document.querySelector("[data-rotating-code]");
  if (!box) return;
  var qr = box.querySelector("[data-testid=qr]");
  var payload = box.querySelector("[data-testid=payload]");
  var countdown = box.querySelector("[data-testid=countdown]");
  var clock = box.querySelector("[data-testid=clock]");
  var expiresAt = Number(box.dataset.expiresAt) * 1000;
  var busy = false;

  function refresh() {
    if (busy) return;
    busy = true;
    fetch(box.dataset.refreshUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        qr.innerHTML = data.svg;
        payload.value = data.payload;
        expiresAt = data.expires_at * 1000;
        if (data.colour) {
          box.dataset.colour = data.colour;
          box.className = box.className.replace(/colour-\w+/, "colour-" + data.colour);
          box.querySelector("[data-testid=colour-label]").textContent = data.colour_label;
        }
      })
      .catch(function () { expiresAt = Date.now() + 5000; })
      .then(function () { busy = false; });
  }

  setInterval(function () {
    var now = new Date();
    clock.textContent = now.toLocaleString();
    var left = Math.max(0, Math.round((expiresAt - now.getTime()) / 1000));
    countdown.textContent = String(left);
    if (left <= 2) refresh();
  }, 1000);
})();
