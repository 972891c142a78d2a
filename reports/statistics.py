"""The statistics of service analytics (DOMAIN.md section 9), pure Python over plain numbers.

A trend point is a mean with its 95 % confidence interval (t distribution, df n - 1), computed
from the count, sum and sum of squares the database returns, so no score leaves the database
one by one. Paired change gives the mean change, its SD, d_z and the shares reliably improved
and reliably worse (Jacobson & Truax, through `assessments.scoring.reliable_change_index`).

scipy is not a dependency: the t quantile comes from a table up to 30 degrees of freedom and a
Cornish-Fisher expansion beyond it (within 0.001 of the exact value there).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from assessments.scoring import RELIABLE_CHANGE_THRESHOLD, reliable_change_index

# t(0.975, df) for df 1 to 30 (standard tables).
_T_975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip
_Z_975 = 1.959964

Group = TypeVar("Group", bound=Hashable)


def t_quantile_975(df: int) -> float:
    """The 97.5th percentile of Student's t with `df` degrees of freedom (two-sided 95 %)."""
    if df < 1:
        raise ValueError("A t distribution needs at least one degree of freedom.")
    if df <= len(_T_975):
        return _T_975[df - 1]
    z = _Z_975
    return (
        z
        + (z**3 + z) / (4 * df)
        + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)
        + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * df**3)
    )


@dataclass(frozen=True)
class MeanInterval:
    """A mean over n people with its 95 % confidence interval (None when n is 1 or the figure is
    suppressed: then `mean` is None too)."""

    n: int
    mean: float | None
    low: float | None
    high: float | None

    @property
    def suppressed(self) -> bool:
        return self.mean is None


def sample_sd(n: int, total: float, squares: float) -> float | None:
    """The sample SD from a count, sum and sum of squares; None below two values. Rounding can
    make a zero spread come out a hair negative, so it is clamped to 0."""
    if n < 2:
        return None
    spread = (squares - total * total / n) / (n - 1)
    return math.sqrt(max(spread, 0.0))


def mean_interval(n: int, total: float, squares: float, k: int) -> MeanInterval:
    """The mean of n values (given as their sum and sum of squares) and its 95 % CI,
    mean ± t(0.975, n - 1)·s/√n; all withheld when n < k (fewer than k people)."""
    if n < k or n == 0:
        return MeanInterval(n, None, None, None)
    mean = total / n
    sd = sample_sd(n, total, squares)
    if sd is None:
        return MeanInterval(n, mean, None, None)
    half = t_quantile_975(n - 1) * sd / math.sqrt(n)
    return MeanInterval(n, mean, mean - half, mean + half)


def disclosable_share(count: int, n: int, k: int) -> float | None:
    """count / n, or None when it could single people out: fewer than k in the group, or fewer
    than k counted or not counted (a share of 0 % or 100 %, or nearly, tells about each)."""
    if n < k or count < k or n - count < k:
        return None
    return count / n


@dataclass(frozen=True)
class PairedChange:
    """Change from baseline to a later cycle in one domain, over the people with both."""

    n: int
    mean_change: float | None
    sd_change: float | None
    d_z: float | None
    improved: float | None  # share reliably improved
    worse: float | None  # share reliably worse

    @property
    def suppressed(self) -> bool:
        return self.mean_change is None


def paired_change(
    pairs: Sequence[tuple[float, float]],
    k: int,
    reliability: tuple[float, float] | None = None,
) -> PairedChange:
    """Mean and SD of (after - before) over the pairs, d_z = mean / SD (None when SD is 0 or
    undefined), and, with `reliability` (baseline SD, r_xx), the shares whose reliable change
    index is above 1.96 (improved: mean rating up) or below -1.96 (worse). Everything is
    withheld below k pairs, and each share on its own by `disclosable_share`."""
    n = len(pairs)
    if n < k or n == 0:
        return PairedChange(n, None, None, None, None, None)
    changes = [after - before for before, after in pairs]
    mean = sum(changes) / n
    sd = sample_sd(n, sum(changes), sum(change * change for change in changes))
    d_z = mean / sd if sd else None
    improved = worse = None
    counts = reliable_counts(pairs, reliability) if reliability is not None else None
    if counts is not None:
        improved, worse = disclosable_share(counts[0], n, k), disclosable_share(counts[1], n, k)
    return PairedChange(n, mean, sd, d_z, improved, worse)


def reliable_counts(
    pairs: Sequence[tuple[float, float]], reliability: tuple[float, float]
) -> tuple[int, int] | None:
    """How many pairs changed reliably up and down (|RC| > 1.96), with (baseline SD, r_xx);
    None when no change is measurable (a stored SD of 0 or r_xx of 1)."""
    indices = [reliable_change_index(before, after, *reliability) for before, after in pairs]
    known = [index for index in indices if index is not None]
    if len(known) < len(indices):
        return None
    up = sum(1 for index in known if index > RELIABLE_CHANGE_THRESHOLD)
    down = sum(1 for index in known if index < -RELIABLE_CHANGE_THRESHOLD)
    return up, down


# Complementary suppression


@dataclass(frozen=True)
class Tally:
    """A group's size and, for a share, how many of it are counted."""

    n: int
    count: int = 0

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.n + other.n, self.count + other.count)

    def __sub__(self, other: Tally) -> Tally:
        return Tally(self.n - other.n, self.count - other.count)


def complementary_hidden(
    groups: Mapping[Group, Tally], total: Tally, disclosable: Callable[[Tally], bool]
) -> set[Group]:
    """The groups whose figure must be hidden when `total` is shown beside them: those not
    disclosable themselves, and then, smallest first, as many shown ones as it takes for the
    rest (the total less the shown groups) to be empty or disclosable too, so that no hidden
    group's figure can be worked out from the visible ones and the total.

    A person in two groups is counted in both, so the rest may come out empty or negative:
    nothing can be derived from it then."""
    hidden = {group for group, tally in groups.items() if not disclosable(tally)}
    shown = sorted(
        (group for group in groups if group not in hidden),
        key=lambda group: (groups[group].n, str(group)),
    )
    while shown:
        rest = total
        for group in shown:
            rest = rest - groups[group]
        if rest.n <= 0 or disclosable(rest):
            break
        hidden.add(shown.pop(0))
    return hidden
