"""Every revenue work unit type comes from its real source, through the gateway or a graph, and
names an audit event of the same tenant that records that source."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from proof_support import (
    OTHER,
    TENANT,
    Rig,
    crm_update,
    email_draft,
    event,
    invoice,
    meeting,
    payload,
    units,
)

from skills.proof.builder import ProofPackBuilder
from tools.models import Channel, Role, RWUType
from tools.rwu import MAX_FAN_OUT, list_rwus, record_rwu

RANK_ARGS = {"ranked": 12, "top_n": 2, "targets": ["ld_a", "ld_b"]}


def _rank(rig: Rig) -> None:
    rig.invoke("targeting_analyst", "targeting.rank", args=RANK_ARGS)


def _opted_out_whatsapp(rig: Rig) -> None:
    rig.consent("c-majed", "opt_out", Channel.all)
    rig.invoke("execution_governor", "whatsapp.send", contact="c-majed", args={"to": "0550000202", "body": "مرحباً"})


def _approved_crm_update(rig: Rig) -> None:
    result = rig.approve_and_run("execution_governor", "crm.update", contact="c-fahad", args=crm_update())
    assert result.execution is not None and result.execution.status == "executed"


# type -> (what produces it, the audit event kind and action that must prove it)
SOURCES: dict[RWUType, tuple[Callable[[Rig], object], str, str | None]] = {
    RWUType.opportunity_created: (_rank, "decision", "targeting.rank"),
    RWUType.target_ranked: (_rank, "decision", "targeting.rank"),
    RWUType.contact_blocked: (_opted_out_whatsapp, "decision", "whatsapp.send"),
    RWUType.draft_created: (lambda r: r.invoke("saudi_copywriter", "gmail.draft", contact="c-nora",
                                               args=email_draft()), "executed", "gmail.draft"),
    RWUType.approval_collected: (_approved_crm_update, "approval_approved", "crm.update"),
    RWUType.meeting_drafted: (lambda r: r.invoke("negotiation_coach", "calendar.draft", contact="c-nora",
                                                 args=meeting()), "executed", "calendar.draft"),
    RWUType.partner_suggested: (lambda r: r.invoke("partner_strategist", "partner.suggest",
                                                   args={"partner_type": "marketing_agency"}),
                                "decision", "partner.suggest"),
    RWUType.proof_generated: (lambda r: ProofPackBuilder(r.gateway, clock=r.clock).build(TENANT),
                              "decision", "proof.pack_build"),
    RWUType.payment_link_drafted: (lambda r: r.invoke("execution_governor", "moyasar.invoice_draft",
                                                      contact="c-nora", args=invoice()),
                                   "executed", "moyasar.invoice_draft"),
    RWUType.deal_risk_detected: (lambda r: r.invoke("negotiation_coach", "deal.risk_flag", thread="deal-9",
                                                    args={"deal_id": "deal-9", "risk": "silent_buyer"}),
                                 "decision", "deal.risk_flag"),
    RWUType.risk_blocked: (lambda r: r.invoke("targeting_analyst", "linkedin.scrape", args={"query": "x"}),
                           "decision", "linkedin.scrape"),
    RWUType.followup_created: (_approved_crm_update, "executed", "crm.update"),
    RWUType.support_ticket_resolved: (lambda r: r.invoke("customer_success_operator", "support.ticket_resolve",
                                                         args={"ticket_id": "T-1"}),
                                      "decision", "support.ticket_resolve"),
}


def test_every_work_unit_type_has_a_real_source() -> None:
    assert set(SOURCES) == set(RWUType)


@pytest.mark.parametrize("unit_type", list(RWUType), ids=lambda t: t.value)
def test_each_type_is_emitted_by_its_source_and_linked_to_its_audit_event(rig: Rig, unit_type: RWUType) -> None:
    produce, kind, action = SOURCES[unit_type]
    assert not units(rig.settings)

    produce(rig)

    emitted = [u for u in units(rig.settings) if u["type"] == unit_type.value]
    assert emitted, f"{unit_type.value} was not emitted"
    for unit in emitted:
        proof = event(rig.settings, unit["audit_event"])
        assert proof["tenant"] == TENANT
        assert (proof["kind"], proof["action"]) == (kind, action)
        assert datetime.fromisoformat(unit["ts"]) == datetime.fromisoformat(proof["ts"])


def test_a_ranking_names_one_opportunity_per_target_and_keeps_its_counts_in_the_event(rig: Rig) -> None:
    _rank(rig)

    rows = units(rig.settings)
    opportunities = sorted(u["ref"] for u in rows if u["type"] == "opportunity_created")
    ranking = [u for u in rows if u["type"] == "target_ranked"]
    assert opportunities == ["ld_a", "ld_b"]
    assert len(ranking) == 1 and ranking[0]["ref"] == "th-1"
    assert payload(event(rig.settings, ranking[0]["audit_event"]))["args"]["ranked"] == 12


def test_an_inflated_target_list_is_capped_deduplicated_and_cleaned(rig: Rig) -> None:
    hostile = ["a", "a", 5, None, "", "x" * 300, *[f"t{i}" for i in range(3 * MAX_FAN_OUT)]]
    rig.invoke("targeting_analyst", "targeting.rank", args={"ranked": 1, "targets": hostile})

    refs = [u["ref"] for u in units(rig.settings) if u["type"] == "opportunity_created"]
    assert len(refs) == MAX_FAN_OUT == len(set(refs))
    assert refs.count("a") == 1 and "x" * 300 not in refs and "" not in refs


def test_only_a_ranking_fans_out_into_opportunities(rig: Rig) -> None:
    rig.invoke("partner_strategist", "partner.suggest", args={"targets": ["p1", "p2"]})
    assert [u["type"] for u in units(rig.settings)] == ["partner_suggested"]


def test_deciding_an_internal_action_without_invoking_it_records_no_unit(rig: Rig) -> None:
    rig.gateway.decide(rig.call("targeting_analyst", "targeting.rank", args=RANK_ARGS))
    assert units(rig.settings) == []


def test_an_internal_action_a_skill_may_not_call_is_a_blocked_risk_not_a_ranking(rig: Rig) -> None:
    result = rig.invoke("saudi_copywriter", "targeting.rank", args=RANK_ARGS)

    assert result.decision.reason_code == "skill_not_allowed"
    assert [u["type"] for u in units(rig.settings)] == ["risk_blocked"]


def test_a_rejected_approval_collects_nothing_and_runs_nothing(rig: Rig) -> None:
    from tools.models import Caller

    asked = rig.invoke("execution_governor", "crm.update", contact="c-1", args=crm_update())
    assert asked.approval is not None
    rig.gateway.resolve(asked.approval.approval_id, Caller(user_id="u", tenant=TENANT, role=Role.ceo), "reject")
    assert units(rig.settings) == []


def test_units_are_scoped_to_their_tenant(rig: Rig) -> None:
    rig.invoke("targeting_analyst", "linkedin.scrape", args={"query": "x"}, tenant=OTHER)
    _rank(rig)

    mine, theirs = list_rwus(rig.gateway.store, tenant=TENANT), list_rwus(rig.gateway.store, tenant=OTHER)
    assert {u.type for u in mine} == {RWUType.target_ranked, RWUType.opportunity_created}
    assert [u.type for u in theirs] == [RWUType.risk_blocked]
    assert all(event(rig.settings, u.audit_event)["tenant"] == OTHER for u in theirs)


def test_recording_the_same_fact_twice_keeps_one_unit_with_a_stable_id(rig: Rig) -> None:
    ts = rig.clock()
    with rig.gateway.store.transaction() as conn:
        first = record_rwu(conn, tenant=TENANT, type=RWUType.draft_created, audit_event="evt_1", ts=ts, ref="L1")
        again = record_rwu(conn, tenant=TENANT, type=RWUType.draft_created, audit_event="evt_1", ts=ts, ref="L1")
        other = record_rwu(conn, tenant=TENANT, type=RWUType.draft_created, audit_event="evt_1", ts=ts, ref="L2")

    assert first.rwu_id == again.rwu_id != other.rwu_id
    assert len(units(rig.settings)) == 2


def test_period_filter_compares_instants_not_text_across_offsets(rig: Rig) -> None:
    riyadh = timezone(timedelta(hours=3))
    stamps = {
        "inside_utc": datetime(2026, 11, 21, 21, 30, tzinfo=UTC),          # 00:30 on the 22nd in Riyadh
        "inside_riyadh": datetime(2026, 11, 22, 23, 59, tzinfo=riyadh),
        "before": datetime(2026, 11, 21, 20, 59, tzinfo=UTC),              # 23:59 on the 21st in Riyadh
        "after": datetime(2026, 11, 23, 0, 0, tzinfo=riyadh),
    }
    with rig.gateway.store.transaction() as conn:
        for ref, ts in stamps.items():
            record_rwu(conn, tenant=TENANT, type=RWUType.draft_created, audit_event=f"evt_{ref}", ts=ts, ref=ref)

    since = datetime(2026, 11, 22, 0, 0, tzinfo=riyadh)
    found = list_rwus(rig.gateway.store, tenant=TENANT, since=since, until=since + timedelta(days=1))
    assert sorted(u.ref or "" for u in found) == ["inside_riyadh", "inside_utc"]


# --------------------------------------------------------------------------------- the graph
def test_the_autopilot_graph_emits_ranking_opportunities_proof_and_approval_units(tmp_path: Path) -> None:
    from pydantic_ai import models

    from dealix.settings import Settings
    from dealix.wiring import autopilot_context
    from graphs.checkpoint import open_checkpointer
    from graphs.runtime import decide, start_autopilot
    from skills.targeting.factory import SAMPLE_FILE
    from tools.models import Caller

    models.ALLOW_MODEL_REQUESTS = False
    settings = Settings(data_dir=tmp_path / "data", secret_key="k" * 32)
    ctx = autopilot_context(settings, TENANT)
    with open_checkpointer(settings) as saver:
        started = start_autopilot(ctx, saver, SAMPLE_FILE, top_n=2)
        before = list_rwus(ctx.gateway.store, tenant=TENANT)
        assert [u.type for u in before].count(RWUType.target_ranked) == 1
        assert sorted(u.ref or "" for u in before if u.type == RWUType.opportunity_created) == sorted(
            a.tool_call_id.split(":", 1)[0] for a in started.pending)
        assert RWUType.proof_generated not in {u.type for u in before}  # the thread waits for its approvals
        manager = autopilot_context(settings, TENANT, caller=Caller(user_id="u-m", tenant=TENANT,
                                                                 role=Role.sales_manager))
        for approval in started.pending:
            decide(manager, saver, approval.approval_id, "approve")

    after = list_rwus(ctx.gateway.store, tenant=TENANT)
    events = {e.event_id: e for e in ctx.gateway.audit.events(tenant=TENANT, limit=1000)}
    assert {u.type for u in after} >= {RWUType.approval_collected, RWUType.draft_created}
    for unit in after:
        assert unit.audit_event in events
    proof_events = {events[u.audit_event].action for u in after if u.type == RWUType.proof_generated}
    assert proof_events == {"proof.pack_build"}
    assert ctx.gateway.audit.verify().ok
