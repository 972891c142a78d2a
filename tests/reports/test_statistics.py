"""The statistics of service analytics against hand-computed examples (DOMAIN.md section 9):
means with their 95 % interval, paired change, d_z and the reliable-change shares, with their
suppression below k and the edge cases (one person, no spread)."""

from __future__ import annotations

import math

import pytest

from reports.statistics import (
    Tally,
    complementary_hidden,
    disclosable_share,
    mean_interval,
    paired_change,
    t_quantile_975,
)

K = 5


def sums(values: list[float]) -> tuple[int, float, float]:
    return len(values), sum(values), sum(v * v for v in values)


@pytest.mark.parametrize(
    ("df", "expected"),
    [(1, 12.706), (4, 2.776), (30, 2.042), (40, 2.021), (60, 2.000), (120, 1.980), (1000, 1.962)],
)
def test_t_quantile_matches_the_printed_table(df, expected):
    assert t_quantile_975(df) == pytest.approx(expected, abs=0.001)


def test_t_quantile_refuses_zero_degrees_of_freedom():
    with pytest.raises(ValueError):
        t_quantile_975(0)


def test_mean_of_five_has_the_hand_computed_interval():
    # 1..5: mean 3, s = √2.5, half-width 2.776·√2.5/√5 = 1.9629.
    point = mean_interval(*sums([1, 2, 3, 4, 5]), k=K)
    assert (point.n, point.mean) == (5, 3)
    assert point.low == pytest.approx(3 - 1.9629, abs=1e-3)
    assert point.high == pytest.approx(3 + 1.9629, abs=1e-3)


def test_mean_of_fewer_than_k_people_is_hidden():
    point = mean_interval(*sums([1, 2, 3, 4]), k=K)
    assert (point.n, point.mean, point.low, point.suppressed) == (4, None, None, True)


def test_mean_of_exactly_k_people_is_shown():
    assert mean_interval(*sums([2, 2, 3, 3, 4]), k=K).mean == pytest.approx(2.8)


def test_mean_of_one_person_has_no_interval():
    point = mean_interval(*sums([3.5]), k=1)
    assert (point.mean, point.low, point.high) == (3.5, None, None)


def test_mean_without_spread_has_an_interval_of_no_width():
    point = mean_interval(*sums([2.2, 2.2, 2.2, 2.2, 2.2]), k=K)
    assert point.low == pytest.approx(2.2)
    assert point.high == pytest.approx(2.2)


def test_paired_change_gives_mean_sd_and_d_z():
    # Changes 1, 2, 0, 2, 0: mean 1, SD √((9 - 5) / 4) = 1, d_z 1.
    change = paired_change([(2, 3), (2, 4), (3, 3), (1, 3), (2, 2)], K)
    assert (change.n, change.mean_change, change.sd_change, change.d_z) == (5, 1, 1, 1)


def test_paired_change_of_fewer_than_k_pairs_is_hidden():
    change = paired_change([(2, 3), (2, 4), (3, 3), (1, 3)], K)
    assert (change.n, change.suppressed, change.d_z) == (4, True, None)


def test_paired_change_without_spread_has_no_d_z():
    change = paired_change([(2, 3)] * 5, K)
    assert (change.mean_change, change.sd_change, change.d_z) == (1, 0, None)


def test_paired_change_of_one_person_has_no_sd():
    change = paired_change([(2, 3)], 1)
    assert (change.mean_change, change.sd_change, change.d_z) == (1, None, None)


# SD 0.5, r_xx 0.8: SE = 0.5·√0.2, S_diff = √2·SE = 0.3162, so a change beyond 0.62 is reliable.
RELIABILITY = (0.5, 0.8)


def test_half_reliably_improved_is_shown():
    pairs = [(2.0, 3.0)] * 5 + [(2.0, 2.0)] * 5
    change = paired_change(pairs, K, RELIABILITY)
    assert (change.improved, change.worse) == (0.5, None)


def test_a_change_within_measurement_error_is_not_reliable():
    pairs = [(2.0, 2.6)] * 5 + [(2.0, 2.0)] * 5
    change = paired_change(pairs, K, RELIABILITY)
    assert change.improved is None  # 0 reliably improved: fewer than k, so hidden


def test_reliably_worse_share_is_counted_downwards():
    pairs = [(3.0, 2.0)] * 5 + [(2.0, 2.0)] * 5
    assert paired_change(pairs, K, RELIABILITY).worse == 0.5


def test_share_whose_complement_is_below_k_is_hidden():
    # 6 of 10 improved: the 4 who did not are fewer than k.
    pairs = [(2.0, 3.0)] * 6 + [(2.0, 2.0)] * 4
    assert paired_change(pairs, K, RELIABILITY).improved is None


def test_shares_unknown_without_stored_reliability():
    change = paired_change([(2.0, 3.0)] * 5 + [(2.0, 2.0)] * 5, K)
    assert (change.improved, change.worse) == (None, None)


def test_shares_unknown_when_the_stored_sd_is_zero():
    change = paired_change([(2.0, 3.0)] * 5 + [(2.0, 2.0)] * 5, K, (0.0, 0.8))
    assert (change.improved, change.worse) == (None, None)


@pytest.mark.parametrize(
    ("count", "n", "expected"),
    [(4, 10, None), (5, 10, 0.5), (6, 10, None), (5, 9, None), (0, 10, None), (10, 10, None)],
)
def test_share_needs_k_counted_and_k_not_counted(count, n, expected):
    assert disclosable_share(count, n, K) == expected


def test_interval_uses_the_t_distribution_not_the_normal():
    point = mean_interval(*sums([1, 5, 1, 5, 1, 5]), k=K)
    sd = math.sqrt((78 - 18 * 18 / 6) / 5)
    assert point.high == pytest.approx(3 + 2.571 * sd / math.sqrt(6), abs=1e-3)


# Complementary suppression: no hidden group's figure follows from the total and the others.


def by_size(tally: Tally) -> bool:
    return tally.n >= K


def test_a_small_group_alone_takes_another_down_with_it():
    groups = {"A": Tally(6), "B": Tally(6), "C": Tally(3)}
    # Total less A and B would be C: the smaller shown one (A, by name on a tie) is hidden too.
    assert complementary_hidden(groups, Tally(15), by_size) == {"A", "C"}


def test_two_small_groups_together_are_enough_to_hide_each_other():
    groups = {"A": Tally(6), "B": Tally(3), "C": Tally(3)}
    assert complementary_hidden(groups, Tally(12), by_size) == {"B", "C"}


def test_groups_of_k_or_more_are_all_shown():
    assert complementary_hidden({"A": Tally(6), "B": Tally(5)}, Tally(11), by_size) == set()


def test_people_in_no_group_count_in_the_rest():
    # Two people without a team: total less A and B describes them.
    assert complementary_hidden({"A": Tally(6), "B": Tally(7)}, Tally(15), by_size) == {"A"}


def test_a_share_whose_rest_is_everyone_counted_hides_another():
    def share(tally: Tally) -> bool:
        return disclosable_share(tally.count, tally.n, K) is not None

    groups = {"A": Tally(10, 5), "B": Tally(10, 5), "C": Tally(6, 6)}
    assert complementary_hidden(groups, Tally(26, 16), share) == {"A", "C"}
