/* Autosave for the self-assessment: after a pause in typing, the key point's answer is saved through the same
   operation as the Save button, carrying the case version (a stale version is refused with 409). */
(function () {
  "use strict";
  var form = document.getElementById("answer-form");
  if (!form) { return; }
  var status = document.getElementById("autosave-status");
  var version = document.getElementById("case-version");
  var token = form.querySelector("input[name=csrf_token]");
  var timer = null, dirty = false, saving = false, pendingSubmit = null;

  function fields() {
    var out = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrf_token" || el.name === "version" || el.name === "next_kp") { return; }
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) { return; }
      out[el.name] = el.value;
    });
    return out;
  }

  function progress(answered) {
    var bar = document.getElementById("kp-progress"), text = document.getElementById("kp-progress-text");
    if (bar) { bar.value = answered; }
    if (text) {
      var total = text.getAttribute("data-total");
      text.textContent = document.documentElement.lang === "en"
        ? answered + " of " + total + " key points answered" : "已回答 " + answered + " / " + total + " 个评估重点";
    }
  }

  function save() {
    if (saving) { timer = setTimeout(save, 300); return; }
    saving = true;
    dirty = false;
    fetch(form.getAttribute("data-autosave"), {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": token.value},
      body: JSON.stringify({key_point: form.getAttribute("data-key-point"), version: Number(version.value),
                            fields: fields()})
    }).then(function (response) {
      return response.json().then(function (data) { return {ok: response.ok, data: data}; });
    }).then(function (answer) {
      saving = false;
      if (answer.ok) {
        version.value = answer.data.version;
        progress(answer.data.answered);
        status.textContent = form.getAttribute("data-saved");
        form.setAttribute("data-saved-version", answer.data.version);
      } else {
        status.textContent = form.getAttribute("data-failed") + ": " + (answer.data.messages || []).join("; ");
      }
      resumeSubmit();
    }).catch(function () {
      saving = false;
      resumeSubmit();
      status.textContent = form.getAttribute("data-failed");
    });
  }

  function schedule() { dirty = true; clearTimeout(timer); timer = setTimeout(save, 800); }
  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
  // The Save button sends everything with the current version; an autosave racing it would make one of them stale,
  // so a click during an autosave waits for it and then submits with the version it returned.
  function resumeSubmit() {
    var submitter = pendingSubmit;
    pendingSubmit = null;
    if (submitter !== null) { form.requestSubmit(submitter || undefined); }
  }
  form.addEventListener("submit", function (event) {
    clearTimeout(timer);
    dirty = false;
    if (saving) {
      event.preventDefault();
      pendingSubmit = event.submitter || false;
    }
  });
  window.addEventListener("beforeunload", function () { if (dirty && !saving) { save(); } });
})();
