"""The embedded demo: one seeded tenant with the bundled sample leads and a fresh operator key.

``dealix serve`` calls :func:`seed_demo` so that a fresh machine shows the whole flow at once:
log in with the printed key, ask for today's top targets, decide the drafts.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict

from api.keys import key_store_for
from dealix.settings import Settings
from skills.targeting.factory import SAMPLE_FILE, build_service
from tools.models import Role
from tools.saudi_time import Clock, system_clock

DEMO_TENANT = "demo"
DEMO_USER = "demo-operator"
DEMO_ROLE = Role.sales_manager


class DemoSeed(BaseModel):
    model_config = ConfigDict(frozen=True)

    tenant: str
    user_id: str
    role: Role
    key: str
    leads_imported: int


def seed_demo(settings: Settings, *, clock: Clock = system_clock, leads: Path = SAMPLE_FILE,
              tenant: str = DEMO_TENANT) -> DemoSeed:
    """Import the sample leads once (idempotent), and issue a new demo key (older demo keys are revoked)."""
    service = build_service(settings, tenant=tenant, clock=clock)
    imported = 0
    if not service.repository.leads(tenant):
        imported = service.import_file(leads).imported
    keys = key_store_for(settings)
    for record in keys.list_keys(tenant):
        if record.caller.user_id == DEMO_USER and record.revoked_at is None:
            keys.revoke(record.key_id, now=clock())
    issued = keys.create(user_id=DEMO_USER, tenant=tenant, role=DEMO_ROLE, now=clock())
    return DemoSeed(tenant=tenant, user_id=DEMO_USER, role=DEMO_ROLE, key=issued.key, leads_imported=imported)
