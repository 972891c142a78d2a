"""Who must sign in with a second factor, and the middleware that sends them to set one up.

django-allauth asks a code of anyone who has a TOTP authenticator, but has no setting that makes
one compulsory. `settings.MFA_REQUIRED_ROLES` names the roles that read other people's answers
(supervisors, service leads) or everything (administrators, "admin" meaning staff): a signed-in
person in one of them who has no authenticator yet can open nothing but allauth's own pages
(enrolment, sign-out, password) until they set one up.
"""

from __future__ import annotations

from collections.abc import Callable

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse

from .permissions import AnyUser, roles_of

ADMIN_ROLE = "admin"
ENROLMENT_MESSAGE = (
    "Supervisors, service leads and administrators must set up a second factor before they can "
    "open the rest of COM-B Tracker, because they can read other people's answers. Set up an "
    "authenticator app below: you will need a code from it each time you sign in."
)


def must_use_second_factor(user: AnyUser) -> bool:
    """True when any role the user holds is one of `settings.MFA_REQUIRED_ROLES`."""
    required = set(settings.MFA_REQUIRED_ROLES)
    if not required or not user.is_authenticated:
        return False
    if ADMIN_ROLE in required and user.is_staff:
        return True
    return bool(required & roles_of(user))


def has_second_factor(request: HttpRequest) -> bool:
    """Whether the signed-in user has a TOTP authenticator. A session that was signed in with a
    code proves it without a query."""
    records = get_authentication_records(request, request.user)
    if any(record.get("method") == "mfa" for record in records):
        return True
    return is_mfa_enabled(request.user, [Authenticator.Type.TOTP])


def is_always_open(request: HttpRequest) -> bool:
    """allauth's pages (enrolment, sign-out, password change and reset) and static files."""
    if request.path_info.startswith("/" + settings.STATIC_URL.lstrip("/")):
        return True
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    return match.func.__module__.startswith("allauth.")


def enrolment_response(request: HttpRequest) -> HttpResponse:
    url = reverse("mfa_activate_totp")
    if request.headers.get("HX-Request"):
        response = HttpResponse()
        response["HX-Redirect"] = url
        return response
    messages.warning(request, ENROLMENT_MESSAGE, fail_silently=True)
    return HttpResponseRedirect(url)


def require_second_factor(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """Send a signed-in person who must use a second factor, and has none, to set one up.
    Costs no query while `MFA_REQUIRED_ROLES` is empty; otherwise only the roles query that the
    navigation makes anyway (cached on the user)."""

    def middleware(request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            settings.MFA_REQUIRED_ROLES
            and user is not None
            and user.is_authenticated
            and not is_always_open(request)
            and must_use_second_factor(user)
            and not has_second_factor(request)
        ):
            return enrolment_response(request)
        return get_response(request)

    return middleware
