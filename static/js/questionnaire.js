// Saves a questionnaire section in the background as the therapist answers, so closing the
// browser loses nothing. Without JavaScript the page's buttons save in the ordinary way.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form[data-autosave]");
  if (!form) {
    return;
  }
  const status = form.querySelector(".autosave-status");
  const revision = form.querySelector("input[name=revision]");
  let timer = null;
  let inFlight = null;

  const showProgress = ({ answered, percent }) => {
    document.querySelector("[data-progress=answered]").textContent = answered;
    document.querySelector("[data-progress=percent]").textContent = percent;
    document.querySelector(".questionnaire-progress progress").value = answered;
  };

  const showSaved = (saved) => {
    revision.value = saved.revision;
    showProgress(saved);
    const time = new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    status.textContent = `Draft saved at ${time}.`;
  };

  const save = () => {
    const data = new FormData(form);
    data.set("action", "autosave");
    inFlight = fetch(form.getAttribute("action") || window.location.href, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" },
    })
      .then(async (response) => {
        if (response.ok) {
          showSaved(await response.json());
        } else {
          status.textContent = await response.text();
        }
      })
      .catch(() => {
        status.textContent = "Not saved: check your connection. Your answers are still on this page.";
      })
      .finally(() => {
        inFlight = null;
      });
  };

  const schedule = (delay) => {
    window.clearTimeout(timer);
    timer = window.setTimeout(save, delay);
  };

  form.addEventListener("change", () => schedule(300));
  form.addEventListener("input", (event) => {
    if (event.target.tagName === "TEXTAREA") {
      schedule(1000);
    }
  });

  // The page's own buttons save everything on the page, so a background save that has not
  // started is dropped; one that is under way is waited for, because it brings the revision
  // the page must send (else the page would look out of date to the server).
  form.addEventListener("submit", (event) => {
    window.clearTimeout(timer);
    if (inFlight) {
      event.preventDefault();
      const button = event.submitter;
      inFlight.then(() => form.requestSubmit(button));
    }
  });
});
