"""Reads for the service action list: the Opportunity barriers a service's therapists report
(counts only, suppressed through the one helper), the open actions, the therapists' waiting
suggestions, and a therapist's own sent suggestions.

Every read here runs a fixed number of queries, however many therapists, statements or actions
a service has: the counts in one aggregate query, the rest with select_related/prefetch.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)

from accounts import permissions
from accounts.models import Membership, Role, Service, User
from assessments.models import (
    FrameworkItem,
    FrameworkVersion,
    InvolvementLevel,
    ItemRating,
    SelfAssessment,
)
from assessments.scoring import BARRIER_REPORTED_AT_MOST
from assessments.taxonomy import RATED_SECTION_KINDS
from reports.models import AssessmentDomainScore, ItemSummary

from .models import InvolvementRating, ServiceAction

OPPORTUNITY = "O"
Status = ServiceAction.Status
# Actions under way: the ones a reported barrier shows as "Planned", and the open actions the
# service page counts (a suggestion waits apart until the lead takes it up).
ACTIVE = (Status.PLANNED, Status.IN_PROGRESS)
SUMMARY_BARRIERS = 5


@dataclass(frozen=True)
class ReportedBarrier:
    """An Opportunity statement enough of the service's therapists rate as a barrier.

    `reported` is None when the exact count is withheld: fewer than k therapists who rated it
    do not report it, so the count would tell the lead that each of the others does."""

    item: FrameworkItem
    respondents: int
    reported: int | None
    planned: ServiceAction | None = None

    @property
    def key(self) -> str:
        return self.item.key

    @property
    def withheld(self) -> bool:
        return self.reported is None


def is_opportunity(prefix: str = "") -> Q:
    """Statements coded to COM-B Opportunity: by their primary sub-component, else by their
    section's component (as `cpd.suggestions.component_of` reads one statement); `prefix`
    reaches the statement from another model ("item__")."""
    return Q(**{f"{prefix}primary_subcomponent__component__code": OPPORTUNITY}) | Q(
        **{
            f"{prefix}primary_subcomponent__isnull": True,
            f"{prefix}section__component__code": OPPORTUNITY,
        }
    )


def _opportunity_first() -> Case:
    return Case(
        When(is_opportunity(), then=Value(0)), default=Value(1), output_field=IntegerField()
    )


def current_version(service: Service) -> FrameworkVersion | None:
    """The published version of the service's framework that pages show (None without one)."""
    if service.framework_id is None:
        return None
    return (
        FrameworkVersion.objects.published()
        .filter(framework_id=service.framework_id)
        .order_by("-number")
        .first()
    )


def _latest_assessments(service: Service) -> QuerySet[SelfAssessment]:
    """Each current therapist member's latest submitted self-assessment of the service on its
    framework (the highest cycle)."""
    therapists = Membership.objects.current().filter(service=service, role=Role.THERAPIST)
    of_service = SelfAssessment.objects.submitted().filter(
        service=service, framework_id=service.framework_id
    )
    later = of_service.filter(therapist=OuterRef("therapist"), cycle__gt=OuterRef("cycle"))
    return of_service.filter(therapist__in=therapists.values("user_id")).filter(~Exists(later))


def _barrier_counts(service: Service) -> dict[str, tuple[int, int]]:
    """Per Opportunity statement key: (therapists who rated it, those who report the barrier),
    in one aggregate query. A rating of "not applicable" (null) counts in neither."""
    rated = Q(value__isnull=False)
    # The SQL form of `scoring.reports_barrier`: a rating of at most 2 (Disagree).
    reports = Q(value__isnull=False, value__lte=BARRIER_REPORTED_AT_MOST)
    rows = (
        ItemRating.objects.filter(
            is_opportunity("item__"),
            assessment__in=_latest_assessments(service).values("pk"),
            item__section__kind__in=RATED_SECTION_KINDS,
        )
        .values("item__key")
        .annotate(
            respondents=Count("assessment__therapist", filter=rated, distinct=True),
            reported=Count("assessment__therapist", filter=reports, distinct=True),
        )
        .order_by()
    )
    return {row["item__key"]: (row["respondents"], row["reported"]) for row in rows}


def _statements_by_key(framework_id: int, keys: set[str]) -> dict[str, FrameworkItem]:
    """The newest published wording of each key of the service's framework (the current
    version's, or the last version that had it), in one query."""
    items = (
        FrameworkItem.objects.filter(
            key__in=keys,
            version__framework_id=framework_id,
            version__status=FrameworkVersion.Status.PUBLISHED,
        )
        .select_related("section")
        .order_by("key", "-version__number")
    )
    newest: dict[str, FrameworkItem] = {}
    for item in items:
        newest.setdefault(item.key, item)
    return newest


def _planned_by_key(service: Service, keys: set[str]) -> dict[str, ServiceAction]:
    """An action under way for each key that one targets (the soonest due), in one query."""
    targeted = (
        ServiceAction.objects.filter(service=service, status__in=ACTIVE, items__key__in=keys)
        .annotate(targeted_key=F("items__key"))
        .order_by(F("due_on").asc(nulls_last=True), "pk")
    )
    planned: dict[str, ServiceAction] = {}
    for action in targeted:
        planned.setdefault(action.targeted_key, action)
    return planned


def reported_barriers(service: Service, limit: int | None = None) -> list[ReportedBarrier]:
    """The Opportunity statements the service's therapists report as barriers, most reported
    first, as counts across therapists only (never whose answers).

    Suppression, all through `permissions.is_disclosable`/`suppress`: a statement fewer than k
    therapists rated, or fewer than k report, is not listed (even "fewer than k" would say
    someone reported it); when fewer than k of those who rated it do not report it, it is
    listed as "most of the N therapists" with the count withheld. Private statements may be
    listed: only these suppressed counts ever reach the lead."""
    framework_id = service.framework_id
    if framework_id is None:
        return []
    listed: dict[str, tuple[int, int | None]] = {}
    for key, (respondents, reported) in _barrier_counts(service).items():
        if not permissions.is_disclosable(respondents) or not permissions.is_disclosable(reported):
            continue
        listed[key] = (respondents, permissions.suppress(reported, respondents - reported))
    if not listed:
        return []
    statements = _statements_by_key(framework_id, set(listed))
    planned = _planned_by_key(service, set(listed))
    barriers = [
        ReportedBarrier(
            item=statements[key],
            respondents=respondents,
            reported=reported,
            planned=planned.get(key),
        )
        for key, (respondents, reported) in listed.items()
        if key in statements
    ]
    barriers.sort(key=_most_reported_first)
    return barriers[:limit] if limit is not None else barriers


def _most_reported_first(barrier: ReportedBarrier) -> tuple[int, int, int, int, str]:
    """Withheld counts first (they are the largest), ordered by how many rated them, then the
    exact counts from the largest; ties in the framework's order."""
    item = barrier.item
    if barrier.reported is None:
        return (0, -barrier.respondents, item.section.order, item.order, item.key)
    return (1, -barrier.reported, item.section.order, item.order, item.key)


# The list itself


def _with_statements(actions: QuerySet[ServiceAction]) -> QuerySet[ServiceAction]:
    statements = FrameworkItem.objects.only("pk", "key", "target_text", "version_id").order_by(
        "key"
    )
    return actions.select_related("suggested_by").prefetch_related(
        Prefetch("items", queryset=statements)
    )


def actions_of(service: Service, *, status: str = "", origin: str = "") -> QuerySet[ServiceAction]:
    """The service's actions (not the suggestions still waiting), those under way first, then
    by due date (undated last); only those of `status` and `origin` when given."""
    under_way = Case(
        When(status__in=ACTIVE, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    chosen = Q(**({"status": status} if status else {}), **({"origin": origin} if origin else {}))
    actions = (
        ServiceAction.objects.filter(chosen, service=service)
        .exclude(status=Status.SUGGESTED)
        .annotate(under_way=under_way)
        .order_by("under_way", F("due_on").asc(nulls_last=True), "pk")
    )
    return _with_statements(actions)


def open_actions(service: Service) -> QuerySet[ServiceAction]:
    """The service's actions under way (planned or in progress)."""
    return actions_of(service).filter(status__in=ACTIVE)


def suggestions(service: Service) -> QuerySet[ServiceAction]:
    """Therapists' suggestions waiting for the lead, oldest first, with who sent them."""
    waiting = ServiceAction.objects.filter(service=service, status=Status.SUGGESTED)
    return _with_statements(waiting.order_by("created_at", "pk"))


def suggestions_sent_by(therapist: User) -> QuerySet[ServiceAction]:
    """The suggestions a therapist sent, newest first, with their service and how they stand."""
    sent = ServiceAction.objects.filter(
        suggested_by=therapist, origin=ServiceAction.Origin.THERAPIST
    )
    return _with_statements(sent.select_related("service").order_by("-created_at", "-pk"))


@dataclass(frozen=True)
class ActionListSummary:
    """What the lead's service page shows of the action list."""

    barriers: list[ReportedBarrier]
    open_actions: int
    waiting_suggestions: int


def summary(service: Service) -> ActionListSummary:
    """The top reported barriers and the counts of open actions and waiting suggestions, in a
    fixed number of queries."""
    counts = ServiceAction.objects.filter(service=service).aggregate(
        open_actions=Count("pk", filter=Q(status__in=ACTIVE)),
        waiting=Count("pk", filter=Q(status=Status.SUGGESTED)),
    )
    return ActionListSummary(
        barriers=reported_barriers(service, limit=SUMMARY_BARRIERS),
        open_actions=counts["open_actions"],
        waiting_suggestions=counts["waiting"],
    )


# Statements an action may target


def statement_choices(service: Service, action: ServiceAction | None = None) -> QuerySet:
    """The rated statements of the service framework's current version, Opportunity first, and
    those the action targets already (perhaps of an older version)."""
    version = current_version(service)
    nothing = Q(pk__in=[])
    chosen = Q(pk__in=action.items.values("pk")) if action is not None and action.pk else nothing
    in_version = Q(version=version) if version is not None else nothing
    opportunity_first = _opportunity_first()
    return (
        FrameworkItem.objects.rated()
        .filter(in_version | chosen)
        .annotate(opportunity_first=opportunity_first)
        .order_by("opportunity_first", "section__order", "order", "pk")
    )


def suggestion_statement_choices(service_ids: list[int]) -> QuerySet:
    """The rated statements of the current versions of these services' frameworks, Opportunity
    first (a therapist's suggestion may name them)."""
    frameworks = Service.objects.filter(pk__in=service_ids).values("framework_id")
    newest = (
        FrameworkVersion.objects.published()
        .filter(framework=OuterRef("version__framework"))
        .order_by("-number")
        .values("pk")[:1]
    )
    opportunity_first = _opportunity_first()
    return (
        FrameworkItem.objects.rated()
        .filter(version__framework__in=frameworks)
        .annotate(newest=Subquery(newest))
        .filter(version_id=F("newest"))
        .annotate(opportunity_first=opportunity_first)
        .order_by("opportunity_first", "section__order", "order", "pk")
    )


# Progress against the targeted statements


@dataclass(frozen=True)
class CycleShare:
    """The share of the service's therapists reporting a statement as a barrier in one cycle:
    `percent` is None when fewer than k rated it (suppressed), `respondents` 0 without data."""

    cycle: int
    respondents: int
    percent: int | None


@dataclass(frozen=True)
class StatementProgress:
    """One targeted statement: the share reporting it at the cycle before the action was
    created (None: no cycle had data then) and at the latest cycle."""

    item: FrameworkItem
    before: CycleShare | None
    now: CycleShare | None

    @property
    def no_later_cycle(self) -> bool:
        """The latest cycle is still the one before the action: nothing to compare yet."""
        return (
            self.before is not None and self.now is not None and self.before.cycle == self.now.cycle
        )


def _cycle_starts(service: Service, framework_id: int) -> dict[int, datetime.datetime]:
    """When each cycle of the service's framework first had a submitted assessment of the
    service, from the stored domain scores (one per component and assessment), in one query."""
    rows = (
        AssessmentDomainScore.objects.filter(
            service=service,
            framework_id=framework_id,
            kind=AssessmentDomainScore.Kind.COMPONENT,
        )
        .values("cycle")
        .annotate(first=Min("assessment__submitted_at"))
        .order_by()
    )
    return {row["cycle"]: row["first"] for row in rows if row["first"] is not None}


def _cycle_before(starts: dict[int, datetime.datetime], moment: datetime.datetime) -> int | None:
    """The latest cycle that had data when the action was created."""
    earlier = [cycle for cycle, first in starts.items() if first < moment]
    return max(earlier) if earlier else None


def _reporting(
    service: Service, framework_id: int, keys: set[str], cycles: set[int]
) -> dict[tuple[str, int], tuple[int, int]]:
    """Per (statement key, cycle): the service's therapists who rated it and those reporting
    it, summed over teams and the framework's versions (a key names the same statement in
    every version), from the item summaries in one query."""
    rows = (
        ItemSummary.objects.filter(
            service=service,
            version__framework_id=framework_id,
            cycle__in=cycles,
            item__key__in=keys,
        )
        .values("item__key", "cycle")
        .annotate(respondents=Sum("respondents"), reporting=Sum("reporting"))
        .order_by()
    )
    return {
        (row["item__key"], row["cycle"]): (row["respondents"], row["reporting"]) for row in rows
    }


def action_progress(
    service: Service, actions: Sequence[ServiceAction]
) -> dict[int, list[StatementProgress]]:
    """For each action (by pk) with targeted statements, each statement's share of therapists
    reporting it at the cycle before the action and at the latest cycle, suppressed below k
    (`permissions.small_group_minimum(service)`). Two queries however many actions: the
    actions' statements must be prefetched (`actions_of` does)."""
    targeted = {action.pk: list(action.items.all()) for action in actions}
    keys = {item.key for items in targeted.values() for item in items}
    framework_id = service.framework_id
    if not keys or framework_id is None:
        return {}
    starts = _cycle_starts(service, framework_id)
    now = max(starts) if starts else None
    before = {action.pk: _cycle_before(starts, action.created_at) for action in actions}
    cycles = {cycle for cycle in (now, *before.values()) if cycle is not None}
    counts = _reporting(service, framework_id, keys, cycles) if cycles else {}
    k = permissions.small_group_minimum(service)

    def share(key: str, cycle: int | None) -> CycleShare | None:
        if cycle is None:
            return None
        respondents, reporting = counts.get((key, cycle), (0, 0))
        percent = round(100 * reporting / respondents) if respondents else None
        return CycleShare(cycle, respondents, permissions.suppress(percent, respondents, k))

    return {
        pk: [
            StatementProgress(item, share(item.key, before[pk]), share(item.key, now))
            for item in items
        ]
        for pk, items in targeted.items()
        if items
    }


# The patient-involvement continuum


def involvement_levels(service: Service) -> list[InvolvementLevel]:
    """The continuum's levels in the current version of the service's framework, in order."""
    version = current_version(service)
    if version is None:
        return []
    return list(InvolvementLevel.objects.filter(version=version).order_by("level"))


def involvement_history(service: Service) -> QuerySet[InvolvementRating]:
    """The service's involvement ratings, newest first (by the day rated, then when recorded);
    the first is the current level."""
    return InvolvementRating.objects.filter(service=service).select_related("rated_by")


def example_actions(level: InvolvementLevel | None) -> list[str]:
    """A level's examples, one per line or semicolon, each a possible action."""
    if level is None:
        return []
    parts = level.examples.replace(";", "\n").splitlines()
    return [part.strip().rstrip(".") for part in parts if part.strip()]
