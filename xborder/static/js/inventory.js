/* Declaring from the inventory: as rows are ticked (the inventory page) or the draft's counts are edited (the draft
   page), the pathway is determined again by GET/POST /inventory/declare/preview — the same operation and engine as
   the draft page and the case — and drawn in the live panel with js/pathway_panel.js; rows already declared in an
   open case are warned about, with a link to that case. Without this script the pages still work: the draft page
   determines on submit. */
(function () {
  "use strict";
  var panel = document.getElementById("preview");
  var form = document.getElementById("inventory-select") || document.getElementById("inventory-draft");
  if (!panel || !form || !window.fetch) { return; }
  var config = JSON.parse(panel.getAttribute("data-config") || "{}");
  var zh = config.lang === "zh";
  var view = window.XBorderPathwayPanel;
  var selecting = form.id === "inventory-select";

  function warnings(list) {
    var box = document.getElementById("draft-warnings"), items = document.getElementById("draft-warnings-list");
    if (!box || !items) { return; }
    items.textContent = "";
    (list || []).forEach(function (w) {
      var li = view.el("li", (zh ? w.message_zh : w.message_en) + " ");
      var a = view.el("a", (zh ? "查看案件 " : "Open case ") + w.case.reference);
      a.setAttribute("href", w.case.url);
      li.appendChild(a);
      items.appendChild(li);
    });
    box.hidden = !items.firstChild;
  }

  function errors(list) {
    var box = document.getElementById("preview-errors");
    document.getElementById("preview-body").hidden = true;
    box.textContent = "";
    (list || []).slice(0, 8).forEach(function (e) {
      box.appendChild(view.el("li", (zh ? e.message_zh : e.message_en) || e.path));
    });
    box.hidden = !box.firstChild;
  }

  function keys() {
    return Array.prototype.filter.call(form.querySelectorAll("input[name='entry_keys']"), function (input) {
      return input.type !== "checkbox" || input.checked;
    }).map(function (input) { return input.value; });
  }

  var sequence = 0, timer = null;
  function update() {
    var mine = ++sequence, chosen = keys(), request;
    var count = document.getElementById("selected-count");
    if (count) { count.textContent = String(chosen.length); }
    if (chosen.length === 0) {
      document.getElementById("preview-body").hidden = true;
      document.getElementById("preview-errors").hidden = true;
      document.getElementById("preview-empty").hidden = false;
      warnings([]);
      panel.setAttribute("data-state", "empty");
      return;
    }
    panel.setAttribute("data-state", "loading");
    if (selecting) {
      var query = chosen.map(function (k) { return "entry_keys=" + encodeURIComponent(k); }).join("&");
      request = fetch(panel.getAttribute("data-endpoint") + "?" + query,
                      {headers: {"Accept": "application/json"}, credentials: "same-origin"});
    } else {
      request = fetch(panel.getAttribute("data-endpoint"), {method: "POST", body: new FormData(form),
        headers: {"Accept": "application/json"}, credentials: "same-origin"});
    }
    request.then(function (response) { return response.json(); }).then(function (data) {
      if (mine !== sequence) { return; }  // an older answer arriving late must not overwrite a newer one
      if (data.determination) { view.show(config, data.determination); } else { errors(data.errors); }
      warnings(data.warnings);
      panel.setAttribute("data-state", data.determination ? "ok" : "invalid");
    }).catch(function () { panel.setAttribute("data-state", "offline"); });
  }
  function schedule() { clearTimeout(timer); timer = setTimeout(update, selecting ? 0 : 350); }

  form.addEventListener("change", schedule);
  if (!selecting) { form.addEventListener("input", schedule); }
  if (keys().length) { update(); }
})();
