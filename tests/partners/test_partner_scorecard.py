"""The partner scorecard: every component explained, weights from data, deterministic order."""

from __future__ import annotations

import dataclasses
import random

import pytest
from partner_helpers import candidate

from skills.partners.candidates import read_candidates
from skills.partners.catalog import load_catalog
from skills.partners.models import COMPONENTS
from skills.partners.scoring import rank_scorecards, score_partner
from skills.partners.service import SAMPLE_FILE
from skills.partners.suggestions import suggest
from skills.targeting.ranking import Icp


def test_every_component_is_shown_with_its_weight_points_and_arabic_reasons():
    card = score_partner(candidate())
    weights = load_catalog().scorecard.weights

    assert [c.component for c in card.components] == list(COMPONENTS)
    for c in card.components:
        assert c.weight == weights[c.component]
        assert c.weighted == pytest.approx(c.score * c.weight, abs=0.01)
        assert 0 <= c.score <= 100
        assert c.reasons_ar and all(any("\u0600" <= ch <= "\u06ff" for ch in r) for r in c.reasons_ar)
        assert len(c.reasons_en) == len(c.reasons_ar)
    assert card.total == pytest.approx(sum(c.weighted for c in card.components) - card.competitor.penalty, abs=0.05)


def test_the_weights_come_from_the_data_file_not_the_code():
    catalog = load_catalog()
    only_trust = catalog.scorecard.model_copy(update={"weights": {c: 1.0 if c == "trust" else 0.0
                                                                  for c in COMPONENTS}})
    card = score_partner(candidate(), catalog=dataclasses.replace(catalog, scorecard=only_trust))

    assert card.total == card.component("trust").score
    assert card.total != score_partner(candidate()).total


def test_trust_rises_with_references_verification_and_relationship():
    weak = score_partner(candidate(years_active=1, references_count=0, cr_verified=False, relationship="none"))
    strong = score_partner(candidate(years_active=10, references_count=5, cr_verified=True,
                                     relationship="worked_together"))

    assert weak.component("trust").score < strong.component("trust").score == 100
    assert any("لم يُتحقق من سجله التجاري" in r for r in weak.component("trust").reasons_ar)


def test_overlap_follows_the_tenants_icp():
    partner = candidate(client_sectors=("hospitality", "food"), city="riyadh")
    default = score_partner(partner)
    hospitality_icp = Icp(target_sectors=["hospitality", "food"], target_cities=["riyadh"],
                          target_size_bands=["small"])
    tuned = score_partner(partner, icp=hospitality_icp)

    assert default.component("overlap").score == 30.0  # the place only: no sector in the default ICP
    assert tuned.component("overlap").score == 100.0


def test_revenue_potential_is_an_estimate_with_its_assumptions_shown():
    # 40 clients x 0.10 referrals a year x sector share 1.0 = 4 referrals; x 0.2 = 0.8 deals; x 45,000 SAR
    card = score_partner(candidate())

    assert card.revenue.referrals_per_year == 4.0
    assert card.revenue.deals_per_year == 0.8
    assert card.revenue.revenue_sar == 36_000.0
    assert len(card.revenue.assumptions_ar) == 5
    assert "تقدير وليس التزاماً" in card.component("revenue_potential").reasons_ar[0]


def test_order_is_total_descending_then_partner_id_whatever_the_input_order():
    candidates = read_candidates(SAMPLE_FILE)
    first = [s.scorecard.partner_id for s in suggest(candidates)]
    shuffled = candidates[:]
    random.Random(7).shuffle(shuffled)

    assert [s.scorecard.partner_id for s in suggest(shuffled)] == first
    totals = [s.scorecard.total for s in suggest(candidates)]
    assert totals == sorted(totals, reverse=True)


def test_equal_totals_are_ordered_by_partner_id():
    twins = [candidate("B-2"), candidate("A-9"), candidate("C-1")]
    ranked = rank_scorecards(score_partner(c) for c in twins)

    assert len({c.total for c in ranked}) == 1
    assert [c.partner_id for c in ranked] == ["A-9", "B-2", "C-1"]


def test_suggestions_carry_a_rank_a_reason_line_an_offer_and_a_lawful_channel():
    suggestions = suggest(read_candidates(SAMPLE_FILE), top=20)

    assert [s.rank for s in suggestions] == list(range(1, len(suggestions) + 1))
    assert all(s.why_ar for s in suggestions)
    by_id = {s.scorecard.partner_id: s for s in suggestions}
    assert by_id["P-011"].channel is None  # a phone, no email and no WhatsApp opt-in: no lawful first channel
    assert by_id["P-005"].channel == "email"


def test_every_partner_type_has_a_profile_and_appears_in_the_sample():
    types = {c.type for c in read_candidates(SAMPLE_FILE)}
    assert len(types) == 8
    assert set(load_catalog().scorecard.types) == types
