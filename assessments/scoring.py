"""Scores self-assessments: item need, domain means (two-thirds rule), change and reliability.

Pure Python over plain values (DOMAIN §8 and §9), so pages, reports and tasks share one
definition of a score and it can be tested without a database.
"""

import math
import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from .taxonomy import COM_B_COMPONENTS, COM_B_SUBCOMPONENTS, RATED_SECTION_KINDS

RATING_MIN = 1
RATING_MAX = 5
# A rating of 2 (Disagree) or less says the barrier is there (DOMAIN §8: "% ≤ 2").
BARRIER_REPORTED_AT_MOST = 2
RELIABLE_CHANGE_THRESHOLD = 1.96
MIN_RESPONDENTS_FOR_RELIABILITY = 10

_COMPONENT_NAMES = dict(COM_B_COMPONENTS)
_SUBCOMPONENT_NAMES = {code: name for code, _component, name, _definition in COM_B_SUBCOMPONENTS}


@dataclass(frozen=True)
class ScoredItem:
    """One rateable statement of a framework version, flattened with what scoring groups it by."""

    key: str
    order: int
    section_key: str
    section_title: str
    section_kind: str
    component: str = ""
    subcomponent: str = ""
    sensitive: bool = False
    text: str = ""

    def __post_init__(self) -> None:
        if self.section_kind not in RATED_SECTION_KINDS:
            raise ValueError(f"Item {self.key}: {self.section_kind!r} sections are not scored.")
        if self.component and self.component not in _COMPONENT_NAMES:
            raise ValueError(f"Item {self.key}: unknown COM-B component {self.component!r}.")


@dataclass(frozen=True)
class DomainScore:
    """Mean rating of a group of items, withheld when fewer than two thirds were answered."""

    label: str
    kind: str
    key: str
    answered: int
    total: int
    mean: float | None
    need: float | None

    @property
    def complete(self) -> bool:
        return self.mean is not None


@dataclass(frozen=True)
class PriorityNeed:
    """A rated item that falls short of its target statement."""

    key: str
    text: str
    section_title: str
    rating: int
    need: float


@dataclass(frozen=True)
class AssessmentScores:
    """Everything a page or report shows about one assessment's ratings."""

    items: dict[str, int | None]
    components: list[DomainScore]
    subcomponents: list[DomainScore]
    sections: list[DomainScore]
    priority_needs: list[PriorityNeed]
    answered: int
    total: int

    @property
    def percent_answered(self) -> int:
        """Share of items rated (not N/A), rounded half up to a whole percent."""
        if self.total == 0:
            return 0
        return (200 * self.answered + self.total) // (2 * self.total)


@dataclass(frozen=True)
class Change:
    """Movement of one domain's mean rating between two assessments."""

    key: str
    label: str
    before: float | None
    after: float | None
    rci: float | None = None

    @property
    def difference(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before

    @property
    def reliable(self) -> bool | None:
        """Whether the change exceeds measurement error (Jacobson & Truax, |RCI| > 1.96)."""
        if self.rci is None:
            return None
        return abs(self.rci) > RELIABLE_CHANGE_THRESHOLD

    @property
    def reliably_better(self) -> bool:
        """A reliable rise in mean rating: closer to the target, beyond measurement error."""
        return bool(self.reliable) and (self.difference or 0) > 0

    @property
    def reliably_worse(self) -> bool:
        """A reliable fall in mean rating: further from the target, beyond measurement error."""
        return bool(self.reliable) and (self.difference or 0) < 0


def reports_barrier(value: int | None) -> bool:
    """Whether a rating of the target statement reports the barrier (Disagree or less)."""
    return value is not None and _is_rating(value) and value <= BARRIER_REPORTED_AT_MOST


def need_score(value: int) -> float:
    """How far a rating falls short of the target statement: 5 → 0, 1 → 100."""
    if not _is_rating(value):
        raise ValueError(f"A rating must be a whole number from 1 to 5, not {value!r}.")
    return _need(value)


def score(
    items: Sequence[ScoredItem],
    ratings: Mapping[str, int | None],
    *,
    include_sensitive: bool = True,
) -> AssessmentScores:
    """Score one assessment; N/A (None) and missing ratings both count as not answered.

    With include_sensitive=False sensitive items vanish from every figure, for viewers the
    therapist has not shared them with. Ratings for keys that are not items are ignored.
    """
    keys = [item.key for item in items]
    if len(set(keys)) != len(keys):
        raise ValueError("Item keys must be unique.")
    for key in keys:
        value = ratings.get(key)
        if value is not None and not _is_rating(value):
            raise ValueError(f"Rating for {key} must be a whole number from 1 to 5, not {value!r}.")

    scored = sorted(
        (item for item in items if include_sensitive or not item.sensitive),
        key=lambda item: item.order,
    )
    answers = {item.key: ratings[item.key] for item in scored if item.key in ratings}

    by_component = _group(scored, lambda item: item.component)
    by_subcomponent = _group(scored, lambda item: item.subcomponent)
    by_section = _group(scored, lambda item: item.section_key)
    return AssessmentScores(
        items=answers,
        components=[
            _domain_score(name, "component", code, by_component[code], answers)
            for code, name in COM_B_COMPONENTS
            if code in by_component
        ],
        subcomponents=[
            _domain_score(_SUBCOMPONENT_NAMES.get(code, code), "subcomponent", code, group, answers)
            for code, group in by_subcomponent.items()
        ],
        sections=[
            _domain_score(group[0].section_title, "section", key, group, answers)
            for key, group in by_section.items()
        ],
        priority_needs=_priority_needs(scored, answers),
        answered=sum(value is not None for value in answers.values()),
        total=len(scored),
    )


def compare(
    before: AssessmentScores,
    after: AssessmentScores,
    *,
    reliability: Mapping[str, tuple[float, float]] | None = None,
) -> list[Change]:
    """Change in mean rating for each component and section of `after`.

    `reliability` maps a domain key to (baseline SD, r_xx) to add a reliable change index.
    """
    earlier = {(domain.kind, domain.key): domain for domain in before.components + before.sections}
    reliability = reliability or {}
    changes = []
    for domain in after.components + after.sections:
        previous = earlier.get((domain.kind, domain.key))
        before_mean = previous.mean if previous else None
        rci = None
        if domain.key in reliability and before_mean is not None and domain.mean is not None:
            sd, r_xx = reliability[domain.key]
            rci = reliable_change_index(before_mean, domain.mean, sd, r_xx)
        changes.append(Change(domain.key, domain.label, before_mean, domain.mean, rci))
    return changes


def reliable_change_index(
    before: float, after: float, sd: float, reliability: float
) -> float | None:
    """Jacobson & Truax RC = (after - before) / √(2·SE²), SE = sd·√(1 - r_xx).

    None when the standard error is zero (sd 0 or r_xx ≥ 1), since any change would be "reliable".
    """
    if sd < 0:
        raise ValueError("A standard deviation cannot be negative.")
    if sd == 0 or reliability >= 1:
        return None
    standard_error = sd * math.sqrt(1 - reliability)
    return (after - before) / math.sqrt(2 * standard_error**2)


def cronbach_alpha(rows: Sequence[Sequence[float]]) -> float | None:
    """Internal consistency of items (columns) over respondents (rows), complete cases only.

    None when it is undefined: fewer than 2 items or respondents, or no variance in totals.
    Whether n is large enough to show it (MIN_RESPONDENTS_FOR_RELIABILITY) is the caller's call.
    """
    if len(rows) < 2:
        return None
    k = len(rows[0])
    if any(len(row) != k for row in rows):
        raise ValueError("Every respondent needs a rating for every item (complete cases only).")
    if k < 2:
        return None
    total_variance = statistics.variance([sum(row) for row in rows])
    if total_variance == 0:
        return None
    item_variances = sum(statistics.variance(column) for column in zip(*rows, strict=True))
    return k / (k - 1) * (1 - item_variances / total_variance)


def _is_rating(value: object) -> bool:
    return (
        isinstance(value, int) and not isinstance(value, bool) and RATING_MIN <= value <= RATING_MAX
    )


def _need(rating: float) -> float:
    return (RATING_MAX - rating) / (RATING_MAX - RATING_MIN) * 100


def _group(
    items: list[ScoredItem], key: Callable[[ScoredItem], str]
) -> dict[str, list[ScoredItem]]:
    """Items by a grouping key in order of first appearance, leaving out items without one."""
    groups: dict[str, list[ScoredItem]] = {}
    for item in items:
        if group_key := key(item):
            groups.setdefault(group_key, []).append(item)
    return groups


def _domain_score(
    label: str, kind: str, key: str, items: list[ScoredItem], answers: Mapping[str, int | None]
) -> DomainScore:
    values = [value for item in items if (value := answers.get(item.key)) is not None]
    answered, total = len(values), len(items)
    mean = statistics.fmean(values) if 3 * answered >= 2 * total else None
    need = _need(mean) if mean is not None else None
    return DomainScore(label, kind, key, answered, total, mean, need)


def _priority_needs(
    items: list[ScoredItem], answers: Mapping[str, int | None]
) -> list[PriorityNeed]:
    needs = [
        PriorityNeed(item.key, item.text, item.section_title, rating, need_score(rating))
        for item in items
        if (rating := answers.get(item.key)) is not None and rating < RATING_MAX
    ]
    # Items arrive in framework order and the sort is stable, so ties keep that order.
    return sorted(needs, key=lambda need: -need.need)
