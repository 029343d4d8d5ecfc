"""Decision cards about the contact (in the gateway's store) are part of access and erasure."""

from __future__ import annotations

import pytest
from privacy_support import KHALID, SARA, SARA_IDENTIFIERS, TENANT, World, files_holding, write_leads

from dealix.privacy.service import PrivacyDesk
from dealix.wiring import autopilot_context, build_gateway
from graphs.checkpoint import open_checkpointer
from graphs.runtime import start_autopilot
from skills.cards.service import CardService
from tools.models import ToolCall

pytestmark = pytest.mark.sqlite_only


def test_cards_for_the_contact_are_exported_then_emptied_and_dismissed(world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with open_checkpointer(world.settings) as saver:
        start_autopilot(autopilot_context(world.settings, TENANT), saver,
                        write_leads(tmp_path / "again.csv", [SARA, KHALID]), top_n=2)
    gateway = build_gateway(world.settings)
    # The run passes over Sara (reached today); a second draft to her typed by hand is refused. Khalid is
    # picked again and refused (he waits for a decision elsewhere). Khalid's pending approval is a card,
    # and each refusal a risk card.
    refused = gateway.invoke(ToolCall(
        tenant=TENANT, skill="saudi_copywriter", action="gmail.draft", contact_id=world.contact_id,
        args={"to": SARA["email"], "subject": "متابعة", "body": "السلام عليكم، نتابع معكم."},
        thread_id=f"{TENANT}:manual-1", tool_call_id="manual:1"))
    assert refused.decision.reason_code == "touched_today"
    cards = CardService(TENANT, gateway=gateway)
    assert cards.sync_approvals().new == 1
    assert cards.sync(targets=[]).new == 2
    # (Her risk card names only her lead id; her spent approval keeps its arguments as pseudonyms.)

    export = PrivacyDesk(world.settings, tenant=TENANT).export(world.contact_id)
    assert len(export.gateway["cards"]) == 1

    report = PrivacyDesk(world.settings, tenant=TENANT).erase(world.contact_id, delete_threads=True)
    assert report.complete and report.counts["cards"] == 1
    assert files_holding(world.settings.data_dir, SARA_IDENTIFIERS) == {}
    left = CardService(TENANT, gateway=build_gateway(world.settings)).store.cards(TENANT, status=None)
    [dismissed] = [c for c in left if c.status.value == "dismissed"]
    assert dismissed.context.preview_ar is None and dismissed.context.facts == ()
    still_open = [c for c in left if c.status.value == "open"]
    assert len(still_open) == 2  # Khalid's approval and his refused second draft
    assert any(KHALID["contact_name"] in (c.context.preview_ar or "") + c.title_ar for c in still_open)
