"""What holds for every connector: the registry, the permit, the outbox name, a PII-free detail."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tools.canonical import args_digest
from tools.connectors import default_connectors
from tools.connectors.base import _GATEWAY_SEAL, ExecutionPermit
from tools.errors import ConnectorError

POLICY = Path(__file__).resolve().parents[2] / "tools" / "data" / "policy.yaml"

EXTENSIONS = {
    "gmail.draft": "eml",
    "calendar.draft": "ics",
    "calendar.insert": "ics",
    "sheets.export": "csv",
    "moyasar.invoice_draft": "json",
    "whatsapp.send": "json",
    "whatsapp.draft": "json",
    "crm.export": "csv",
    "crm.update": "csv",
    "crm.import": "json",
}

# Values that must never surface in Delivery.detail (it goes to the audit trail and proof packs).
PII = ["buyer@client.sa", "0501234567", "966501234567", "أحمد العتيبي", "شركة الأفق"]


@pytest.fixture
def samples(tmp_path) -> dict[str, dict]:
    leads = tmp_path / "leads.csv"
    leads.write_text("الاسم,الجوال\nأحمد العتيبي,0501234567\n", encoding="utf-8")
    return {
        "gmail.draft": {"to": "buyer@client.sa", "subject": "عرض لشركة الأفق", "body": "مرحباً أحمد العتيبي"},
        "calendar.draft": {"title": "اجتماع مع أحمد العتيبي", "start": "2026-11-17T10:00:00",
                           "duration_minutes": 30, "attendees": ["buyer@client.sa"]},
        "calendar.insert": {"title": "اجتماع", "start": "2026-11-17T10:00:00", "end": "2026-11-17T11:00:00",
                            "attendees": ["buyer@client.sa"]},
        "sheets.export": {"columns": ["name", "phone"], "rows": [["أحمد العتيبي", "0501234567"]]},
        "moyasar.invoice_draft": {"seller_name": "مؤسسة النخبة", "vat_number": "300000000000003",
                                  "buyer_name": "شركة الأفق",
                                  "items": [{"description": "خدمة", "quantity": 1, "unit_price": "100"}]},
        "whatsapp.send": {"to": "0501234567", "body": "مرحباً أحمد العتيبي"},
        "whatsapp.draft": {"to": "0501234567", "body": "مرحباً أحمد العتيبي"},
        "crm.export": {"columns": ["id", "email"], "rows": [{"id": "C-1", "email": "buyer@client.sa"}]},
        "crm.update": {"updates": [{"record_id": "C-1", "field": "phone", "old": None, "new": "0501234567"}]},
        "crm.import": {"path": str(leads)},
    }


def mint(action: str, args: dict, *, ledger_id: str = "L1", live: bool = False) -> ExecutionPermit:
    return ExecutionPermit(action=action, args_digest=args_digest(args), ledger_id=ledger_id, live=live,
                           seal=_GATEWAY_SEAL)


def test_registry_maps_each_action_id_to_its_connector():
    connectors = default_connectors()
    assert set(connectors) == set(EXTENSIONS)
    for action, connector in connectors.items():
        assert connector.action == action
        assert connector.extension == EXTENSIONS[action]


def test_every_connector_serves_a_policy_action_that_is_not_blocked():
    actions = yaml.safe_load(POLICY.read_text(encoding="utf-8"))["actions"]
    for action in default_connectors():
        assert action in actions
        assert actions[action]["mode"] != "blocked"


def test_only_the_live_whatsapp_send_is_not_idempotent():
    flags = {action: c.idempotent for action, c in default_connectors().items()}
    assert [action for action, idempotent in flags.items() if not idempotent] == ["whatsapp.send"]


@pytest.mark.parametrize("action", sorted(EXTENSIONS))
def test_each_connector_leaves_one_file_named_for_the_action_and_ledger_id(action, samples, ctx):
    args = samples[action]
    delivery = default_connectors()[action].run(mint(action, args, ledger_id="L7"), args, ctx)

    expected = ctx.outbox_dir / f"{action}-L7.{EXTENSIONS[action]}"
    assert list(ctx.outbox_dir.iterdir()) == [expected]
    assert delivery.outbox_path == str(expected)
    assert delivery.transport == "outbox"


@pytest.mark.parametrize("action", sorted(EXTENSIONS))
def test_delivery_detail_is_json_and_free_of_personal_data(action, samples, ctx):
    args = samples[action]
    delivery = default_connectors()[action].run(mint(action, args), args, ctx)
    detail = json.dumps(delivery.detail, ensure_ascii=False)
    assert not {"outbox_path", "transport"} & set(delivery.detail)  # the gateway merges detail with these
    for value in PII:
        assert value not in detail


@pytest.mark.parametrize("action", sorted(EXTENSIONS))
def test_a_permit_without_the_gateway_seal_cannot_be_made(action, samples):
    with pytest.raises(ConnectorError) as caught:
        ExecutionPermit(action=action, args_digest=args_digest(samples[action]), ledger_id="L1", live=False,
                        seal=object())
    assert caught.value.code == "connector_without_permit"
    assert "بوابة الإجراءات" in caught.value.message_ar


@pytest.mark.parametrize("action", sorted(EXTENSIONS))
def test_a_permit_for_other_arguments_runs_nothing(action, samples, ctx):
    approved = samples[action]
    tampered = {**approved, "injected": "=cmd()"}
    with pytest.raises(ConnectorError) as caught:
        default_connectors()[action].run(mint(action, approved), tampered, ctx)
    assert caught.value.code == "permit_mismatch"
    assert not ctx.outbox_dir.exists()


@pytest.mark.parametrize("action", sorted(EXTENSIONS))
def test_a_permit_for_another_action_runs_nothing(action, samples, ctx):
    args = samples[action]
    other = "gmail.draft" if action != "gmail.draft" else "whatsapp.draft"
    with pytest.raises(ConnectorError) as caught:
        default_connectors()[action].run(mint(other, args), args, ctx)
    assert caught.value.code == "permit_mismatch"
    assert not ctx.outbox_dir.exists()


@pytest.mark.parametrize("action", sorted(EXTENSIONS))
def test_a_spent_permit_runs_nothing_more(action, samples, ctx):
    args = samples[action]
    connector = default_connectors()[action]
    permit = mint(action, args)
    connector.run(permit, args, ctx)
    with pytest.raises(ConnectorError) as caught:
        connector.run(permit, args, ctx)
    assert caught.value.code == "permit_spent"


def test_default_connectors_have_no_live_transport_even_with_a_live_permit(samples, ctx):
    for action in ("whatsapp.send", "gmail.draft", "calendar.insert"):
        args = samples[action]
        assert default_connectors()[action].run(mint(action, args, live=True), args, ctx).transport == "outbox"
