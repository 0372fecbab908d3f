/* Simulated Systempay platform: test-card click, automatic return, auto-posted forms. */
(function () {
  "use strict";
  function ready() {
    document.querySelectorAll("button.test-card[data-card]").forEach(function (el) {
      el.addEventListener("click", function (event) {
        event.preventDefault();
        var input = document.getElementById("card-number");
        if (input) { input.value = el.getAttribute("data-card"); input.focus(); }
      });
    });
    var auto = document.getElementById("auto-redirect");
    var returnForm = document.getElementById("return-form");
    if (auto && returnForm && auto.getAttribute("data-method") === "POST") {
      var seconds = parseInt(auto.getAttribute("data-timeout"), 10) || 0;
      window.setTimeout(function () { returnForm.submit(); }, seconds * 1000);
    }
    var autosubmit = document.querySelector("form[data-autosubmit]");
    if (autosubmit) { autosubmit.submit(); }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", ready); } else { ready(); }
})();
