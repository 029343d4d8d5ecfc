"""Who may receive an outreach is decided by the lead directory and enforced at the gateway.

A gateway with the Targeting OS wired as its :class:`RecipientDirectory`: contactability (source
policy, consent, do-not-contact, cool-downs and caps) is a policy input of every outreach action,
the recipient must be one of the lead's contact points, a contact gets at most one outreach a day
across threads, and every delivered outreach is recorded as a touch.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from gw_support import SUNDAY_11_RIYADH, Rig, call, manager

from skills.targeting.recipients import TargetingRecipients
from skills.targeting.repository import TargetingRepository
from skills.targeting.service import TargetingService
from tools.consent import ConsentRecord, ConsentRegistry
from tools.gateway import Gateway
from tools.models import Channel, Mode, RWUType

HEADERS = "Company Name,Contact,Job Title,Mobile,E-mail,City,Lead Source,Notes,Consent"
ROWS = [
    "Al Noor Technology,Ahmed Al-Harbi,CEO,0550001001,ahmed@alnoor.example.sa,Riyadh,crm_export,,",
    # the same person again (same mobile, another mailbox): merged into the row above
    "Al Noor Technology Co.,Ahmed Al-Harbi,CEO,+966 55 000 1001,ahmed.harbi@alnoor.example.sa,Riyadh,crm_export,,",
    "Harvested Trading,Faisal Al-Shehri,CTO,0550001002,faisal@harvested.example.sa,Riyadh,scraped,,",
    "Bought List Est.,Noura Al-Qahtani,CFO,0550001003,noura@boughtlist.example.sa,Jeddah,a list from a friend,,",
    "Quiet Co,Huda Al-Dosari,COO,0550001004,huda@quiet.example.sa,Dammam,referral,,لا يرغب بالتواصل",
    "Gulf Logistics,Omar Al-Ghamdi,CEO,0550001005,omar@gulflog.example.sa,Riyadh,crm_export,,",
    "Desert Foods,Reem Al-Zahrani,CMO,0550001006,reem@desertfoods.example.sa,Riyadh,inbound_form,,",
]


class Leads:
    def __init__(self, rig: Rig, tmp_path: Path) -> None:
        self.repository = TargetingRepository(tmp_path / "targeting.db")
        self.consent = ConsentRegistry(rig.store)
        self.service = TargetingService(self.repository, self.consent, tenant="t1", clock=lambda: rig.clock.now)
        path = tmp_path / "leads.csv"
        path.write_text("\n".join([HEADERS, *ROWS]) + "\n", encoding="utf-8")
        self.service.import_file(path)
        self.directory = TargetingRecipients(self.repository, self.consent)
        self.by_email = {lead.email: lead.lead_id for lead in self.repository.leads("t1", active_only=False)}

    def id(self, email: str) -> str:
        """The kept lead id of the person with this email."""
        group = self.repository.lead_group("t1", self.by_email[email])
        return group[0].lead_id


@pytest.fixture
def leads(rig: Rig, tmp_path: Path) -> Leads:
    found = Leads(rig, tmp_path)
    rig.gateway = rig.make(recipients=found.directory)
    return found


def email(to: str | list[str], contact_id: str | None, *, thread: str = "th-1", tool_call: str = "1",
          skill: str = "execution_governor"):
    return call("gmail.draft", skill=skill, contact_id=contact_id, thread=thread, tool_call=tool_call,
                args={"to": to, "subject": "عرض تجريبي", "body": "السلام عليكم"})


def rwu_types(gateway: Gateway) -> list[str]:
    with gateway.store.read() as conn:
        return [r["type"] for r in conn.execute("SELECT type FROM revenue_work_units ORDER BY ts")]


# -- blocked contacts are refused at the gateway -------------------------------------------------------
@pytest.mark.parametrize(("address", "code", "arabic"), [
    ("faisal@harvested.example.sa", "source_blocked", "آلي"),          # a scraped source
    ("huda@quiet.example.sa", "opted_out_file", "عدم التواصل"),         # opted out in the file
])
def test_a_blocked_lead_is_refused_with_its_own_arabic_reason(rig: Rig, leads: Leads, address: str, code: str,
                                                               arabic: str) -> None:
    result = rig.gateway.invoke(email(address, leads.id(address)))
    decision = result.decision
    assert decision.mode == Mode.blocked and decision.reason_code == code
    assert arabic in decision.reason_ar
    assert rig.calls == [] and result.execution is None
    assert rwu_types(rig.gateway) == [RWUType.contact_blocked.value]
    event = rig.gateway.audit.events(tenant="t1")[-1]
    assert event.kind == "decision" and event.payload["reason_code"] == code


def test_a_do_not_contact_address_is_refused(rig: Rig, leads: Leads) -> None:
    leads.repository.add_do_not_contact("t1", [("email", "omar@gulflog.example.sa")], "asked by phone",
                                        rig.clock.now)
    decision = rig.gateway.invoke(email("omar@gulflog.example.sa", leads.id("omar@gulflog.example.sa"))).decision
    assert decision.mode == Mode.blocked and decision.reason_code == "do_not_contact"
    assert rig.calls == []


def test_an_opt_out_recorded_on_a_merged_duplicate_blocks_the_kept_lead(rig: Rig, leads: Leads) -> None:
    kept = leads.id("ahmed@alnoor.example.sa")
    pair = {leads.by_email["ahmed@alnoor.example.sa"], leads.by_email["ahmed.harbi@alnoor.example.sa"]}
    (duplicate,) = pair - {kept}
    leads.consent.record(ConsentRecord(tenant="t1", contact_id=duplicate, channel=Channel.all, status="opt_out",
                                       source="reply:STOP", recorded_at=rig.clock.now))
    decision = rig.gateway.invoke(email("ahmed@alnoor.example.sa", kept)).decision
    assert decision.mode == Mode.blocked and decision.reason_code == "opted_out_registry"
    assert rig.calls == []


def test_leaving_the_contact_out_does_not_skip_the_check(rig: Rig, leads: Leads) -> None:
    decision = rig.gateway.invoke(email("FAISAL@Harvested.example.sa", None)).decision
    assert decision.mode == Mode.blocked and decision.reason_code == "source_blocked"
    assert rig.calls == []


def test_a_blocked_lead_stays_blocked_on_whatsapp_whatever_the_number_spelling(rig: Rig, leads: Leads) -> None:
    wa = call("whatsapp.draft", contact_id=None, args={"to": "٠٥٥٠٠٠١٠٠٢", "body": "السلام عليكم"})
    decision = rig.gateway.invoke(wa).decision
    assert decision.mode == Mode.blocked and decision.reason_code == "source_blocked"


# -- the recipient must be one of the lead's contact points ------------------------------------------
def test_an_address_the_lead_does_not_have_is_refused(rig: Rig, leads: Leads) -> None:
    result = rig.gateway.invoke(email("someone.else@gmail.com", leads.id("omar@gulflog.example.sa")))
    assert result.decision.mode == Mode.blocked
    assert result.decision.reason_code == "recipient_not_on_lead"
    assert "ليس من وسائل التواصل المسجلة لهذا العميل" in result.decision.reason_ar
    assert rig.calls == []


def test_a_copy_to_an_address_not_on_the_lead_is_refused_too(rig: Rig, leads: Leads) -> None:
    lead = leads.id("omar@gulflog.example.sa")
    draft = call("gmail.draft", contact_id=lead, args={"to": "omar@gulflog.example.sa", "cc": ["x@evil.example"],
                                                       "subject": "عرض", "body": "السلام عليكم"})
    assert rig.gateway.invoke(draft).decision.reason_code == "recipient_not_on_lead"


def test_a_merged_duplicates_address_is_the_same_persons(rig: Rig, leads: Leads) -> None:
    kept = leads.id("ahmed@alnoor.example.sa")
    result = rig.gateway.invoke(email("Ahmed.Harbi@alnoor.example.sa", kept))
    assert result.decision.mode == Mode.draft_only
    assert result.execution is not None and result.execution.status == "executed"


def test_an_address_added_to_the_lead_through_the_gateway_is_then_accepted(rig: Rig, leads: Leads) -> None:
    lead = leads.id("omar@gulflog.example.sa")
    refused = rig.gateway.invoke(email("omar.private@gmail.com", lead))
    assert refused.decision.reason_code == "recipient_not_on_lead"

    add = call("targeting.add_contact_point", skill="targeting_analyst", contact_id=lead, thread="leads",
               args={"contact_id": lead, "address": "Omar.Private@Gmail.com", "added_by": "u-analyst"})
    asked = rig.gateway.invoke(add, actor="u-analyst")
    assert asked.decision.mode == Mode.approval_required and asked.approval is not None
    token = rig.gateway.resolve(asked.approval.approval_id, manager(), "approve").token
    added = rig.gateway.execute(add, approval_token=token, actor="u-manager")
    assert added.execution is not None and added.execution.status == "executed"
    assert "executed" in [e.kind for e in rig.gateway.audit.events(tenant="t1") if e.action == add.action]

    accepted = rig.gateway.invoke(email("omar.private@gmail.com", lead, tool_call="2"))
    assert accepted.decision.mode == Mode.draft_only
    assert accepted.execution is not None and accepted.execution.status == "executed"


# -- needs review: an approval that says why ------------------------------------------------------------
def test_a_lead_under_review_needs_an_approval_that_says_why(rig: Rig, leads: Leads) -> None:
    lead = leads.id("noura@boughtlist.example.sa")
    result = rig.gateway.invoke(email("noura@boughtlist.example.sa", lead))
    assert result.decision.mode == Mode.approval_required  # gmail.draft alone would be draft_only
    assert result.decision.reason_code == "source_needs_review"
    assert rig.calls == []
    approval = result.approval
    assert approval is not None and approval.recipient is not None
    assert approval.recipient.status == "needs_review" and approval.recipient.contact_id == lead
    assert "يحتاج مراجعة" in approval.description and approval.recipient.reason_ar in approval.description
    assert "لم نتواصل مع هذا العميل من قبل" in approval.description
    assert rig.gateway.get_approval(approval.approval_id, "t1").recipient == approval.recipient


def test_the_approval_shows_the_last_touches(rig: Rig, leads: Leads) -> None:
    lead = leads.id("noura@boughtlist.example.sa")
    leads.repository.record_touch("t1", lead, "email", rig.clock.now - timedelta(days=3))
    approval = rig.gateway.invoke(email("noura@boughtlist.example.sa", lead)).approval
    assert approval is not None and approval.recipient is not None
    assert [t.channel for t in approval.recipient.last_touches] == ["email"]
    assert "آخر مرات التواصل" in approval.description and "البريد الإلكتروني" in approval.description


def test_an_edit_that_changes_the_recipient_is_checked_again(rig: Rig, leads: Leads) -> None:
    lead = leads.id("noura@boughtlist.example.sa")
    draft = email("noura@boughtlist.example.sa", lead)
    approval = rig.gateway.invoke(draft).approval
    assert approval is not None
    edited = rig.gateway.resolve(approval.approval_id, manager(), "edit",
                                 edited_args={**draft.args, "to": "faisal@harvested.example.sa"})
    assert edited.new_decision is not None and edited.new_decision.mode == Mode.blocked
    assert edited.new_decision.reason_code == "recipient_not_on_lead"
    assert edited.token is None and rig.calls == []


def test_an_edit_to_another_of_the_leads_own_addresses_is_judged_for_that_address(rig: Rig, leads: Leads) -> None:
    kept = leads.id("ahmed@alnoor.example.sa")
    leads.repository.add_do_not_contact("t1", [("email", "ahmed.harbi@alnoor.example.sa")], "asked", rig.clock.now)
    rig.gateway = rig.make(recipients=leads.directory)
    draft = email("ahmed@alnoor.example.sa", kept)
    # One DNC address of a merged pair blocks the person on email altogether: judged per person.
    assert rig.gateway.invoke(draft).decision.reason_code == "do_not_contact"


# -- touches and one outreach a day ------------------------------------------------------------------------
def test_an_executed_outreach_records_a_touch_for_the_lead(rig: Rig, leads: Leads) -> None:
    lead = leads.id("omar@gulflog.example.sa")
    result = rig.gateway.invoke(email("omar@gulflog.example.sa", lead))
    assert result.execution is not None and result.execution.status == "executed"
    touches = leads.repository.touches("t1", rig.clock.now - timedelta(days=1))
    assert [(t.lead_id, t.channel, t.at) for t in touches] == [(lead, "email", rig.clock.now)]


def test_a_blocked_or_pending_outreach_records_no_touch(rig: Rig, leads: Leads) -> None:
    rig.gateway.invoke(email("faisal@harvested.example.sa", None))
    rig.gateway.invoke(email("noura@boughtlist.example.sa", leads.id("noura@boughtlist.example.sa")))
    assert leads.repository.touches("t1", rig.clock.now - timedelta(days=1)) == []


def test_a_second_draft_to_the_same_person_on_the_same_day_is_refused_across_threads(rig: Rig,
                                                                                     leads: Leads) -> None:
    lead = leads.id("omar@gulflog.example.sa")
    first = rig.gateway.invoke(email("omar@gulflog.example.sa", lead, thread="autopilot-1"))
    assert first.execution is not None and first.execution.status == "executed"
    rig.clock.advance(hours=2)
    second = rig.gateway.invoke(email("omar@gulflog.example.sa", lead, thread="daily-plan-1"))
    assert second.decision.mode == Mode.blocked and second.decision.reason_code == "touched_today"
    assert "اليوم" in second.decision.reason_ar
    # no contact id, the address in another spelling: the same person, still today's second outreach
    assert rig.gateway.invoke(email("OMAR@gulflog.example.sa", None, thread="operator-1")).decision.reason_code \
        == "touched_today"
    assert len(rig.calls) == 1
    rig.clock.advance(days=1)  # Monday in Riyadh: a new day
    third = rig.gateway.invoke(email("omar@gulflog.example.sa", lead, thread="daily-plan-2"))
    assert third.execution is not None and third.execution.status == "executed"


def test_the_same_call_run_again_is_not_a_second_outreach(rig: Rig, leads: Leads) -> None:
    lead = leads.id("omar@gulflog.example.sa")
    draft = email("omar@gulflog.example.sa", lead)
    first = rig.gateway.invoke(draft)
    again = rig.gateway.invoke(draft)  # a resumed graph re-running its node
    assert again.execution is not None and again.execution.status == "already_executed"
    assert again.execution.ledger_id == first.execution.ledger_id  # type: ignore[union-attr]


def test_the_day_is_the_riyadh_day(rig: Rig, leads: Leads) -> None:
    lead = leads.id("omar@gulflog.example.sa")
    rig.clock.now = SUNDAY_11_RIYADH.replace(hour=20, minute=30)  # 23:30 Sunday in Riyadh
    assert rig.gateway.invoke(email("omar@gulflog.example.sa", lead, thread="a")).execution is not None
    rig.clock.advance(hours=1)  # 00:30 Monday in Riyadh, still Sunday in UTC
    assert rig.gateway.invoke(email("omar@gulflog.example.sa", lead, thread="b")).decision.reason_code != \
        "touched_today"


def test_an_outreach_pending_in_another_thread_refuses_a_second_one(rig: Rig, leads: Leads) -> None:
    lead = leads.id("noura@boughtlist.example.sa")
    pending = rig.gateway.invoke(email("noura@boughtlist.example.sa", lead, thread="autopilot-1"))
    assert pending.approval is not None
    again_same_thread = rig.gateway.invoke(email("noura@boughtlist.example.sa", lead, thread="autopilot-1"))
    assert again_same_thread.approval is not None
    assert again_same_thread.approval.approval_id == pending.approval.approval_id
    other = rig.gateway.invoke(email("noura@boughtlist.example.sa", None, thread="daily-plan-1"))
    assert other.decision.mode == Mode.blocked and other.decision.reason_code == "outreach_pending"
    assert [a.approval_id for a in rig.gateway.pending_approvals("t1")] == [pending.approval.approval_id]


def test_two_approvals_granted_the_same_day_cannot_both_deliver(rig: Rig, leads: Leads) -> None:
    lead = leads.id("noura@boughtlist.example.sa")
    a = email("noura@boughtlist.example.sa", lead, thread="autopilot-1")
    b = email("noura@boughtlist.example.sa", lead, thread="daily-plan-1")
    asked_a = rig.gateway.invoke(a).approval
    assert asked_a is not None
    token_a = rig.gateway.resolve(asked_a.approval_id, manager(), "approve").token
    asked_b = rig.gateway.invoke(b).approval  # a is approved, no longer pending: b may be asked for
    assert asked_b is not None
    token_b = rig.gateway.resolve(asked_b.approval_id, manager(), "approve").token
    done = rig.gateway.execute(a, approval_token=token_a)
    assert done.execution is not None and done.execution.status == "executed"
    refused = rig.gateway.execute(b, approval_token=token_b)
    assert refused.decision.mode == Mode.blocked and refused.decision.reason_code == "touched_today"
    assert refused.execution is not None and refused.execution.status == "not_executed"
    assert len(rig.calls) == 1


def test_unanswered_touches_from_any_path_start_the_cool_down(rig: Rig, leads: Leads) -> None:
    lead = leads.id("reem@desertfoods.example.sa")
    for days_ago in (9, 5):  # two unanswered outreaches recorded by earlier runs
        leads.repository.record_touch("t1", lead, "email", rig.clock.now - timedelta(days=days_ago))
    decision = rig.gateway.invoke(email("reem@desertfoods.example.sa", lead)).decision
    assert decision.mode == Mode.blocked and decision.reason_code == "cooldown"


def test_contacts_the_directory_does_not_know_are_judged_on_consent_as_before(rig: Rig, leads: Leads) -> None:
    # a support customer, not a lead: no recipient check, no daily rule
    for n in ("1", "2"):
        result = rig.gateway.invoke(email("customer@client.example.sa", "cust-7", tool_call=n,
                                          skill="customer_success_operator"))
        assert result.execution is not None and result.execution.status == "executed"


# -- the dry run -----------------------------------------------------------------------------------------
def test_a_dry_run_answers_like_the_gateway_and_leaves_nothing_behind(rig: Rig, leads: Leads) -> None:
    blocked = rig.gateway.dry_run(email("faisal@harvested.example.sa", None)).decision
    review = rig.gateway.dry_run(email("noura@boughtlist.example.sa", None)).decision
    assert (blocked.mode, blocked.reason_code) == (Mode.blocked, "source_blocked")
    assert (review.mode, review.approval_id) == (Mode.approval_required, None)
    assert rig.gateway.pending_approvals("t1") == [] and rwu_types(rig.gateway) == [] and rig.calls == []
    events = rig.gateway.audit.events(tenant="t1")
    assert [e.kind for e in events] == ["decision_dry_run", "decision_dry_run"]
    assert events[1].payload["recipient"]["status"] == "needs_review"
    with rig.gateway.store.read() as conn:
        assert conn.execute("SELECT COUNT(*) FROM rate_counters").fetchone()[0] == 0
