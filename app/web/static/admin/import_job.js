// A background import's page: ask its progress every 1.5 s; show the report when it is done.
(function () {
  "use strict";
  var box = document.querySelector("[data-import-progress]");
  if (!box) return;
  var url = box.getAttribute("data-import-progress");
  var text = box.querySelector("[data-testid=import-rows]");
  function poll() {
    fetch(url, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (job) {
        if (job && job.finished) { window.location.reload(); return; }
        if (job && text && job.rows_total) {
          text.textContent =
            "已处理 " + job.rows_done + " / " + job.rows_total + " " + box.getAttribute("data-unit");
        }
        window.setTimeout(poll, 1500);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1500);
})();
