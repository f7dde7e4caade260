// Live updates of flaggen's admin page: after each change on the server's
// change stream, fetch the page again and swap in its regions marked
// data-live (but not one holding the keyboard focus).
(function () {
  "use strict";
  var url = document.body.dataset.stream;
  if (!url || !window.EventSource || !window.fetch) return;
  var busy = false, again = false;
  var dot = document.getElementById("live-dot");
  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    fetch(document.body.dataset.page || location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) return;
        var doc = new DOMParser().parseFromString(html, "text/html");
        document.querySelectorAll("[data-live]").forEach(function (el) {
          if (el.id && !el.contains(document.activeElement)) {
            var next = doc.getElementById(el.id);
            if (next) el.replaceWith(document.importNode(next, true));
          }
        });
        var v = doc.body.dataset.version, out = document.getElementById("version");
        document.body.dataset.version = v;
        if (out) out.textContent = v;
      })
      .catch(function () {})
      .finally(function () {
        busy = false;
        if (again) { again = false; refresh(); }
      });
  }
  var es = new EventSource(url);
  es.onopen = function () { if (dot) dot.classList.add("on"); };
  es.onerror = function () { if (dot) dot.classList.remove("on"); };
  es.onmessage = refresh;
})();
