/* Confirmations without inline script (the Content-Security-Policy forbids it).
 *
 * Convention: a <form data-confirm="消息"> asks confirm(消息) before it is submitted; a <button> or <a> with
 * data-confirm asks before its click does anything. Refused means nothing happens. A button's own question
 * replaces its form's, so one click never asks twice.
 * The message is read as text from the attribute, so a name inside it can never become script.
 * Listeners sit on the document in the capture phase: they run before htmx and Bootstrap handlers and also
 * cover content that htmx swaps in later.
 */
(function () {
  "use strict";
  var asked = null;

  function refused(el) {
    return !window.confirm(el.getAttribute("data-confirm"));
  }

  document.addEventListener("click", function (event) {
    var el = event.target.closest ? event.target.closest("[data-confirm]") : null;
    if (!el || el.tagName === "FORM") return;  // a form asks on submit, below
    if (refused(el)) {
      event.preventDefault();
      event.stopImmediatePropagation();
      return;
    }
    asked = el.form || null;
  }, true);

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (asked === form) { asked = null; return; }
    asked = null;
    if (form.hasAttribute && form.hasAttribute("data-confirm") && refused(form)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
})();
