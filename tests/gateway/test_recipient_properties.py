"""Property-based: with a lead directory wired, whatever sequence of outreach calls, approvals, edits
and executions agents and people make (any thread, contact id or none, any spelling of an address),

1. nothing reaches a connector for a blocked recipient or an address that is not the lead's;
2. no person gets two outreach deliveries on one Asia/Riyadh day;
3. every delivered outreach to a known lead is recorded as a touch.

An address no lead has, sent without naming a lead (a support customer, a partner), is not the
directory's to judge: consent decides it as before.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from gw_support import ALL_ACTIONS, KEY, SUNDAY_11_RIYADH, MutableClock, RecordingConnector
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skills.registry import load_skills
from tools.errors import GatewayError
from tools.gateway import Gateway, GatewayConfig, LiveFlags
from tools.models import Caller, Channel, RecentTouch, RecipientCheck, RecipientStatus, Role, ToolCall
from tools.policy import load_policy
from tools.recipients import AddressKind, address_key
from tools.store import Store

# lead -> (status, addresses). L1's second address is written in Arabic-Indic digits by the agents below.
LEADS: dict[str, tuple[RecipientStatus, set[str]]] = {
    "L1": ("safe", {"a@one.example.sa", "+966550000001"}),
    "L2": ("needs_review", {"b@two.example.sa", "+966550000002"}),
    "L3": ("blocked", {"c@three.example.sa", "+966550000003"}),
}
SPELLINGS = ["a@one.example.sa", "A@One.Example.SA", "0550000001", "٠٥٥٠٠٠٠٠٠١", "b@two.example.sa", "0550000002",
             "c@three.example.sa", "+966 55 000 0003", "stranger@evil.example", "0550000009"]


class StubDirectory:
    def __init__(self) -> None:
        self.touches: list[tuple[str, str, datetime]] = []

    def _lead(self, contact_id: str | None, key: str) -> str | None:
        if contact_id in LEADS:
            return contact_id
        return next((lead for lead, (_, points) in LEADS.items() if key in points), None)

    def check(self, tenant: str, contact_id: str | None, channel: Channel, address: str,
              now: datetime) -> RecipientCheck | None:
        key = address_key(address)
        lead = self._lead(contact_id, key)
        if lead is None:
            return None
        status, points = LEADS[lead]
        touches = tuple(RecentTouch(channel=c, at=at) for who, c, at in reversed(self.touches) if who == lead)[:5]
        known = key in points
        return RecipientCheck(contact_id=lead, status=status if known else "blocked",
                              reason_code=f"stub_{status}" if known else "recipient_not_on_lead",
                              reason_ar="سبب", reason_en="reason", address_known=known, last_touches=touches,
                              related_ids=(lead,))

    def record_touch(self, tenant: str, contact_id: str | None, channel: Channel, address: str,
                     at: datetime) -> None:
        lead = self._lead(contact_id, address_key(address))
        if lead is not None:
            self.touches.append((lead, channel.value, at))

    def add_contact_point(self, tenant: str, contact_id: str, kind: AddressKind, address: str, at: datetime,
                          by: str) -> bool:
        return False


SKILLS = load_skills().actions_by_skill()
OUTREACH = ["gmail.draft", "whatsapp.draft"]
step = st.one_of(
    st.tuples(st.just("invoke"), st.sampled_from(OUTREACH), st.sampled_from(SPELLINGS),
              st.sampled_from([None, "L1", "L2", "L3", "x-9"]), st.sampled_from(["t-a", "t-b", "t-c"]),
              st.integers(0, 2)),
    st.tuples(st.just("decide"), st.integers(0, 5), st.sampled_from(["approve", "edit", "reject"]),
              st.sampled_from(SPELLINGS)),
    st.tuples(st.just("execute"), st.integers(0, 5)),
    st.tuples(st.just("advance"), st.integers(1, 30)),
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(step, min_size=1, max_size=16))
def test_no_blocked_recipient_and_one_outreach_a_day_for_any_sequence(steps: list[tuple[Any, ...]]) -> None:
    clock = MutableClock(SUNDAY_11_RIYADH)
    calls: list[tuple[str, dict[str, Any]]] = []
    directory = StubDirectory()
    with tempfile.TemporaryDirectory() as tmp:
        connectors = {a: RecordingConnector(a, calls) for a in ALL_ACTIONS}
        gateway = Gateway(store=Store(Path(tmp) / "g.db"), policy=load_policy(), skills=SKILLS,
                          connectors=connectors, key=KEY, config=GatewayConfig(outbox_dir=Path(tmp) / "out",
                                                                               live=LiveFlags()),
                          clock=clock, recipients=directory)
        approvals: list[tuple[str, ToolCall]] = []
        tokens: list[tuple[str, ToolCall]] = []
        delivered: list[tuple[str, datetime]] = []
        boss = Caller(user_id="u-ceo", tenant="t1", role=Role.ceo)
        for n, item in enumerate(steps):
            before = len(calls)
            current: ToolCall | None = None
            if item[0] == "invoke":
                _, action, to, contact, thread, call_no = item
                body = {"subject": "عرض", "body": "السلام عليكم"} if action == "gmail.draft" else {"body": "مرحباً"}
                call = ToolCall(tenant="t1", skill="saudi_copywriter", action=action, args={"to": to, **body},
                                contact_id=contact, thread_id=thread, tool_call_id=str(call_no))
                current = call
                result = gateway.invoke(call)
                if result.approval is not None:
                    approvals.append((result.approval.approval_id, call))
            elif item[0] == "decide" and approvals:
                _, index, verdict, to = item
                approval_id, call = approvals[index % len(approvals)]
                edited = {**call.args, "to": to} if verdict == "edit" else None
                try:
                    decision = gateway.resolve(approval_id, boss, verdict, edited_args=edited)
                except GatewayError:
                    continue
                if decision.token is not None:
                    tokens.append((decision.token, call.model_copy(update={"args": edited}) if edited else call))
            elif item[0] == "execute" and tokens:
                token, current = tokens[item[1] % len(tokens)]
                gateway.execute(current, approval_token=token)
            elif item[0] == "advance":
                clock.advance(hours=item[1])
            for action, args in calls[before:]:
                assert current is not None
                owner = directory._lead(None, address_key(args["to"]))
                if current.contact_id in LEADS:  # 1a. a lead's draft goes to one of that lead's addresses
                    assert owner == current.contact_id, (n, action, args, current.contact_id)
                # 1b. never to a blocked lead, whether the call named it or only its address
                assert owner is None or LEADS[owner][0] != "blocked", (n, action, args)
                if owner is not None:
                    delivered.append((owner, clock.now))
        # 2. one outreach a day per person
        days = Counter((lead, at.astimezone(ZoneInfo("Asia/Riyadh")).date()) for lead, at in delivered)
        assert all(count == 1 for count in days.values()), days
        # 3. every delivery is a touch
        assert Counter(lead for lead, _ in delivered) == Counter(lead for lead, _, _ in directory.touches)
