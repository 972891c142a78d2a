// Saves a questionnaire section in the background as the therapist answers, so closing the
// browser loses nothing. Without JavaScript the page's buttons save in the ordinary way.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form[data-autosave]");
  if (!form) {
    return;
  }
  // The status line sits at the top of the page and stays in view (questionnaire.css).
  const status = document.querySelector(".autosave-status");
  const revision = form.querySelector("input[name=revision]");
  let timer = null;
  let inFlight = null; // the background save under way, if any
  let again = false; // something changed while it was under way: save once more after it
  let waitingToSubmit = false;

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

  // The server answers JSON: {saved, revision, answered, total, percent} or {saved: false,
  // error}. Anything else (a proxy's error page, say) gets a general line.
  // A session that has ended (comb_tracker/sessions.py) answers with the sign-in page's
  // address in `HX-Redirect`, having kept what was sent: sign in there, and it is saved.
  // A refused field (a comment holding an NHS number, say) gets its message beside it, as the
  // page without script shows it; the next save clears what it no longer reports.
  const showFieldProblems = (fields) => {
    form.querySelectorAll("[data-autosave-problem]").forEach((note) => {
      const field = document.getElementById(note.dataset.autosaveProblem);
      if (field) {
        field.removeAttribute("aria-invalid");
        field.removeAttribute("aria-describedby");
      }
      note.remove();
    });
    Object.entries(fields).forEach(([id, message]) => {
      const field = document.getElementById(id);
      if (!field) {
        return;
      }
      const note = document.createElement("p");
      note.className = "text-danger small mt-1";
      note.id = `${id}-problem`;
      note.dataset.autosaveProblem = id;
      note.textContent = message;
      field.after(note);
      field.setAttribute("aria-invalid", "true");
      field.setAttribute("aria-describedby", note.id);
    });
  };

  const showAnswer = async (response) => {
    const type = response.headers.get("Content-Type") || "";
    const answer = type.includes("application/json") ? await response.json() : {};
    const signIn = response.headers.get("HX-Redirect");
    if (signIn) {
      status.textContent = answer.error || "You were signed out: your answers were kept.";
      window.location.assign(signIn);
      return;
    }
    showFieldProblems(answer.fields || {});
    if (response.ok && answer.saved) {
      showSaved(answer);
      document.dispatchEvent(new CustomEvent("session:activity"));
      return;
    }
    status.textContent =
      answer.error ||
      `Not saved (the server answered ${response.status}). Your answers are still on this ` +
        "page: press a Save button to try again.";
  };

  // Signing in again (in another tab, after being signed out) renews the CSRF cookie: send
  // its value, so that this page can still save what is on it.
  const renewCsrfToken = () => {
    const cookie = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (cookie) {
      form.elements.csrfmiddlewaretoken.value = decodeURIComponent(cookie[1]);
    }
  };

  const save = () => {
    if (inFlight) {
      again = true;
      return;
    }
    renewCsrfToken();
    inFlight = fetch(form.dataset.autosave, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch", Accept: "application/json" },
    })
      .then(showAnswer)
      .catch(() => {
        status.textContent = "Not saved: check your connection. Your answers are still on this page.";
      })
      .finally(() => {
        inFlight = null;
        if (again) {
          again = false;
          save();
        }
      });
  };

  const schedule = (delay) => {
    window.clearTimeout(timer);
    timer = window.setTimeout(save, delay);
  };

  // Ticking "clear" empties the statement on the page too, so the page shows what will be
  // saved; unticking it puts back what was there, and answering again unticks it.
  const before = new Map();
  const clearBox = (fieldset) => fieldset.querySelector("input[type=checkbox][name^=clear_]");

  const clearStatement = (box) => {
    const fieldset = box.closest("fieldset");
    const radios = [...fieldset.querySelectorAll("input[type=radio]")];
    const comment = fieldset.querySelector("textarea");
    if (box.checked) {
      before.set(box, { radio: radios.find((radio) => radio.checked), comment: comment.value });
      radios.forEach((radio) => {
        radio.checked = false;
      });
      comment.value = "";
    } else if (before.has(box)) {
      const { radio, comment: text } = before.get(box);
      if (radio) {
        radio.checked = true;
      }
      comment.value = text;
      before.delete(box);
    }
  };

  // A rating chosen after "clear" brings the comment back with it; typing keeps what is typed.
  const answeringAgain = (fieldset, byRating) => {
    const box = clearBox(fieldset);
    if (!box || !box.checked) {
      return;
    }
    box.checked = false;
    const comment = fieldset.querySelector("textarea");
    if (byRating && before.has(box) && !comment.value) {
      comment.value = before.get(box).comment;
    }
    before.delete(box);
  };

  form.addEventListener("change", (event) => {
    const field = event.target;
    if (field.type === "checkbox" && field.name.startsWith("clear_")) {
      clearStatement(field);
    } else if (field.type === "radio") {
      answeringAgain(field.closest("fieldset"), true);
    }
    schedule(300);
  });
  form.addEventListener("input", (event) => {
    if (event.target.tagName === "TEXTAREA") {
      answeringAgain(event.target.closest("fieldset"), false);
      schedule(1000);
    }
  });

  // The page's own buttons save everything on the page, so a background save that has not
  // started is dropped; one that is under way is waited for, because it brings the revision
  // the page must send (else the page would look out of date to the server).
  form.addEventListener("submit", (event) => {
    window.clearTimeout(timer);
    again = false;
    renewCsrfToken();
    if (waitingToSubmit) {
      event.preventDefault();
      return;
    }
    if (inFlight) {
      event.preventDefault();
      waitingToSubmit = true;
      const button = event.submitter;
      inFlight.then(() => {
        waitingToSubmit = false;
        form.requestSubmit(button);
      });
    }
  });
});
