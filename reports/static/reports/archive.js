// Poll each unfinished archive build and move its progress bar; stop when it is done or failed.
(function () {
  "use strict";
  document.querySelectorAll("[data-archive-status]").forEach(function (item) {
    var bar = item.querySelector(".progress-bar");
    var label = item.querySelector(".archive-label");
    var link = item.querySelector(".archive-download");
    function poll() {
      fetch(item.dataset.archiveStatus, { credentials: "same-origin" }).then(function (r) { return r.json(); })
        .then(function (s) {
          bar.style.width = s.percent + "%";
          bar.textContent = s.percent + "%";
          label.textContent = s.label;
          if (s.status === "done") { link.classList.remove("d-none"); return; }
          if (s.status === "failed") { label.textContent = s.label + "：" + s.error; return; }
          setTimeout(poll, 1000);
        }).catch(function () { setTimeout(poll, 3000); });
    }
    if (label.textContent.trim() !== "已完成" && label.textContent.trim() !== "失败") poll();
  });
})();
