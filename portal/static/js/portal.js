// Small enhancements; every page works without them.
(function () {
  "use strict";
  // Move focus to the error summary so screen reader and keyboard users hear what went wrong.
  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
  }
  // A second click on a submit button would send the form twice: disable it once submitted.
  document.addEventListener("submit", function (event) {
    var buttons = event.target.querySelectorAll("[data-prevent-double-submit]");
    window.setTimeout(function () {
      buttons.forEach(function (button) {
        button.disabled = true;
        button.setAttribute("aria-disabled", "true");
      });
    }, 0);
  });
})();
