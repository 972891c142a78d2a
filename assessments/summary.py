"""A short summary of many therapists' training-needs profiles, for pages that list people (the
supervisor's dashboard): need now, change since baseline per COM-B component with reliable
decline flagged, and the top needs.

Figured as `profile.therapist_profile` figures them (the same scoring, the stored reliability
figures, the same private-answer rule and the framework the profile shows by default: the one
last submitted on), but from the latest submitted assessment and the baseline only, for any
number of therapists in a fixed number of queries.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from accounts import permissions
from accounts.models import User

from . import scoring
from .models import DomainReliability, ItemRating, SelfAssessment
from .profile import items_by_version

TOP_NEEDS = 3


@dataclass(frozen=True)
class ComponentSummary:
    """One COM-B component now, and its change since the baseline (None at the baseline)."""

    score: scoring.DomainScore
    since_baseline: scoring.Change | None = None

    @property
    def reliably_worse(self) -> bool:
        return self.since_baseline is not None and self.since_baseline.reliably_worse


@dataclass(frozen=True)
class ProfileSummary:
    """What a list of therapists shows of one therapist's profile."""

    therapist_id: int
    framework_id: int
    latest: SelfAssessment
    baseline: SelfAssessment | None  # None while the latest assessment is the baseline
    need: float | None  # the mean need over every statement rated in the latest assessment
    baseline_need: float | None
    components: list[ComponentSummary]
    top_needs: list[scoring.PriorityNeed]
    includes_sensitive: bool

    @property
    def need_change(self) -> float | None:
        """Change in overall need since the baseline (negative: closer to the targets)."""
        if self.need is None or self.baseline_need is None:
            return None
        return self.need - self.baseline_need

    @property
    def reliable_declines(self) -> list[ComponentSummary]:
        """Components whose mean rating fell beyond measurement error since the baseline."""
        return [component for component in self.components if component.reliably_worse]


def overall_need(scores: scoring.AssessmentScores) -> float | None:
    """The mean need of the statements rated (not applicable left out); None if none was."""
    rated = [value for value in scores.items.values() if value is not None]
    return statistics.fmean(scoring.need_score(value) for value in rated) if rated else None


def profile_summaries(
    viewer: User, assessments: Iterable[SelfAssessment], *, top: int = TOP_NEEDS
) -> dict[int, ProfileSummary]:
    """A summary for each therapist with a submitted assessment among `assessments` (every
    assessment of the therapists listed, any status, `version` selected), by therapist id, as
    `viewer` may see it; callers check `permissions.can_view_therapist`. At most four queries
    (statements of versions not cached, ratings, reliability figures, the viewer's
    supervisees), none when nothing was submitted."""
    shown = _shown_assessments(assessments)
    if not shown:
        return {}
    compared = {therapist_id: _compared(submitted) for therapist_id, submitted in shown.items()}
    wanted = [a for pair in compared.values() for a in pair if a is not None]
    items = items_by_version(a.version for a in wanted)
    ratings: dict[int, dict[str, int | None]] = defaultdict(dict)
    for assessment_id, key, value in ItemRating.objects.filter(
        assessment__in=[a.pk for a in wanted]
    ).values_list("assessment_id", "item__key", "value"):
        ratings[assessment_id][key] = value
    figures = _stored_reliability({a.framework_id for a in wanted})
    supervisee_ids = set(permissions.current_supervisees(viewer).values_list("pk", flat=True))
    summaries = {}
    for therapist_id, (baseline, latest) in compared.items():
        include = permissions.can_see_private_answers_in_all_of_supervisees(
            viewer, shown[therapist_id], supervisee_ids
        )

        def scores(assessment: SelfAssessment, include: bool = include) -> scoring.AssessmentScores:
            return scoring.score(
                items[assessment.version_id], ratings[assessment.pk], include_sensitive=include
            )

        now = scores(latest)
        before = scores(baseline) if baseline else None
        summaries[therapist_id] = ProfileSummary(
            therapist_id=therapist_id,
            framework_id=latest.framework_id,
            latest=latest,
            baseline=baseline,
            need=overall_need(now),
            baseline_need=overall_need(before) if before else None,
            components=_components(before, now, figures.get(latest.framework_id, {})),
            top_needs=now.priority_needs[:top],
            includes_sensitive=include,
        )
    return summaries


def _shown_assessments(assessments: Iterable[SelfAssessment]) -> dict[int, list[SelfAssessment]]:
    """Each therapist's submitted assessments of the framework they last submitted on."""
    submitted: dict[int, list[SelfAssessment]] = defaultdict(list)
    for assessment in assessments:
        if assessment.is_submitted:
            submitted[assessment.therapist_id].append(assessment)
    shown = {}
    for therapist_id, own in submitted.items():
        last = max(own, key=lambda a: (a.submitted_at, a.pk))
        shown[therapist_id] = [a for a in own if a.framework_id == last.framework_id]
    return shown


def _compared(submitted: list[SelfAssessment]) -> tuple[SelfAssessment | None, SelfAssessment]:
    """(baseline, latest) by cycle; the baseline None when it is the latest."""
    ordered = sorted(submitted, key=lambda a: a.cycle)
    return (ordered[0] if len(ordered) > 1 else None), ordered[-1]


def _stored_reliability(framework_ids: set[int]) -> dict[int, dict[str, tuple[float, float]]]:
    """`reliability.stored_reliability` of several frameworks, in one query."""
    figures: dict[int, dict[str, tuple[float, float]]] = defaultdict(dict)
    rows = DomainReliability.objects.filter(framework_id__in=framework_ids).order_by()
    for framework_id, key, sd, alpha in rows.values_list(
        "framework_id", "domain_key", "baseline_sd", "alpha"
    ):
        figures[framework_id][key] = (sd, alpha)
    return figures


def _components(
    before: scoring.AssessmentScores | None,
    now: scoring.AssessmentScores,
    figures: dict[str, tuple[float, float]],
) -> list[ComponentSummary]:
    # `compare` lists the components first, in the order of `now.components`.
    changes = scoring.compare(before, now, reliability=figures) if before else []
    by_key = {change.key: change for change in changes[: len(now.components)]}
    return [
        ComponentSummary(score=domain, since_baseline=by_key.get(domain.key))
        for domain in now.components
    ]
