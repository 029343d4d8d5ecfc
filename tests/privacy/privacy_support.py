"""A data dir with one contact spread over every store: Targeting OS leads, consent, an autopilot
thread with an approved (executed) draft in the outbox, its memory example, and a second contact."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from agents import learning
from dealix.settings import Settings
from dealix.wiring import autopilot_context, open_store
from graphs.checkpoint import open_checkpointer
from graphs.runtime import decide, start_autopilot
from skills.targeting.factory import build_service
from tools.consent import ConsentRecord, ConsentRegistry
from tools.models import Caller, Channel, Role

TENANT = "acme"
T0 = datetime(2026, 11, 15, 9, 0, tzinfo=UTC)
HEADERS = ["company_name", "contact_name", "title", "phone", "email", "city", "sector", "source"]
SARA = {"company_name": "شركة النجم العقارية", "contact_name": "سارة القحطاني", "title": "المديرة التنفيذية",
        "phone": "0551230001", "email": "sara.q@najm.example.sa", "city": "الرياض", "sector": "العقار",
        "source": "crm"}
KHALID = {"company_name": "مؤسسة الأفق للمقاولات", "contact_name": "خالد العتيبي", "title": "المدير العام",
          "phone": "0551230002", "email": "khalid.o@ofoq.example.sa", "city": "جدة", "sector": "المقاولات",
          "source": "crm"}
SARA_IDENTIFIERS = ("sara.q@najm.example.sa", "+966551230001", "0551230001", "سارة القحطاني")


@dataclass
class World:
    settings: Settings
    contact_id: str                      # the Targeting OS id of Sara
    autopilot_id: str                    # the autopilot's id of the same person
    thread_id: str
    approval_id: str
    outbox: list[Path] = field(default_factory=list)


def write_leads(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADERS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def build_world(tmp_path: Path) -> World:
    settings = Settings(data_dir=tmp_path / "data", secret_key="k" * 32)
    leads = write_leads(tmp_path / "leads.csv", [SARA, KHALID])
    targeting = build_service(settings, tenant=TENANT)
    targeting.import_file(leads)
    [sara] = [lead for lead in targeting.repository.leads(TENANT) if lead.email == SARA["email"]]
    store = open_store(settings)
    ConsentRegistry(store).record(ConsentRecord(
        tenant=TENANT, contact_id=sara.lead_id, channel=Channel.whatsapp, status="opt_in",
        source="نموذج الاهتمام في المعرض", recorded_at=T0, address=SARA["phone"]))
    store.close()
    manager = Caller(user_id="u-sales", tenant=TENANT, role=Role.sales_manager)
    with open_checkpointer(settings) as saver:
        started = start_autopilot(autopilot_context(settings, TENANT), saver, leads, top_n=2)
        [approval] = [a for a in started.pending if a.contact_id == sara.lead_id]  # her opt-in: a WhatsApp draft
        decided = decide(autopilot_context(settings, TENANT, caller=manager), saver, approval.approval_id, "approve")
    assert decided.outcome is not None and decided.outcome.status == "executed"
    assert approval.contact_id is not None
    assert learning.drain()  # her approved draft is in the memory (learned after the answer) before a test holds it
    return World(settings=settings, contact_id=sara.lead_id, autopilot_id=approval.contact_id,
                 thread_id=started.thread_id, approval_id=approval.approval_id,
                 outbox=sorted(p for p in settings.outbox_dir.glob("*") if p.is_file()))


def files_holding(data_dir: Path, values: tuple[str, ...]) -> dict[str, list[str]]:
    """Every file under the data dir whose raw bytes hold one of ``values`` (WAL files included)."""
    found: dict[str, list[str]] = {}
    for path in sorted(data_dir.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            hits = [v for v in values if v.encode() in data]
            if hits:
                found[path.relative_to(data_dir).as_posix()] = hits
    return found
