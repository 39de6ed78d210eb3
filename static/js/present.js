// 亮证 page: count down, then fetch a fresh one-time QR for the same fields (no page reload).
(function () {
  "use strict";
  var box = document.querySelector("[data-testid=presentation]");
  if (!box) return;
  var form = document.getElementById("refresh");
  var countdown = box.querySelector("[data-testid=countdown]");
  var qr = box.querySelector("[data-testid=qr]");
  var payload = box.querySelector("[data-testid=payload]");
  var expiresAt = Date.parse(box.dataset.expiresAt);

  function refresh() {
    var body = new FormData(form);
    fetch(box.dataset.refreshUrl, { method: "POST", body: body, headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.json().then(function (data) { return { ok: response.ok, data: data }; }); })
      .then(function (result) {
        if (!result.ok) { countdown.textContent = result.data.message || "!"; expiresAt = NaN; return; }
        qr.innerHTML = result.data.svg;
        payload.value = result.data.payload;
        expiresAt = Date.parse(result.data.expires_at);
        box.dataset.expiresAt = result.data.expires_at;
      })
      .catch(function () { expiresAt = Date.now() + 5000; });
  }

  form.addEventListener("submit", function (event) { event.preventDefault(); refresh(); });
  setInterval(function () {
    if (isNaN(expiresAt)) return;
    var left = Math.max(0, Math.round((expiresAt - Date.now()) / 1000));
    countdown.textContent = String(left);
    // Refresh a little before expiry so the code on screen is always valid for a scan.
    if (left <= 3) { expiresAt = Date.now() + 60000; refresh(); }
  }, 1000);
})();
