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

  // The USWDS file input writes its words in English when it draws itself and again when
  // files are chosen: each time, put the page's own words (components/file_input.html) in.
  var translateFileInput = function (group) {
    var texts = JSON.parse(group.getAttribute("data-portal-file-texts"));
    var patterns = Object.keys(texts).filter(function (key) { return key.indexOf("{") >= 0; });
    var translate = function (text) {
      var trimmed = text.trim();
      if (Object.prototype.hasOwnProperty.call(texts, trimmed)) {
        return text.replace(trimmed, texts[trimmed]);
      }
      for (var i = 0; i < patterns.length; i += 1) {
        var names = [];
        var source = "^" + patterns[i].replace(/[.*+?^$()|[\]\\]/g, "\\$&")
          .replace(/\{(\w+)\}/g, function (_all, name) { names.push(name); return "(.+?)"; }) + "$";
        var match = new RegExp(source).exec(trimmed);
        if (match) {
          var result = texts[patterns[i]];
          names.forEach(function (name, index) { result = result.replace("{" + name + "}", match[index + 1]); });
          return result;
        }
      }
      return text;
    };
    var apply = function () {
      var walker = document.createTreeWalker(group, NodeFilter.SHOW_TEXT);
      for (var node = walker.nextNode(); node; node = walker.nextNode()) {
        var translated = translate(node.nodeValue);
        if (translated !== node.nodeValue) { node.nodeValue = translated; }
      }
      group.querySelectorAll("input[aria-label]").forEach(function (input) {
        var label = input.getAttribute("aria-label");
        var parts = label.split(" ");
        var translatedLabel = translate(label);
        if (translatedLabel === label && parts.length > 3) {
          // "Drag files here or choose from folder": the two halves, each in the catalog.
          translatedLabel = translate(parts.slice(0, 4).join(" ")) + " " + translate(parts.slice(4).join(" "));
        }
        if (translatedLabel !== label) { input.setAttribute("aria-label", translatedLabel); }
      });
    };
    new MutationObserver(apply).observe(group, {
      childList: true, subtree: true, characterData: true, attributes: true, attributeFilter: ["aria-label"]
    });
    apply();
  };

  // A follow-up question (GOV.UK conditional reveal): shown only while the answer it follows
  // is chosen, or while it holds an error to fix. Without JavaScript every one is shown.
  var conditionalReveal = function (block) {
    var radios = document.querySelectorAll(
      "input[type=radio][name='" + block.getAttribute("data-portal-reveal") + "']"
    );
    var values = block.getAttribute("data-portal-reveal-values").split(" ");
    var update = function () {
      var chosen = Array.prototype.some.call(radios, function (radio) {
        return radio.checked && values.indexOf(radio.value) >= 0;
      });
      block.hidden = !chosen && !block.querySelector(".usa-form-group--error");
    };
    radios.forEach(function (radio) {
      if (values.indexOf(radio.value) >= 0) {
        radio.setAttribute("aria-controls", block.id);
      }
      radio.addEventListener("change", update);
    });
    update();
  };

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-portal-file-texts]").forEach(translateFileInput);
    document.querySelectorAll("[data-portal-reveal]").forEach(conditionalReveal);

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
