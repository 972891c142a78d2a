"""Evaluating goals with a target rating against the next submitted self-assessment.

`evaluate` is the rule, a pure function: met (at or beyond the target), partly met (improved
but short of it), not met (no improvement). `evaluate_goals_after` applies it to a therapist's
goals once an assessment is submitted: the assessments app sends `assessment_submitted` when a
submit commits, and this app's config connects `on_assessment_submitted` to it (assessments
never imports cpd). Goals measured by an outcome are marked by the therapist (their status).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from django.db import transaction

from accounts.models import User
from assessments.models import ItemRating, SelfAssessment

from .models import CpdGoal, GoalEvaluation

Result = GoalEvaluation.Result


def mean_rating(values: Iterable[int | None]) -> float | None:
    """The mean of the given ratings, leaving out "not applicable" (None); None when none."""
    rated = [value for value in values if value is not None]
    return sum(rated) / len(rated) if rated else None


def evaluate(target: int, before: float | None, after: float | None) -> Result | None:
    """How a goal of target rating `target` fared, from the rating before the goal and the one
    after (for a goal about several statements, the mean of their ratings). None when there is
    no rating after to judge by; with no rating before, only reaching the target counts."""
    if after is None:
        return None
    if after >= target:
        return Result.MET
    if before is not None and after > before:
        return Result.PARTLY_MET
    return Result.NOT_MET


@transaction.atomic
def evaluate_goals_after(assessment: SelfAssessment) -> list[GoalEvaluation]:
    """Evaluate the therapist's goals with a target rating made before `assessment` was
    submitted and not evaluated yet (dropped goals aside). Goals whose statements this
    assessment did not rate wait for a later one. Running it again evaluates nothing twice.
    Returns the evaluations written now."""
    submitted_at = assessment.submitted_at
    if submitted_at is None:
        return []
    therapist_id = assessment.therapist_id
    waiting = CpdGoal.objects.filter(
        plan__therapist_id=therapist_id,
        measure=CpdGoal.Measure.TARGET_RATING,
        created_at__lt=submitted_at,
        evaluation__isnull=True,
    ).exclude(status=CpdGoal.Status.DROPPED)
    if not waiting.exists():
        return []
    # One writer at a time for this therapist's goals (as cpd.services does), then look again.
    list(User.objects.select_for_update().filter(pk=therapist_id).values_list("pk", flat=True))
    goals = list(waiting.prefetch_related("items"))
    if not goals:
        return []
    keys_of = {goal.pk: {item.key for item in goal.items.all()} for goal in goals}
    after = _ratings_by_key([assessment.pk], set().union(*keys_of.values()))[assessment.pk]
    earlier = list(
        SelfAssessment.objects.submitted()
        .filter(
            therapist_id=therapist_id,
            framework_id=assessment.framework_id,
            submitted_at__lt=submitted_at,
        )
        .order_by("-submitted_at", "-pk")
        .values_list("pk", "submitted_at")
    )
    before_of = {
        goal.pk: next((pk for pk, when in earlier if when < goal.created_at), None)
        for goal in goals
    }
    before = _ratings_by_key(
        [pk for pk in set(before_of.values()) if pk is not None], set().union(*keys_of.values())
    )
    written = []
    for goal in goals:
        keys = keys_of[goal.pk]
        rating_after = mean_rating(after.get(key) for key in keys if key in after)
        before_ratings = before.get(before_of[goal.pk] or 0, {})
        rating_before = mean_rating(
            before_ratings.get(key) for key in keys if key in before_ratings
        )
        result = evaluate(goal.target_rating or 0, rating_before, rating_after)
        if result is None:
            continue
        evaluation = GoalEvaluation(
            goal=goal,
            assessment=assessment,
            rating_before=_whole(rating_before),
            rating_after=_whole(rating_after),
            result=result,
        )
        evaluation._history_user = assessment.therapist  # type: ignore[attr-defined]
        evaluation.save()
        written.append(evaluation)
    return written


def on_assessment_submitted(sender: Any, assessment: SelfAssessment, **kwargs: Any) -> None:
    """Receiver of `assessments.signals.assessment_submitted` (connected in `CpdConfig`)."""
    evaluate_goals_after(assessment)


def _ratings_by_key(assessment_ids: list[int], keys: set[str]) -> dict[int, dict[str, int | None]]:
    """Per assessment, its ratings of the statements with those keys (any version)."""
    found: dict[int, dict[str, int | None]] = {pk: {} for pk in assessment_ids}
    rows = ItemRating.objects.filter(
        assessment_id__in=assessment_ids, item__key__in=keys
    ).values_list("assessment_id", "item__key", "value")
    for assessment_id, key, value in rows:
        found[assessment_id][key] = value
    return found


def _whole(rating: float | None) -> int | None:
    """A mean stored as a whole rating: rounded down, so a mean short of the target never
    shows as the target."""
    return None if rating is None else math.floor(rating)
