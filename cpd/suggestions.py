"""Suggestions for the CPD plan from the latest training-needs profile.

For each of the top needs, a suggested goal (the statement's target form, a target rating one
step above the current one) and the activity types its intervention functions point to. The
mapping follows the Behaviour Change Wheel's functions as a person can apply them to their own
learning (DOMAIN.md §3):

- Education → reading, e-learning
- Training → a workshop, skills practice, role play in supervision
- Modelling → watching an expert recording
- Enablement → a supervision focus
- Persuasion → a reflective exercise, a behavioural experiment

The activity types are the activity form's own (`ActivityType`), so a suggestion names what
the therapist can then log.

A function the framework marks service level only (Coercion, Restriction) is never used, even
if it were given activity types here; Incentivisation and Environmental restructuring act on
rewards and surroundings a service controls, so they suggest no individual activity. A need
whose statement has no coded function still gets a suggested goal, with no activity type.

The functions at the top are pure (no database); `suggestions_for` is the one read.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from accounts.models import User
from assessments.models import FrameworkItem
from assessments.profile import therapist_profile
from assessments.scoring import PriorityNeed

from .models import MAX_RATING, ActivityType, CpdGoal, CpdPlan, SuggestionDismissal

TOP_NEEDS = 5
MOTIVATION = "M"

# The activity form's own types, so a suggestion names what the therapist can then log.
ACTIVITY_TYPES: dict[str, tuple[ActivityType, ...]] = {
    "education": (ActivityType.READING, ActivityType.ELEARNING),
    "training": (ActivityType.WORKSHOP, ActivityType.SKILLS_PRACTICE, ActivityType.ROLE_PLAY),
    "modelling": (ActivityType.EXPERT_RECORDING,),
    "enablement": (ActivityType.SUPERVISION_FOCUS,),
    "persuasion": (ActivityType.REFLECTIVE_EXERCISE, ActivityType.BEHAVIOURAL_EXPERIMENT),
}


@dataclass(frozen=True)
class Function:
    """An intervention function as the suggestions need it."""

    slug: str
    service_level_only: bool = False


@dataclass(frozen=True)
class Need:
    """A priority need with its statement's coding: COM-B component code (C, O, M or "") and
    intervention functions."""

    key: str
    text: str
    rating: int
    need: float
    component: str = ""
    functions: tuple[Function, ...] = ()
    sensitive: bool = False


@dataclass(frozen=True)
class Suggestion:
    """A suggested goal for one need, and the activity types that fit it."""

    key: str
    text: str
    rating: int
    need: float
    component: str
    target_rating: int
    activities: tuple[str, ...]
    sensitive: bool = False

    @property
    def is_motivation(self) -> bool:
        """A Motivation need: routed to the supervision agenda as well."""
        return self.component == MOTIVATION


def activity_types(functions: Iterable[Function]) -> tuple[str, ...]:
    """The activity types (their labels) of the functions a person can apply themselves, in
    the order the functions come, each once."""
    found: list[str] = []
    for function in functions:
        if function.service_level_only:
            continue
        for activity in ACTIVITY_TYPES.get(function.slug, ()):
            if activity.label not in found:
                found.append(str(activity.label))
    return tuple(found)


def target_rating(rating: int) -> int:
    """One step above the current rating, at most the top of the scale."""
    return min(MAX_RATING, rating + 1)


def suggest(needs: Iterable[Need], limit: int = TOP_NEEDS) -> list[Suggestion]:
    """Suggestions for the first `limit` needs (already in priority order)."""
    return [
        Suggestion(
            key=need.key,
            text=need.text,
            rating=need.rating,
            need=need.need,
            component=need.component,
            target_rating=target_rating(need.rating),
            activities=activity_types(need.functions),
            sensitive=need.sensitive,
        )
        for need in list(needs)[:limit]
    ]


# The read


def component_of(item: FrameworkItem) -> str:
    """The statement's COM-B component: its primary sub-component's, else its section's."""
    if item.primary_subcomponent is not None:
        return item.primary_subcomponent.component.code
    if item.section.component is not None:
        return item.section.component.code
    return ""


def needs_with_coding(priority: list[PriorityNeed], items: Iterable[FrameworkItem]) -> list[Need]:
    """The priority needs, in order, with the coding of their statements (items selected with
    their sub-component's and section's component, functions prefetched)."""
    by_key = {item.key: item for item in items}
    return [
        Need(
            key=need.key,
            text=need.text,
            rating=need.rating,
            need=need.need,
            component=component_of(by_key[need.key]),
            functions=tuple(
                Function(f.slug, f.service_level_only)
                for f in by_key[need.key].intervention_functions.all()
            ),
            sensitive=by_key[need.key].is_sensitive,
        )
        for need in priority
        if need.key in by_key
    ]


@dataclass(frozen=True)
class LatestNeeds:
    """The needs of the therapist's latest submitted self-assessment, as the therapist sees
    them (private statements included), and whether they shared private answers in it."""

    needs: list[Need]
    version_id: int | None = None
    shares_sensitive: bool = False
    submitted_at: datetime.datetime | None = None


def latest_needs(therapist: User) -> LatestNeeds:
    """Every priority need of the therapist's latest profile, coded, in a fixed number of
    queries."""
    profile = therapist_profile(therapist, therapist)
    latest = profile.latest
    if latest is None:
        return LatestNeeds(needs=[])
    priority = latest.scores.priority_needs
    items = (
        FrameworkItem.objects.filter(
            version_id=latest.assessment.version_id, key__in=[need.key for need in priority]
        )
        .select_related("section__component", "primary_subcomponent__component")
        .prefetch_related("intervention_functions")
    )
    return LatestNeeds(
        needs=needs_with_coding(priority, items),
        version_id=latest.assessment.version_id,
        shares_sensitive=latest.assessment.shares_sensitive,
        submitted_at=latest.assessment.submitted_at,
    )


def planned_keys(plan: CpdPlan | None) -> set[str]:
    """The statement keys a goal of the plan is already about."""
    if plan is None:
        return set()
    return set(
        CpdGoal.objects.filter(plan=plan)
        .values_list("items__key", flat=True)
        .exclude(items__key=None)
    )


def suggestions_for(
    therapist: User,
    plan: CpdPlan | None,
    limit: int = TOP_NEEDS,
    *,
    found: LatestNeeds | None = None,
) -> list[Suggestion]:
    """Suggestions for the therapist's own plan: their top needs, leaving out those they
    dismissed and those a goal of `plan` is already about (`found`: the needs, when the
    caller has read them already)."""
    found = found or latest_needs(therapist)
    if not found.needs:
        return []
    dismissed = set(
        SuggestionDismissal.objects.filter(therapist=therapist).values_list("item_key", flat=True)
    )
    left_out = dismissed | planned_keys(plan)
    return suggest((need for need in found.needs if need.key not in left_out), limit)
