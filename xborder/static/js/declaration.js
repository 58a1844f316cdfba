/* The declaration wizard: transfers one by one, earlier transfers outside xborder added and removed in place,
   counts with thousands separators, and the pathway shown live from POST /api/v1/assess (the same engine the
   server uses). Without this script the form still works. */
(function () {
  "use strict";
  var form = document.getElementById("declaration-form");
  var panel = document.getElementById("preview");
  var summary = document.getElementById("error-summary");
  if (summary) { summary.setAttribute("tabindex", "-1"); summary.focus(); }  // screen readers hear what to fix
  if (!form || !panel) { return; }
  var config = JSON.parse(panel.getAttribute("data-config") || "{}");
  var zh = config.lang === "zh";
  var panelView = window.XBorderPathwayPanel;  // js/pathway_panel.js, loaded before this script

  function digitsOnly(text) { return String(text || "").replace(/[\s,，_]/g, ""); }

  function formatCount(input) {
    var raw = digitsOnly(input.value);
    if (/^\d+$/.test(raw)) { input.value = Number(raw).toLocaleString("en-US"); }
  }

  function count(name) {
    var el = form.elements[name];
    var raw = el ? digitsOnly(el.value) : "";
    if (raw === "") { return 0; }
    return /^-?\d+$/.test(raw) ? Number(raw) : el.value;  // a negative number: the engine says "0 or more"
  }

  function value(name) { var el = form.elements[name]; return el ? el.value.trim() : ""; }
  function checked(name) { var el = form.elements[name]; return !!(el && el.checked); }

  function transfers() {
    return Array.prototype.map.call(form.querySelectorAll("fieldset.transfer"), function (fs, i) {
      var p = "transfers-" + i + "-";
      var categories = value(p + "categories").split(/[,，]/).map(function (c) { return c.trim(); })
        .filter(function (c) { return c; });
      return {
        purpose: value(p + "purpose") || null,
        exemption: value(p + "exemption") || null,
        recipient: {name: value(p + "recipient_name"), country: value(p + "country"),
                    onward_transfer: checked(p + "onward_transfer")},
        data: {pi_individuals: count(p + "pi_individuals"),
               sensitive_pi_individuals: count(p + "sensitive_pi_individuals"),
               important_data: checked(p + "important_data"), core_data: checked(p + "core_data"),
               transit_only: checked(p + "transit_only"), categories: categories}
      };
    });
  }

  // Earlier transfers made outside xborder; a row with nothing typed is left out, as the server does.
  function priorTransfers() {
    var rows = [];
    Array.prototype.forEach.call(form.querySelectorAll(".prior-transfer"), function (row) {
      var p = "prior_transfers-" + row.getAttribute("data-index") + "-";
      if (!value(p + "date") && !value(p + "pi_individuals") && !value(p + "sensitive_pi_individuals") &&
          !value(p + "exemption")) { return; }
      var prior = {pi_individuals: count(p + "pi_individuals"),
                   sensitive_pi_individuals: count(p + "sensitive_pi_individuals"),
                   exemption: value(p + "exemption") || null};
      if (value(p + "date")) { prior.date = value(p + "date"); }
      rows.push(prior);
    });
    return rows;
  }

  function declaration() {
    var processed = digitsOnly(value("pi_subjects_processed"));
    return {
      as_of: value("as_of"),
      exporter: {name: value("exporter_name"), uscc: value("exporter_uscc").toUpperCase(),
                 province: value("exporter_province"), sector: value("sector") || null,
                 is_ciio: checked("is_ciio"),
                 pi_subjects_processed: processed === "" ? null : (/^\d+$/.test(processed) ? Number(processed) : processed)},
      prior_transfers: priorTransfers(),
      transfers: transfers()
    };
  }

  var el = panelView.el;
  function show(result) { panelView.show(config, result); }

  // Errors only for fields the user has touched (or all once the form was sent): no red on an untouched form.
  var touched = {}, sent = !!summary;
  function fieldFor(path) {
    var segs = String(path || "").split("/"), prefix = "";
    if (segs[0] === "transfers" || segs[0] === "prior_transfers") { prefix = segs[0] + "-" + segs[1] + "-"; segs = segs.slice(2); }
    else if (segs[0] === "exporter") { segs = segs.slice(1); }
    var candidates = [prefix + segs.join("_"), prefix + segs[segs.length - 1], "exporter_" + segs.join("_")];
    for (var i = 0; i < candidates.length; i++) { if (form.elements[candidates[i]]) { return candidates[i]; } }
    return null;
  }
  function shown(e) {
    if (sent) { return true; }
    var name = fieldFor(e.path);
    return name ? !!touched[name] : Object.keys(touched).length > 0;
  }
  function showErrors(problem) {
    var errors = document.getElementById("preview-errors");
    document.getElementById("preview-body").hidden = true;
    errors.textContent = "";
    (problem.errors || []).filter(shown).slice(0, 8).forEach(function (e) {
      var name = fieldFor(e.path), label = name && form.querySelector("label[for='" + name + "']");
      var plain = (config.plain || {})[e.message_en];
      var text = plain ? plain[zh ? 1 : 0] : (zh ? e.message_zh : e.message_en) || e.path;
      var li = el("li", "");
      if (name) {
        var a = el("a", (label ? label.textContent.trim() + (zh ? "：" : ": ") : "") + text);
        a.setAttribute("href", "#" + name);
        li.appendChild(a);
      } else { li.textContent = text; }
      errors.appendChild(li);
    });
    errors.hidden = !errors.firstChild;
    document.getElementById("preview-empty").hidden = !!errors.firstChild;
  }

  var timer = null, sequence = 0;
  function assess() {
    var mine = ++sequence;
    fetch(panel.getAttribute("data-endpoint"), {
      method: "POST", headers: {"Content-Type": "application/json", "Accept": "application/json"},
      body: JSON.stringify(declaration()), credentials: "omit"
    }).then(function (response) {
      return response.json().then(function (data) { return {ok: response.ok, data: data}; });
    }).then(function (answer) {
      if (mine !== sequence) { return; }  // an older answer arriving late must not overwrite a newer one
      if (answer.ok) { show(answer.data); } else { showErrors(answer.data); }
      panel.setAttribute("data-state", answer.ok ? "ok" : "invalid");
    }).catch(function () { panel.setAttribute("data-state", "offline"); });
  }
  function schedule() { clearTimeout(timer); timer = setTimeout(assess, 350); }

  function renumber(fieldset, index) {
    fieldset.setAttribute("data-index", index);
    fieldset.querySelector(".transfer-number").textContent = index + 1;
    Array.prototype.forEach.call(fieldset.querySelectorAll("[name],[id],[for],[aria-describedby]"), function (node) {
      ["name", "id", "for", "aria-describedby"].forEach(function (attr) {
        var v = node.getAttribute(attr);
        if (v) { node.setAttribute(attr, v.replace(/transfers-\d+-/g, "transfers-" + index + "-")); }
      });
    });
  }

  function addTransfer(event) {
    var all = form.querySelectorAll("fieldset.transfer");
    var box = document.getElementById("transfers");
    if (all.length >= Number(box.getAttribute("data-max") || 20)) { return; }
    event.preventDefault();
    var copy = all[all.length - 1].cloneNode(true);
    Array.prototype.forEach.call(copy.querySelectorAll("input, select"), function (input) {
      if (input.type === "checkbox") { input.checked = false; }
      else if (input.tagName === "SELECT") { input.selectedIndex = 0; }
      else { input.value = ""; }
      input.removeAttribute("aria-invalid");
    });
    Array.prototype.forEach.call(copy.querySelectorAll(".error"), function (e) { e.remove(); });
    renumber(copy, all.length);
    box.appendChild(copy);
    copy.querySelector("input").focus();
    schedule();
  }

  function renumberPrior() {
    Array.prototype.forEach.call(form.querySelectorAll(".prior-transfer"), function (row, index) {
      row.setAttribute("data-index", index);
      row.querySelector(".prior-number").textContent = index + 1;
      Array.prototype.forEach.call(row.querySelectorAll("[name],[id],[for],[aria-describedby]"),
        function (node) {
          ["name", "id", "for", "aria-describedby"].forEach(function (attr) {
            var v = node.getAttribute(attr);
            if (v) { node.setAttribute(attr, v.replace(/prior_transfers-(\d+|__index__)-/g, "prior_transfers-" + index + "-")); }
          });
          if (node.classList.contains("remove-prior-transfer")) { node.value = String(index); }
        });
    });
  }

  function addPrior(event) {
    var rows = document.getElementById("prior-transfer-rows");
    var template = document.getElementById("prior-transfer-template");
    var box = document.getElementById("prior-transfers");
    if (!rows || !template || rows.children.length >= Number(box.getAttribute("data-max") || 50)) { return; }
    event.preventDefault();
    var row = template.content.firstElementChild.cloneNode(true);
    rows.appendChild(row);
    renumberPrior();
    row.querySelector("input").focus();
    schedule();
  }

  form.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest(".remove-prior-transfer") : null;
    if (!button) { return; }
    event.preventDefault();
    var row = button.closest(".prior-transfer");
    var next = row.nextElementSibling || row.previousElementSibling;
    row.remove();
    renumberPrior();
    // keep the keyboard where the user was: the neighbouring row, or the "add" button when none is left
    (next ? next.querySelector("input") : document.getElementById("add-prior-transfer")).focus();
    schedule();
  });
  var addEarlier = document.getElementById("add-prior-transfer");
  if (addEarlier) { addEarlier.addEventListener("click", addPrior); }

  var add = document.getElementById("add-transfer");
  if (add) { add.addEventListener("click", addTransfer); }
  function touch(event) { if (event.target && event.target.name) { touched[event.target.name] = true; } schedule(); }
  form.addEventListener("input", touch);
  form.addEventListener("change", touch);
  form.addEventListener("submit", function () { sent = true; });
  form.addEventListener("focusout", function (event) {
    if (event.target.classList && event.target.classList.contains("count")) { formatCount(event.target); }
  });
  schedule();
})();
