"""The arithmetic behind the benchmark's printed figures."""

import pytest

from bench.figures import per_second, percentile


def test_the_50th_percentile_is_the_median():
    assert percentile([5, 1, 3], 0.5) == 3
    assert percentile([4, 1, 3, 2], 0.5) == 2.5


def test_the_95th_percentile_interpolates_between_ranks():
    assert percentile(list(range(1, 101)), 0.95) == pytest.approx(95.05)
    assert percentile([10, 20], 0.95) == pytest.approx(19.5)


def test_percentiles_of_one_value_are_that_value():
    assert percentile([7.5], 0.0) == percentile([7.5], 1.0) == 7.5


def test_percentile_refuses_no_values_or_a_fraction_outside_0_to_1():
    with pytest.raises(ValueError):
        percentile([], 0.5)
    with pytest.raises(ValueError):
        percentile([1, 2], 95)


def test_rate_is_count_over_seconds():
    assert per_second(200, 4.0) == 50
    with pytest.raises(ValueError):
        per_second(10, 0)
