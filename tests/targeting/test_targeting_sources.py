"""Source registry and policy."""

from __future__ import annotations

import pytest

from skills.targeting.sources import classify_source


@pytest.mark.parametrize("source", ["crm_export", "inbound_form", "referral", "event_with_consent",
                                    "public_business_registry", "partner_intro", "CRM Export", "إحالة"])
def test_lawful_sources_are_safe(source: str) -> None:
    assert classify_source(source).verdict == "safe"


def test_a_purchased_list_needs_review() -> None:
    assert classify_source("purchased_list").verdict == "needs_review"


@pytest.mark.parametrize("source", ["linkedin_scrape", "LinkedIn", "Sales Navigator export", "web scraping",
                                    "crawler", "لينكدإن", "linkedin referral"])
def test_anything_scraped_is_blocked_whatever_it_is_called(source: str) -> None:
    decision = classify_source(source)
    assert decision.verdict == "blocked"
    assert decision.reason_ar


def test_linkedin_is_named_in_the_arabic_reason() -> None:
    assert "لينكدإن" in classify_source("linkedin_scrape").reason_ar


@pytest.mark.parametrize("source", ["trade magazine", None, ""])
def test_unknown_or_missing_sources_go_to_manual_review(source: str | None) -> None:
    assert classify_source(source).verdict == "needs_review"
