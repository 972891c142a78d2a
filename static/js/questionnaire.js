// Saves a questionnaire section in the background as the therapist answers, so closing the
// browser loses nothing. Without JavaScript the page's buttons save in the ordinary way.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form[data-autosave]");
  if (!form) {
    return;
  }
  const status = form.querySelector(".autosave-status");

  const showProgress = ({ answered, percent }) => {
    document.querySelector("[data-progress=answered]").textContent = answered;
    document.querySelector("[data-progress=percent]").textContent = percent;
    document.querySelector(".questionnaire-progress progress").value = answered;
  };
  let timer = null;

  const save = () => {
    const data = new FormData(form);
    data.set("action", "autosave");
    fetch(form.getAttribute("action") || window.location.href, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" },
    })
      .then(async (response) => {
        if (response.ok) {
          const saved = await response.json();
          form.querySelector("input[name=revision]").value = saved.revision;
          showProgress(saved);
          const time = new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
          status.textContent = `Draft saved at ${time}.`;
          form.dataset.saved = "true";
        } else {
          status.textContent = await response.text();
        }
      })
      .catch(() => {
        status.textContent = "Not saved: check your connection. Your answers are still on this page.";
      });
  };

  const schedule = (delay) => {
    form.dataset.saved = "false";
    window.clearTimeout(timer);
    timer = window.setTimeout(save, delay);
  };

  form.addEventListener("change", () => schedule(300));
  form.addEventListener("input", (event) => {
    if (event.target.tagName === "TEXTAREA") {
      schedule(1000);
    }
  });
  // Let a pending background save finish before the page's own submit.
  form.addEventListener("submit", () => window.clearTimeout(timer));
});
