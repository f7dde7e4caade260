// Live updates of flaggen's admin page: after each change on the server's
// change stream, fetch the page again and swap in its regions marked
// data-live, but not one holding the keyboard focus, a field being
// edited or the error of a refused write. When the session has ended
// (expired, logged out), it says so instead of showing stale data.
(function () {
  "use strict";
  var url = document.body.dataset.stream;
  if (!url || !window.EventSource || !window.fetch) return;
  var busy = false, again = false;
  var dot = document.getElementById("live-dot");
  function edited(el) {
    if (el.querySelector("[aria-invalid=true]")) return true; // a refused write's error
    return Array.prototype.some.call(el.querySelectorAll("input, textarea, select"), function (c) {
      if (c.type === "checkbox" || c.type === "radio") return c.checked !== c.defaultChecked;
      if (c.tagName === "SELECT") return Array.prototype.some.call(c.options, function (o) { return o.selected !== o.defaultSelected; });
      return c.value !== c.defaultValue;
    });
  }
  var es;
  function toLogin(r) {
    return r.status === 401 || (r.redirected && new URL(r.url).pathname === "/admin/login");
  }
  function expired() {
    if (es) es.close();
    if (dot) dot.classList.remove("on");
    document.body.classList.add("expired");
    var b = document.getElementById("expired"), a = document.getElementById("relogin");
    if (a) a.href = "/admin/login?next=" + encodeURIComponent(location.pathname + location.search);
    if (b) b.hidden = false;
  }
  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    fetch(document.body.dataset.page || location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) {
        if (toLogin(r)) { expired(); return null; }
        return r.ok ? r.text() : null;
      })
      .then(function (html) {
        if (!html) return;
        var doc = new DOMParser().parseFromString(html, "text/html");
        document.querySelectorAll("[data-live]").forEach(function (el) {
          if (el.id && !el.contains(document.activeElement) && !edited(el)) {
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
  es = new EventSource(url);
  es.onopen = function () { if (dot) dot.classList.add("on"); };
  es.onerror = function () {
    if (dot) dot.classList.remove("on");
    if (es.readyState === EventSource.CLOSED) refresh(); // refused: is the session over?
  };
  es.onmessage = refresh;
})();
