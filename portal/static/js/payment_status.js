// While a payment is processing, look again every few seconds and show the result when it
// arrives. Without JavaScript the page has a "Check again" link that does the same.
(function () {
  "use strict";
  var state = document.getElementById("payment-state");
  if (!state || state.getAttribute("data-payment-state") !== "processing") {
    return;
  }
  var tries = 0;
  function poll() {
    tries += 1;
    if (tries > 40) {
      return;
    }
    fetch(window.location.href, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        if (html.indexOf('data-payment-state="processing"') === -1) {
          window.location.reload();
        } else {
          window.setTimeout(poll, 3000);
        }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 2000);
})();
