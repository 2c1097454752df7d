// 神特党建 管理后台: small enhancements only; every page works without this file.
(function () {
  "use strict";

  // Forms with data-confirm ask first (解除绑定, 停用账号, 作废绑定码 …).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    // Plain http inside the company network: the older way still works there.
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try {
      ok = document.execCommand("copy");
    } catch (err) {
      ok = false;
    }
    document.body.removeChild(area);
    return ok ? Promise.resolve() : Promise.reject(new Error("copy failed"));
  }

  // 返回上一页 on error pages (no inline script: the console's CSP allows none).
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-back]")) {
      window.history.back();
    }
  });

  // Buttons with data-copy="#id" copy that element's text.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy]");
    if (!button) {
      return;
    }
    var source = document.querySelector(button.getAttribute("data-copy"));
    if (!source) {
      return;
    }
    var label = button.textContent;
    copyText(source.textContent.trim()).then(
      function () {
        button.textContent = "已复制";
      },
      function () {
        button.textContent = "请手动选中后复制";
      }
    ).then(function () {
      window.setTimeout(function () {
        button.textContent = label;
      }, 2000);
    });
  });
})();
