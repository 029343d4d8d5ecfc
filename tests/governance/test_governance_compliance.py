"""The compliance matrix: accurate data, and each control's status follows the system's real state."""

from __future__ import annotations

import json
from pathlib import Path

from governance_support import TENANT, MovingClock, request_approval

from dealix.settings import Settings
from dealix.wiring import build_gateway
from skills.governance.catalog import load_compliance
from skills.governance.compliance import ComplianceChecker
from tools.consent import ConsentRecord
from tools.gateway import Gateway
from tools.models import Caller, Channel, Role, ToolCall

INVOICE = {"seller_name": "مؤسسة ديليكس", "vat_number": "300000000000003", "buyer_name": "شركة النخبة",
           "items": [{"description": "اشتراك شهري", "quantity": 1, "unit_price": "1000"}]}


def statuses(gateway: Gateway, settings: Settings, clock: MovingClock) -> dict[str, str]:
    report = ComplianceChecker(TENANT, gateway=gateway, settings=settings, clock=clock).report()
    return {c.id: c.status for c in report.controls}


def test_the_matrix_covers_the_four_frameworks_with_arabic_and_english() -> None:
    matrix = load_compliance()
    assert {c.framework for c in matrix.controls} == {"pdpl", "zatca", "sdaia", "nca"}
    assert len({c.id for c in matrix.controls}) == len(matrix.controls)
    for control in matrix.controls:
        assert any("\u0600" <= ch <= "\u06ff" for ch in control.requirement_ar + control.how_ar)
        assert control.requirement_en and control.evidence and control.reference


def test_a_fresh_system_reports_honestly(gateway: Gateway, settings: Settings, clock: MovingClock) -> None:
    report = ComplianceChecker(TENANT, gateway=gateway, settings=settings, clock=clock).report()
    by_check = {c.check: c.status for c in report.controls}
    assert by_check == {"consent_coverage": "no_data", "pii_masking": "met", "retention_policy": "gap",
                        "privacy_desk": "met", "zatca_fields": "no_data", "approvals_enforced": "met",
                        "audit_chain": "met", "least_privilege": "met"}
    assert report.met + report.gaps + report.no_data == len(report.controls) == len(load_compliance().controls)
    assert report.controls[0].status_ar and "legal advice" in report.note_en


def test_invoice_drafts_carry_the_zatca_fields_until_one_does_not(gateway: Gateway, settings: Settings,
                                                                 clock: MovingClock) -> None:
    result = gateway.invoke(ToolCall(tenant=TENANT, skill="execution_governor", action="moyasar.invoice_draft",
                                     args=INVOICE, thread_id="inv", tool_call_id="i1"))
    assert result.execution is not None and result.execution.outbox_path
    assert statuses(gateway, settings, clock)["DX-ZATCA-QR"] == "met"
    path = Path(result.execution.outbox_path)
    data = json.loads(path.read_text(encoding="utf-8"))
    data["zatca_qr"] = "AQVTYWxsYQ=="  # only the seller name
    path.write_text(json.dumps(data), encoding="utf-8")
    assert statuses(gateway, settings, clock)["DX-ZATCA-QR"] == "gap"


def test_consent_coverage_of_live_sends(tmp_path: Path, clock: MovingClock) -> None:
    settings = Settings(data_dir=tmp_path / "live", secret_key="k" * 32, live_whatsapp=True)
    settings.ensure_data_dir()
    gateway = build_gateway(settings, clock=clock)
    gateway.consent.record(ConsentRecord(tenant=TENANT, contact_id="lead_1", channel=Channel.whatsapp,
                                         status="opt_in", source="form-7", recorded_at=clock.now,
                                         address="+966501234567"))
    args = {"to": "+966501234567", "body": "السلام عليكم، نود تأكيد موعد الاجتماع."}
    approval = request_approval(gateway, action="whatsapp.send", args=args)
    token = gateway.resolve(approval.approval_id, Caller(tenant=TENANT, user_id="noura", role=Role.ceo),
                            "approve").token
    call = ToolCall(tenant=TENANT, skill="execution_governor", action="whatsapp.send", args=args,
                    contact_id="lead_1", thread_id="t1", tool_call_id="c1")
    executed = gateway.execute(call, approval_token=token)
    assert executed.execution is not None and executed.execution.status == "executed"
    found = statuses(gateway, settings, clock)
    assert found["DX-PDPL-CONSENT"] == "met" and found["DX-SDAIA-ACCOUNTABILITY"] == "met"
    clock.advance(minutes=1)
    gateway.consent.record(ConsentRecord(tenant=TENANT, contact_id="lead_1", channel=Channel.whatsapp,
                                         status="opt_out", source="reply", recorded_at=clock.now))
    assert statuses(gateway, settings, clock)["DX-PDPL-CONSENT"] == "gap"


def test_an_approval_first_run_without_its_approval_is_a_gap(gateway: Gateway, settings: Settings,
                                                              clock: MovingClock) -> None:
    with gateway.store.transaction() as conn:
        conn.execute("INSERT INTO side_effects (effect_key, ledger_id, tenant, action, status, started_at)"
                     " VALUES ('k1', 'L1', ?, 'crm.update', 'done', ?)", (TENANT, clock.now.isoformat()))
    found = statuses(gateway, settings, clock)
    assert found["DX-SDAIA-ACCOUNTABILITY"] == "gap" and found["DX-NCA-IAM"] == "gap"


def test_a_tampered_audit_log_and_raw_pii_are_gaps(gateway: Gateway, settings: Settings, clock: MovingClock) -> None:
    request_approval(gateway)
    assert statuses(gateway, settings, clock)["DX-NCA-LOGGING"] == "met"
    with gateway.store.transaction() as conn:
        conn.execute("UPDATE audit_events SET payload = ? WHERE seq = 1",
                     (json.dumps({"note": "call 0501234567"}),))
    found = statuses(gateway, settings, clock)
    assert found["DX-NCA-LOGGING"] == "gap" and found["DX-SDAIA-TRANSPARENCY"] == "gap"
    assert found["DX-PDPL-MINIMISE"] == "gap" and found["DX-NCA-DATA"] == "gap"
