/* Small page behaviours, read from data- attributes (no inline handlers: the CSP forbids them).
 *
 *   <select data-autosubmit>                 submits its form when changed (filters)
 *   <input data-select-on-click>             selects its text when clicked (a feed address to copy)
 *   <button data-toggle-target="#side" data-toggle-class="show">   toggles a class on another element
 *   <input type=checkbox data-toggle-closest="[data-topic]" data-toggle-class="removed">
 *                                            sets the class on an ancestor while checked
 *   <input type=checkbox data-mirror="#id">  writes 1/0 into a hidden field as it is checked
 *   <button data-tree-toggle>                shows or hides the <ul> of its <li> (unit tree)
 *   <button data-tree-expand hx-get=...>     after its children loaded once, becomes a data-tree-toggle
 */
(function () {
  "use strict";

  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches("[data-autosubmit]") && el.form) {
      el.form.submit();
    }
    if (el.matches("[data-toggle-closest]")) {
      var holder = el.closest(el.getAttribute("data-toggle-closest"));
      if (holder) holder.classList.toggle(el.getAttribute("data-toggle-class"), el.checked);
    }
    if (el.matches("[data-mirror]")) {
      var target = document.querySelector(el.getAttribute("data-mirror"));
      if (target) target.value = el.checked ? "1" : "0";
    }
  });

  document.addEventListener("click", function (event) {
    var el = event.target.closest ? event.target.closest("[data-select-on-click], [data-toggle-target], [data-tree-toggle]") : null;
    if (!el) return;
    if (el.matches("[data-select-on-click]")) {
      el.select();
    } else if (el.matches("[data-toggle-target]")) {
      var target = document.querySelector(el.getAttribute("data-toggle-target"));
      if (target) target.classList.toggle(el.getAttribute("data-toggle-class"));
    } else if (el.matches("[data-tree-toggle]")) {
      var list = el.closest("li").querySelector("ul");
      if (list) list.classList.toggle("d-none");
    }
  });

  // A tree node loads its children once; later clicks only fold and unfold them.
  document.addEventListener("htmx:afterRequest", function (event) {
    var el = event.detail.elt;
    if (!el || !el.matches || !el.matches("[data-tree-expand]") || !event.detail.successful) return;
    el.removeAttribute("data-tree-expand");
    el.removeAttribute("hx-get");
    el.setAttribute("data-tree-toggle", "");
    el.setAttribute("aria-label", "收起");
    el.innerHTML = '<i class="bi bi-caret-down-fill"></i>';
    if (window.htmx) window.htmx.process(el);  // drops the request trigger now that hx-get is gone
  });
})();
