"""Every row of the policy table, through the real gateway and the bundled policy file."""

from __future__ import annotations

import pytest
from gw_support import Rig, call

from tools.models import Channel, Mode, RWUType

BLOCKED = ["linkedin.scrape", "linkedin.auto_dm", "social.browser_automation", "gmail.send", "moyasar.charge"]
DRAFTS = {"whatsapp.draft": "saudi_copywriter", "gmail.draft": "saudi_copywriter",
          "calendar.draft": "negotiation_coach", "moyasar.invoice_draft": "execution_governor"}
APPROVAL = {"calendar.insert": "execution_governor", "crm.update": "execution_governor",
            "sheets.export": "targeting_analyst"}


@pytest.mark.parametrize("action", BLOCKED)
def test_blocked_actions_are_refused_with_an_arabic_reason_and_reach_no_connector(rig: Rig, action: str) -> None:
    result = rig.gateway.invoke(call(action))
    assert result.decision.mode == Mode.blocked
    assert not result.decision.allowed
    assert any("\u0600" <= ch <= "\u06ff" for ch in result.decision.reason_ar)
    assert result.decision.proof_impact == RWUType.risk_blocked
    assert result.execution is None
    assert rig.calls == []


@pytest.mark.parametrize(("action", "skill"), DRAFTS.items())
def test_draft_actions_are_draft_only_and_run_their_connector_once(rig: Rig, action: str, skill: str) -> None:
    result = rig.gateway.invoke(call(action, skill=skill, args={"to": "a@example.com"}))
    assert result.decision.mode == Mode.draft_only
    assert result.execution is not None and result.execution.status == "executed"
    assert rig.calls == [(action, {"to": "a@example.com"})]


@pytest.mark.parametrize(("action", "skill"), APPROVAL.items())
def test_approval_actions_wait_for_a_human(rig: Rig, action: str, skill: str) -> None:
    result = rig.gateway.invoke(call(action, skill=skill))
    assert result.decision.mode == Mode.approval_required
    assert result.decision.approval_required and result.decision.allowed
    assert result.approval is not None and result.approval.status == "pending"
    assert result.execution is None and rig.calls == []


def test_unknown_action_needs_approval_even_when_a_skill_declares_it(rig: Rig) -> None:
    result = rig.gateway.invoke(call("fax.send", skill="ops_tester"))
    assert result.decision.mode == Mode.approval_required
    assert result.decision.reason_code == "unknown_action"
    assert result.approval is not None and [r.value for r in result.approval.approver_roles] == ["ceo"]


def test_whatsapp_send_without_opt_in_is_blocked_as_cold_outreach(rig: Rig) -> None:
    result = rig.gateway.invoke(call("whatsapp.send", contact_id="c1", args={"to": "0550001234", "body": "x"}))
    assert result.decision.mode == Mode.blocked
    assert result.decision.reason_code == "no_opt_in"
    assert result.decision.proof_impact == RWUType.contact_blocked


def test_whatsapp_send_without_a_contact_is_blocked(rig: Rig) -> None:
    result = rig.gateway.invoke(call("whatsapp.send", args={"to": "0550001234", "body": "x"}))
    assert result.decision.reason_code == "no_contact"


def test_whatsapp_send_with_opt_in_needs_approval(rig: Rig) -> None:
    rig.opt_in("c1", "+966550001234")
    result = rig.gateway.invoke(call("whatsapp.send", contact_id="c1", args={"to": "055 000 1234", "body": "x"}))
    assert result.decision.mode == Mode.approval_required


def test_whatsapp_send_to_another_number_than_the_opted_in_one_is_blocked(rig: Rig) -> None:
    rig.opt_in("c1", "+966550001234")
    result = rig.gateway.invoke(call("whatsapp.send", contact_id="c1", args={"to": "0559999999", "body": "x"}))
    assert result.decision.mode == Mode.blocked
    assert result.decision.reason_code == "recipient_not_opted_in"


def test_transcript_read_is_blocked_without_consent_and_allowed_with_it(rig: Rig) -> None:
    first = rig.gateway.invoke(call("meeting.transcript_read", skill="negotiation_coach", contact_id="c9"))
    assert first.decision.mode == Mode.blocked
    assert first.decision.reason_code == "transcript_consent_missing"
    rig.opt_in("c9", "c9@example.com", channel=Channel.meeting_transcript)
    second = rig.gateway.invoke(call("meeting.transcript_read", skill="negotiation_coach", contact_id="c9",
                                     tool_call="2"))
    assert second.decision.mode == Mode.suggest_only


@pytest.mark.parametrize("spelling", [
    "LinkedIn.Scrape", " linkedin / scrape ", "linkedin.scrape\u200b", "ｌｉｎｋｅｄｉｎ.scrape",
    "linkedin\u202e.scrape", "LINKEDIN:AUTO-DM", "acme.scrape", "social.anything", "stripe.charge",
])
def test_hostile_spellings_of_blocked_actions_stay_blocked(rig: Rig, spelling: str) -> None:
    result = rig.gateway.invoke(call(spelling))
    assert result.decision.mode == Mode.blocked
    assert rig.calls == []


@pytest.mark.parametrize("spelling", ["gmail.draft;rm -rf /", "../../etc/passwd", "جيميل.مسودة", "gmail.draft\x00"])
def test_action_ids_that_are_not_plain_ids_are_blocked(rig: Rig, spelling: str) -> None:
    result = rig.gateway.invoke(call(spelling, skill="saudi_copywriter"))
    assert result.decision.mode == Mode.blocked


def test_a_skill_cannot_call_an_action_it_did_not_declare(rig: Rig) -> None:
    result = rig.gateway.invoke(call("gmail.draft", skill="repo_auditor"))
    assert result.decision.mode == Mode.blocked
    assert result.decision.reason_code == "skill_not_allowed"
    assert rig.calls == []


def test_an_unregistered_skill_can_call_nothing(rig: Rig) -> None:
    result = rig.gateway.invoke(call("gmail.draft", skill="rogue_agent"))
    assert result.decision.reason_code == "unknown_skill"


def test_every_decision_records_policy_version_hash_and_an_audit_event(rig: Rig) -> None:
    decision = rig.gateway.invoke(call("gmail.draft", skill="saudi_copywriter")).decision
    assert decision.policy_version == rig.gateway.policy.version
    assert len(decision.policy_hash) == 64
    [event] = [e for e in rig.gateway.audit.events(tenant="t1") if e.event_id == decision.audit_event]
    assert event.payload["policy_version"] == decision.policy_version
