// 推送进度: refresh the numbers every second until the broadcast is finished or cancelled.
// The page is complete without this file; it only saves pressing reload.
(function () {
  "use strict";

  var root = document.querySelector("[data-progress-url]");
  if (!root || root.getAttribute("data-final") === "true") {
    return;
  }
  var url = root.getAttribute("data-progress-url");
  var bar = root.querySelector("[data-bar]");
  var INTERVAL_MS = 1000;
  var RETRY_MS = 3000; // a failed poll (server restarting, signed out) backs off a little

  function show(name, value) {
    var fields = root.querySelectorAll('[data-field="' + name + '"]');
    for (var i = 0; i < fields.length; i += 1) {
      fields[i].textContent = String(value);
    }
  }

  function update(data) {
    show("status_label", data.status_label);
    show("percent", data.percent);
    show("total", data.total);
    show("reachable", data.reachable);
    show("opened", data.opened);
    Object.keys(data.counts).forEach(function (key) {
      show(key, data.counts[key]);
    });
    if (bar) {
      bar.setAttribute("aria-valuenow", String(data.percent));
      var inner = bar.querySelector(".progress-bar");
      if (inner) {
        inner.style.width = data.percent + "%";
      }
    }
  }

  function poll() {
    window
      .fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(
        function (data) {
          update(data);
          if (data.final) {
            // The per-person table is server-rendered: one reload shows everyone's outcome.
            window.location.reload();
            return;
          }
          window.setTimeout(poll, INTERVAL_MS);
        },
        function () {
          window.setTimeout(poll, RETRY_MS);
        }
      );
  }

  window.setTimeout(poll, INTERVAL_MS);
})();
