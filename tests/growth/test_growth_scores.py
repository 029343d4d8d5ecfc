"""The eight scores on a seeded ledger: each formula, the empty ledger, a tampered chain, other tenants."""

from __future__ import annotations

from datetime import timedelta

import pytest
from growth_support import OTHER, TENANT, WEEK_END, WEEK_START, Seeder

from skills.growth.catalog import load_growth_catalog
from skills.growth.ledger import collect
from skills.growth.models import SCORE_IDS, Scorecard
from skills.growth.scores import half_up, score_card
from tools.gateway import Gateway
from tools.models import RWUType as U


def _card(gateway: Gateway, tenant: str = TENANT) -> Scorecard:
    return score_card(collect(gateway, tenant, WEEK_START, WEEK_END))


def test_an_empty_ledger_has_no_data_for_every_score_not_zeros(gateway: Gateway) -> None:
    card = _card(gateway)
    assert [s.score_id for s in card.scores] == list(SCORE_IDS)
    no_data = load_growth_catalog().messages.no_data.ar
    for score in card.scores:
        assert score.value is None and score.status == "no_data" and score.note_ar == no_data
        assert score.formula_ar and score.formula_en and score.inputs  # the formula and its (zero) inputs still show


def test_acquisition_counts_drafts_and_opportunities_against_the_weekly_goal(gateway: Gateway) -> None:
    seed = Seeder(gateway)
    seed.decision("targeting.rank", units=[(U.target_ranked, None, None)] + [
        (U.opportunity_created, f"ld_{i}", None) for i in range(10)])
    for i in range(3):
        seed.event("executed", "gmail.draft", units=[(U.draft_created, f"led_{i}", None)], digest=f"x{i}")
    score = _card(gateway).score("acquisition")
    assert score.inputs == {"target_ranked": 1, "draft_created": 3, "opportunity_created": 10, "goal": 50}
    assert score.value == 26  # 100 × 13 / 50


def test_delivery_is_the_share_of_approved_work_actually_delivered(gateway: Gateway) -> None:
    seed = Seeder(gateway)
    for i in range(3):
        seed.event("executed", "gmail.draft", digest=f"e{i}")
    seed.event("execution_failed", "gmail.draft")
    score = _card(gateway).score("delivery")
    assert score.value == 75 and score.inputs["failed"] == 1


def test_proof_weighs_linked_units_and_proof_packs(gateway: Gateway) -> None:
    seed = Seeder(gateway)
    seed.decision("proof.pack_build", skill="proof_pack_builder", units=[(U.proof_generated, None, None)])
    seed.decision("proof.pack_build", skill="proof_pack_builder")  # a pack with no unit still counts once
    seed.event("executed", "gmail.draft", units=[(U.draft_created, "l1", None), (U.draft_created, "l2", None)])
    score = _card(gateway).score("proof")
    assert score.inputs["units"] == 3 and score.inputs["linked_units"] == 3 and score.inputs["proof_packs"] == 2
    assert score.value == 82  # 100 × (0.7 × 3/3 + 0.3 × 2/5)


def test_a_unit_whose_audit_event_is_missing_lowers_proof(gateway: Gateway) -> None:
    seed = Seeder(gateway)
    seed.event("executed", "gmail.draft", units=[(U.draft_created, "l1", None)])
    with gateway.store.transaction() as conn:
        from tools.rwu import record_rwu

        record_rwu(conn, tenant=TENANT, type=U.draft_created, audit_event="evt_does_not_exist",
                   ts=seed.at, ref="l2")
    score = _card(gateway).score("proof")
    assert score.inputs["linked_units"] == 1 and score.inputs["units"] == 2
    assert score.value == 35  # 100 × 0.7 × 1/2 + 0 packs


def test_safety_counts_blocked_and_refused_attempts(gateway: Gateway) -> None:
    seed = Seeder(gateway)
    for i in range(8):
        seed.decision("gmail.draft", mode="draft_only", digest=f"s{i}")
    seed.decision("linkedin.scrape", mode="blocked", units=[(U.risk_blocked, None, None)])
    seed.decision("gmail.send", mode="blocked", units=[(U.risk_blocked, None, None)])
    seed.event("execution_refused", "whatsapp.send", reason_code="live_flag_off")
    seed.event("approval_refused", "crm.update", role="support")
    score = _card(gateway).score("safety")
    assert score.inputs == {"chain_ok": 1, "decisions": 10, "blocked": 2, "refused_at_execution": 1,
                            "role_refused": 1}
    assert score.value == 67  # 100 × (1 − 4 / 12) = 66.7, half up


def test_revenue_sums_estimated_sar_against_the_goal_and_ignores_unvalued_units(gateway: Gateway) -> None:
    seed = Seeder(gateway)
    seed.decision("targeting.rank", units=[(U.opportunity_created, "ld_1", 20000.0),
                                           (U.opportunity_created, "ld_2", None)])
    seed.event("executed", "moyasar.invoice_draft", units=[(U.payment_link_drafted, "inv1", 5000.0)])
    score = _card(gateway).score("revenue")
    assert score.inputs["value_sar"] == 25000 and score.inputs["valued_units"] == 2
    assert score.value == 50


def test_revenue_without_any_estimate_is_no_data_not_zero(gateway: Gateway) -> None:
    Seeder(gateway).decision("targeting.rank", units=[(U.opportunity_created, "ld_1", None)])
    assert _card(gateway).score("revenue").value is None


def test_customer_success_is_tickets_resolved_over_tickets_worked(gateway: Gateway) -> None:
    seed = Seeder(gateway)
    for ticket in ("t1", "t2", "t3", "t4"):
        seed.decision("support.ticket_update", skill="customer_success_operator", args={"ticket_id": ticket})
    seed.decision("support.ticket_update", skill="customer_success_operator", args={"ticket_id": "t1"})  # same one
    for ticket in ("t1", "t2", "t3"):
        seed.decision("support.ticket_resolve", skill="customer_success_operator", args={"ticket_id": ticket},
                      units=[(U.support_ticket_resolved, ticket, None)])
    score = _card(gateway).score("customer_success")
    assert score.inputs == {"tickets_worked": 4, "tickets_resolved": 3}
    assert score.value == 75


def test_partner_counts_suggestions_and_partner_drafts(gateway: Gateway) -> None:
    seed = Seeder(gateway)
    seed.decision("partner.suggest", skill="partner_strategist", units=[(U.partner_suggested, "p1", None)])
    seed.decision("partner.suggest", skill="partner_strategist")  # a suggestion recorded without its unit
    seed.decision("gmail.draft", mode="draft_only", skill="partner_strategist", digest="pd1")
    seed.event("executed", "gmail.draft", digest="pd1")
    seed.decision("gmail.draft", mode="draft_only", skill="saudi_copywriter", digest="sc1")
    seed.event("executed", "gmail.draft", digest="sc1")  # not a partner draft
    score = _card(gateway).score("partner")
    assert score.inputs == {"partner_suggested": 2, "partner_drafts": 1, "goal": 5}
    assert score.value == 60


def test_learning_weighs_concluded_experiments_and_first_time_right_approvals(gateway: Gateway) -> None:
    seed = Seeder(gateway)
    seed.decision("growth.experiment", args={"event": "created"})
    seed.decision("growth.experiment", args={"event": "concluded"})
    for _ in range(3):
        seed.event("approval_approved", "gmail.draft")
    seed.event("approval_edited", "gmail.draft")
    score = _card(gateway).score("learning")
    assert score.inputs == {"experiments_concluded": 1, "experiments_goal": 1, "approved_unedited": 3,
                            "approvals_decided": 4}
    assert score.value == 88  # 100 × (0.5 × 1 + 0.5 × 0.75) = 87.5, half up


def test_learning_without_experiments_rests_on_approvals_alone(gateway: Gateway) -> None:
    seed = Seeder(gateway)
    seed.event("approval_approved", "gmail.draft")
    seed.event("approval_rejected", "gmail.draft")
    assert _card(gateway).score("learning").value == 50


def test_a_tampered_audit_chain_zeroes_proof_and_safety(gateway: Gateway) -> None:
    seed = Seeder(gateway)
    seed.decision("gmail.draft", mode="draft_only", units=[(U.draft_created, "l1", None)])
    seed.decision("gmail.draft", mode="draft_only")
    with gateway.store.transaction() as conn:
        conn.execute("UPDATE audit_events SET payload = '{}' WHERE seq = 1")
    card = _card(gateway)
    assert not card.chain_ok
    for score_id in ("proof", "safety"):
        score = card.score(score_id)
        assert score.value == 0 and "التحقق" in score.note_ar and score.inputs["chain_ok"] == 0


def test_other_tenants_and_other_weeks_do_not_count(gateway: Gateway) -> None:
    Seeder(gateway, tenant=OTHER).event("executed", "gmail.draft", units=[(U.draft_created, "x", None)])
    Seeder(gateway, at=WEEK_START - timedelta(seconds=1)).event("executed", "gmail.draft",
                                                                units=[(U.draft_created, "y", None)])
    Seeder(gateway, at=WEEK_END).event("executed", "gmail.draft", units=[(U.draft_created, "z", None)])
    card = _card(gateway)
    assert all(s.value is None for s in card.scores)
    assert _card(gateway, OTHER).score("delivery").value == 100


@pytest.mark.parametrize(("raw", "expected"), [(87.5, 88), (66.4999, 66), (0.5, 1), (99.5, 100)])
def test_scores_round_half_up(raw: float, expected: int) -> None:
    assert half_up(raw) == expected


def test_every_formula_is_documented_in_the_data_file_and_the_docs() -> None:
    from pathlib import Path

    catalog = load_growth_catalog()
    docs = (Path(__file__).resolve().parents[2] / "docs" / "growth.md").read_text(encoding="utf-8")
    for score_id in SCORE_IDS:
        spec = catalog.policy.scores[score_id]
        assert spec.formula_en and spec.formula_ar and spec.no_data_when
        assert spec.formula_en in docs, score_id
