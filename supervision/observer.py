"""Observer ratings: a supervisor rates a current supervisee's target behaviours on the scale of
the self-rating, and the comparison that sets them beside the supervisee's own ratings.

What is rated: the statements of the behaviour sections of the supervisee's framework, as its
current version words them, never a private one (`observable_items`). A statement left blank is
not rated; "not observed" is stored as a null value.

A double submit is one rating. The form carries a one-time token (a UUID drawn when the form is
drawn), stored on the rating and unique per supervisor; `record_observer_rating` locks the
supervision relationship, looks for a rating with that token, and returns it instead of writing
a second one. The lock makes two submits that arrive together wait for each other, and the
unique constraint backs it.

The comparison (`compare`) is read in a constant number of queries, whatever the number of
statements: the latest values are picked in the database, statement by statement.
"""

from __future__ import annotations

import datetime
import enum
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from accounts import permissions
from accounts.models import SupervisionRelationship, User
from accounts.permissions import AnyUser
from accounts.validators import reject_nhs_numbers
from assessments.frameworks import framework_for
from assessments.models import (
    RATING_LABELS,
    FrameworkItem,
    FrameworkSection,
    FrameworkVersion,
    ItemRating,
    SectionKind,
    SelfAssessment,
)

from .models import ObserverItemRating, ObserverRating

# A gap is flagged when self and observer are this many points apart, or more, either way: two
# points on the five-point scale is more than a neighbouring answer (say "Agree" beside
# "Neither agree nor disagree"), so the two see the behaviour differently.
GAP_THRESHOLD = 2


class NotAllowed(Exception):
    """The person does not supervise the supervisee today (views answer 404)."""


def observable_items(supervisee: User) -> QuerySet[FrameworkItem]:
    """The target behaviours a supervisor may rate: the statements of the behaviour sections
    of the supervisee's framework's current version (as `forms.items_of` finds it), private
    ones left out, in the questionnaire's order, each with its section."""
    framework = framework_for(supervisee)
    version = framework.current_version() if framework else None
    return _behaviours(version) if version else FrameworkItem.objects.none()


def _behaviours(version: FrameworkVersion) -> QuerySet[FrameworkItem]:
    return (
        FrameworkItem.objects.filter(
            version=version, section__kind=SectionKind.BEHAVIOURS, is_sensitive=False
        )
        .select_related("section")
        .order_by("section__order", "order")
    )


@transaction.atomic
def record_observer_rating(
    supervisor: User,
    supervisee: User,
    *,
    rated_on: datetime.date,
    values: Mapping[int, int | None],
    note: str,
    token: uuid.UUID,
) -> tuple[ObserverRating, bool]:
    """Record a supervisor's rating of a current supervisee's target behaviours: `values`
    maps statements (item ids, from `observable_items`) to 1..5, or None for "not observed".
    At least one statement must have a value from 1 to 5.

    Returns the rating and whether it was written now: a form sent twice (the same `token`)
    gives back the rating the first sending wrote."""
    relationships = (
        SupervisionRelationship.objects.current()
        .filter(supervisor=supervisor, supervisee=supervisee, supervisee__is_active=True)
        .select_for_update(of=("self",))
    )
    if not list(relationships):  # locked until the end of the transaction
        raise NotAllowed()
    earlier = ObserverRating.objects.filter(
        supervisor=supervisor, supervisee=supervisee, token=token
    ).first()
    if earlier is not None:
        return earlier, False
    note = note.strip()
    items = _check(supervisee, rated_on=rated_on, values=values, note=note)
    rating = ObserverRating(
        supervisor=supervisor,
        supervisee=supervisee,
        version_id=next(iter(items.values())).version_id,
        rated_on=rated_on,
        note=note,
        token=token,
    )
    rating._history_user = supervisor  # type: ignore[attr-defined]
    rating.save()
    bulk_create_with_history(
        [ObserverItemRating(rating=rating, item=items[pk], value=values[pk]) for pk in items],
        ObserverItemRating,
        default_user=supervisor,
    )
    return rating, True


def _check(
    supervisee: User,
    *,
    rated_on: datetime.date,
    values: Mapping[int, int | None],
    note: str,
) -> dict[int, FrameworkItem]:
    """The statements rated, by id, once the rating is known to be one that may be stored."""
    errors: dict[str, list[str]] = {}
    if rated_on > timezone.localdate():
        errors["rated_on"] = ["The rating date cannot be in the future."]
    try:
        reject_nhs_numbers(note)
    except ValidationError as error:
        errors["note"] = error.messages
    offered = observable_items(supervisee).in_bulk(list(values))
    if set(values) - set(offered):
        errors[NON_FIELD_ERRORS] = [
            "Some statements are no longer in the framework. Open the form again to rate the "
            "current statements."
        ]
    elif any(not _is_value(value) for value in values.values()):
        errors[NON_FIELD_ERRORS] = ["Each rating is from 1 to 5, or not observed."]
    elif not any(value is not None for value in values.values()):
        errors[NON_FIELD_ERRORS] = [
            "Rate at least one statement from 1 to 5 (\u201cnot observed\u201d alone is not "
            "a rating)."
        ]
    if errors:
        raise ValidationError(errors)
    return offered


def _is_value(value: object) -> bool:
    return value is None or (type(value) is int and value in RATING_LABELS)


# The comparison


class Direction(enum.Enum):
    """Which way a flagged gap goes."""

    OVER = "Rates self higher than observed"
    UNDER = "Rates self lower than observed"

    @property
    def label(self) -> str:
        return self.value


def value_label(value: int | None, *, none: str) -> str:
    """A rating as it reads on the page: "4 Agree", or `none` for a null value."""
    return none if value is None else f"{value} {RATING_LABELS[value]}"


@dataclass(frozen=True)
class ComparisonRow:
    """One target behaviour: the supervisee's own rating beside the observed one.

    `self_answered` / `observer_answered` tell a null value ("not applicable", "not observed")
    from no answer at all. `rating` is the observer rating the observed value comes from."""

    item: FrameworkItem
    self_value: int | None
    self_answered: bool
    observer_value: int | None
    observer_answered: bool
    rating: ObserverRating | None

    @property
    def gap(self) -> int | None:
        """Self minus observer, when both gave a value from 1 to 5."""
        if self.self_value is None or self.observer_value is None:
            return None
        return self.self_value - self.observer_value

    @property
    def direction(self) -> Direction | None:
        """The flag of a gap of `GAP_THRESHOLD` points or more, either way."""
        gap = self.gap
        if gap is None or abs(gap) < GAP_THRESHOLD:
            return None
        return Direction.OVER if gap > 0 else Direction.UNDER

    @property
    def gap_label(self) -> str:
        gap = self.gap
        if gap is None:
            return "No gap to show"
        return f"+{gap}" if gap > 0 else ("0" if gap == 0 else f"\u2212{-gap}")

    @property
    def self_label(self) -> str:
        if not self.self_answered:
            return "Not rated"
        return value_label(self.self_value, none="Not applicable")

    @property
    def observer_label(self) -> str:
        if not self.observer_answered:
            return "Not rated yet"
        return value_label(self.observer_value, none="Not observed")


@dataclass(frozen=True)
class SectionRows:
    section: FrameworkSection
    rows: list[ComparisonRow]


@dataclass(frozen=True)
class Comparison:
    """Self and observer side by side for one supervisee, as one viewer may see it."""

    supervisee: User
    version: FrameworkVersion | None
    assessment: SelfAssessment | None  # the latest submitted self-assessment compared with
    rows: list[ComparisonRow]
    ratings: list[ObserverRating] = field(default_factory=list)  # those the values come from

    @property
    def has_observer_ratings(self) -> bool:
        return bool(self.ratings)

    @property
    def sections(self) -> list[SectionRows]:
        """The rows by section, in the questionnaire's order."""
        grouped: dict[int, SectionRows] = {}
        for row in self.rows:
            section = row.item.section
            grouped.setdefault(section.pk, SectionRows(section, [])).rows.append(row)
        return list(grouped.values())

    @property
    def largest_gaps(self) -> list[ComparisonRow]:
        """The flagged rows, largest gap first (either way), then in the questionnaire's order."""
        flagged = [row for row in self.rows if row.direction is not None]
        return sorted(flagged, key=lambda row: -abs(row.gap or 0))


def compare(supervisee: User, viewer: AnyUser) -> Comparison:
    """The supervisee's target behaviours with, for each, their rating in their latest submitted
    self-assessment on their framework and the latest observed value among the observer ratings
    the viewer may read (`permissions.observer_ratings_visible_to`), both matched by item key
    across versions. A later "not observed" does not hide an earlier observed value. Private
    statements are never shown. A constant number of queries."""
    framework = framework_for(supervisee)
    version = framework.current_version() if framework else None
    if framework is None or version is None:
        return Comparison(supervisee, None, None, [])
    assessment = (
        SelfAssessment.objects.submitted()
        .filter(therapist=supervisee, framework=framework)
        .order_by("-submitted_at", "-cycle")
        .first()
    )
    visible = ObserverRating.objects.filter(
        permissions.observer_ratings_visible_to(viewer),
        supervisee=supervisee,
        version__framework=framework,
    )
    given = ObserverItemRating.objects.filter(
        rating__in=visible, item__key=OuterRef("key")
    ).order_by("-rating__rated_on", "-rating__created_at", "-rating_id")
    observed = given.filter(value__isnull=False)
    items = _behaviours(version).annotate(
        observer_value=Subquery(observed.values("value")[:1]),
        observer_rating_id=Coalesce(
            Subquery(observed.values("rating_id")[:1]), Subquery(given.values("rating_id")[:1])
        ),
    )
    if assessment is not None:
        own = ItemRating.objects.filter(
            assessment=assessment, item__key=OuterRef("key"), item__is_sensitive=False
        )
        items = items.annotate(
            self_value=Subquery(own.values("value")[:1]), self_answered=Exists(own)
        )
    items_list = list(items)
    rating_ids = {item.observer_rating_id for item in items_list} - {None}
    ratings = (
        ObserverRating.objects.filter(pk__in=rating_ids).select_related("supervisor").in_bulk()
        if rating_ids
        else {}
    )
    rows = [
        ComparisonRow(
            item=item,
            self_value=getattr(item, "self_value", None),
            self_answered=getattr(item, "self_answered", False),
            observer_value=item.observer_value,
            observer_answered=item.observer_rating_id is not None,
            rating=ratings.get(item.observer_rating_id),
        )
        for item in items_list
    ]
    newest_first = sorted(ratings.values(), key=lambda r: (r.rated_on, r.created_at), reverse=True)
    return Comparison(supervisee, version, assessment, rows, newest_first)
