// Behaviour for COM-B Tracker pages. Kept in a file (no inline scripts) so a strict CSP works.
// Moves focus to the main region after using the skip link, for screen-reader users.
document.addEventListener("DOMContentLoaded", () => {
  const skip = document.querySelector(".skip-link");
  const main = document.getElementById("main");
  if (skip && main) {
    skip.addEventListener("click", () => main.focus());
  }
});
