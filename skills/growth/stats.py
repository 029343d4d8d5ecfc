"""Two-proportion significance tests for growth experiments, on SciPy's distributions.

    expected count in every cell ≥ fisher_below_expected ─▶ two-proportion z-test (pooled standard error)
    otherwise ──────────────────────────────────────────────▶ Fisher's exact test (scipy.stats.fisher_exact)

Both are two-sided. The 95% confidence interval of the difference is Newcombe's hybrid score interval
(method 10), built from the two Wilson intervals: unlike the Wald interval it stays inside [-1, 1]
and behaves at rates near 0 or 1 and at small samples. Effect size is Cohen's h.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats

from skills.growth.models import TestMethod


@dataclass(frozen=True, slots=True)
class ProportionTest:
    method: TestMethod
    statistic: float | None
    p_value: float
    difference: float
    ci_low: float
    ci_high: float
    relative_lift: float | None
    cohens_h: float


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of one proportion (no continuity correction)."""
    if n == 0:
        return 0.0, 1.0
    ci = stats.binomtest(successes, n).proportion_ci(confidence_level=confidence, method="wilson")
    return float(ci.low), float(ci.high)


def newcombe_interval(s1: int, n1: int, s2: int, n2: int, confidence: float = 0.95) -> tuple[float, float]:
    """Interval for p2 - p1 (Newcombe 1998, method 10)."""
    p1, p2 = s1 / n1, s2 / n2
    l1, u1 = wilson_interval(s1, n1, confidence)
    l2, u2 = wilson_interval(s2, n2, confidence)
    diff = p2 - p1
    return diff - math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2), diff + math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)


def two_proportion_z(s1: int, n1: int, s2: int, n2: int) -> tuple[float, float]:
    """z and the two-sided p-value for H0: p1 == p2, with the pooled standard error."""
    pooled = (s1 + s2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:  # both rates 0 or both 1: no evidence of any difference
        return 0.0, 1.0
    z = (s2 / n2 - s1 / n1) / se
    return z, float(2 * stats.norm.sf(abs(z)))


def cohens_h(p1: float, p2: float) -> float:
    return 2 * math.asin(math.sqrt(p2)) - 2 * math.asin(math.sqrt(p1))


def compare_proportions(control_successes: int, control_n: int, successes: int, n: int, *,
                        fisher_below_expected: float = 5.0) -> ProportionTest:
    """Challenger (``successes`` of ``n``) against the control; both samples must be non-empty."""
    if control_n <= 0 or n <= 0:
        raise ValueError("both samples need at least one contact")
    if not (0 <= control_successes <= control_n and 0 <= successes <= n):
        raise ValueError("successes must lie between 0 and the sample size")
    p1, p2 = control_successes / control_n, successes / n
    pooled = (control_successes + successes) / (control_n + n)
    expected = min(control_n * pooled, control_n * (1 - pooled), n * pooled, n * (1 - pooled))
    method: TestMethod
    statistic: float | None
    if expected < fisher_below_expected:
        table = [[successes, n - successes], [control_successes, control_n - control_successes]]
        result = stats.fisher_exact(table, alternative="two-sided")
        method = "fisher_exact"
        odds_ratio, p_value = float(result.statistic), float(result.pvalue)
        statistic = odds_ratio if math.isfinite(odds_ratio) else None  # a zero cell: the ratio is infinite
    else:
        method = "two_proportion_z"
        statistic, p_value = two_proportion_z(control_successes, control_n, successes, n)
    low, high = newcombe_interval(control_successes, control_n, successes, n)
    return ProportionTest(
        method=method, statistic=statistic, p_value=min(1.0, p_value), difference=p2 - p1, ci_low=low,
        ci_high=high, relative_lift=(p2 - p1) / p1 if p1 > 0 else None, cohens_h=cohens_h(p1, p2),
    )


__all__ = ["ProportionTest", "cohens_h", "compare_proportions", "newcombe_interval", "two_proportion_z",
           "wilson_interval"]
