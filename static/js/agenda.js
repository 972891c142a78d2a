// The supervision agenda (templates/supervision/agenda.html), progressive enhancement only:
// focus moved to the message an htmx swap brings (the button pressed was replaced with the
// content). The statements' search box is static/js/statement-filter.js.

// Only what the latest swap brought is focused: older messages lose their mark first.
document.addEventListener("htmx:beforeSwap", () => {
  document.querySelectorAll("[data-agenda-focus]").forEach((element) => {
    delete element.dataset.agendaFocus;
  });
});

document.addEventListener("htmx:afterSwap", () => {
  const message = document.querySelector("[data-agenda-focus], #agenda-open [aria-invalid='true']");
  if (message) {
    message.focus();
  }
});
