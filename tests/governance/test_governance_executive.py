"""The executive room: today's decisions, SLA breaches, top risks, proof this week, compliance, heatmap
and the policy-violations board, all for one tenant."""

from __future__ import annotations

from governance_support import OTHER, TENANT, MovingClock, request_approval

from dealix.settings import Settings
from skills.governance.executive import ExecutiveRoomService
from tools.gateway import Gateway
from tools.models import Caller, Role, ToolCall


def room_of(gateway: Gateway, settings: Settings, clock: MovingClock, tenant: str = TENANT) -> ExecutiveRoomService:
    return ExecutiveRoomService(tenant, gateway=gateway, settings=settings, clock=clock)


def test_an_empty_room(gateway: Gateway, settings: Settings, clock: MovingClock) -> None:
    room = room_of(gateway, settings, clock).room()
    assert room.approvals_waiting == 0 and room.approvals_breaching == [] and room.top_risks == []
    assert room.heatmap == [] and room.violations.total == 0 and room.decisions_today == []
    assert room.compliance["gap"] >= 1 and "DX-PDPL-RETENTION" in room.compliance_gaps


def test_the_room_brings_the_surfaces_together(gateway: Gateway, settings: Settings, clock: MovingClock) -> None:
    decided = request_approval(gateway, contact_id="lead_1", call_id="a")
    request_approval(gateway, contact_id="lead_5", thread_id="t1", call_id="b")
    request_approval(gateway, contact_id="lead_5", thread_id="t2", call_id="c")
    gateway.resolve(decided.approval_id, Caller(tenant=TENANT, user_id="noura", role=Role.ceo), "approve")
    gateway.decide(ToolCall(tenant=TENANT, skill="proof_pack_builder", action="crm.update", args={},
                            thread_id="t", tool_call_id="x"))
    gateway.decide(ToolCall(tenant=TENANT, skill="execution_governor", action="gmail.send", args={"to": "a@b.sa"},
                            thread_id="t", tool_call_id="y"))
    request_approval(gateway, tenant=OTHER, call_id="z")
    clock.advance(hours=5)  # past the 4 business hours of a medium-risk approval
    room = room_of(gateway, settings, clock).room()
    assert room.approvals_waiting == 2 and len(room.approvals_breaching) == 2
    assert [(d.approval_id, d.decided_by) for d in room.decisions_today] == [(decided.approval_id, "noura")]
    assert {r.kind for r in room.top_risks} == {"lead_in_two_threads", "skill_out_of_scope"}
    assert room.top_risks[0].kind == "skill_out_of_scope"  # 2 x 5 before 3 x 2
    assert sum(c.count for c in room.heatmap) == room.contradictions + len(room.approvals_breaching) == 4
    assert room.violations.total == 2
    assert {t.key for t in room.violations.by_action} == {"crm.update", "gmail.send"}
    assert {t.key for t in room.violations.by_skill} == {"proof_pack_builder", "execution_governor"}
    assert "skill_not_allowed" in {t.key for t in room.violations.by_source}
    assert room.proof_week.start.isoformat() == "2026-11-15" and room.proof_week.units >= 1
    other = room_of(gateway, settings, clock, OTHER).room()
    assert other.violations.total == 0 and other.decisions_today == [] and other.approvals_waiting == 1


def test_decisions_of_yesterday_are_not_today(gateway: Gateway, settings: Settings, clock: MovingClock) -> None:
    approval = request_approval(gateway)
    gateway.resolve(approval.approval_id, Caller(tenant=TENANT, user_id="noura", role=Role.ceo), "approve")
    clock.advance(days=1)
    assert room_of(gateway, settings, clock).room().decisions_today == []
