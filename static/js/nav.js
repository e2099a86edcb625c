/* The grouped nav links: one menu open at a time, closed by a click elsewhere or Esc. */
document.addEventListener("click", function (e) {
  document.querySelectorAll("details.menu[open]").forEach(function (menu) {
    if (!menu.contains(e.target)) menu.removeAttribute("open");
  });
});
document.addEventListener("keydown", function (e) {
  if (e.key === "Escape") document.querySelectorAll("details.menu[open]").forEach(function (m) { m.removeAttribute("open"); });
});
