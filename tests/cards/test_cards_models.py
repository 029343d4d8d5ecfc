"""The Card model refuses invalid cards on its own, whoever builds them."""

from __future__ import annotations

from typing import Any

import pytest
from cards_support import valid_card_data
from pydantic import ValidationError

from skills.cards.models import Card, is_external_action

APPROVAL_BUTTONS = [{"button_id": "approve", "label_ar": "اعتمد", "decision": "approve"},
                    {"button_id": "reject", "label_ar": "ارفض", "decision": "reject"}]


def _refused(match: str, **overrides: Any) -> None:
    with pytest.raises(ValidationError, match=match):
        Card.model_validate(valid_card_data(**overrides))


def test_the_valid_base_card_is_accepted() -> None:
    card = Card.model_validate(valid_card_data())
    assert card.is_open and card.button("not_now") is not None and card.button_for("accept") is not None


def test_more_than_three_buttons_is_refused() -> None:
    buttons = [{"button_id": f"b{i}", "label_ar": "زر", "decision": d}
               for i, d in enumerate(["accept", "dismiss", "acknowledge", "reject"])]
    _refused("at most 3", buttons=buttons)


def test_no_button_at_all_is_refused() -> None:
    _refused("at least 1", buttons=[])


@pytest.mark.parametrize("title", ["New opportunity", "12345 !!", "", "   ", "Opportunity ١٢٣"])
def test_a_title_without_arabic_letters_is_refused(title: str) -> None:
    with pytest.raises(ValidationError):
        Card.model_validate(valid_card_data(title_ar=title))


@pytest.mark.parametrize("why_now", ["", "   \n\t ", "because"])
def test_an_empty_or_non_arabic_why_now_is_refused(why_now: str) -> None:
    with pytest.raises(ValidationError):
        Card.model_validate(valid_card_data(why_now_ar=why_now))


def test_a_card_without_proof_impact_is_refused() -> None:
    data = valid_card_data()
    del data["proof_impact"]
    with pytest.raises(ValidationError, match="proof_impact"):
        Card.model_validate(data)
    _refused("proof_impact", proof_impact=None)


@pytest.mark.parametrize("mode", ["suggest_only", "draft_only", "approval_required"])
def test_an_external_action_that_is_not_approval_first_is_refused(mode: str) -> None:
    context = {"source": {"kind": "domain", "ref": "x"}, "action": "whatsapp.send", "external": True}
    _refused("approval-first", context=context, action_mode=mode)


def test_an_external_verb_counts_even_when_the_flag_says_internal() -> None:
    context = {"source": {"kind": "domain", "ref": "x"}, "action": "crm.update", "external": False}
    _refused("approval-first", context=context, action_mode="suggest_only")
    assert is_external_action("gmail.send") and not is_external_action("gmail.draft")


def test_an_external_action_with_its_pending_approval_is_accepted() -> None:
    context = {"source": {"kind": "approval", "ref": "apr_1"}, "action": "whatsapp.send", "external": True,
               "approval_id": "apr_1"}
    card = Card.model_validate(valid_card_data(context=context, action_mode="approval_required",
                                               buttons=APPROVAL_BUTTONS, type="approval"))
    assert card.context.is_external


def test_approved_execute_is_never_a_card_mode() -> None:
    _refused("approved_execute", action_mode="approved_execute")


def test_approval_buttons_without_an_approval_are_refused() -> None:
    _refused("pending approval", buttons=APPROVAL_BUTTONS)
    context = {"source": {"kind": "approval", "ref": "apr_1"}, "approval_id": "apr_1"}
    _refused("pending approval", buttons=APPROVAL_BUTTONS, context=context, action_mode="suggest_only")


def test_an_approval_card_must_carry_approval_buttons() -> None:
    _refused("approval buttons", type="approval")


@pytest.mark.parametrize("reason", [None, "", "Blocked by policy."])
def test_a_blocked_card_without_its_arabic_reason_is_refused(reason: str | None) -> None:
    context = {"source": {"kind": "gateway_event", "ref": "evt_1"}, "blocked_reason_ar": reason}
    _refused("reason in Arabic", context=context, action_mode="blocked", type="risk")
    _refused("reason in Arabic", context=context, status="blocked")


def test_a_blocked_card_with_its_arabic_reason_is_accepted_but_cannot_be_approved() -> None:
    context = {"source": {"kind": "gateway_event", "ref": "evt_1"}, "blocked_reason_ar": "جمع البيانات ممنوع.",
               "approval_id": "apr_1"}
    Card.model_validate(valid_card_data(context=context, action_mode="blocked", type="risk"))
    _refused("pending approval", context=context, action_mode="blocked", buttons=APPROVAL_BUTTONS)


@pytest.mark.parametrize("label", ["Approve", "اعتمد هذا الطلب الآن من فضلك", ""])
def test_a_button_label_must_be_short_arabic(label: str) -> None:
    buttons = [{"button_id": "approve_it", "label_ar": label, "decision": "accept"}]
    with pytest.raises(ValidationError):
        Card.model_validate(valid_card_data(buttons=buttons))


def test_two_buttons_with_one_decision_or_id_are_refused() -> None:
    twice = [{"button_id": "a", "label_ar": "نعم", "decision": "accept"},
             {"button_id": "b", "label_ar": "أكيد", "decision": "accept"}]
    _refused("unique", buttons=twice)
    same_id = [{"button_id": "a", "label_ar": "نعم", "decision": "accept"},
               {"button_id": "a", "label_ar": "لا", "decision": "dismiss"}]
    _refused("unique", buttons=same_id)


def test_unknown_fields_and_out_of_range_priorities_are_refused() -> None:
    _refused("extra", decided_by="someone")
    _refused("less than or equal", urgency=101)
    _refused("String should match", card_id="card_../../x")
