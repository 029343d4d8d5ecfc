"""Offer terms (bounds, payment timing, no guarantees) and the competitor flag."""

from __future__ import annotations

import re

import pytest
from partner_helpers import candidate

from agents.guard import load_guard_rules
from skills.partners.catalog import load_catalog
from skills.partners.errors import OfferOutOfBounds
from skills.partners.models import CompetitorFlag
from skills.partners.offers import build_offer, build_terms
from skills.partners.scoring import score_partner

NO_FLAG = CompetitorFlag(flagged=False)


@pytest.mark.parametrize(("model", "rate", "months", "kind", "days"), [
    ("referral", 10, 12, "after_collection", 30),
    ("revenue_share", 20, 12, "quarterly", 15),
    ("co_delivery", 40, 6, "per_milestone", 15),
])
def test_each_model_has_default_terms_with_a_payment_timing(model, rate, months, kind, days):
    terms = build_terms(model)

    assert (terms.rate_pct, terms.duration_months, terms.payment_kind, terms.payment_days) == (rate, months, kind,
                                                                                                days)
    assert str(days) in terms.payment_timing_ar
    assert "ضريبة القيمة المضافة" in terms.basis_ar


def test_a_rate_outside_the_models_bounds_is_refused_in_arabic():
    with pytest.raises(OfferOutOfBounds) as refused:
        build_terms("referral", rate_pct=35)

    assert refused.value.code == "offer_out_of_bounds"
    assert "35%" in refused.value.message_ar and "5%" in refused.value.message_ar


def test_a_term_outside_the_bounds_is_refused():
    with pytest.raises(OfferOutOfBounds):
        build_terms("co_delivery", duration_months=48)
    assert build_terms("co_delivery", duration_months=24).duration_months == 24


def test_the_offer_states_that_nothing_is_guaranteed_and_promises_nothing():
    offer = build_offer(candidate(), NO_FLAG, model="revenue_share", rate_pct=25)
    text = "\n".join((offer.summary_ar, offer.example_ar, *offer.notes_ar, *offer.clauses_ar))
    guarantee = [re.compile(p, re.IGNORECASE) for p in load_guard_rules().guarantee_patterns]

    assert "لا يتضمن هذا العرض أي التزام بعدد الإحالات" in offer.clauses_ar[0]
    assert "المحصّلة فعلاً" in offer.clauses_ar[0]
    assert not any(p.search(text) for p in guarantee)
    assert "25%" in offer.summary_ar


def test_the_worked_example_is_the_average_deal_times_the_rate():
    offer = build_offer(candidate(), NO_FLAG, model="referral", rate_pct=12)
    assert offer.example_commission_sar == load_catalog().profile.avg_deal_sar * 0.12


def test_a_partner_selling_what_we_sell_is_flagged_with_a_visible_penalty():
    rival = candidate(services=("lead_generation", "performance_marketing"))
    card = score_partner(rival)
    clean = score_partner(candidate(services=("performance_marketing",)))

    assert card.competitor.flagged and card.competitor.shared_services == ("lead_generation",)
    assert card.competitor.penalty == load_catalog().scorecard.competitor.penalty
    assert "منافس محتمل" in (card.competitor.reason_ar or "")
    assert card.total == pytest.approx(sum(c.weighted for c in card.components) - card.competitor.penalty, abs=0.05)
    assert not clean.competitor.flagged and clean.competitor.penalty == 0


def test_a_partner_the_team_marked_a_competitor_is_flagged_too():
    card = score_partner(candidate(declared_competitor=True))
    assert card.competitor.flagged and card.competitor.declared and not card.competitor.shared_services


def test_a_competitor_gets_referral_fees_only():
    rival = candidate(services=("crm_setup",))
    flag = score_partner(rival).competitor

    assert build_offer(rival, flag).terms.model == "referral"
    with pytest.raises(OfferOutOfBounds) as refused:
        build_offer(rival, flag, model="co_delivery")
    assert "عمولة الإحالة" in refused.value.message_ar


def test_the_sample_competitor_is_flagged_and_its_brief_warns(service):
    card = service.score(service.candidate("P-009"))
    brief = service.brief("P-009")

    assert card.competitor.flagged
    assert any("منافساً" in r for r in brief.risks_ar)
    assert brief.offer.terms.model == "referral"
