/* The plan editor's "add a topic" button: copies the empty formset form and bumps TOTAL_FORMS. */
(function () {
  "use strict";
  var total = document.getElementById("id_t-TOTAL_FORMS");
  var add = document.getElementById("add-topic");
  if (!total || !add) return;
  add.addEventListener("click", function () {
    var n = parseInt(total.value, 10);
    var html = document.getElementById("empty-topic").innerHTML.replace(/__prefix__/g, n).replace(/__no__/g, n + 1);
    document.getElementById("topics").insertAdjacentHTML("beforeend", html);
    total.value = n + 1;
    var inputs = document.querySelectorAll("#topics [data-topic]");
    inputs[inputs.length - 1].querySelector("input[type=text]").focus();
  });
})();
