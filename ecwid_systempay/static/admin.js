// Every page of the module shown in the store admin's iframe loads this right after the
// app JS SDK: EcwidApp.init() tells the admin the app page is there (until then it keeps
// its loader, and without it never shows the page) and, with autoheight, keeps the
// iframe as tall as the page. The app id is the brand's client id, on this script's tag.
(function (window, document) {
  "use strict";
  var script = document.currentScript || document.getElementById("admin-init");
  var appId = script ? script.getAttribute("data-app-id") : "";
  if (window.EcwidApp && appId) {
    window.EcwidApp.init({ app_id: appId, autoloadedflag: true, autoheight: true });
  }

  // Copy buttons: <button data-copy="#id-of-an-input">; the input stays selectable by hand.
  function copy(button) {
    var input = document.querySelector(button.getAttribute("data-copy"));
    if (!input) {
      return;
    }
    var done = function () {
      button.setAttribute("data-copied", "true");
      var status = document.getElementById(button.getAttribute("aria-controls") || "");
      if (status) {
        status.hidden = false;
      }
    };
    input.focus();
    input.select();
    if (window.navigator.clipboard && window.isSecureContext) {
      window.navigator.clipboard.writeText(input.value).then(done, function () {
        if (document.execCommand("copy")) {
          done();
        }
      });
    } else if (document.execCommand("copy")) {
      done();
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-copy]") : null;
    if (button) {
      event.preventDefault();
      copy(button);
    }
  });
})(window, document);
