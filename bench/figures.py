"""The arithmetic behind the benchmark's figures, apart from the runner so tests can import it
without starting Django against a benchmark database."""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(values: Sequence[float], fraction: float) -> float:
    """The value below which `fraction` (0…1) of `values` lie, interpolating between the two
    nearest ranks (numpy's default, so p50 is the median)."""
    if not values:
        raise ValueError("No values.")
    if not 0 <= fraction <= 1:
        raise ValueError("The fraction must be between 0 and 1.")
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def per_second(count: int, seconds: float) -> float:
    """How many a second: requests, saves or rows."""
    if seconds <= 0:
        raise ValueError("The duration must be positive.")
    return count / seconds
