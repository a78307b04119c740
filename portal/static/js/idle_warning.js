// Staff pages: warn before the idle sign-out, and keep what was typed if it happens anyway.
// The server ends a staff session after STAFF_IDLE_TIMEOUT without a request; this page
// counts from its own load (each request restarts the server's clock too).
(function () {
  "use strict";
  var panel = document.getElementById("idle-warning");
  if (!panel || !window.fetch || !window.sessionStorage) {
    return;
  }
  var idleMs = Number(panel.dataset.idleSeconds) * 1000;
  var warnMs = Number(panel.dataset.warnSeconds) * 1000;
  var form = panel.querySelector("form");
  var button = form.querySelector("button");
  var storeKey = "portal-kept-form:" + window.location.pathname + window.location.search;
  var KEPT_FOR_MS = 60 * 60 * 1000;
  var warnTimer;
  var endTimer;

  // Fields worth keeping: what a person typed or chose. Never passwords, codes, hidden
  // fields (CSRF tokens, versions) or files.
  function keptFields() {
    return document.querySelectorAll(
      "main form textarea[name], main form input[name]:not([type=hidden]):not([type=password])" +
        ":not([type=file]):not([type=submit]):not([autocomplete=one-time-code]), main form select[name]"
    );
  }

  function keepTyped() {
    var values = [];
    keptFields().forEach(function (field) {
      if (field.type === "checkbox" || field.type === "radio") {
        values.push([field.name, field.value, field.checked]);
      } else if (field.value) {
        values.push([field.name, field.value]);
      }
    });
    if (values.length) {
      window.sessionStorage.setItem(storeKey, JSON.stringify({ at: Date.now(), values: values }));
    }
  }

  function restoreTyped() {
    var saved = window.sessionStorage.getItem(storeKey);
    if (!saved) {
      return;
    }
    window.sessionStorage.removeItem(storeKey);
    var values;
    try {
      var kept = JSON.parse(saved);
      // Only for a sign-in soon after: not into the same form opened again days later.
      values = Date.now() - kept.at < KEPT_FOR_MS ? kept.values : [];
    } catch (error) {
      return;
    }
    var fields = keptFields();
    values.forEach(function (entry) {
      fields.forEach(function (field) {
        if (field.name !== entry[0]) {
          return;
        }
        if (field.type === "checkbox" || field.type === "radio") {
          if (field.value === entry[1]) {
            field.checked = entry[2];
          }
        } else if (!field.value) {
          field.value = entry[1];
        }
      });
    });
  }

  function start() {
    window.clearTimeout(warnTimer);
    window.clearTimeout(endTimer);
    panel.hidden = true;
    warnTimer = window.setTimeout(function () {
      panel.hidden = false;
      button.focus();
    }, idleMs - warnMs);
    // Just before the server would end the session: keep what was typed, for after the
    // next sign-in, which comes back to this page.
    endTimer = window.setTimeout(keepTyped, Math.max(0, idleMs - 1000));
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    button.disabled = true;
    window
      .fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        headers: { "X-Requested-With": "fetch" },
      })
      .then(function (response) {
        button.disabled = false;
        if (response.status === 204) {
          start();
        } else {
          // Signed out already (or the token went stale): let the browser show why.
          keepTyped();
          form.submit();
        }
      })
      .catch(function () {
        button.disabled = false;
      });
  });

  restoreTyped();
  start();
})();
