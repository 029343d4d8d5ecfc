"""Partner messages: guarded drafts, lawful channels, and the graph's approval before anything is placed."""

from __future__ import annotations

import pytest
from partner_helpers import INJECTION, candidate

from agents.guard import DraftFacts, check_text
from graphs.partners import build_partner_graph, decide_partner_draft, start_partner_outreach
from skills.cards.models import CardType
from skills.cards.service import CardService
from skills.partners.drafts import draft_intro
from skills.partners.errors import ChannelRefused
from tools.errors import RoleNotAllowed
from tools.models import Mode, Role, RWUType
from tools.pii import PiiMasker
from tools.rwu import list_rwus

MASKER = PiiMasker(b"m" * 32)


def _outbox(settings):
    return sorted(p for p in settings.outbox_dir.glob("*") if p.is_file())


def test_the_intro_passes_the_guard_and_carries_no_terms_or_numbers():
    draft = draft_intro(candidate(), channel="email", model="revenue_share", masker=MASKER)

    assert draft.status == "ready" and draft.subject and "وكالة الاختبار للتسويق" in draft.body
    assert not any(ch.isdigit() for ch in draft.body)
    assert "%" not in draft.body and "ريال" not in draft.body
    assert draft.prompt.id == "partner.intro.email.ar"


def test_notes_never_reach_the_draft():
    draft = draft_intro(candidate(notes=INJECTION), channel="email", model="referral", masker=MASKER)
    assert "ignore" not in draft.body.lower() and "50" not in draft.body


def test_a_guarantee_slipped_into_a_partner_name_fails_the_guard():
    draft = draft_intro(candidate(name="وكالة نضمن لكم النتائج"), channel="email", model="referral", masker=MASKER)
    assert draft.status == "needs_review" and "guarantee_claim" in draft.guard_problems


def test_english_partners_get_an_english_draft():
    draft = draft_intro(candidate(language="en", contact_name="Faisal"), channel="email", model="referral",
                        masker=MASKER)
    assert draft.body.startswith("Dear Faisal") and draft.prompt.id == "partner.intro.email.en"
    facts = DraftFacts(allowed_values=("Faisal",))
    assert check_text(body=draft.body, subject=draft.subject, channel="email", language="en", facts=facts,
                      masker=MASKER).ok


def test_whatsapp_without_opt_in_is_refused_in_arabic_and_audited(service, gateway):
    with pytest.raises(ChannelRefused) as refused:
        service.draft("P-002", "whatsapp")  # P-002 has a phone but no WhatsApp opt-in

    assert refused.value.code == "whatsapp_without_opt_in"
    assert "واتساب باردة" in refused.value.message_ar
    events = [e for e in gateway.audit.events(tenant="acme") if e.kind == "draft_refused"]
    assert len(events) == 1 and events[0].action == "whatsapp.draft"
    assert events[0].payload["reason_code"] == "whatsapp_without_opt_in"


def test_whatsapp_with_opt_in_is_drafted_with_a_way_to_stop(service):
    draft = service.draft("P-001", "whatsapp")
    assert draft.channel == "whatsapp" and "إيقاف" in draft.body


def test_a_channel_without_an_address_is_refused(service):
    with pytest.raises(ChannelRefused) as refused:
        service.draft("P-011", "email")  # no email on file
    assert refused.value.code == "no_address"


def test_the_graph_waits_for_approval_and_places_nothing_before(make_ctx, checkpointer, settings, gateway):
    run = start_partner_outreach(make_ctx(), checkpointer, top=5)

    assert run.partner_id == "P-002"  # the best reachable, non-competitor partner
    assert run.outcome is not None and run.outcome.status == "awaiting_approval"
    assert run.pending is not None and run.pending.action_request.action == "gmail.draft"
    assert run.pending.skill == "partner_strategist"
    assert _outbox(settings) == []
    decisions = [e for e in gateway.audit.events(tenant="acme", limit=500) if e.kind == "decision"]
    assert {e.action for e in decisions} == {"partner.suggest", "gmail.draft", "card.publish"}
    suggest = next(e for e in decisions if e.action == "partner.suggest")
    assert suggest.payload["mode"] == Mode.suggest_only.value
    assert "@" not in str(suggest.payload["args"])  # ids and scores only


def test_approving_places_one_draft_once(make_ctx, checkpointer, settings):
    run = start_partner_outreach(make_ctx(), checkpointer, top=5)
    assert run.pending is not None
    partner = make_ctx(Role.agency_partner)

    first = decide_partner_draft(partner, checkpointer, run.pending.approval_id, "approve")
    second = decide_partner_draft(partner, checkpointer, run.pending.approval_id, "approve")

    assert first.outcome is not None and first.outcome.status == "executed"
    assert second.already_decided
    files = _outbox(settings)
    assert len(files) == 1 and files[0].suffix == ".eml"


def test_rejecting_places_nothing(make_ctx, checkpointer, settings):
    run = start_partner_outreach(make_ctx(), checkpointer, partner_id="P-004")
    assert run.pending is not None
    result = decide_partner_draft(make_ctx(Role.ceo), checkpointer, run.pending.approval_id, "reject",
                                  reason="ليس الآن")
    assert result.outcome is not None and result.outcome.status == "rejected"
    assert _outbox(settings) == []


def test_a_role_that_may_not_approve_is_refused(make_ctx, checkpointer):
    run = start_partner_outreach(make_ctx(), checkpointer, partner_id="P-004")
    assert run.pending is not None
    with pytest.raises(RoleNotAllowed):
        decide_partner_draft(make_ctx(Role.self_growth), checkpointer, run.pending.approval_id, "approve")


def test_an_edit_into_a_live_send_is_blocked(make_ctx, checkpointer, settings):
    run = start_partner_outreach(make_ctx(), checkpointer, partner_id="P-004")
    assert run.pending is not None
    result = decide_partner_draft(make_ctx(Role.sales_manager), checkpointer, run.pending.approval_id, "edit",
                                  edited_action="gmail.send")
    assert result.outcome is not None and result.outcome.status == "blocked"
    assert _outbox(settings) == []


def test_a_refused_channel_ends_the_thread_without_a_tool_call(make_ctx, checkpointer, gateway):
    run = start_partner_outreach(make_ctx(), checkpointer, partner_id="P-002", channel="whatsapp")

    assert run.outcome is not None and run.outcome.status == "refused"
    assert run.pending is None
    assert not [e for e in gateway.audit.events(tenant="acme", limit=500) if e.action == "whatsapp.draft"
                and e.kind == "decision"]


def test_the_thread_resumes_from_a_fresh_graph_without_losing_its_models(make_ctx, checkpointer, caplog):
    run = start_partner_outreach(make_ctx(), checkpointer, top=3)
    state = build_partner_graph(checkpointer).get_state({"configurable": {"thread_id": run.thread_id}})

    assert state.values["draft"].partner_id == run.partner_id
    assert state.values["suggestions"][0].scorecard.components
    assert "Blocked deserialization" not in caplog.text


def test_suggestions_leave_proof_and_partner_cards(make_ctx, checkpointer, gateway):
    run = start_partner_outreach(make_ctx(), checkpointer, top=5)

    units = [u for u in list_rwus(gateway.store, tenant="acme") if u.type == RWUType.partner_suggested]
    assert len(units) == 1 and units[0].ref == run.thread_id
    cards = [c for c in CardService("acme", gateway=gateway).store.cards("acme") if c.type == CardType.partner]
    assert len(cards) == 3
    assert all(c.role == Role.agency_partner and c.proof_impact == RWUType.partner_suggested for c in cards)
