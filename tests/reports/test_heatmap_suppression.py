"""Small groups in the heatmap: `permissions.suppress_row` hides every cell over fewer than k
people and, with complementary suppression, every cell the rest of its row would give away: the
total minus the visible cells only ever gives several hidden cells added together, over at
least k people."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from accounts.permissions import suppress_row

K = 5


def test_a_team_cell_over_fewer_than_k_people_is_hidden_with_a_second_cell():
    assert suppress_row([1, 5, 9], 15, K) == [True, True, False, False]


def test_the_smallest_visible_team_cell_is_the_one_hidden_to_protect_a_small_one():
    assert suppress_row([9, 1, 5, 12], 27, K) == [False, True, True, False, False]


def test_two_small_cells_over_k_people_together_need_no_third():
    assert suppress_row([3, 3, 10], 16, K) == [True, True, False, False]


def test_two_small_cells_over_fewer_than_k_people_together_hide_a_third():
    assert suppress_row([1, 2, 9, 12], 24, K) == [True, True, True, False, False]


def test_with_every_team_cell_hidden_the_total_over_two_cells_stays():
    assert suppress_row([2, 9], 11, K) == [True, True, False]


def test_a_total_over_fewer_than_k_people_is_hidden():
    assert suppress_row([1, 3], 4, K) == [True, True, True]


def test_a_single_team_with_data_shows_the_same_figure_as_the_total():
    assert suppress_row([0, 7, 0], 7, K) == [False, False, False, False]


def test_a_row_with_no_small_cell_hides_nothing():
    assert suppress_row([5, 6, 7], 18, K) == [False] * 4


def test_a_cell_nobody_rated_is_empty_not_hidden():
    assert suppress_row([0, 6, 7], 13, K) == [False, False, False, False]


def test_five_cells_of_one_person_each_stay_hidden_together_beside_the_others():
    assert suppress_row([1, 1, 1, 1, 1, 8], 13, K) == [True] * 5 + [False, False]


rows = st.lists(st.integers(min_value=0, max_value=12), min_size=1, max_size=6)


@given(counts=rows, k=st.integers(min_value=2, max_value=7))
def test_no_hidden_cells_figure_can_be_worked_out_from_its_row(counts, k):
    # What a reader learns about the hidden team cells is the total minus the visible cells:
    # their figures added together. With two or more hidden cells, each could hold any share.
    shown = suppress_row(counts, sum(counts), k)
    hidden = [count for count, off in zip(counts, shown, strict=False) if off]
    if not shown[-1] and hidden:
        assert len(hidden) >= 2 and sum(hidden) >= k


@given(counts=rows, k=st.integers(min_value=2, max_value=7))
def test_every_shown_cell_is_over_at_least_k_people(counts, k):
    shown = suppress_row(counts, sum(counts), k)
    visible = [count for count, off in zip(counts, shown, strict=False) if count and not off]
    assert all(count >= k for count in visible)
    if not shown[-1] and sum(counts):
        assert sum(counts) >= k


@given(counts=rows, k=st.integers(min_value=2, max_value=7))
def test_only_cells_with_people_in_them_are_hidden(counts, k):
    shown = suppress_row(counts, sum(counts), k)
    assert not any(off for count, off in zip(counts, shown, strict=False) if count == 0)
