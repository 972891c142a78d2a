"""Stored reliability figures for the reliable change index: baseline SD (s1) and Cronbach's alpha.

Per framework and domain (a section, matched by key across versions, or a COM-B component), from
every submitted baseline of every version of the framework, over the statements of its newest
published version (matched by key). Sensitive statements count: the figures are anonymous.

The ratings are streamed once, ordered by assessment, into exact integer sums per domain, so
memory stays flat however many baselines there are. They are recomputed only when the number of
baselines crosses a step (`STEPS`), by a background task (`tasks.refresh_reliability`), never in
a page request: profiles read two stored numbers per domain, and their reliable-change badges
move only at those steps, not each time someone else submits (DOMAIN.md section 9).
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from operator import itemgetter

from django.db import transaction
from django.utils import timezone

from accounts import permissions

from .models import (
    DomainReliability,
    Framework,
    FrameworkItem,
    FrameworkVersion,
    ItemRating,
    SelfAssessment,
    SelfAssessmentQuerySet,
)
from .scoring import MIN_RESPONDENTS_FOR_RELIABILITY

# 10, 20, 50, 100, 200, 500, 1000, … : figures settle as baselines grow, so steps widen.
STEPS = tuple(mantissa * 10**exponent for exponent in range(1, 10) for mantissa in (1, 2, 5))
# Rows fetched per round trip: the only part of the pass whose memory depends on the data.
CHUNK_SIZE = 2000


@dataclass(frozen=True)
class DomainFigures:
    """What is stored for one domain: complete cases, SD of their domain means, alpha."""

    respondents: int
    baseline_sd: float
    alpha: float


def step(baselines: int) -> int:
    """The highest step a number of baselines has reached; 0 below the first."""
    return max((s for s in STEPS if s <= baselines), default=0)


def baselines_of(framework: Framework) -> SelfAssessmentQuerySet:
    """Submitted baselines of every version of the framework."""
    return SelfAssessment.objects.baselines().filter(version__framework=framework)


def refresh_reliability(framework: Framework) -> bool:
    """Recompute and store the framework's figures if its number of baselines has crossed a step
    since they were computed; returns whether it did. Repeating it at the same count does
    nothing. The framework row is locked first, so two workers never recompute at once."""
    with transaction.atomic():
        locked = Framework.objects.select_for_update().get(pk=framework.pk)
        baselines = baselines_of(locked).count()
        if step(baselines) == step(locked.reliability_baselines):
            return False
        figures = compute_reliability(locked)
        now = timezone.now()
        locked.domain_reliabilities.all().delete()
        DomainReliability.objects.bulk_create(
            DomainReliability(
                framework=locked,
                domain_key=key,
                respondents=domain.respondents,
                baseline_sd=domain.baseline_sd,
                alpha=domain.alpha,
                computed_at=now,
            )
            for key, domain in figures.items()
        )
        locked.reliability_baselines = baselines
        locked.save(update_fields=["reliability_baselines"])
    framework.reliability_baselines = baselines
    return True


def stored_reliability(framework_id: int) -> dict[str, tuple[float, float]]:
    """(baseline SD, alpha) by domain key, as `scoring.compare` takes them, in one query."""
    rows = DomainReliability.objects.filter(framework_id=framework_id).order_by()
    return {
        key: (sd, alpha)
        for key, sd, alpha in rows.values_list("domain_key", "baseline_sd", "alpha")
    }


def compute_reliability(framework: Framework) -> dict[str, DomainFigures]:
    """Figures for each domain with enough complete cases and a positive alpha, in one pass."""
    version = framework.current_version()
    if version is None:
        return {}
    sums = {key: _DomainSums(keys) for key, keys in domain_items(version).items()}
    wanted = {key for domain in sums.values() for key in domain.keys}
    item_keys = dict(
        FrameworkItem.objects.filter(version__framework=framework, key__in=wanted)
        .order_by()
        .values_list("pk", "key")
    )
    ratings = (
        ItemRating.objects.filter(
            assessment__in=baselines_of(framework), item_id__in=list(item_keys), value__isnull=False
        )
        .order_by("assessment_id")
        .values_list("assessment_id", "item_id", "value")
        .iterator(chunk_size=CHUNK_SIZE)
    )
    for _assessment, rows in itertools.groupby(ratings, key=itemgetter(0)):
        answers = {item_keys[item_id]: value for _, item_id, value in rows}
        for domain in sums.values():
            domain.add(answers)
    return {key: figures for key, domain in sums.items() if (figures := domain.figures())}


def domain_items(version: FrameworkVersion) -> dict[str, tuple[str, ...]]:
    """Item keys of each domain of a version: its rated sections, and the COM-B components of
    its barrier sections."""
    domains: dict[str, list[str]] = defaultdict(list)
    items = (
        FrameworkItem.objects.filter(version=version)
        .rated()
        .order_by("section__order", "order")
        .values_list("key", "section__key", "section__component__code")
    )
    for key, section_key, component in items:
        domains[section_key].append(key)
        if component:
            domains[component].append(key)
    return {domain: tuple(keys) for domain, keys in domains.items()}


@dataclass
class _DomainSums:
    """Exact integer sufficient statistics of one domain's complete cases: n, Σx and Σx² per
    item, and ΣT and ΣT² of the totals T. Variances follow without keeping any response."""

    keys: tuple[str, ...]
    n: int = 0
    item_sums: list[int] = field(init=False)
    item_squares: list[int] = field(init=False)
    total_sum: int = 0
    total_squares: int = 0

    def __post_init__(self) -> None:
        self.item_sums = [0] * len(self.keys)
        self.item_squares = [0] * len(self.keys)

    def add(self, answers: Mapping[str, int | None]) -> None:
        """Count one baseline, if it rated every statement of the domain."""
        values = [value for key in self.keys if (value := answers.get(key)) is not None]
        if len(values) < len(self.keys):
            return
        self.n += 1
        for index, value in enumerate(values):
            self.item_sums[index] += value
            self.item_squares[index] += value * value
        total = sum(values)
        self.total_sum += total
        self.total_squares += total * total

    def figures(self) -> DomainFigures | None:
        """SD of the domain means and alpha, as `scoring.cronbach_alpha` and `statistics.stdev`
        give them over the same rows; None when too few cases, one item, or alpha not above 0."""
        n, k = self.n, len(self.keys)
        # A statistical floor, and the privacy one that every aggregate over people passes.
        if n < MIN_RESPONDENTS_FOR_RELIABILITY or not permissions.is_disclosable(n) or k < 2:
            return None
        # n·Σx² - (Σx)² is n(n-1) times the sample variance; the factor cancels in alpha.
        total_spread = n * self.total_squares - self.total_sum**2
        if total_spread == 0:
            return None
        item_spread = sum(
            n * squares - sums**2
            for sums, squares in zip(self.item_sums, self.item_squares, strict=True)
        )
        alpha = Fraction(k, k - 1) * (1 - Fraction(item_spread, total_spread))
        if alpha <= 0:
            return None
        # The domain mean is T / k, so its SD is SD(T) / k.
        sd = math.sqrt(Fraction(total_spread, n * (n - 1) * k * k))
        return DomainFigures(respondents=n, baseline_sd=sd, alpha=float(alpha))
