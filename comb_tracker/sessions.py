"""Session lifetime: a signed-in session ends after `SESSION_IDLE_SECONDS` without a request and
in any case `SESSION_COOKIE_AGE` after signing in, and an expiry never loses typed answers.

Signing in stamps the session with `signed_in_at` and `last_seen` (epoch seconds). Each request
of a signed-in user is checked against both limits; `last_seen` is rewritten only when it is more
than a minute old, so most requests do not write the session. A form posted after the end is
kept in the new anonymous session (`pending_post`, bound to the person who typed it, and only
after its CSRF token passed); Django's `login()` keeps an anonymous session's data, so after
signing in again `session_resume` posts it back to the page it came from. Background saves (the
questionnaire's script, htmx) get an `HX-Redirect` to the sign-in page instead of a redirect
that a script would follow silently. The page's warning before the end is static/js/session.js.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

SIGNED_IN_AT = "signed_in_at"
LAST_SEEN = "last_seen"
PENDING_POST = "pending_post"
# A signed-in request rewrites `last_seen` only when it is older than this.
LAST_SEEN_RESOLUTION = 60
# Sign-in, password and two-factor forms are never kept: they hold secrets.
NEVER_KEPT_PREFIX = "/accounts/"


def now() -> float:
    """The clock the limits are measured by (tests replace it)."""
    return time.time()


@receiver(user_logged_in, dispatch_uid="comb_tracker.sessions.stamp")
def stamp_signed_in(sender: Any, request: HttpRequest | None, **kwargs: Any) -> None:
    """Start both clocks when someone signs in."""
    if request is not None and hasattr(request, "session"):
        request.session[SIGNED_IN_AT] = request.session[LAST_SEEN] = now()


class Lifetime(NamedTuple):
    """What the page's warning needs (base.html reads it from `request.session_lifetime`)."""

    idle_seconds: int  # the idle limit
    idle_left: int  # seconds until it, as of this request
    max_seconds: int  # the maximum age
    max_left: int  # seconds until it


def _lifetime(request: HttpRequest, moment: float) -> Lifetime:
    session = request.session
    idle_left = settings.SESSION_IDLE_SECONDS - (moment - session[LAST_SEEN])
    max_left = settings.SESSION_COOKIE_AGE - (moment - session[SIGNED_IN_AT])
    return Lifetime(
        idle_seconds=settings.SESSION_IDLE_SECONDS,
        idle_left=max(0, int(idle_left)),
        max_seconds=settings.SESSION_COOKIE_AGE,
        max_left=max(0, int(max_left)),
    )


def _ended_because(request: HttpRequest) -> str | None:
    """Why this signed-in session has ended, or None while it lasts."""
    moment = now()
    session = request.session
    if moment - session.get(SIGNED_IN_AT, moment) > settings.SESSION_COOKIE_AGE:
        hours = settings.SESSION_COOKIE_AGE / 3600
        return (
            "You were signed out at the end of the maximum session length "
            f"({hours:g} hour{'s' if hours != 1 else ''})."
        )
    if moment - session.get(LAST_SEEN, moment) > settings.SESSION_IDLE_SECONDS:
        minutes = settings.SESSION_IDLE_SECONDS / 60
        return (
            f"You were signed out after {minutes:g} minute{'s' if minutes != 1 else ''} "
            "without activity."
        )
    return None


def _is_background(request: HttpRequest) -> bool:
    """A script's request (htmx, or fetch naming itself), which cannot show a sign-in page."""
    return "HX-Request" in request.headers or "X-Requested-With" in request.headers


def _same_site_path(url: str, request: HttpRequest) -> str | None:
    """The path (and query) of a URL of this site, or None for anything else."""
    if not url or not url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return None
    parts = urlsplit(url)
    if not parts.path.startswith("/") or parts.path.startswith("//"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _page_path(request: HttpRequest) -> str:
    """The page a person is looking at: for a background request the page that sent it (whose
    own form posts the same fields), else the request's own path."""
    if _is_background(request):
        for header in ("HX-Current-URL", "Referer"):
            path = _same_site_path(request.headers.get(header, ""), request)
            if path:
                return path
    return request.get_full_path()


def _unguarded(request: HttpRequest) -> HttpResponse:
    """Stands in for the view the CSRF check guards: the check reads its attributes (whether it
    is exempt) and never calls it."""
    return HttpResponse(status=204)


def _csrf_passed(request: HttpRequest) -> bool:
    """Whether the post carries a valid CSRF token: a forged post is never kept for replay."""
    return CsrfViewMiddleware(_unguarded).process_view(request, _unguarded, (), {}) is None


def _keepable(request: HttpRequest, path: str) -> dict[str, list[str]] | None:
    """The posted fields worth keeping for after signing in again, or None."""
    if request.method != "POST" or path.startswith(NEVER_KEPT_PREFIX) or request.FILES:
        return None
    if not _csrf_passed(request):
        return None
    data = {key: values for key, values in request.POST.lists() if key != "csrfmiddlewaretoken"}
    return data or None


def _sign_out(request: HttpRequest, reason: str) -> HttpResponse:
    """End the session, keep what was posted, and send the person to sign in again."""
    path = _page_path(request)
    data = _keepable(request, path)
    user_pk = request.user.pk
    logout(request)
    if data is not None:
        request.session[PENDING_POST] = {"user": user_pk, "path": path, "data": data}
        reason += " Sign in again to save the answers you had typed: they were kept."
        path = reverse("session_resume")
    messages.warning(request, reason)
    if not _is_background(request):
        return redirect_to_login(path)
    login_url = redirect_to_login(path)["Location"]
    response = JsonResponse(
        {"saved": False, "signed_out": True, "error": reason, "redirect": login_url}
    )
    response["HX-Redirect"] = login_url
    return response


def session_expiry(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """Sign out a session that has been idle or signed in too long; note activity otherwise."""

    def middleware(request: HttpRequest) -> HttpResponse:
        if not request.user.is_authenticated:
            return get_response(request)
        reason = _ended_because(request)
        if reason:
            return _sign_out(request, reason)
        session, moment = request.session, now()
        if SIGNED_IN_AT not in session:  # a session from before these stamps: start them now
            session[SIGNED_IN_AT] = moment
        if moment - session.get(LAST_SEEN, 0) > LAST_SEEN_RESOLUTION:
            session[LAST_SEEN] = moment
        request.session_lifetime = _lifetime(request, moment)  # type: ignore[attr-defined]
        return get_response(request)

    return middleware


@require_POST
@login_required
def session_keepalive(request: HttpRequest) -> HttpResponse:
    """The warning's "Stay signed in": the idle clock starts again (the maximum age does not)."""
    request.session[LAST_SEEN] = now()
    return HttpResponse(status=204)


@require_GET
@login_required
def session_resume(request: HttpRequest) -> HttpResponse:
    """After signing in again: a form that posts the kept answers back to their page."""
    pending = request.session.pop(PENDING_POST, None)
    if not isinstance(pending, dict) or pending.get("user") != request.user.pk:
        return redirect("home")
    path = _same_site_path(str(pending.get("path", "")), request)
    data = pending.get("data")
    if path is None or not isinstance(data, dict):
        return redirect("home")
    fields = [(name, value) for name, values in data.items() for value in values]
    return render(request, "sessions/resume.html", {"action": path, "fields": fields})
