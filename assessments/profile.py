"""A therapist's training-needs profile: scores per cycle, change, priority needs.

Built in a fixed number of queries whatever the number of past assessments, then scored by
`scoring`. Sensitive items (self-care, burnout) count only for the therapist themself, or for
their supervisor when the therapist chose to share them in that assessment.
"""

from __future__ import annotations

import itertools
import statistics
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.cache import cache

from accounts.models import User

from . import scoring
from .models import FrameworkItem, ItemRating, SectionKind, SelfAssessment
from .questionnaire import CycleStatus, cycle_status, interval_months

HIGH_NEED = 75


@dataclass
class ProfileCycle:
    assessment: SelfAssessment
    scores: scoring.AssessmentScores
    change_from_previous: float | None = None

    @property
    def overall_mean(self) -> float | None:
        """Mean rating over every statement rated in this cycle (not applicable left out)."""
        rated = [value for value in self.scores.items.values() if value is not None]
        return statistics.fmean(rated) if rated else None

    @property
    def high_needs(self) -> int:
        """Statements rated 1 or 2: at least three quarters short of their target."""
        return sum(1 for need in self.scores.priority_needs if need.need >= HIGH_NEED)


@dataclass
class DomainRow:
    """One line of the profile table: a COM-B component or a section."""

    score: scoring.DomainScore
    since_previous: scoring.Change | None = None
    since_baseline: scoring.Change | None = None


@dataclass
class TherapistProfile:
    therapist: User
    status: CycleStatus
    cycles: list[ProfileCycle] = field(default_factory=list)
    rows: list[DomainRow] = field(default_factory=list)
    includes_sensitive: bool = True

    @property
    def latest(self) -> ProfileCycle | None:
        return self.cycles[-1] if self.cycles else None

    @property
    def previous(self) -> ProfileCycle | None:
        return self.cycles[-2] if len(self.cycles) > 1 else None

    def priority_needs(self, limit: int = 5) -> list[scoring.PriorityNeed]:
        return self.latest.scores.priority_needs[:limit] if self.latest else []


def scored_items(items: list[FrameworkItem]) -> list[scoring.ScoredItem]:
    """Framework items (with section and coding selected) as scoring's plain values."""
    return [
        scoring.ScoredItem(
            key=item.key,
            order=item.section.order * 1000 + item.order,
            section_key=item.section.key,
            section_title=item.section.title,
            section_kind=item.section.kind,
            component=item.section.component.code if item.section.component else "",
            subcomponent=item.primary_subcomponent.code if item.primary_subcomponent else "",
            sensitive=item.is_sensitive,
            text=item.target_text,
        )
        for item in items
    ]


def _items_by_version(version_ids: set[int]) -> dict[int, list[scoring.ScoredItem]]:
    items = (
        FrameworkItem.objects.filter(version_id__in=version_ids)
        .exclude(section__kind=SectionKind.OUTCOMES)
        .select_related("section__component", "primary_subcomponent")
    )
    grouped: dict[int, list[FrameworkItem]] = defaultdict(list)
    for item in items:
        grouped[item.version_id].append(item)
    return {version_id: scored_items(group) for version_id, group in grouped.items()}


def therapist_profile(viewer: User, therapist: User) -> TherapistProfile:
    """The profile as `viewer` may see it; callers check `permissions.can_view_therapist`."""
    assessments = list(therapist.self_assessments.all())
    status = cycle_status(assessments, interval_months(therapist))
    submitted = sorted((a for a in assessments if a.is_submitted), key=lambda a: a.cycle)
    is_owner = viewer.pk == therapist.pk
    profile = TherapistProfile(therapist=therapist, status=status)
    if not submitted:
        return profile
    items = _items_by_version({a.version_id for a in submitted})
    ratings: dict[int, dict[str, int | None]] = defaultdict(dict)
    for assessment_id, key, value in ItemRating.objects.filter(
        assessment__in=submitted
    ).values_list("assessment_id", "item__key", "value"):
        ratings[assessment_id][key] = value
    # Every cycle is scored over the same statements, so that change compares like with like:
    # private ones count for a supervisor only when shared in every cycle.
    include = is_owner or all(a.shares_sensitive for a in submitted)
    for assessment in submitted:
        scores = scoring.score(
            items[assessment.version_id], ratings[assessment.pk], include_sensitive=include
        )
        profile.cycles.append(ProfileCycle(assessment=assessment, scores=scores))
    for previous, cycle in itertools.pairwise(profile.cycles):
        if previous.overall_mean is not None and cycle.overall_mean is not None:
            cycle.change_from_previous = cycle.overall_mean - previous.overall_mean
    profile.includes_sensitive = include
    latest_items = items[submitted[-1].version_id]
    reliability = baseline_reliability(submitted[-1].version_id, latest_items)
    # A barrier section holds exactly one COM-B component's items: show it once, as the component.
    barrier_sections = {i.section_key for i in latest_items if i.section_kind == "barriers"}
    profile.rows = [
        row for row in _rows(profile, reliability) if row.score.key not in barrier_sections
    ]
    return profile


def _rows(
    profile: TherapistProfile, reliability: dict[str, tuple[float, float]]
) -> list[DomainRow]:
    latest = profile.latest.scores
    previous = profile.previous.scores if profile.previous else None
    baseline = profile.cycles[0].scores if len(profile.cycles) > 1 else None
    by_previous = _changes(previous, latest, reliability)
    by_baseline = _changes(baseline, latest, reliability)
    return [
        DomainRow(
            score=domain,
            since_previous=by_previous.get((domain.kind, domain.key)),
            since_baseline=by_baseline.get((domain.kind, domain.key)),
        )
        for domain in latest.components + latest.sections
    ]


def _changes(before, after, reliability) -> dict[tuple[str, str], scoring.Change]:
    if before is None:
        return {}
    kinds = {d.key: d.kind for d in after.components + after.sections}
    return {
        (kinds[change.key], change.key): change
        for change in scoring.compare(before, after, reliability=reliability)
    }


RELIABILITY_CACHE_SECONDS = 6 * 60 * 60


def baseline_reliability(
    version_id: int, items: list[scoring.ScoredItem]
) -> dict[str, tuple[float, float]]:
    """(SD of baseline domain means, Cronbach's alpha) per domain, from every therapist's
    submitted baseline on this version, where at least ten complete responses exist.

    It reads every baseline rating of the version, so it is cached until another baseline
    is submitted (the count is part of the key)."""
    baselines = SelfAssessment.objects.filter(
        version_id=version_id, cycle=0, status=SelfAssessment.Status.SUBMITTED
    ).count()
    if baselines < scoring.MIN_RESPONDENTS_FOR_RELIABILITY:
        return {}
    return cache.get_or_set(
        f"baseline-reliability:{version_id}:{baselines}",
        lambda: _compute_reliability(version_id, items),
        RELIABILITY_CACHE_SECONDS,
    )


def _compute_reliability(
    version_id: int, items: list[scoring.ScoredItem]
) -> dict[str, tuple[float, float]]:
    rows: dict[int, dict[str, int]] = defaultdict(dict)
    for assessment_id, key, value in ItemRating.objects.filter(
        assessment__version_id=version_id,
        assessment__cycle=0,
        assessment__status=SelfAssessment.Status.SUBMITTED,
        value__isnull=False,
    ).values_list("assessment_id", "item__key", "value"):
        rows[assessment_id][key] = value
    if len(rows) < scoring.MIN_RESPONDENTS_FOR_RELIABILITY:
        return {}
    domains: dict[str, list[str]] = defaultdict(list)
    for item in items:
        domains[item.section_key].append(item.key)
        if item.component:
            domains[item.component].append(item.key)
    result = {}
    for domain, keys in domains.items():
        complete = [[r[k] for k in keys] for r in rows.values() if all(k in r for k in keys)]
        if len(complete) < scoring.MIN_RESPONDENTS_FOR_RELIABILITY:
            continue
        alpha = scoring.cronbach_alpha(complete)
        means = [statistics.fmean(row) for row in complete]
        if alpha is not None and alpha > 0:
            result[domain] = (statistics.stdev(means), alpha)
    return result
