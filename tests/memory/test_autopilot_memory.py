"""The loop end to end: an approver edits and approves a draft; the next lead's draft starts from it."""

from __future__ import annotations

import csv
from pathlib import Path

from pydantic_ai import models

from agents import learning
from dealix.settings import Settings
from dealix.wiring import autopilot_context
from graphs.checkpoint import open_checkpointer
from graphs.runtime import decide, start_autopilot
from tools.memory import ExampleMemory, open_vector_store
from tools.models import Caller, Role

models.ALLOW_MODEL_REQUESTS = False
HEADERS = ["company_name", "contact_name", "title", "phone", "email", "city", "sector", "source"]


def _leads(path: Path, company: str, contact: str, city: str, email: str, phone: str) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADERS)
        writer.writeheader()
        writer.writerow({"company_name": company, "contact_name": contact, "title": "المدير التنفيذي",
                         "phone": phone, "email": email, "city": city, "sector": "العقار", "source": "crm"})
    return path


def test_an_edited_approval_shapes_the_next_draft_of_the_same_segment_and_channel(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", secret_key="k" * 32)
    first_file = _leads(tmp_path / "a.csv", "شركة الرمال العقارية", "فهد الدوسري", "الرياض",
                        "fahad@rimal.example.sa", "0551110001")
    second_file = _leads(tmp_path / "b.csv", "دار الأفق للعقارات", "نورة الشهري", "جدة",
                         "noura@ofoq.example.sa", "0551110002")
    manager = Caller(user_id="u-sales", tenant="acme", role=Role.sales_manager)
    with open_checkpointer(settings) as saver:
        first = start_autopilot(autopilot_context(settings, "acme"), saver, first_file, top_n=1)
        [approval] = first.pending
        args = approval.action_request.args
        edited = args["body"].replace("،\n\n", "،\n\nلاحظنا توسع أعمالكم مؤخراً.\n\n", 1)
        assert edited != args["body"]
        ctx = autopilot_context(settings, "acme", caller=manager)
        result = decide(ctx, saver, approval.approval_id, "edit", edited_args={"body": edited})
        assert result.outcome is not None and result.outcome.status == "executed"
        [edit_event] = [e for e in ctx.gateway.audit.events(tenant="acme", limit=500) if e.kind == "approval_edited"]
        approved_id = edit_event.payload["new_approval_id"]

        assert learning.drain()  # the approval answered before its draft was learned; the store is read directly
        [kept] = ExampleMemory(open_vector_store(settings)).for_contact("acme", approval.contact_id or "")
        assert kept.approval_id == approved_id and kept.edited
        assert "فهد" not in kept.body and "الرمال" not in kept.body

        # The second file joins the tenant's lead base; the lead drafted today is not drafted again.
        second = start_autopilot(autopilot_context(settings, "acme"), saver, second_file, top_n=2)
        [next_approval] = [a for a in second.pending if a.action_request.args["to"] == "noura@ofoq.example.sa"]
        body = next_approval.action_request.args["body"]
        assert "لاحظنا توسع أعمالكم مؤخراً." in body and "نورة الشهري" in body and "دار الأفق للعقارات" in body
        assert "فهد" not in body and "الرمال" not in body

        other_tenant = start_autopilot(autopilot_context(settings, "other"), saver, second_file, top_n=1)
        assert "لاحظنا توسع أعمالكم" not in other_tenant.pending[0].action_request.args["body"]
