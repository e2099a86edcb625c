/* A final step asks once: a form with data-confirm says what will happen and what can't be undone. */
document.addEventListener("submit", function (e) {
  var form = e.target, message = form.getAttribute("data-confirm");
  if (message && !window.confirm(message)) { e.preventDefault(); e.stopImmediatePropagation(); }
}, true);
