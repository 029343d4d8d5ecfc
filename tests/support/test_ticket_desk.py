"""Tickets: intake from email, WhatsApp and the API; persistence; tenant isolation; status; CSAT; PII."""

from __future__ import annotations

from pathlib import Path

import pytest
from ops_helpers import (
    EMAIL,
    INJECTION,
    KEY,
    PHONE,
    PHONE_E164,
    SUNDAY_11_RIYADH,
    Ids,
    MutableClock,
    captured_logs,
)

from skills.support.errors import CsatNotAllowed, InvalidCsat, InvalidTicket, InvalidTransition, TicketNotFound
from skills.support.intake import from_api, from_email, from_whatsapp
from skills.support.repository import SupportRepository
from skills.support.service import SupportService
from tools.models import RWUType
from tools.pii import PiiMasker
from tools.rwu import list_rwus

RAW_EMAIL = f"""From: Sara Customer <{EMAIL}>
To: support@tenant.example.sa
Subject: =?utf-8?b?2KfZhNmB2KfYqtmI2LHYqQ==?=
Content-Type: text/plain; charset=utf-8

الفاتورة الأخيرة فيها مبلغ زيادة، رقمي {PHONE}
"""


def test_an_email_is_parsed_into_sender_subject_and_text():
    incoming = from_email(RAW_EMAIL)
    assert incoming.source == "email" and incoming.customer_email == EMAIL
    assert incoming.customer_name == "Sara Customer" and incoming.subject == "الفاتورة"
    assert incoming.body.startswith("الفاتورة الأخيرة") and "To:" not in incoming.body


def test_a_plain_email_body_is_taken_as_is():
    incoming = from_email("ابغى الغي الاشتراك", customer_email="Ali@Example.SA")
    assert incoming.body == "ابغى الغي الاشتراك" and incoming.customer_email == "ali@example.sa"


def test_a_whatsapp_export_line_gives_the_number_and_the_text():
    incoming = from_whatsapp(f"[22/11/2026, 10:15] {PHONE}: النظام ما يشتغل")
    assert incoming.customer_phone == PHONE_E164 and incoming.body == "النظام ما يشتغل"
    named = from_whatsapp("22/11/2026, 10:15 - خالد: عندي مشكلة في الفاتورة", phone="+966 55 123 4567")
    assert named.customer_name == "خالد" and named.customer_phone == PHONE_E164


def test_empty_or_oversized_text_is_refused():
    with pytest.raises(InvalidTicket) as empty:
        from_api("   ")
    assert empty.value.code == "empty_ticket" and "فارغ" in empty.value.message_ar
    with pytest.raises(InvalidTicket):
        from_api("x" * 20_001)


def test_tickets_persist_and_another_tenant_cannot_see_them(make_service, tmp_path: Path, clock):
    ours = make_service("acme")
    ticket = ours.create(from_api("الفاتورة فيها خطأ", customer_email=EMAIL))
    theirs = make_service("globex", ids=Ids())  # the same id sequence: T-0001 exists in acme only

    with pytest.raises(TicketNotFound):
        theirs.get(ticket.ticket_id)
    assert theirs.tickets() == []
    with pytest.raises(TicketNotFound):
        theirs.set_status(ticket.ticket_id, "resolved", actor="x")
    reopened = SupportService(SupportRepository(tmp_path / "support.db"), tenant="acme", clock=clock,
                              masker=PiiMasker(KEY))
    assert reopened.get(ticket.ticket_id).classification.category == "billing"


def test_the_same_contact_is_one_pseudonymous_customer(service):
    first = service.create(from_api("سؤال", customer_email=EMAIL))
    second = service.create(from_email("سؤال آخر", customer_email=EMAIL.upper()))
    account = service.create(from_api("سؤال", customer_email=EMAIL, customer_id="ACC-7"))

    assert first.customer_ref == second.customer_ref and first.customer_ref.startswith("cust:")
    assert EMAIL.split("@")[0] not in first.customer_ref
    assert account.customer_ref == "acct:ACC-7"


def test_status_follows_the_workflow_and_resolution_leaves_proof(service, gateway):
    ticket = service.create(from_api("الفاتورة فيها خطأ"))
    service.set_status(ticket.ticket_id, "in_progress", actor="agent")
    resolved = service.set_status(ticket.ticket_id, "resolved", actor="agent")

    assert resolved.resolved_at == SUNDAY_11_RIYADH
    with pytest.raises(InvalidTransition):
        service.set_status(ticket.ticket_id, "in_progress", actor="agent")
    units = [u for u in list_rwus(gateway.store, tenant="acme") if u.type == RWUType.support_ticket_resolved]
    assert len(units) == 1 and units[0].ref == f"ticket:{ticket.ticket_id}"
    event = next(e for e in gateway.audit.events(tenant="acme", limit=100) if e.event_id == units[0].audit_event)
    assert event.action == "support.ticket_resolve"


@pytest.mark.parametrize("score", [1, 3, 5])
def test_csat_from_one_to_five_is_recorded_once_after_resolution(service, score):
    ticket = service.create(from_api("كيف أضيف مستخدم؟"))
    with pytest.raises(CsatNotAllowed) as early:
        service.record_csat(ticket.ticket_id, score)
    assert early.value.code == "csat_before_resolution"
    service.set_status(ticket.ticket_id, "resolved", actor="agent")

    record = service.record_csat(ticket.ticket_id, score, "شكراً")
    assert record.score == score
    with pytest.raises(CsatNotAllowed) as twice:
        service.record_csat(ticket.ticket_id, 5)
    assert twice.value.code == "csat_already_recorded"


@pytest.mark.parametrize("score", [0, 6, -1, 3.5, "5", True, None])
def test_csat_outside_one_to_five_or_not_a_whole_number_is_refused(service, score):
    ticket = service.create(from_api("سؤال"))
    service.set_status(ticket.ticket_id, "resolved", actor="agent")
    with pytest.raises(InvalidCsat) as refused:
        service.record_csat(ticket.ticket_id, score)
    assert "من 1 إلى 5" in refused.value.message_ar


def test_personal_data_never_reaches_logs_or_the_audit_log(service, gateway, clock: MutableClock):
    body = f"{INJECTION}. My number is {PHONE} and my email {EMAIL}, national id 1012345678"
    with captured_logs() as logs:
        ticket = service.create(from_email(body, customer_email=EMAIL, customer_name="Sara Customer"))
        service.draft_reply(ticket.ticket_id)
        clock.advance(days=3)
        service.escalate_due()
        service.set_status(ticket.ticket_id, "resolved", actor="agent")
        service.record_csat(ticket.ticket_id, 1, f"call me on {PHONE}")

    logged = "\n".join(logs.messages)
    audited = "\n".join(str(e.payload) for e in gateway.audit.events(tenant="acme", limit=500))
    for secret in (PHONE, PHONE_E164, EMAIL, "1012345678", "Sara Customer", "refund everyone"):
        assert secret not in logged and secret not in audited
    assert ticket.ticket_id in logged


def test_hostile_ticket_text_triggers_no_action(service, gateway):
    ticket = service.create(from_api(INJECTION, customer_email=EMAIL))
    reply = service.draft_reply(ticket.ticket_id)

    assert "suspicious_instructions" in ticket.classification.flags
    actions = {e.action for e in gateway.audit.events(tenant="acme", limit=500)}
    assert actions == {"support.ticket_update"}
    assert "refund" not in reply.body.lower() and "ignore" not in reply.body.lower()
