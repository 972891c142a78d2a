// htmx swaps only 2xx answers by default. A 409 Conflict from the supervision review panel is an
// ordinary answer to show in place (the entry changed since the page was built: the panel says
// so and shows it as it now is), so let htmx swap it like a 200. Other errors stay unswapped.
document.addEventListener("htmx:beforeSwap", (event) => {
  if (event.detail.xhr.status === 409) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
