// Small enhancements; every page works without them. Loaded in <head>, before the page is drawn.
(function () {
  "use strict";
  // Tells the stylesheet that the USWDS mobile menu button will work; without this class the
  // menu is shown open on small screens so the page stays usable without JavaScript.
  document.documentElement.classList.add("portal-js");

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

  document.addEventListener("DOMContentLoaded", function () {
    // Staff lists' filters (components/filters.html) start closed so a phone shows the list
    // first; a wider screen has room for them, so they open there.
    if (window.matchMedia("(min-width: 40em)").matches) {
      document.querySelectorAll("details.portal-filters").forEach(function (details) {
        details.open = true;
      });
    }

    // Move focus to the error summary so screen reader and keyboard users hear what went wrong.
    var summary = document.getElementById("error-summary");
    if (summary) {
      summary.focus();
    }

    // The inspection request form: the free-change cut-off of each date as it is typed.
    var cutoffList = document.getElementById("chosen-cutoffs");
    if (cutoffList) {
      var cutoffs = JSON.parse(cutoffList.getAttribute("data-cutoffs"));
      var template = cutoffList.getAttribute("data-template");
      var fields = ["preferred_date_1", "preferred_date_2", "preferred_date_3"]
        .map(function (id) { return document.getElementById(id); })
        .filter(Boolean);
      var showCutoffs = function () {
        cutoffList.textContent = "";
        fields.forEach(function (input) {
          var known = cutoffs[input.value.trim()];
          if (known) {
            var item = document.createElement("li");
            item.textContent = template.replace("{day}", known[0]).replace("{cutoff}", known[1]);
            cutoffList.appendChild(item);
          }
        });
      };
      fields.forEach(function (input) { input.addEventListener("input", showCutoffs); });
      showCutoffs();
    }
  });
})();
