// Pages that only carry a form to post on (the signed form to the payment page): post it
// at once. A static file, so the Content-Security-Policy needs no inline script.
(function () {
  "use strict";
  var forms = document.querySelectorAll("form[data-autosubmit]");
  for (var i = 0; i < forms.length; i++) {
    forms[i].submit();
  }
})();
