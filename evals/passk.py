"""pass^k, as tau-bench defines it: the chance that *all* k trials of a task succeed.

For a task run n times with c successes, the unbiased estimate of "k independent trials all
succeed" is C(c, k) / C(n, k) (sampling k of the n trials without replacement); pass^k is its mean
over tasks. With n = k it is simply the share of tasks that succeeded in every trial. pass^1 is
the ordinary success rate; pass^k can only fall as k grows, and the gap between the two is the
agent's inconsistency. (pass@k, "at least one of k succeeds", is 1 - C(n - c, k) / C(n, k).)
"""

from __future__ import annotations

from collections.abc import Iterable
from math import comb


def pass_hat_k_task(n: int, c: int, k: int) -> float:
    """C(c, k) / C(n, k) for one task with ``c`` successes in ``n`` trials."""
    if not 0 <= c <= n:
        raise ValueError(f"successes must be between 0 and trials (got c={c}, n={n})")
    if not 1 <= k <= n:
        raise ValueError(f"k must be between 1 and the number of trials (got k={k}, n={n})")
    return comb(c, k) / comb(n, k)


def pass_hat_k(tasks: Iterable[tuple[int, int]], k: int) -> float:
    """Mean of :func:`pass_hat_k_task` over ``(trials, successes)`` pairs; 0.0 for no tasks."""
    values = [pass_hat_k_task(n, c, k) for n, c in tasks]
    return sum(values) / len(values) if values else 0.0


def pass_at_k_task(n: int, c: int, k: int) -> float:
    """1 - C(n - c, k) / C(n, k): the chance that at least one of k trials succeeds."""
    if not 0 <= c <= n or not 1 <= k <= n:
        raise ValueError(f"need 0 <= c <= n and 1 <= k <= n (got n={n}, c={c}, k={k})")
    return 1.0 - comb(n - c, k) / comb(n, k)


def curve(tasks: Iterable[tuple[int, int]], k_max: int) -> dict[int, float]:
    """pass^1 .. pass^k_max."""
    pairs = list(tasks)
    return {k: pass_hat_k(pairs, k) for k in range(1, k_max + 1)}
