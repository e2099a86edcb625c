/* A final step asks once: the submit button (or else the form) carries data-confirm, which says
   what will happen and what can't be undone. A form with two final buttons asks each its own. */
document.addEventListener("submit", function (e) {
  var form = e.target, button = e.submitter;
  var message = (button && button.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
  if (message && !window.confirm(message)) { e.preventDefault(); e.stopImmediatePropagation(); }
}, true);
