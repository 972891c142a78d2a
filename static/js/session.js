// Warns two minutes before a signed-in session ends (comb_tracker/sessions.py), with a "Stay
// signed in" button that starts the idle clock again; and, after signing in again, sends the
// answers that were kept when the session ended back to the page they came from.
document.addEventListener("DOMContentLoaded", () => {
  const kept = document.querySelector("form[data-resubmit]");
  if (kept) {
    kept.requestSubmit();
  }

  const WARN_BEFORE = 120 * 1000;
  // The server notes activity to the minute, so after an ordinary request the idle clock may
  // have started up to a minute earlier than the page thinks.
  const RESOLUTION = 60 * 1000;
  const warning = document.getElementById("session-warning");
  const ending = document.getElementById("session-ending");
  if (!warning) {
    return;
  }
  const idle = Number(warning.dataset.sessionIdleSeconds) * 1000;
  let idleEndsAt = Date.now() + Number(warning.dataset.sessionIdleLeft) * 1000;
  let timer = null;
  let focusBefore = null;
  const form = warning.querySelector("form");
  const button = form.querySelector("button");

  const show = () => {
    if (!warning.hidden) {
      return;
    }
    focusBefore = document.activeElement;
    warning.hidden = false;
    button.focus();
  };

  const hide = () => {
    if (warning.hidden) {
      return;
    }
    warning.hidden = true;
    say(said);
    if (focusBefore && document.contains(focusBefore)) {
      focusBefore.focus();
    }
  };

  const schedule = () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(show, Math.max(0, idleEndsAt - WARN_BEFORE - Date.now()));
  };

  // Something reached the server: `exact` when it certainly restarted the idle clock.
  const active = (exact) => {
    idleEndsAt = Date.now() + idle - (exact ? 0 : RESOLUTION);
    hide();
    schedule();
  };

  // Signing in again in another tab renews the CSRF cookie: send its value.
  const renewCsrfToken = () => {
    const cookie = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (cookie) {
      form.elements.csrfmiddlewaretoken.value = decodeURIComponent(cookie[1]);
    }
  };

  const text = document.getElementById("session-warning-text");
  const said = text.textContent;
  const say = (words) => {
    text.textContent = words;
  };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    renewCsrfToken();
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" },
    })
      .then((response) => {
        const signIn = response.headers.get("HX-Redirect");
        if (signIn) {
          window.location.assign(signIn);
        } else if (response.status === 204) {
          active(true);
        } else {
          say(`Not done (the server answered ${response.status}): press Stay signed in again.`);
        }
      })
      .catch(() => {
        say("Could not reach the server: check your connection and press Stay signed in again.");
      });
  });

  // A background save (the questionnaire's script, htmx) is activity too.
  document.addEventListener("session:activity", () => active(false));
  document.body.addEventListener("htmx:afterRequest", (event) => {
    if (event.detail.successful) {
      active(false);
    }
  });

  schedule();
  if (ending) {
    const maxLeft = Number(ending.dataset.sessionMaxLeft) * 1000;
    window.setTimeout(() => {
      ending.hidden = false;
    }, Math.max(0, maxLeft - WARN_BEFORE));
  }
});
