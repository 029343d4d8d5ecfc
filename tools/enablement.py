"""Per-tenant enablement of integrations: an extra gate on top of the deployment's, never a bypass.

    deployment (environment, credentials, live flags) ── decides what CAN run at all
    tenant switch (this module) ─────────────────────── decides what this tenant lets run

A tenant with no row for an integration follows its default: enabled, unless the integration's
safe default is ``disabled``. The gateway refuses an action of an integration the tenant switched
off (``connector_disabled``, audited). Enabling a high-risk integration is the policy action
``connector.enable`` (approval required): once a person approves it, the gateway runs
:class:`EnableConnector`, which flips the switch exactly once under the side-effect ledger and
leaves a receipt in the outbox. Lower-risk integrations are enabled, and any integration disabled,
directly by the governance desk (each decision audited by the gateway first).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from tools.connectors.base import Connector, ConnectorContext, Delivery, require, write_outbox
from tools.errors import ConnectorError, NotFound
from tools.integrations import Integration, IntegrationRegistry, load_integrations
from tools.store import Conn, Store

ENABLE_ACTION = "connector.enable"            # approval required: high-risk integrations
ENABLE_DIRECT_ACTION = "connector.enable_direct"  # low and medium risk: enabled at once, audited
DISABLE_ACTION = "connector.disable"          # immediate, audited
SWITCH_SKILL = "data_governance_reviewer"
SWITCH_THREAD = "governance-connectors"       # not a graph thread: the inbox resolves it directly


class Switch(BaseModel):
    """A tenant's switch of one integration."""

    model_config = ConfigDict(frozen=True)

    integration: str
    enabled: bool
    explicit: bool = False  # False: no row, the integration's default applies
    generation: int = 0
    changed_by: str | None = None
    changed_at: datetime | None = None
    approval_id: str | None = None


def default_enabled(integration: Integration) -> bool:
    return integration.safe_default != "disabled"


class TenantSwitches:
    """Reads and writes ``connector_enablement`` inside the caller's transaction."""

    def __init__(self, registry: IntegrationRegistry | None = None) -> None:
        self._registry = registry
        self._by_action: dict[str, tuple[str, ...]] | None = None

    @property
    def registry(self) -> IntegrationRegistry:
        return self._registry or load_integrations()

    def integrations_of(self, action: str) -> tuple[str, ...]:
        """The integrations through which ``action`` runs (drafted or approved; blocked ones never run)."""
        if self._by_action is None:
            found: dict[str, list[str]] = {}
            for item in self.registry:
                for name in (*item.allowed_actions, *item.approval_required_actions):
                    found.setdefault(name, []).append(item.name)
            self._by_action = {k: tuple(v) for k, v in found.items()}
        return self._by_action.get(action, ())

    def switch(self, conn: Conn, tenant: str, integration: Integration) -> Switch:
        row = conn.execute("SELECT * FROM connector_enablement WHERE tenant = ? AND integration = ?",
                           (tenant, integration.name)).fetchone()
        if row is None:
            return Switch(integration=integration.name, enabled=default_enabled(integration))
        return Switch(integration=integration.name, enabled=bool(row["enabled"]), explicit=True,
                      generation=int(row["generation"]), changed_by=row["changed_by"],
                      changed_at=datetime.fromisoformat(row["changed_at"]), approval_id=row["approval_id"])

    def switches(self, conn: Conn, tenant: str) -> dict[str, Switch]:
        return {item.name: self.switch(conn, tenant, item) for item in self.registry}

    def disabled_for(self, conn: Conn, tenant: str, action: str) -> str | None:
        """The first integration of ``action`` this tenant has switched off, else None."""
        for name in self.integrations_of(action):
            if not self.switch(conn, tenant, self.registry.get(name)).enabled:
                return name
        return None

    def set(self, conn: Conn, *, tenant: str, integration: str, enabled: bool, by: str,
            now: datetime, approval_id: str | None = None, reason: str | None = None) -> Switch:
        """Flip the switch (a no-op when it is already in that position). ``reason`` must be masked."""
        item = self.registry.get(integration)
        current = self.switch(conn, tenant, item)
        if current.explicit and current.enabled == enabled:
            return current
        conn.execute(
            "INSERT INTO connector_enablement (tenant, integration, enabled, generation, changed_by, changed_at,"
            " approval_id, reason) VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (tenant, integration) DO UPDATE SET"
            " enabled = excluded.enabled, generation = connector_enablement.generation + 1,"
            " changed_by = excluded.changed_by, changed_at = excluded.changed_at,"
            " approval_id = excluded.approval_id, reason = excluded.reason",
            (tenant, integration, int(enabled), 1, by, now.astimezone(UTC).isoformat(), approval_id, reason))
        return self.switch(conn, tenant, item)


class EnableConnector(Connector):
    """``connector.enable``: after an approval, switch one integration on for the tenant, once.

    Internal: nothing leaves the machine. The outbox gets a receipt (which integration, for whom,
    under which ledger row and approval), like every other execution."""

    action: ClassVar[str] = ENABLE_ACTION
    extension: ClassVar[str] = "json"
    idempotent: ClassVar[bool] = True

    def __init__(self, store: Store, switches: TenantSwitches) -> None:
        self._store = store
        self._switches = switches

    def _deliver(self, args: dict[str, Any], *, ledger_id: str, live: bool, ctx: ConnectorContext) -> Delivery:
        require(args, "integration", "requested_by")
        name = str(args["integration"])
        try:
            self._switches.registry.get(name)
        except NotFound as exc:
            raise ConnectorError(exc.message_ar, exc.message_en, code="integration_not_found") from exc
        with self._store.transaction() as conn:
            approval = conn.execute("SELECT approval_id FROM side_effects WHERE ledger_id = ?",
                                    (ledger_id,)).fetchone()
            approval_id = approval["approval_id"] if approval is not None else None
            decided = conn.execute("SELECT decided_by FROM approvals WHERE approval_id = ?",
                                   (approval_id,)).fetchone() if approval_id else None
            switch = self._switches.set(conn, tenant=ctx.tenant, integration=name, enabled=True,
                                        by=decided["decided_by"] if decided else "gateway", now=ctx.now,
                                        approval_id=approval_id)
        receipt = {"integration": name, "tenant": ctx.tenant, "enabled": switch.enabled, "ledger_id": ledger_id,
                   "approval_id": approval_id, "at": ctx.now.isoformat()}
        path = write_outbox(self.outbox_file(ctx, ledger_id), json.dumps(receipt, ensure_ascii=False).encode())
        return Delivery(outbox_path=str(path), transport="internal", detail={"integration": name, "enabled": True})
