"""A therapist's training-needs profile: scores per cycle, change, priority needs.

One framework at a time: "since previous", "since baseline" and history compare assessments of
the same framework only (across its versions, by stable item keys); someone with history in
several frameworks sees one, with a way to switch (`history_frameworks`).
Built in a fixed number of queries whatever the number of past assessments, then scored by
`scoring`; reliable change uses the stored figures of `reliability`, never computed here.
Sub-components (by each item's primary COM-B code) get the same change but no reliability, as
none is stored for them. Sensitive items (self-care, burnout) count only for the therapist
themself, or for their supervisor when the therapist chose to share them in every assessment
compared.
"""

from __future__ import annotations

import itertools
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.cache import cache

from accounts import permissions
from accounts.models import Membership, Role, User

from . import queries, reliability, scoring
from .cycles import CycleStatus, cycle_status, interval_months
from .frameworks import framework_for
from .models import Framework, FrameworkItem, FrameworkVersion, ItemRating, SelfAssessment
from .taxonomy import COM_B_SUBCOMPONENTS

HIGH_NEED = 75
# Cycles the chart and its trend table show; the history table lists every one.
TREND_CYCLES = 4
SCORED_ITEMS = "scored-items"
_SUBCOMPONENT_ORDER = {code: n for n, (code, *_rest) in enumerate(COM_B_SUBCOMPONENTS)}


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
    """One line of a profile table: a COM-B component, sub-component or section."""

    score: scoring.DomainScore
    since_previous: scoring.Change | None = None
    since_baseline: scoring.Change | None = None


@dataclass(frozen=True)
class TrendRow:
    """One row of the profile table across cycles (None where a cycle had no such domain)."""

    label: str
    scores: list[scoring.DomainScore | None]

    @property
    def needs(self) -> list[float | None]:
        return [score.need if score else None for score in self.scores]


@dataclass(frozen=True)
class Trend:
    """The profile table's rows across the last few cycles, oldest first."""

    cycles: list[str]
    rows: list[TrendRow]


@dataclass(frozen=True)
class ProfileBasis:
    """What a profile, as one viewer sees it, is computed from: the latest submitted assessment
    and whether private answers count. It changes when the therapist submits again, so it keys
    what is cached of the profile (its chart)."""

    latest_pk: int
    includes_sensitive: bool


@dataclass
class TherapistProfile:
    therapist: User
    status: CycleStatus
    framework: Framework | None = None
    # Every framework the therapist has submitted assessments of, most recent first.
    frameworks: list[Framework] = field(default_factory=list)
    # Whether a service the therapist works in now uses the framework (so they can start).
    in_current_service: bool = False
    cycles: list[ProfileCycle] = field(default_factory=list)
    rows: list[DomainRow] = field(default_factory=list)
    subcomponent_rows: list[DomainRow] = field(default_factory=list)
    includes_sensitive: bool = True

    @property
    def can_start(self) -> bool:
        """Whether the therapist can start or continue a self-assessment of this framework."""
        if self.status.open_assessment is not None:
            return True
        return self.in_current_service and self.status.can_start

    @property
    def latest(self) -> ProfileCycle | None:
        return self.cycles[-1] if self.cycles else None

    @property
    def previous(self) -> ProfileCycle | None:
        return self.cycles[-2] if len(self.cycles) > 1 else None

    def priority_needs(self, limit: int = 5) -> list[scoring.PriorityNeed]:
        return self.latest.scores.priority_needs[:limit] if self.latest else []

    def tied_needs(self, limit: int = 5) -> list[scoring.PriorityNeed]:
        """The needs after the first `limit` that tie with the last of them: just as high a
        priority, so they are listed too rather than cut off by framework order."""
        needs = self.latest.scores.priority_needs if self.latest else []
        if len(needs) <= limit:
            return []
        last = needs[limit - 1].need
        return list(itertools.takewhile(lambda need: need.need == last, needs[limit:]))

    def trend(self, limit: int = TREND_CYCLES) -> Trend:
        """Need (and mean) of each row of the profile table in each of the last `limit` cycles,
        oldest first: what the chart draws and its trend table lists."""
        shown = self.cycles[-limit:]
        by_cycle = [
            {(d.kind, d.key): d for d in cycle.scores.components + cycle.scores.sections}
            for cycle in shown
        ]
        return Trend(
            cycles=[cycle.assessment.cycle_label for cycle in shown],
            rows=[
                TrendRow(
                    label=row.score.label,
                    scores=[scores.get((row.score.kind, row.score.key)) for scores in by_cycle],
                )
                for row in self.rows
            ],
        )

    @property
    def basis(self) -> ProfileBasis | None:
        if self.latest is None:
            return None
        return ProfileBasis(self.latest.assessment.pk, self.includes_sensitive)


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


def items_by_version(versions: Iterable[FrameworkVersion]) -> dict[int, list[scoring.ScoredItem]]:
    """The scored items of each version, by version id. A published version's are kept in the
    cache (it never changes); a draft's, and any not cached yet, are read in one query."""
    by_id = {version.pk: version for version in versions}
    keys = {
        pk: queries.version_cache_key(version, SCORED_ITEMS)
        for pk, version in by_id.items()
        if version.is_published
    }
    cached = cache.get_many(keys.values())
    found = {pk: cached[key] for pk, key in keys.items() if key in cached}
    missing = by_id.keys() - found.keys()
    if not missing:
        return found
    items = (
        FrameworkItem.objects.filter(version_id__in=missing)
        .rated()
        .select_related("section__component", "primary_subcomponent")
    )
    grouped: dict[int, list[FrameworkItem]] = {pk: [] for pk in missing}
    for item in items:
        grouped[item.version_id].append(item)
    read = {pk: scored_items(group) for pk, group in grouped.items()}
    kept = {keys[pk]: scored for pk, scored in read.items() if pk in keys}
    cache.set_many(kept, queries.PUBLISHED_VERSION_SECONDS)
    return found | read


def history_frameworks(assessments: Iterable[SelfAssessment]) -> list[Framework]:
    """The frameworks of submitted assessments (framework selected), most recent first."""
    submitted = sorted(
        (a for a in assessments if a.is_submitted),
        key=lambda a: (a.submitted_at, a.pk),
        reverse=True,
    )
    found: dict[int, Framework] = {}
    for assessment in submitted:
        found.setdefault(assessment.framework_id, assessment.framework)
    return list(found.values())


def shown_framework_id(
    therapist: User, history: list[Framework], framework_id: int | None
) -> int | None:
    """The framework a profile shows: the one asked for, else the one last submitted on, else
    the framework of the therapist's service."""
    if framework_id is not None:
        return framework_id
    if history:
        return history[0].pk
    current = framework_for(therapist)
    return current.pk if current else None


def profile_basis(
    viewer: User, therapist: User, *, named_assessment: int | None = None
) -> tuple[ProfileBasis, int] | None:
    """The basis of the profile of the framework of `named_assessment` (a submitted assessment
    of the therapist; the default framework if it is not one), and that framework's id, in one
    query without computing the profile; None before any submitted assessment of it."""
    submitted = list(
        therapist.self_assessments.submitted()
        .select_related("framework")
        .only(
            "pk",
            "therapist_id",
            "cycle",
            "shares_sensitive",
            "status",
            "submitted_at",
            "framework__id",
            "framework__name",
            "framework__slug",
        )
    )
    if not submitted:
        return None
    named = next((a.framework_id for a in submitted if a.pk == named_assessment), None)
    shown = shown_framework_id(therapist, history_frameworks(submitted), named)
    submitted = [a for a in submitted if a.framework_id == shown]
    if not submitted or shown is None:
        return None
    latest = max(submitted, key=lambda assessment: assessment.cycle)
    basis = ProfileBasis(latest.pk, permissions.can_see_private_answers_in_all(viewer, submitted))
    return basis, shown


def therapist_profile(
    viewer: User, therapist: User, framework_id: int | None = None
) -> TherapistProfile:
    """The profile as `viewer` may see it, of one framework (`shown_framework_id`); callers
    check `permissions.can_view_therapist`."""
    everything = list(therapist.self_assessments.select_related("version", "framework"))
    history = history_frameworks(everything)
    shown = shown_framework_id(therapist, history, framework_id)
    assessments = [a for a in everything if a.framework_id == shown]
    services = [
        membership.service
        for membership in Membership.objects.current()
        .filter(user=therapist, role=Role.THERAPIST)
        .select_related("service")
    ]
    using = [service for service in services if service.framework_id == shown]
    months = interval_months(s.reassessment_interval_months for s in using or services)
    status = cycle_status(assessments, months)
    submitted = sorted((a for a in assessments if a.is_submitted), key=lambda a: a.cycle)
    framework = next((f for f in history if f.pk == shown), None)
    if framework is None and shown is not None:
        framework = Framework.objects.filter(pk=shown).first()
    profile = TherapistProfile(
        therapist=therapist,
        status=status,
        framework=framework,
        frameworks=history,
        in_current_service=bool(using),
    )
    if not submitted:
        return profile
    items = items_by_version(a.version for a in submitted)
    ratings: dict[int, dict[str, int | None]] = defaultdict(dict)
    for assessment_id, key, value in ItemRating.objects.filter(
        assessment__in=submitted
    ).values_list("assessment_id", "item__key", "value"):
        ratings[assessment_id][key] = value
    include = permissions.can_see_private_answers_in_all(viewer, submitted)
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
    figures = reliability.stored_reliability(submitted[-1].framework_id)
    # A barrier section holds exactly one COM-B component's items: show it once, as the component.
    barrier_sections = {i.section_key for i in latest_items if i.section_kind == "barriers"}
    profile.rows = [row for row in _rows(profile, figures) if row.score.key not in barrier_sections]
    profile.subcomponent_rows = _subcomponent_rows(profile)
    return profile


def _rows(profile: TherapistProfile, figures: dict[str, tuple[float, float]]) -> list[DomainRow]:
    assert profile.latest is not None  # only called for a profile with a submitted cycle
    latest = profile.latest.scores
    previous = profile.previous.scores if profile.previous else None
    baseline = profile.cycles[0].scores if len(profile.cycles) > 1 else None
    by_previous = _changes(previous, latest, figures)
    by_baseline = _changes(baseline, latest, figures)
    return [
        DomainRow(
            score=domain,
            since_previous=by_previous.get((domain.kind, domain.key)),
            since_baseline=by_baseline.get((domain.kind, domain.key)),
        )
        for domain in latest.components + latest.sections
    ]


def _changes(before, after, figures) -> dict[tuple[str, str], scoring.Change]:
    if before is None:
        return {}
    kinds = {d.key: d.kind for d in after.components + after.sections}
    return {
        (kinds[change.key], change.key): change
        for change in scoring.compare(before, after, reliability=figures)
    }


def _subcomponent_rows(profile: TherapistProfile) -> list[DomainRow]:
    """Sub-components with items, in COM-B order, each compared by mean with the previous cycle
    and the baseline (no reliable change index: no figures are stored for sub-components)."""
    assert profile.latest is not None  # only called for a profile with a submitted cycle
    previous = profile.previous.scores if profile.previous else None
    baseline = profile.cycles[0].scores if len(profile.cycles) > 1 else None
    latest = sorted(
        profile.latest.scores.subcomponents,
        key=lambda domain: _SUBCOMPONENT_ORDER.get(domain.key, len(_SUBCOMPONENT_ORDER)),
    )
    return [
        DomainRow(
            score=domain,
            since_previous=_subcomponent_change(previous, domain),
            since_baseline=_subcomponent_change(baseline, domain),
        )
        for domain in latest
    ]


def _subcomponent_change(
    before: scoring.AssessmentScores | None, after: scoring.DomainScore
) -> scoring.Change | None:
    if before is None:
        return None
    earlier = next((d.mean for d in before.subcomponents if d.key == after.key), None)
    return scoring.Change(after.key, after.label, earlier, after.mean)
