"""Connector governance: per integration of ``tools/data/integrations.yaml``, its launch phase, risk,
state, whether its credentials are present (a yes/no, never a value or a name's content), and for
this tenant its runs, failures, error rate and last success / failure from the side-effect ledger.

State: ``disabled`` (safe default disabled and no credentials), ``safe_mode`` (runs in its safe
default: drafts, local mode, offline), ``configured`` (credentials present, no live flag), ``live``
(an action's live flag is on). The deployment (environment) decides what can run at all; on top of
it each tenant has its own switch (``tools.enablement``): ``enabled`` is true only when both allow
it. The ledger figures are the tenant's own.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime

from skills.governance.enablement import APPROVAL_RISKS
from skills.governance.models import ConnectorReport, ConnectorState, ConnectorView
from tools.enablement import ENABLE_ACTION, Switch, default_enabled
from tools.gateway import Gateway
from tools.integrations import Integration, load_integrations
from tools.saudi_time import Clock, system_clock
from tools.settings import Settings


class ConnectorGovernance:
    def __init__(self, tenant: str, *, gateway: Gateway, settings: Settings, clock: Clock = system_clock,
                 environ: Mapping[str, str] | None = None) -> None:
        self.tenant, self.gateway, self.settings, self.clock = tenant, gateway, settings, clock
        self.environ = os.environ if environ is None else environ
        self._switches: dict[str, Switch] = {}
        self._pending: dict[str, str] = {}

    def report(self) -> ConnectorReport:
        registry = load_integrations()
        stats = self._ledger_stats()
        with self.gateway.store.read() as conn:
            self._switches = self.gateway.switches.switches(conn, self.tenant)
        pending = [a for a in self.gateway.pending_approvals(self.tenant)
                   if a.action_request.action == ENABLE_ACTION]
        self._pending = {str(a.action_request.args.get("integration")): a.approval_id for a in pending}
        views = [self.view(i, stats) for i in registry]
        return ConnectorReport(generated_at=self.clock(), registry_version=registry.version, connectors=views)

    def view(self, integration: Integration, stats: dict[str, _Stats]) -> ConnectorView:
        runs = failures = 0
        last_ok: datetime | None = None
        last_fail: datetime | None = None
        for action in integration.actions:
            s = stats.get(action)
            if s is None:
                continue
            runs, failures = runs + s.runs, failures + s.failures
            last_ok = _later(last_ok, s.last_ok)
            last_fail = _later(last_fail, s.last_fail)
        credentials = bool(integration.required_env_vars) and all(
            self.environ.get(name, "").strip() for name in integration.required_env_vars)
        flags = {self.gateway.policy.rule(a).live_flag for a in integration.actions} - {None}
        live = any(bool(getattr(self.settings, f"live_{flag}", False)) for flag in flags)
        state: ConnectorState = ("live" if live else "configured" if credentials
                                 else "disabled" if integration.safe_default == "disabled" else "safe_mode")
        switch = self._switches.get(integration.name)
        tenant_enabled = switch.enabled if switch is not None else default_enabled(integration)
        return ConnectorView(
            name=integration.name, category=integration.category, launch_phase=integration.launch_phase,
            risk_level=integration.risk_level, safe_default=integration.safe_default, state=state,
            enabled=state != "disabled" and tenant_enabled, credentials_present=credentials,
            credentials_required=len(integration.required_env_vars), actions=sorted(integration.actions),
            runs=runs, failures=failures, error_rate=round(failures / runs, 4) if runs else None,
            last_success=last_ok, last_failure=last_fail, tenant_enabled=tenant_enabled,
            tenant_switch_explicit=switch is not None and switch.explicit,
            enable_needs_approval=integration.risk_level in APPROVAL_RISKS,
            pending_enable_approval=self._pending.get(integration.name))

    def _ledger_stats(self) -> dict[str, _Stats]:
        with self.gateway.store.read() as conn:
            rows = conn.execute("SELECT action, status, COALESCE(finished_at, started_at) AS at FROM side_effects"
                                " WHERE tenant = ? AND status IN ('done', 'failed')", (self.tenant,)).fetchall()
        stats: dict[str, _Stats] = {}
        for row in rows:
            s = stats.setdefault(row["action"], _Stats())
            at = datetime.fromisoformat(row["at"])
            s.runs += 1
            if row["status"] == "failed":
                s.failures += 1
                s.last_fail = _later(s.last_fail, at)
            else:
                s.last_ok = _later(s.last_ok, at)
        return stats


class _Stats:
    def __init__(self) -> None:
        self.runs = 0
        self.failures = 0
        self.last_ok: datetime | None = None
        self.last_fail: datetime | None = None


def _later(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None or b is None:
        return a or b
    return max(a, b)
