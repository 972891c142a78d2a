"""Who may see or do what: one function per access question, used by every view and queryset.

Roles come from current memberships; relationships (supervision, leading a service) decide access
to another person's or a service's data. Outsiders get querysets that do not contain the object,
so views answer 404 rather than revealing that it exists. Pages that belong to a role are gated
by `role_required`. Private answers (self-care, burnout) follow `can_see_private_answers`, and
every aggregate over people goes through `suppress` (small groups are never shown).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils import timezone

from .models import Membership, Role, Service, SupervisionRelationship, User

if TYPE_CHECKING:  # accounts never imports the assessments or supervision apps at run time
    from assessments.models import SelfAssessment
    from supervision.models import SupervisionSession

AnyUser = User | AnonymousUser
T = TypeVar("T")
View = Callable[..., HttpResponseBase]


class AuthenticatedRequest(HttpRequest):
    """The request a view behind `login_required` or `role_required` receives."""

    user: User


ROLE_PAGES_MESSAGE = {
    Role.THERAPIST: "This page is for therapists.",
    Role.SUPERVISOR: "This page is for supervisors.",
    Role.SERVICE_LEAD: "This page is for service leads.",
}


# Roles


def roles_of(user: AnyUser) -> frozenset[str]:
    """The roles a user holds today in any service, computed once per user object."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_comb_roles", None)
    if cached is None:
        cached = frozenset(
            Membership.objects.current()
            .filter(user=user)
            .order_by()
            .values_list("role", flat=True)
            .distinct()
        )
        user._comb_roles = cached  # type: ignore[attr-defined]
    return cached


def has_role(user: AnyUser, role: str) -> bool:
    return role in roles_of(user)


def is_therapist(user: AnyUser) -> bool:
    return has_role(user, Role.THERAPIST)


def is_supervisor(user: AnyUser) -> bool:
    return has_role(user, Role.SUPERVISOR)


def is_service_lead(user: AnyUser) -> bool:
    return has_role(user, Role.SERVICE_LEAD)


def role_required(role: str) -> Callable[[View], View]:
    """Gate a view to signed-in holders of a role: others are sent to sign in, or get a 403
    that says whom the page is for."""

    def decorator(view: View) -> View:
        @wraps(view)
        def gated(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not has_role(request.user, role):
                raise PermissionDenied(ROLE_PAGES_MESSAGE[Role(role)])
            return view(request, *args, **kwargs)

        return login_required(gated)

    return decorator


def can_manage_framework(user: AnyUser) -> bool:
    """Administrators edit framework drafts and publish versions (through the admin site)."""
    return bool(
        user.is_authenticated
        and user.is_active
        and user.is_staff
        and user.has_perm("assessments.change_frameworkversion")
    )


# People


def current_supervisees(supervisor: AnyUser) -> QuerySet[User]:
    """The people this user supervises today."""
    if not supervisor.is_authenticated:
        return User.objects.none()
    ids = SupervisionRelationship.objects.current().filter(supervisor=supervisor)
    return User.objects.filter(is_active=True, pk__in=ids.values("supervisee_id"))


def visible_therapists(user: AnyUser) -> QuerySet[User]:
    """Therapists whose individual records this user may open: themselves and supervisees."""
    if not user.is_authenticated:
        return User.objects.none()
    supervisee_ids = SupervisionRelationship.objects.current().filter(supervisor=user)
    therapist_ids = Membership.objects.current().filter(role=Role.THERAPIST)
    return User.objects.filter(
        Q(pk=user.pk) | Q(pk__in=supervisee_ids.values("supervisee_id")), is_active=True
    ).filter(pk__in=therapist_ids.values("user_id"))


def can_view_therapist(user: AnyUser, therapist: User) -> bool:
    """A therapist's own records are theirs and their current supervisors' to see."""
    return visible_therapists(user).filter(pk=therapist.pk).exists()


# Self-assessments


def can_fill_in(user: AnyUser, assessment: SelfAssessment) -> bool:
    """Only the therapist who owns a self-assessment fills it in, while they are a therapist."""
    return user.is_authenticated and assessment.therapist_id == user.pk and is_therapist(user)


def can_see_private_answers(viewer: AnyUser, assessment: SelfAssessment) -> bool:
    """Private answers (self-care, burnout) are the therapist's own, and their current
    supervisors' only for an assessment in which the therapist chose to share them. Every page,
    export and report that shows individual answers or scores asks this."""
    return can_see_private_answers_in_all(viewer, [assessment])


def can_see_private_answers_in_all(viewer: AnyUser, assessments: Iterable[SelfAssessment]) -> bool:
    """The same rule over one therapist's cycles, for figures that compare them: private answers
    count only when visible in every cycle, so change compares like with like."""
    return _private_answers_shown(
        viewer,
        assessments,
        lambda therapist_id: current_supervisees(viewer).filter(pk=therapist_id).exists(),
    )


def _private_answers_shown(
    viewer: AnyUser, assessments: Iterable[SelfAssessment], supervises: Callable[[int], bool]
) -> bool:
    """The rule of `can_see_private_answers_in_all`, asking `supervises` whether the viewer
    supervises the therapist today (a query, or a lookup in ids read once)."""
    assessments = list(assessments)
    therapists = {assessment.therapist_id for assessment in assessments}
    if not viewer.is_authenticated or len(therapists) != 1:
        return False
    (therapist_id,) = therapists
    if viewer.pk == therapist_id:
        return True
    if not all(assessment.shares_sensitive for assessment in assessments):
        return False
    return supervises(therapist_id)


# The supervision log


def supervises_on(supervisor: AnyUser, supervisee_id: int, on: datetime.date) -> bool:
    """Whether `supervisor` had a supervision relationship with the supervisee in force on a
    day: who may be named as the in-product supervisor of a session held that day."""
    if not supervisor.is_authenticated:
        return False
    return (
        SupervisionRelationship.objects.current(on)
        .filter(supervisor=supervisor, supervisee_id=supervisee_id)
        .exists()
    )


def can_edit_supervision(user: AnyUser, entry: SupervisionSession) -> bool:
    """Only the supervisee changes or submits their log entry, and only while it is a draft or
    returned for changes (a submitted or confirmed entry is read-only to them)."""
    return user.is_authenticated and entry.supervisee_id == user.pk and entry.is_editable


def can_review_supervision(user: AnyUser, entry: SupervisionSession) -> bool:
    """Only the entry's own supervisor returns or confirms it, while it awaits review, and only
    while they supervise the supervisee today: a supervisor reaches current supervisees only
    (the session's date was checked against the relationship when the entry was written)."""
    return (
        user.is_authenticated
        and entry.supervisor_id == user.pk
        and entry.awaits_review
        and supervises_on(user, entry.supervisee_id, timezone.localdate())
    )


def supervision_entries_visible_to(user: AnyUser) -> Q:
    """The log entries a person may open, as a filter on `SupervisionSession`: their own; as
    supervisor, the entries submitted to them by a current supervisee (not drafts, which are the
    supervisee's alone); and the entries they confirmed, even after the supervision ended."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    current = current_supervisees(user).values("pk")
    return (
        Q(supervisee=user)
        | Q(supervisor=user, status="confirmed", confirmed_by=user)
        | (Q(supervisor=user, supervisee__in=current) & ~Q(status="draft"))
    )


def can_view_supervision(user: AnyUser, entry: SupervisionSession) -> bool:
    """Whether a person may open a log entry (see `supervision_entries_visible_to`)."""
    if not user.is_authenticated:
        return False
    if entry.supervisee_id == user.pk:
        return True
    if entry.supervisor_id != user.pk or entry.status == "draft":
        return False
    if entry.status == "confirmed" and entry.confirmed_by_id == user.pk:
        return True
    return current_supervisees(user).filter(pk=entry.supervisee_id).exists()


def can_withdraw_supervision(user: AnyUser, entry: SupervisionSession) -> bool:
    """The supervisee takes back an entry they submitted (it is a draft again), while nobody has
    confirmed it: their supervisor left, or they spotted a mistake."""
    return user.is_authenticated and entry.supervisee_id == user.pk and entry.status == "submitted"


def can_amend_supervision(user: AnyUser, entry: SupervisionSession) -> bool:
    """A confirmed entry is corrected by an amendment, which only its supervisee starts."""
    return user.is_authenticated and entry.supervisee_id == user.pk and entry.status == "confirmed"


# Services


def services_led_by(user: AnyUser) -> QuerySet[Service]:
    if not user.is_authenticated:
        return Service.objects.none()
    led = Membership.objects.current().filter(user=user, role=Role.SERVICE_LEAD)
    return Service.objects.filter(pk__in=led.values("service_id"))


def can_view_service(user: AnyUser, service: Service) -> bool:
    """Service-level aggregates are for that service's leads."""
    return services_led_by(user).filter(pk=service.pk).exists()


def can_view_national_aggregates(user: AnyUser) -> bool:
    """Commissioners (people given "view national aggregates" in the admin) compare services'
    suppressed aggregates within one framework; nobody else sees across services."""
    return bool(
        user.is_authenticated
        and user.is_active
        and user.has_perm("reports.view_national_aggregates")
    )


# Aggregates


def small_group_minimum(service: Service | None = None) -> int:
    """k: the fewest distinct people an aggregate may describe (SMALL_GROUP_MIN, default 5);
    for a service's figures, its own minimum where it set a larger one (never a smaller)."""
    own = service.small_group_min if service is not None else None
    return max(settings.SMALL_GROUP_MIN, own or 0)


def is_disclosable(respondents: int, k: int | None = None) -> bool:
    """Whether a figure over `respondents` distinct people may be shown."""
    return respondents >= (small_group_minimum() if k is None else k)


def suppress(value: T, respondents: int, k: int | None = None) -> T | None:
    """The figure, or None (shown as "fewer than k") when it describes too few people to keep
    them anonymous. Every aggregate over people (team, service, heatmap cell) goes through this."""
    return value if is_disclosable(respondents, k) else None


# Observer ratings (issue 17, deliverable 6)


def observer_ratings_visible_to(user: AnyUser) -> Q:
    """The observer ratings a person may read, as a filter on `supervision.ObserverRating`:
    those about themselves, from any supervisor past or present; and, about a current
    supervisee, those given by anyone who supervises that supervisee today (themselves
    included). A former supervisor's ratings drop out of the supervisors' view, and a former
    supervisor sees none."""
    from django.db.models import Exists, OuterRef  # imported here: this block is append-only

    if not user.is_authenticated:
        return Q(pk__in=[])
    current = SupervisionRelationship.objects.current()
    given_by_a_current_supervisor = Exists(
        current.filter(supervisor=OuterRef("supervisor"), supervisee=OuterRef("supervisee"))
    )
    my_supervisees = current_supervisees(user).values("pk")
    about_my_supervisee = Q(supervisee__in=my_supervisees) & Q(given_by_a_current_supervisor)
    return Q(supervisee=user) | about_my_supervisee


# Supervisor dashboard (issue 17, deliverable 7)


def can_see_private_answers_in_all_of_supervisees(
    viewer: AnyUser, assessments: Iterable[SelfAssessment], supervisee_ids: Iterable[int]
) -> bool:
    """`can_see_private_answers_in_all` for a page that lists many therapists: `supervisee_ids`
    are the viewer's current supervisees, read once from `current_supervisees`, so the rule
    asks no query per therapist."""
    return _private_answers_shown(viewer, assessments, set(supervisee_ids).__contains__)


# The supervision agenda (helper B)


def can_work_on_agenda(user: AnyUser, supervisee_id: int) -> bool:
    """The agenda for a supervisee's next supervision is theirs and their current supervisors':
    each of them reads it, adds to it and closes its items."""
    if not user.is_authenticated:
        return False
    return user.pk == supervisee_id or current_supervisees(user).filter(pk=supervisee_id).exists()


# CPD evidence (helper J)


def can_view_cpd_evidence(user: AnyUser, owner_id: int) -> bool:
    """A CPD evidence file is its owner's, and their current supervisor's, to download."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.pk == owner_id or current_supervisees(user).filter(pk=owner_id).exists()


# The service action list (helper A)


def services_suggestible_by(user: AnyUser) -> QuerySet[Service]:
    """The services a person may send a named suggestion to the lead of: those they work in
    as a therapist today."""
    if not user.is_authenticated:
        return Service.objects.none()
    works_in = Membership.objects.current().filter(user=user, role=Role.THERAPIST)
    return Service.objects.filter(pk__in=works_in.values("service_id"))


# The service heatmap (issue 19, helper h1)


def suppress_row(respondents: Iterable[int], total: int, k: int) -> list[bool]:
    """Which cells of one row of a table of team figures to hide: one flag per team cell, in
    order, then one for the service total (`total` respondents, the sum of the team cells).

    The total minus the visible team cells gives the hidden team cells' figures added
    together (their respondents and sum of ratings), so complementary suppression makes sure
    that sum never belongs to one small group:

    1. A cell over 1 to k - 1 people is hidden, and the total below k too (then every team
       cell is below k and hidden as well). A cell over nobody is empty: no data, not hidden.
    2. While the total is shown and some team cells are hidden, at least two of them must be,
       holding at least k people together: until then the smallest visible team cell (the
       leftmost of equals) is hidden too, and when none is left, the total.

    Then what the row gives away about its hidden cells is one figure over at least k people,
    never a cell's own: no hidden cell's figure can be worked out. How many people a hidden
    cell holds may sometimes be worked out (a team's size is no secret: the service overview
    shows it); what they answered cannot. The rule covers one row; cells of different
    statements or cycles are separate tables.
    """
    counts = list(respondents)
    hidden = [0 < count < k for count in counts]
    if 0 < total < k:
        return [count > 0 for count in counts] + [True]
    while True:
        hidden_counts = [count for count, off in zip(counts, hidden, strict=True) if off]
        if not hidden_counts or (len(hidden_counts) >= 2 and sum(hidden_counts) >= k):
            return [*hidden, False]
        visible = [
            (count, index)
            for index, (count, off) in enumerate(zip(counts, hidden, strict=True))
            if count > 0 and not off
        ]
        if not visible:
            return [*hidden, True]
        hidden[min(visible)[1]] = True
