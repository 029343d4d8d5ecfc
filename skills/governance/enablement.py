"""Switching an integration on or off for one tenant, through the gateway.

    disable ............................ at once: a ``connector.disable`` decision, then the switch (audited)
    enable, low or medium risk ......... at once: a ``connector.enable_direct`` decision, then the switch
    enable, high risk (integrations.yaml) ``connector.enable`` needs an approval: a pending approval and
                                         its approval card; another person with an approving role (the
                                         ceo) approves it in the inbox; the gateway then runs the switch
                                         once (``tools.enablement.EnableConnector``)

The switch is a per-tenant gate on top of the deployment's: it never turns on what the environment,
the credentials or a live flag keep off, and every action through the integration still passes the
whole policy (opt-in, approval, quiet hours ...).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from skills.cards.factory import CardFactory
from skills.cards.service import CardService
from tools.enablement import (
    DISABLE_ACTION,
    ENABLE_ACTION,
    ENABLE_DIRECT_ACTION,
    SWITCH_SKILL,
    SWITCH_THREAD,
)
from tools.errors import ApprovalError
from tools.gateway import Gateway
from tools.models import Caller, PolicyDecision, ToolCall
from tools.saudi_time import Clock, system_clock

# Enabling an integration of these risk levels (tools/data/integrations.yaml) needs an approval.
APPROVAL_RISKS = frozenset({"high"})

SwitchStatus = Literal["enabled", "disabled", "pending_approval", "unchanged"]


class SwitchResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    integration: str
    status: SwitchStatus
    enabled: bool = Field(description="The tenant's switch after this request.")
    approval_id: str | None = Field(default=None, description="The approval to wait for (high-risk enable).")
    message_ar: str
    audit_event: str | None = Field(default=None, description="The gateway decision that recorded the request.")


class SwitchRequest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    reason: str | None = Field(default=None, max_length=500, description="Why (kept, masked, in the audit log).")


class ConnectorSwitchDesk:
    def __init__(self, tenant: str, *, gateway: Gateway, clock: Clock = system_clock) -> None:
        self.tenant, self.gateway, self.clock = tenant, gateway, clock

    def enable(self, name: str, caller: Caller, *, reason: str | None = None,
               unchanged_ar: str = "") -> SwitchResult:
        item = self.gateway.switches.registry.get(name)  # NotFound (404) for an unknown name
        with self.gateway.store.read() as conn:
            switch = self.gateway.switches.switch(conn, self.tenant, item)
        if switch.enabled:
            return SwitchResult(integration=name, status="unchanged", enabled=True, message_ar=unchanged_ar)
        masked = self.gateway.masker.mask_text(reason.strip())[:500] if reason and reason.strip() else None
        if item.risk_level in APPROVAL_RISKS:
            result = self.gateway.decide(self._call(ENABLE_ACTION, name, switch.generation, {
                "integration": name, "risk_level": item.risk_level, "requested_by": caller.user_id,
                "reason": masked}), actor=caller.user_id)
            decision = _allowed(result.decision)
            assert decision.approval_id is not None
            approval = self.gateway.get_approval(decision.approval_id, self.tenant)
            factory = CardFactory(self.tenant, policy=self.gateway.policy, clock=self.clock)
            CardService(self.tenant, gateway=self.gateway, clock=self.clock).publish([factory.from_approval(approval)])
            return SwitchResult(integration=name, status="pending_approval", enabled=False,
                                approval_id=decision.approval_id, message_ar=decision.reason_ar,
                                audit_event=decision.audit_event)
        decision = _allowed(self.gateway.decide(self._call(ENABLE_DIRECT_ACTION, name, switch.generation, {
            "integration": name, "risk_level": item.risk_level, "reason": masked}), actor=caller.user_id).decision)
        return self._flip(name, True, caller, decision, masked)

    def disable(self, name: str, caller: Caller, *, reason: str | None = None,
                unchanged_ar: str = "") -> SwitchResult:
        item = self.gateway.switches.registry.get(name)
        with self.gateway.store.read() as conn:
            switch = self.gateway.switches.switch(conn, self.tenant, item)
        if not switch.enabled:
            return SwitchResult(integration=name, status="unchanged", enabled=False, message_ar=unchanged_ar)
        masked = self.gateway.masker.mask_text(reason.strip())[:500] if reason and reason.strip() else None
        decision = _allowed(self.gateway.decide(self._call(DISABLE_ACTION, name, switch.generation, {
            "integration": name, "reason": masked}), actor=caller.user_id).decision)
        return self._flip(name, False, caller, decision, masked)

    def _flip(self, name: str, enabled: bool, caller: Caller, decision: PolicyDecision,
              reason: str | None) -> SwitchResult:
        now = self.clock()
        with self.gateway.store.transaction() as conn:
            self.gateway.switches.set(conn, tenant=self.tenant, integration=name, enabled=enabled,
                                      by=caller.user_id, now=now, reason=reason)
            self.gateway.audit.append(conn, tenant=self.tenant, actor=caller.user_id, action=decision.action,
                                      kind="connector_enabled" if enabled else "connector_disabled", ts=now,
                                      payload={"integration": name, "decision_event": decision.audit_event,
                                               "role": caller.role.value, "reason": reason})
        return SwitchResult(integration=name, status="enabled" if enabled else "disabled", enabled=enabled,
                            message_ar=decision.reason_ar, audit_event=decision.audit_event)

    def _call(self, action: str, name: str, generation: int, args: dict[str, object]) -> ToolCall:
        return ToolCall(tenant=self.tenant, skill=SWITCH_SKILL, action=action, thread_id=SWITCH_THREAD,
                        tool_call_id=f"{action}:{name}:{generation}", args=args)


def _allowed(decision: PolicyDecision) -> PolicyDecision:
    if not decision.allowed:
        raise ApprovalError(decision.reason_ar, decision.reason_en, code=decision.reason_code)
    return decision
