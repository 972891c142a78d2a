// Progressive enhancement for a long list of framework statements to pick from (a
// <select multiple data-statement-filter>): a search box above it hides the statements that do
// not contain the words typed. Without JavaScript the list alone works.

function addStatementFilters(root) {
  root.querySelectorAll("select[data-statement-filter]").forEach((select) => {
    if (select.dataset.statementFilterReady) {
      return;
    }
    select.dataset.statementFilterReady = "true";
    const id = `${select.id}-filter`;
    const box = document.createElement("div");
    box.className = "mb-2 statement-filter";
    const label = document.createElement("label");
    label.className = "form-label";
    label.htmlFor = id;
    label.textContent = "Find framework statements by their words";
    const input = document.createElement("input");
    input.type = "search";
    input.className = "form-control";
    input.id = id;
    input.autocomplete = "off";
    input.setAttribute("aria-describedby", `${id}-count`);
    const count = document.createElement("p");
    count.className = "form-text mb-0";
    count.id = `${id}-count`;
    count.setAttribute("aria-live", "polite");
    box.append(label, input, count);
    const selectLabel = document.querySelector(`label[for="${select.id}"]`);
    (selectLabel || select).before(box);
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

document.addEventListener("DOMContentLoaded", () => addStatementFilters(document));
document.addEventListener("htmx:afterSwap", () => addStatementFilters(document));
