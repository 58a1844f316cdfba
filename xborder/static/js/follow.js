/* Follows a job under way (a dossier being built, an inventory import) without reloading the page: a timed reload
   takes the reader's place and focus away (WCAG 2.2.1, axe-core's meta-refresh). Every 2 seconds the page asks its
   own address again; while the job runs, the part marked data-follow is brought up to date in place (its
   role=status line is read out); once the job is done the page's main content becomes the finished page's, or, when
   the answer is the download itself, the download starts and the status line says so. Without scripts the page's
   "Check again" link does the same by hand. */
(function () {
  "use strict";
  var region = document.querySelector("[data-follow]");
  if (!region) { return; }

  function later(wait) { window.setTimeout(ask, wait); }

  function show(text) {
    var doc = new DOMParser().parseFromString(text, "text/html");
    var next = doc.querySelector("[data-follow]");
    if (next) {
      var status = region.querySelector("[role=status]"), nextStatus = next.querySelector("[role=status]");
      // Only what changed is replaced, so the status line stays the same live region and is read out.
      if (status && nextStatus && status.textContent !== nextStatus.textContent) {
        status.textContent = nextStatus.textContent;
      }
      var bar = region.querySelector("progress"), nextBar = next.querySelector("progress");
      if (bar && nextBar) { bar.value = nextBar.value; bar.max = nextBar.max; bar.textContent = nextBar.textContent; }
      later(2000);
      return;
    }
    var main = document.querySelector("main"), nextMain = doc.querySelector("main");
    if (main && nextMain) { main.innerHTML = nextMain.innerHTML; document.title = doc.title; }
  }

  function ask() {
    var controller = new AbortController();
    window.fetch(window.location.href, {cache: "no-store", credentials: "same-origin", signal: controller.signal})
      .then(function (response) {
        if ((response.headers.get("Content-Type") || "").indexOf("text/html") !== 0) {
          controller.abort();  // the bytes themselves: let the browser download them
          var status = region.querySelector("[role=status]");
          if (status && region.getAttribute("data-follow-done")) { status.textContent = region.getAttribute("data-follow-done"); }
          window.location.assign(window.location.href);
          return;
        }
        return response.text().then(show);
      })
      .catch(function () { later(5000); });
  }

  later(2000);
})();
