// Default user auth: the admin opens the settings iframe with the payload in the URL
// fragment (hex-encoded JSON, what the JS SDK's getPayload() reads). The fragment never
// reaches the server: post it back, in this iframe, to the module, which proves the
// payload's token with the store's API before answering the form.
(function () {
  "use strict";
  var form = document.getElementById("payload-form");
  if (!form) {
    return;
  }
  var fragment = window.location.hash.replace(/^#/, "");
  if (fragment && window.history && window.history.replaceState) {
    // Keep the access token out of the iframe's history.
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
  }
  form.elements[0].value = fragment;
  form.submit();
})();
