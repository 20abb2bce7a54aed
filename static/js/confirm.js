// The confirmation convention: a form or a submit button with data-confirm="消息" asks before it is sent.
// No inline handlers (the Content-Security-Policy forbids inline script); the message is read as text from
// the attribute, so a name inside it can never become script.
(function () {
  "use strict";
  var asked = null;
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button[data-confirm], input[type=submit][data-confirm]") : null;
    if (!button) { return; }
    if (!window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
      return;
    }
    asked = button.form;  // the form's own data-confirm is not asked a second time for this click
  }, true);
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (asked === form) { asked = null; return; }
    asked = null;
    var message = form.getAttribute && form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
})();
