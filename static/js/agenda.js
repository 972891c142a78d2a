// The supervision agenda (templates/supervision/agenda.html), progressive enhancement only:
// a box that filters the framework statements offered, and focus moved to the message an htmx
// swap brings (the button pressed was replaced with the content).

function setUpStatementFilter(root) {
  root.querySelectorAll("[data-agenda-filter-for]").forEach((box) => {
    const select = document.getElementById(box.dataset.agendaFilterFor);
    const input = box.querySelector("input[type='search']");
    const count = box.querySelector("[aria-live]");
    if (!select || !input || box.dataset.agendaReady) {
      return;
    }
    box.dataset.agendaReady = "true";
    box.hidden = false;
    input.addEventListener("input", () => {
      const words = input.value.toLocaleLowerCase().split(/\s+/).filter(Boolean);
      let shown = 0;
      for (const option of select.options) {
        const text = option.textContent.toLocaleLowerCase();
        // A chosen statement stays in view, so it can be seen and unchosen.
        const match = option.selected || words.every((word) => text.includes(word));
        option.hidden = !match;
        shown += match ? 1 : 0;
      }
      count.textContent = words.length
        ? `${shown} of ${select.options.length} statements shown.`
        : "";
    });
  });
}

document.addEventListener("DOMContentLoaded", () => setUpStatementFilter(document));

// Only what the latest swap brought is focused: older messages lose their mark first.
document.addEventListener("htmx:beforeSwap", () => {
  document.querySelectorAll("[data-agenda-focus]").forEach((element) => {
    delete element.dataset.agendaFocus;
  });
});

document.addEventListener("htmx:afterSwap", () => {
  setUpStatementFilter(document);
  const message = document.querySelector("[data-agenda-focus], #agenda-open [aria-invalid='true']");
  if (message) {
    message.focus();
  }
});
