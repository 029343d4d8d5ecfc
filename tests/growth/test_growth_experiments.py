"""Experiments: stable, balanced assignment; significance against hand-computed values; no early winners."""

from __future__ import annotations

import math
from collections import Counter
from datetime import UTC, datetime

import pytest
from growth_support import OTHER, TENANT

from skills.growth.errors import ContactIdInvalid, ExperimentClosed, ExperimentExists, ExperimentNotFound
from skills.growth.experiments import ExperimentService, analyse, assign
from skills.growth.models import Experiment, ExperimentCreate, ResultRecord, Variant
from skills.growth.repository import GrowthRepository
from skills.growth.service import GrowthService
from skills.growth.stats import compare_proportions, newcombe_interval
from tools.gateway import Gateway


def _experiment(*weights: int, experiment_id: str = "subject_test", minimum: int = 30) -> Experiment:
    variants = tuple(Variant(variant_id=chr(ord("a") + i), label_ar=f"نسخة {i + 1}", weight=w)
                     for i, w in enumerate(weights or (1, 1)))
    return Experiment(tenant=TENANT, experiment_id=experiment_id, name_ar="اختبار سطر الموضوع", kind="message",
                      metric="reply", variants=variants, min_sample_per_variant=minimum, status="running",
                      created_at=datetime(2026, 11, 16, tzinfo=UTC))


def _spec(experiment_id: str = "subject_test", minimum: int | None = None) -> ExperimentCreate:
    return ExperimentCreate(experiment_id=experiment_id, name_ar="اختبار سطر الموضوع", kind="message", metric="reply",
                            variants=(Variant(variant_id="a", label_ar="الحالية"),
                                      Variant(variant_id="b", label_ar="أقصر")),
                            min_sample_per_variant=minimum)


# ----------------------------------------------------------------------------------------- assignment
def test_assignment_is_stable_across_calls_and_services(growth: GrowthService, growth_repo: GrowthRepository,
                                                         gateway: Gateway) -> None:
    growth.experiments.create(_spec())
    first = [growth.experiments.assign("subject_test", f"ld_{i}").variant_id for i in range(200)]
    fresh = ExperimentService(growth_repo, gateway, tenant=TENANT, clock=lambda: datetime.now(UTC))
    assert [fresh.assign("subject_test", f"ld_{i}").variant_id for i in range(200)] == first
    assert [assign(_experiment(), f"ld_{i}").variant_id for i in range(200)] == first


def test_assignment_is_balanced_and_follows_the_weights() -> None:
    even = Counter(assign(_experiment(1, 1), f"ld_{i:05d}").variant_id for i in range(10000))
    assert abs(even["a"] - 5000) < 200 and abs(even["b"] - 5000) < 200
    skewed = Counter(assign(_experiment(3, 1), f"ld_{i:05d}").variant_id for i in range(10000))
    assert abs(skewed["a"] - 7500) < 200
    three = Counter(assign(_experiment(1, 1, 1), f"ld_{i:05d}").variant_id for i in range(9000))
    assert all(abs(three[v] - 3000) < 200 for v in "abc")


def test_two_experiments_assign_independently() -> None:
    one, two = _experiment(experiment_id="one"), _experiment(experiment_id="two")
    same = sum(assign(one, f"ld_{i}").variant_id == assign(two, f"ld_{i}").variant_id for i in range(4000))
    assert 1800 < same < 2200  # about half: knowing one assignment says nothing about the other


# ----------------------------------------------------------------------------------------- statistics
def test_the_z_test_matches_a_hand_computation() -> None:
    # 20 of 100 against 35 of 100: pooled p = 0.275, se = sqrt(0.275 * 0.725 * (1/100 + 1/100))
    se = math.sqrt(0.275 * 0.725 * 0.02)
    z = (0.35 - 0.20) / se
    p = math.erfc(abs(z) / math.sqrt(2))
    result = compare_proportions(20, 100, 35, 100)
    assert result.method == "two_proportion_z"
    assert result.statistic == pytest.approx(z, rel=1e-9) and z == pytest.approx(2.3754, abs=1e-4)
    assert result.p_value == pytest.approx(p, rel=1e-9) and p == pytest.approx(0.01753, abs=1e-5)
    assert result.difference == pytest.approx(0.15)
    assert result.relative_lift == pytest.approx(0.75)
    assert result.cohens_h == pytest.approx(2 * math.asin(math.sqrt(0.35)) - 2 * math.asin(math.sqrt(0.2)))


def test_the_interval_is_newcombes_published_example() -> None:
    # Newcombe (1998), Statistics in Medicine 17:873-890, example (a): 56/70 - 48/80 → 0.0524 to 0.3339
    low, high = newcombe_interval(48, 80, 56, 70)
    assert low == pytest.approx(0.0524, abs=5e-4) and high == pytest.approx(0.3339, abs=5e-4)


def test_small_counts_use_fishers_exact_test() -> None:
    # 0 of 10 against 5 of 10: P(all 5 successes in one arm) = C(10,5) / C(20,5), doubled for two sides
    expected = 2 * math.comb(10, 5) / math.comb(20, 5)
    result = compare_proportions(0, 10, 5, 10)
    assert result.method == "fisher_exact" and result.statistic is None  # a zero cell: infinite odds ratio
    assert result.p_value == pytest.approx(expected, rel=1e-9) and expected == pytest.approx(0.0325, abs=1e-4)


def test_equal_rates_give_no_evidence() -> None:
    result = compare_proportions(0, 50, 0, 50)
    assert result.p_value == 1.0 and result.difference == 0


# ----------------------------------------------------------------------------------------- verdicts
def test_no_winner_is_called_below_the_minimum_sample_even_with_a_tiny_p_value() -> None:
    analysis = analyse(_experiment(minimum=30), {"a": (12, 0), "b": (12, 12)})
    assert analysis.comparisons[0].p_value < 0.001
    assert analysis.verdict == "insufficient_sample" and analysis.winner is None
    assert not analysis.comparisons[0].significant
    assert "30" in analysis.message_ar and "12" in analysis.message_ar


def test_no_winner_with_too_few_successes_overall() -> None:
    analysis = analyse(_experiment(minimum=30), {"a": (400, 0), "b": (400, 4)})
    assert analysis.verdict == "insufficient_sample" and analysis.winner is None


def test_a_clear_difference_with_enough_contacts_names_the_winner_with_its_interval() -> None:
    analysis = analyse(_experiment(minimum=30), {"a": (100, 20), "b": (100, 35)})
    comparison = analysis.comparisons[0]
    assert analysis.verdict == "winner" and analysis.winner == "b"
    assert comparison.significant and comparison.ci_low > 0
    assert "أقصر" not in analysis.message_ar and "نسخة 2" in analysis.message_ar


def test_the_control_wins_when_every_challenger_is_significantly_worse() -> None:
    analysis = analyse(_experiment(minimum=30), {"a": (100, 35), "b": (100, 20)})
    assert analysis.verdict == "winner" and analysis.winner == "a"


def test_similar_rates_are_no_difference() -> None:
    analysis = analyse(_experiment(minimum=30), {"a": (100, 20), "b": (100, 23)})
    assert analysis.verdict == "no_difference" and analysis.winner is None


def test_several_challengers_are_corrected_for_multiple_comparisons() -> None:
    # b beats a at p ≈ 0.035 alone, but with two challengers the adjusted p ≈ 0.07 is not significant
    analysis = analyse(_experiment(1, 1, 1, minimum=30), {"a": (200, 40), "b": (200, 58), "c": (200, 41)})
    b = next(c for c in analysis.comparisons if c.variant_id == "b")
    assert b.p_value < 0.05 and b.p_adjusted == pytest.approx(2 * b.p_value)
    assert not b.significant and analysis.verdict == "no_difference"


# ----------------------------------------------------------------------------------------- the service
def test_results_follow_the_assignment_and_conclude_is_recorded(growth: GrowthService, gateway: Gateway) -> None:
    growth.experiments.create(_spec(minimum=5))
    results = [ResultRecord(contact_id=f"ld_{i}", success=i % 3 == 0) for i in range(60)]
    analysis = growth.experiments.record("subject_test", results)
    by_variant = Counter(growth.experiments.assign("subject_test", r.contact_id).variant_id for r in results)
    assert {v.variant_id: v.n for v in analysis.variants} == dict(by_variant)
    concluded = growth.experiments.conclude("subject_test")
    assert concluded.experiment.status == "concluded"
    with pytest.raises(ExperimentClosed):
        growth.experiments.record("subject_test", results[:1])
    events = [e for e in gateway.audit.events(tenant=TENANT, limit=100) if e.action == "growth.experiment"]
    assert [e.payload["args"]["event"] for e in events] == ["created", "concluded"]
    assert all(e.payload["mode"] == "suggest_only" for e in events)


def test_a_later_result_for_the_same_contact_replaces_the_earlier_one(growth: GrowthService) -> None:
    growth.experiments.create(_spec())
    growth.experiments.record("subject_test", [ResultRecord(contact_id="ld_1", success=False)])
    analysis = growth.experiments.record("subject_test", [ResultRecord(contact_id="ld_1", success=True)])
    assert sum(v.n for v in analysis.variants) == 1 and sum(v.successes for v in analysis.variants) == 1


def test_ids_are_unique_per_tenant_and_invisible_to_others(growth: GrowthService, growth_repo: GrowthRepository,
                                                           gateway: Gateway) -> None:
    growth.experiments.create(_spec())
    with pytest.raises(ExperimentExists):
        growth.experiments.create(_spec())
    other = GrowthService(growth_repo, gateway, tenant=OTHER, clock=lambda: datetime.now(UTC))
    with pytest.raises(ExperimentNotFound):
        other.experiments.analyse("subject_test")
    other.experiments.create(_spec())  # the same id is free for another tenant
    assert len(other.experiments.experiments()) == 1


@pytest.mark.parametrize("contact", ["0551234567", "+966551234567", "sara@example.sa", "lead 055 123 4567"])
def test_a_phone_number_or_an_email_is_never_an_experiment_key(growth: GrowthService, contact: str) -> None:
    growth.experiments.create(_spec())
    with pytest.raises(ContactIdInvalid):
        growth.experiments.assign("subject_test", contact)
    with pytest.raises(ValueError):
        ResultRecord(contact_id=contact, success=True)


@pytest.mark.parametrize("name", ["<script>alert(1)</script>", "سطر\x00مخفي"])
def test_experiment_names_are_plain_text(name: str) -> None:
    with pytest.raises(ValueError):
        ExperimentCreate(experiment_id="x", name_ar=name, kind="message", metric="reply",
                         variants=(Variant(variant_id="a", label_ar="أ"), Variant(variant_id="b", label_ar="ب")))


def test_a_minimum_below_five_or_duplicate_variants_are_refused() -> None:
    with pytest.raises(ValueError):
        _spec(minimum=2)
    with pytest.raises(ValueError):
        ExperimentCreate(experiment_id="x", name_ar="س", kind="message", metric="reply",
                         variants=(Variant(variant_id="a", label_ar="أ"), Variant(variant_id="a", label_ar="ب")))
