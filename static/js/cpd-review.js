// The review of a CPD plan (templates/cpd/includes/comments.html), progressive enhancement
// only: after htmx swaps a thread of comments in (the button pressed was replaced with it),
// focus moves to what the swap brought: the message, or the refused text box.

document.addEventListener("htmx:afterSwap", (event) => {
  const thread = event.detail.target;
  if (!thread || !thread.id || !thread.id.startsWith("comments-")) {
    return;
  }
  const swapped = document.getElementById(thread.id);
  const focus = swapped && swapped.querySelector("[data-cpd-focus], [aria-invalid='true']");
  if (focus) {
    focus.focus();
  }
});
