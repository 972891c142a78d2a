"""Every URL of the product, requested by every kind of person: who may open it, and how.

The tables below are the contract. Each product URL name has a row: the objects its ids point
at (the owner's, someone else's, the other service's), the HTTP methods it accepts, and for
each method what every identity gets: "ok" (2xx, or a redirect somewhere other than the
sign-in page), "denied" (404 by house style, outsiders cannot tell an object exists; 403 where
a page is for a role and says so), "login" (sent to sign in), or an exact status code where a
page answers otherwise on purpose. A method a row does not list must answer 405 (anonymous
visitors may be sent to sign in instead).

Two groups follow one rule each instead of a row per pattern: the Django admin (staff holding
the model's permission, nobody else) and allauth's own pages (open, or needing sign-in).

A URL pattern without a row fails `test_every_url_pattern_has_a_row`: a new URL states who may
open it before it can ship. The people and records are built once for the module
(`url_matrix_cast`); each request runs in a transaction rolled back afterwards, so a POST that
writes changes nothing another cell sees.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from operator import attrgetter
from urllib.parse import urlsplit

import pytest
from django.db import transaction
from django.http import HttpResponse
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.accounts.url_matrix_cast import (
    IDENTITIES,
    SIGNED_IN,
    SUPERVISORS,
    THERAPISTS,
    Cast,
    build_cast,
)

pytestmark = [pytest.mark.one_database, pytest.mark.django_db]

OK, DENIED, LOGIN = "ok", "denied", "login"
SHOWN, HIDDEN = "ok, private answers shown", "ok, private answers hidden"
Expected = str | int  # an outcome above, or an exact status code
# GET, POST, and DELETE standing for every other verb.
PROBED_METHODS = ("GET", "POST", "DELETE")


def only(*allowed: str, anonymous: Expected = LOGIN, **cells: Expected) -> dict[str, Expected]:
    """`allowed` identities get "ok", other signed-in ones "denied", anonymous visitors are
    sent to sign in; `cells` override single identities."""
    row: dict[str, Expected] = {"anonymous": anonymous}
    row.update({who: OK if who in allowed else DENIED for who in SIGNED_IN})
    return row | cells


EVERYONE_SIGNED_IN = only(*SIGNED_IN)
# The signed-in identities without the supervisor role, on a page for supervisors.
NOT_SUPERVISORS_403: dict[str, Expected] = {who: 403 for who in SIGNED_IN if who not in SUPERVISORS}


def read_only(row: dict[str, Expected]) -> dict[str, dict[str, Expected]]:
    """A page that only shows: GET (and HEAD); any other method answers 405."""
    return {"GET": row}


def form(row: dict[str, Expected]) -> dict[str, dict[str, Expected]]:
    """A page with a form that posts to itself: GET and POST, the same people for both."""
    return {"GET": row, "POST": row}


# The rows


UrlOf = Callable[[Cast, str], str]
SELF = "the requesting identity's own user id"


def url(name: str, *args: str | int) -> UrlOf:
    """The URL of `name`; each argument is a literal number, an attribute path on the cast
    ("owner.pk", "service.slug"), or SELF."""

    def build(cast: Cast, who: str) -> str:
        values = [
            cast.pk(who) if arg == SELF else attrgetter(arg)(cast) if isinstance(arg, str) else arg
            for arg in args
        ]
        return reverse(name, args=values)

    return build


def revision(cast: Cast) -> dict[str, str]:
    return {"revision": str(cast.open_assessment.revision)}


def entry_revision(cast: Cast) -> dict[str, str]:
    return {"revision": str(cast.owner_entry.revision)}


def submitted_revision(cast: Cast) -> dict[str, str]:
    return {"revision": str(cast.submitted_entry.revision), "comment": "Add the agenda."}


@dataclass(frozen=True)
class Case:
    """One URL of a row: what its ids point at, and per method what each identity gets."""

    target: str
    url: UrlOf
    methods: dict[str, dict[str, Expected]]
    data: Callable[[Cast], dict[str, str]] = lambda cast: {}
    denied_status: int = 404
    # The page tells whether it shows the private answers (context `hides_sensitive`).
    private_answers: bool = False


# fmt: off
ROWS: dict[str, tuple[Case, ...]] = {
    "home": (
        Case("each person's start page", url("home"), read_only(EVERYONE_SIGNED_IN)),
    ),
    "accounts:service_overview": (
        Case("the owner's service", url("accounts:service_overview", "service.slug"),
             read_only(only("lead"))),
        Case("the other service", url("accounts:service_overview", "other_service.slug"),
             read_only(only("other_lead"))),
    ),
    "assessments:framework": (
        Case("the viewer's framework", url("assessments:framework"),
             read_only(EVERYONE_SIGNED_IN)),
    ),
    "assessments:framework_current": (
        Case("the owner's service's framework",
             url("assessments:framework_current", "framework_slug"),
             read_only(EVERYONE_SIGNED_IN)),
        Case("the other service's framework",
             url("assessments:framework_current", "other_framework_slug"),
             read_only(EVERYONE_SIGNED_IN)),
    ),
    "assessments:framework_version": (
        Case("a published version",
             url("assessments:framework_version", "framework_slug", "published_number"),
             read_only(EVERYONE_SIGNED_IN)),
        # Drafts are for those who manage the framework: the superuser, not plain staff.
        Case("a draft version",
             url("assessments:framework_version", "framework_slug", "draft_number"),
             read_only(only("admin"))),
    ),
    "assessments:my_training": (
        Case("the therapist's start page", url("assessments:my_training"),
             read_only(only(*THERAPISTS)), denied_status=403),
    ),
    "assessments:questionnaire": (
        # POST starts (or resumes) the viewer's own next self-assessment.
        Case("the viewer's own questionnaire", url("assessments:questionnaire"),
             form(only(*THERAPISTS)), denied_status=403),
    ),
    "assessments:questionnaire_section": (
        # POST saves the section and moves on to the next.
        Case("the owner's assessment in progress",
             url("assessments:questionnaire_section", "open_assessment.pk", 1),
             form(only("owner")), data=revision),
    ),
    "assessments:questionnaire_autosave": (
        # A script saves in the background: signed out, it gets 403 JSON, not the sign-in page.
        Case("the owner's assessment in progress",
             url("assessments:questionnaire_autosave", "open_assessment.pk", 1),
             {"POST": only("owner", anonymous=403)}, data=revision),
    ),
    "assessments:questionnaire_review": (
        # POST submits: every statement is answered, so the owner is sent to their profile.
        Case("the owner's assessment in progress",
             url("assessments:questionnaire_review", "open_assessment.pk"),
             form(only("owner"))),
    ),
    "assessments:profile": (
        Case("the owner's profile", url("assessments:profile", "owner.pk"),
             read_only(only("owner", "supervisor"))),
        Case("the viewer's own profile", url("assessments:profile", SELF),
             read_only(only(*THERAPISTS))),
        Case("the colleague's profile (supervised by dual)",
             url("assessments:profile", "colleague.pk"),
             read_only(only("colleague", "dual"))),
    ),
    "assessments:profile_chart": (
        Case("the owner's profile chart", url("assessments:profile_chart", "owner.pk"),
             read_only(only("owner", "supervisor"))),
    ),
    "assessments:assessment_detail": (
        Case("the owner's assessment, private answers shared",
             url("assessments:assessment_detail", "owner.pk", "shared.pk"),
             read_only(only(owner=SHOWN, supervisor=SHOWN)), private_answers=True),
        Case("the owner's assessment, private answers not shared",
             url("assessments:assessment_detail", "owner.pk", "not_shared.pk"),
             read_only(only(owner=SHOWN, supervisor=HIDDEN)), private_answers=True),
        Case("the owner's assessment in progress",
             url("assessments:assessment_detail", "owner.pk", "open_assessment.pk"),
             read_only(only())),
        Case("dual's assessment under the owner's id",
             url("assessments:assessment_detail", "owner.pk", "duals_assessment.pk"),
             read_only(only())),
    ),
    "supervision:supervisees": (
        Case("the viewer's supervisees", url("supervision:supervisees"),
             read_only(only(*SUPERVISORS)), denied_status=403),
    ),
    # Issue 17: the supervisee's log, and its entry form (a POST without the fields shows the
    # form again with its errors; the edit form's POST carries the entry's revision).
    "supervision:log": (
        Case("the viewer's own log", url("supervision:log"),
             read_only(only(*THERAPISTS)), denied_status=403),
    ),
    "supervision:session_new": (
        Case("a new entry in the viewer's log", url("supervision:session_new"),
             form(only(*THERAPISTS)), denied_status=403),
    ),
    "supervision:session_edit": (
        Case("the owner's draft entry", url("supervision:session_edit", "owner_entry.pk"),
             form(only("owner")), data=entry_revision),
    ),
    # Issue 17, sign-off: an entry's page is its supervisee's, and its supervisor's once sent
    # to them (while they supervise; an entry they confirmed stays theirs to read). Only the
    # supervisee withdraws or corrects it, only its current supervisor returns or confirms it
    # (each a POST that redirects on success).
    "supervision:session_detail": (
        Case("the owner's draft entry", url("supervision:session_detail", "owner_entry.pk"),
             read_only(only("owner"))),
        Case("the owner's entry awaiting review",
             url("supervision:session_detail", "submitted_entry.pk"),
             read_only(only("owner", "supervisor"))),
        Case("the owner's entry confirmed by the former supervisor",
             url("supervision:session_detail", "confirmed_entry.pk"),
             read_only(only("owner", "former_supervisor"))),
    ),
    "supervision:session_withdraw": (
        Case("the owner's entry awaiting review",
             url("supervision:session_withdraw", "submitted_entry.pk"),
             {"POST": only("owner")}, data=submitted_revision),
    ),
    "supervision:session_amend": (
        Case("the owner's confirmed entry", url("supervision:session_amend", "confirmed_entry.pk"),
             {"POST": only("owner")}),
    ),
    "supervision:session_return": (
        Case("the owner's entry awaiting review",
             url("supervision:session_return", "submitted_entry.pk"),
             {"POST": only("supervisor")}, data=submitted_revision),
        Case("the owner's entry confirmed by the former supervisor",
             url("supervision:session_return", "confirmed_entry.pk"),
             {"POST": only()}, data=submitted_revision),
    ),
    "supervision:session_confirm": (
        Case("the owner's entry awaiting review",
             url("supervision:session_confirm", "submitted_entry.pk"),
             {"POST": only("supervisor")}, data=submitted_revision),
    ),
    "supervision:review_queue": (
        Case("the viewer's entries awaiting review", url("supervision:review_queue"),
             read_only(only(*SUPERVISORS)), denied_status=403),
    ),
    # Issue 17: exports of a log (the viewer's own; a current supervisee's, entries the
    # supervisor may open only), the agenda for the next session and agreed actions, observer
    # ratings beside self-ratings.
    "supervision:log_csv": (
        Case("the viewer's own log", url("supervision:log_csv"),
             read_only(only(*THERAPISTS)), denied_status=403),
    ),
    "supervision:log_pdf": (
        Case("the viewer's own log", url("supervision:log_pdf"),
             read_only(only(*THERAPISTS)), denied_status=403),
    ),
    "supervision:supervisee_log_csv": (
        Case("the owner's log", url("supervision:supervisee_log_csv", "owner.pk"),
             read_only(only("supervisor"))),
        Case("the colleague's log (supervised by dual)",
             url("supervision:supervisee_log_csv", "colleague.pk"), read_only(only("dual"))),
    ),
    "supervision:supervisee_log_pdf": (
        Case("the owner's log", url("supervision:supervisee_log_pdf", "owner.pk"),
             read_only(only("supervisor"))),
    ),
    "supervision:agenda": (
        Case("the viewer's own agenda", url("supervision:agenda"),
             form(only(*THERAPISTS)), denied_status=403),
    ),
    "supervision:supervisee_agenda": (
        Case("the owner's agenda", url("supervision:supervisee_agenda", "owner.pk"),
             form(only("supervisor"))),
        Case("the colleague's agenda (supervised by dual)",
             url("supervision:supervisee_agenda", "colleague.pk"), form(only("dual"))),
    ),
    "supervision:agenda_close": (
        Case("an item on the owner's agenda", url("supervision:agenda_close", "agenda_item.pk"),
             {"POST": only("owner", "supervisor")}, data=lambda cast: {"outcome": "dropped"}),
    ),
    "supervision:action_done": (
        Case("an action agreed in the owner's entry",
             url("supervision:action_done", "owner_action.pk"), {"POST": only("owner")}),
    ),
    "supervision:my_ratings": (
        Case("the viewer's own ratings beside their supervisors'", url("supervision:my_ratings"),
             read_only(only(*THERAPISTS)), denied_status=403),
    ),
    "supervision:observer_compare": (
        Case("the owner's self and observer ratings",
             url("supervision:observer_compare", "owner.pk"), read_only(only("supervisor"))),
    ),
    "supervision:observer_new": (
        Case("a new observer rating of the owner", url("supervision:observer_new", "owner.pk"),
             form(only("supervisor"))),
    ),
    # Issue 17: a supervisee's page on the dashboard (current supervisors only), and the
    # therapist's quick session reflections.
    # A page for supervisors: other roles get 403, other supervisors 404.
    "supervision:supervisee": (
        Case("the owner's page", url("supervision:supervisee", "owner.pk"),
             read_only(only("supervisor", **NOT_SUPERVISORS_403))),
        Case("the colleague's page (supervised by dual)",
             url("supervision:supervisee", "colleague.pk"),
             read_only(only("dual", **NOT_SUPERVISORS_403))),
    ),
    "supervision:reflections": (
        Case("the viewer's own reflections", url("supervision:reflections"),
             read_only(only(*THERAPISTS)), denied_status=403),
    ),
    "supervision:reflection_new": (
        Case("a new reflection of the viewer's", url("supervision:reflection_new"),
             form(only(*THERAPISTS)), denied_status=403),
    ),
    # Issue 18 (slice 1): the therapist's CPD plan (the renewal date posts to it), its goals,
    # suggestions accepted or dismissed (a key that is no need is refused with a redirect),
    # and a current supervisor's read-only view of a supervisee's plan.
    "cpd:plan": (
        Case("the viewer's own plan", url("cpd:plan"), form(only(*THERAPISTS)),
             denied_status=403),
    ),
    "cpd:goal_new": (
        Case("a new goal in the viewer's plan", url("cpd:goal_new"), form(only(*THERAPISTS)),
             denied_status=403),
    ),
    "cpd:goal_edit": (
        Case("a goal in the owner's plan", url("cpd:goal_edit", "cpd_goal.pk"),
             form(only("owner"))),
    ),
    "cpd:suggestion_accept": (
        Case("a suggestion for the viewer's plan", url("cpd:suggestion_accept"),
             {"POST": only(*THERAPISTS)}, data=lambda cast: {"item": "C1"},
             denied_status=403),
    ),
    "cpd:suggestion_dismiss": (
        Case("a suggestion for the viewer's plan", url("cpd:suggestion_dismiss"),
             {"POST": only(*THERAPISTS)}, data=lambda cast: {"item": "C1"},
             denied_status=403),
    ),
    "cpd:supervisee_plan": (
        Case("the owner's plan", url("cpd:supervisee_plan", "owner.pk"),
             read_only(only("supervisor"))),
        Case("the colleague's plan (supervised by dual)",
             url("cpd:supervisee_plan", "colleague.pk"), read_only(only("dual"))),
    ),
    # Issue 18 (review): a current supervisor comments on the supervisee's plan (a redirect
    # back to it); the owner's plan exists (the cast's goal), the colleague has none.
    "cpd:comment_add": (
        Case("the owner's plan", url("cpd:comment_add", "owner.pk"),
             {"POST": only("supervisor")}, data=lambda cast: {"text": "Good plan."}),
    ),
    # Issue 18 (review): the therapist replies in a thread of their own plan's review that a
    # supervisor started (a redirect back to the plan); anyone else: not found.
    "cpd:reply_add": (
        Case("the owner's plan, commented on by the supervisor", url("cpd:reply_add"),
             {"POST": only("owner")},
             data=lambda cast: {"plan": str(cast.cpd_goal.plan_id), "text": "Thank you."}),
    ),
    # Issue 18 (activities, helper J): the therapist's activities, an activity's form (a POST
    # without fields shows it again with its errors), evidence files (the owner and the
    # current supervisor download; the owner deletes, a redirect), the CPD log's exports.
    "cpd:activities": (
        Case("the viewer's activities", url("cpd:activities"), read_only(only(*THERAPISTS)),
             denied_status=403),
    ),
    "cpd:activity_new": (
        Case("a new activity in the viewer's plan", url("cpd:activity_new"),
             form(only(*THERAPISTS)), denied_status=403),
    ),
    "cpd:activity_edit": (
        Case("an activity of the owner's", url("cpd:activity_edit", "cpd_activity.pk"),
             form(only("owner"))),
    ),
    "cpd:evidence_download": (
        Case("an evidence file of the owner's", url("cpd:evidence_download", "cpd_evidence.pk"),
             read_only(only("owner", "supervisor"))),
    ),
    "cpd:evidence_delete": (
        Case("an evidence file of the owner's", url("cpd:evidence_delete", "cpd_evidence.pk"),
             {"POST": only("owner")}),
    ),
    "cpd:cpd_csv": (
        Case("the viewer's CPD log", url("cpd:cpd_csv"), read_only(only(*THERAPISTS)),
             denied_status=403),
    ),
    "cpd:cpd_pdf": (
        Case("the viewer's CPD log", url("cpd:cpd_pdf"), read_only(only(*THERAPISTS)),
             denied_status=403),
    ),
    # Issue 18 (routing, helper A): the service action list of a lead's own service (its
    # list, a new action, an action changed or a suggestion decided: other people get 404),
    # and a therapist's named suggestion to their lead (a page for therapists: 403 to others).
    "service_actions:action_list": (
        Case("the owner's service", url("service_actions:action_list", "service.slug"),
             read_only(only("lead"))),
        Case("the other service", url("service_actions:action_list", "other_service.slug"),
             read_only(only("other_lead"))),
    ),
    "service_actions:action_new": (
        Case("the owner's service", url("service_actions:action_new", "service.slug"),
             form(only("lead"))),
        Case("the other service", url("service_actions:action_new", "other_service.slug"),
             form(only("other_lead"))),
    ),
    "service_actions:action_edit": (
        Case("an action of the owner's service",
             url("service_actions:action_edit", "service.slug", "service_action.pk"),
             form(only("lead"))),
        Case("the owner's service's action under the other service",
             url("service_actions:action_edit", "other_service.slug", "service_action.pk"),
             form(only())),
    ),
    "service_actions:involvement": (
        Case("the owner's service", url("service_actions:involvement", "service.slug"),
             form(only("lead"))),
        Case("the other service", url("service_actions:involvement", "other_service.slug"),
             form(only("other_lead"))),
    ),
    "service_actions:suggest": (
        Case("a suggestion to the viewer's service lead", url("service_actions:suggest"),
             form(only(*THERAPISTS)), denied_status=403),
    ),
    # Issue 19: a lead's figures of their own service (other people get 404).
    "reports:analytics": (
        Case("the owner's service", url("reports:analytics", "service.slug"),
             read_only(only("lead"))),
        Case("the other service", url("reports:analytics", "other_service.slug"),
             read_only(only("other_lead"))),
    ),
    "reports:heatmap": (
        Case("the owner's service", url("reports:heatmap", "service.slug"),
             read_only(only("lead"))),
        Case("the other service", url("reports:heatmap", "other_service.slug"),
             read_only(only("other_lead"))),
    ),
    "reports:heatmap_png": (
        Case("the owner's service", url("reports:heatmap_png", "service.slug"),
             read_only(only("lead"))),
        Case("the other service", url("reports:heatmap_png", "other_service.slug"),
             read_only(only("other_lead"))),
    ),
    "reports:heatmap_svg": (
        Case("the owner's service", url("reports:heatmap_svg", "service.slug"),
             read_only(only("lead"))),
        Case("the other service", url("reports:heatmap_svg", "other_service.slug"),
             read_only(only("other_lead"))),
    ),
    "reports:responses_csv": (
        Case("the owner's service", url("reports:responses_csv", "service.slug"),
             read_only(only("lead"))),
        Case("the other service", url("reports:responses_csv", "other_service.slug"),
             read_only(only("other_lead"))),
    ),
    # Commissioners only (the admin, a superuser, holds every permission): a page of every
    # service's aggregates, so others are told whom it is for (403) rather than not found.
    "reports:national": (
        Case("every service's aggregates", url("reports:national"),
             read_only(only("admin")), denied_status=403),
    ),
    # Issue 16: the session keep-alive (204), the page after signing in again (a redirect
    # home when nothing is pending), a person's own data page and its download (a zip).
    "session_keepalive": (
        Case("the viewer's session", url("session_keepalive"), {"POST": EVERYONE_SIGNED_IN}),
    ),
    "session_resume": (
        Case("the viewer's session", url("session_resume"), {"GET": EVERYONE_SIGNED_IN}),
    ),
    "accounts:my_data": (
        Case("the viewer's own data", url("accounts:my_data"), {"GET": EVERYONE_SIGNED_IN}),
    ),
    "accounts:my_data_download": (
        Case("the viewer's own data", url("accounts:my_data_download"),
             {"POST": EVERYONE_SIGNED_IN}),
    ),
}
# fmt: on

# allauth's pages: "open" to anonymous visitors; "sign-in" needed; "mid-sign-in" (a step of
# signing in: without one under way, anonymous visitors are sent back to the sign-in page);
# "second factor" (sign-in needed, and a 404 until the person has an authenticator); "closed"
# (sign-up: accounts are made by administrators).
OPEN, SIGN_IN, MID_SIGN_IN, SECOND_FACTOR, CLOSED = (
    "open",
    "sign-in",
    "mid-sign-in",
    "second factor",
    "closed",
)
# What an anonymous visitor and a signed-in therapist without an authenticator get.
AUTH_PAGE_OUTCOMES: dict[str, tuple[Expected, Expected]] = {
    OPEN: (OK, OK),
    SIGN_IN: (LOGIN, OK),
    MID_SIGN_IN: (LOGIN, OK),
    SECOND_FACTOR: (LOGIN, 404),
}
AUTH_PAGES: dict[str, str] = {
    "account_login": OPEN,
    "account_logout": OPEN,
    "account_inactive": OPEN,
    "account_signup": CLOSED,
    "account_reauthenticate": SIGN_IN,
    "account_request_reauthentication_code": SIGN_IN,
    "account_confirm_reauthentication_code": SIGN_IN,
    "account_email": SIGN_IN,
    "account_email_verification_sent": OPEN,
    "account_change_password": SIGN_IN,
    "account_set_password": SIGN_IN,
    "account_reset_password": OPEN,
    "account_confirm_login_code": MID_SIGN_IN,
    "account_confirm_email": OPEN,
    "account_reset_password_from_key_done": OPEN,
    "account_reset_password_from_key": OPEN,
    "account_reset_password_done": OPEN,
    "mfa_index": SIGN_IN,
    "mfa_authenticate": MID_SIGN_IN,
    "mfa_reauthenticate": SIGN_IN,
    "mfa_activate_totp": SIGN_IN,
    "mfa_deactivate_totp": SECOND_FACTOR,
    "mfa_view_recovery_codes": SECOND_FACTOR,
    "mfa_generate_recovery_codes": SIGN_IN,
    "mfa_download_recovery_codes": SECOND_FACTOR,
}
AUTH_PAGE_KWARGS: dict[str, dict[str, str]] = {
    "account_confirm_email": {"key": "not-a-key"},
    "account_reset_password_from_key": {"uidb36": "0", "key": "not-a-key"},
}


# The URL patterns


@dataclass(frozen=True)
class Pattern:
    name: str | None
    route: str
    callback: Callable[..., HttpResponse]
    kwargs: tuple[str, ...] = field(default=())
    positional: int = 0  # unnamed groups of a regular-expression route

    @property
    def key(self) -> str:
        """The row key: the namespaced name, or the route of an unnamed pattern."""
        return self.name or self.route

    @property
    def is_admin(self) -> bool:
        return self.route.startswith("admin/")

    @property
    def is_auth_page(self) -> bool:
        return self.callback.__module__.startswith("allauth.")


def _walk(patterns: list, prefix: str = "", namespace: str = "") -> Iterator[Pattern]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            name = entry.name and (f"{namespace}:{entry.name}" if namespace else entry.name)
            route = prefix + str(entry.pattern)
            regex = entry.pattern.regex
            kwargs = tuple(regex.groupindex)
            positional = 0 if kwargs else regex.groups
            yield Pattern(name, route, entry.callback, kwargs, positional)


def url_patterns() -> list[Pattern]:
    return list(_walk(get_resolver().url_patterns))


PATTERNS = url_patterns()
PRODUCT_KEYS = {p.key for p in PATTERNS if not p.is_admin and not p.is_auth_page}
ADMIN_PATTERNS = [p for p in PATTERNS if p.is_admin]
AUTH_KEYS = {p.key for p in PATTERNS if p.is_auth_page and not p.is_admin}


# Requests


@pytest.fixture(scope="module")
def cast(django_db_setup, django_db_blocker) -> Iterator[Cast]:
    """Everyone and everything, built once; rolled back when the module's tests are done."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_cast()
        transaction.set_rollback(True)


def send(cast: Cast, who: str, method: str, path: str, data: dict[str, str]) -> HttpResponse:
    """One request as `who`, in a transaction rolled back afterwards."""
    client = cast.client(who)
    with transaction.atomic():
        post = method == "POST"
        response = client.post(path, data) if post else client.generic(method, path)
        transaction.set_rollback(True)
    return response


def login_paths() -> set[str]:
    return {reverse("account_login"), reverse("admin:login")}


def outcome(response: HttpResponse, case: Case | None = None) -> Expected:
    """What a response means: "ok", "denied", "login", or its status code."""
    status = response.status_code
    if 300 <= status < 400:
        return LOGIN if urlsplit(response["Location"]).path in login_paths() else OK
    if 200 <= status < 300:
        if case and case.private_answers:
            return HIDDEN if response.context["hides_sensitive"] else SHOWN
        return OK
    if case and status == case.denied_status:
        return DENIED
    return status


def mismatches(cast: Cast, case: Case) -> Iterator[str]:
    for method in PROBED_METHODS:
        expected_by_who = case.methods.get(method)
        for who in IDENTITIES:
            path = case.url(cast, who)
            response = send(cast, who, method, path, case.data(cast))
            found = outcome(response, case)
            if expected_by_who is None:
                accepted: tuple[Expected, ...] = (405, LOGIN) if who == "anonymous" else (405,)
            else:
                accepted = (expected_by_who[who],)
            if found not in accepted and response.status_code not in accepted:
                shown = " or ".join(map(str, accepted))
                yield (
                    f"{method} {path} ({case.target}) as {who}: expected {shown}, got {found} "
                    f"(status {response.status_code})"
                )


# The tests


def test_every_url_pattern_has_a_row():
    missing = sorted(PRODUCT_KEYS - set(ROWS))
    assert not missing, "\n".join(
        f"add a row for {key} to tests/accounts/test_url_matrix.py" for key in missing
    )


def test_every_row_names_a_url_pattern():
    stale = sorted(set(ROWS) - PRODUCT_KEYS)
    assert not stale, "\n".join(
        f"no URL pattern named {key}: remove its row from tests/accounts/test_url_matrix.py"
        for key in stale
    )


def test_every_allauth_page_is_in_the_auth_pages_table():
    missing = [f"add {key} to AUTH_PAGES" for key in sorted(AUTH_KEYS - set(AUTH_PAGES))]
    stale = [f"remove {key} from AUTH_PAGES" for key in sorted(set(AUTH_PAGES) - AUTH_KEYS)]
    assert not missing + stale, "tests/accounts/test_url_matrix.py: " + "; ".join(missing + stale)


def test_a_post_in_one_cell_changes_nothing_the_next_cell_sees(cast):
    submitted = send(
        cast,
        "owner",
        "POST",
        url("assessments:questionnaire_review", "open_assessment.pk")(cast, "owner"),
        {},
    )
    cast.open_assessment.refresh_from_db()
    assert (submitted.status_code, cast.open_assessment.is_submitted) == (302, False)


@pytest.mark.parametrize("name", sorted(set(ROWS) & PRODUCT_KEYS))
def test_url_answers_each_identity_as_its_row_says(cast, name):
    failures = [line for case in ROWS[name] for line in mismatches(cast, case)]
    assert not failures, f"{name}:\n" + "\n".join(failures)


@pytest.mark.parametrize("name", sorted(AUTH_PAGES))
def test_allauth_page_is_open_or_needs_sign_in_as_the_table_says(cast, name):
    path = reverse(name, kwargs=AUTH_PAGE_KWARGS.get(name))
    kind = AUTH_PAGES[name]
    anonymous = send(cast, "anonymous", "GET", path, {})
    signed_in = send(cast, "owner", "GET", path, {})
    if kind == CLOSED:
        seen = (anonymous.status_code, "account/signup_closed.html" in _templates(anonymous))
        assert seen == (200, True), f"GET {path} as anonymous: {seen}"
        return
    expected = AUTH_PAGE_OUTCOMES[kind]
    found = (outcome(anonymous), outcome(signed_in))
    assert found == expected, f"GET {path} (anonymous, owner): expected {expected}, got {found}"


def _templates(response: HttpResponse) -> list[str]:
    return [template.name for template in getattr(response, "templates", []) if template.name]


def _admin_path(pattern: Pattern) -> str:
    """A concrete path for an admin pattern; ids need not exist (access is checked first)."""
    if pattern.name is None:
        return "/" + pattern.route.replace("(?P<url>.*)$", "no-such-page/").replace(
            "<path:object_id>", "1"
        )
    if pattern.positional:
        return reverse(pattern.name, args=["1"] * pattern.positional)
    values = {"app_label": "accounts", "url": "no-such-page/"}
    return reverse(pattern.name, kwargs={k: values.get(k, "1") for k in pattern.kwargs})


def test_every_admin_page_sends_anonymous_visitors_to_sign_in(cast):
    failures = []
    for pattern in ADMIN_PATTERNS:
        path = _admin_path(pattern)
        response = send(cast, "anonymous", "GET", path, {})
        found = outcome(response)
        if pattern.name == "admin:logout":
            # The admin sends people without access from its sign-out to its index, which
            # sends them to sign in.
            found = LOGIN if response.get("Location") == reverse("admin:index") else found
        if found != LOGIN:
            failures.append(f"GET {path} ({pattern.key}) as anonymous: {found}")
    assert not failures, "\n".join(failures)


# Non-staff people are sent to the admin's sign-in page; staff without the permission get 403.
ADMIN_CHANGELIST: dict[str, Expected] = dict.fromkeys(IDENTITIES, LOGIN) | {
    "staff": 403,
    "admin": OK,
    "admin_viewer": OK,
}


def test_admin_lists_open_to_staff_with_the_models_permission_only(cast):
    changelists = [p for p in ADMIN_PATTERNS if p.name and p.name.endswith("_changelist")]
    assert changelists
    failures = []
    for pattern in changelists:
        path = reverse(pattern.name)  # type: ignore[arg-type]
        for who in (*IDENTITIES, "admin_viewer"):
            found = outcome(send(cast, who, "GET", path, {}))
            if found != ADMIN_CHANGELIST[who]:
                failures.append(f"GET {path} as {who}: expected {ADMIN_CHANGELIST[who]}, {found}")
    assert not failures, "\n".join(failures)
