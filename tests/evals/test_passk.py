"""pass^k as tau-bench defines it: C(c, k) / C(n, k) per task, averaged over tasks."""

from __future__ import annotations

from math import comb

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evals.passk import curve, pass_at_k_task, pass_hat_k, pass_hat_k_task


def test_known_values():
    assert pass_hat_k_task(4, 4, 4) == 1.0
    assert pass_hat_k_task(4, 3, 4) == 0.0
    assert pass_hat_k_task(4, 3, 2) == comb(3, 2) / comb(4, 2) == 0.5
    assert pass_hat_k_task(8, 6, 1) == 0.75
    # Two tasks: one always passes, one passes half the time -> pass^2 = (1 + C(2,2)/C(4,2)) / 2.
    assert pass_hat_k([(4, 4), (4, 2)], 2) == pytest.approx((1 + 1 / 6) / 2)


def test_with_n_equal_k_it_is_the_share_of_tasks_that_never_failed():
    tasks = [(3, 3), (3, 2), (3, 3), (3, 0)]
    assert pass_hat_k(tasks, 3) == 0.5


def test_pass_at_k_is_at_least_one_success():
    assert pass_at_k_task(4, 1, 4) == 1.0
    assert pass_at_k_task(4, 0, 2) == 0.0
    assert pass_at_k_task(4, 2, 2) == pytest.approx(1 - comb(2, 2) / comb(4, 2))


@pytest.mark.parametrize(("n", "c", "k"), [(3, 4, 1), (3, -1, 1), (3, 2, 0), (3, 2, 4)])
def test_impossible_inputs_are_refused(n, c, k):
    with pytest.raises(ValueError):
        pass_hat_k_task(n, c, k)


@given(st.lists(st.tuples(st.integers(1, 8), st.integers(0, 8)).map(lambda t: (t[0], min(t[1], t[0]))),
                min_size=1, max_size=12))
def test_pass_hat_k_never_rises_with_k_and_starts_at_the_success_rate(tasks):
    k_max = min(n for n, _ in tasks)
    values = curve(tasks, k_max)
    assert values[1] == pytest.approx(sum(c / n for n, c in tasks) / len(tasks))
    assert all(values[k + 1] <= values[k] + 1e-12 for k in range(1, k_max))
    assert all(0.0 <= v <= 1.0 for v in values.values())
