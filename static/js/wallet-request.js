// The request console: a pending request is polled until the holder's wallet has answered it.
(function () {
  "use strict";
  const pending = document.querySelector("[data-poll]");
  if (!pending) { return; }
  const url = pending.dataset.poll;
  const started = Date.now();
  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) {
        if (body && (body.status !== "pending" || String(body.attempts) !== pending.dataset.attempts)) { window.location.reload(); return; }
        if (Date.now() - started < 5 * 60 * 1000) { window.setTimeout(poll, 1500); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 1500);
})();
