"""Property-based proof of the gateway's three promises, over action x args x skill x role x
consent x live flag x approvals (hypothesis drives sequences of hostile and ordinary steps):

1. no blocked action ever reaches a connector;
2. no approval_required action executes without a valid, unexpired, unconsumed approval for
   exactly those arguments, given by a role allowed to give it;
3. each (thread, tool call, arguments) executes at most once.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from gw_support import ALL_ACTIONS, KEY, SUNDAY_11_RIYADH, MutableClock, RecordingConnector
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from skills.registry import load_skills
from tools.canonical import args_digest, canonical_action
from tools.consent import ConsentRecord
from tools.errors import GatewayError
from tools.gateway import Gateway, GatewayConfig, LiveFlags
from tools.models import Caller, Channel, Mode, Role, ToolCall
from tools.policy import load_policy
from tools.store import Store

POLICY = load_policy()
SKILLS = load_skills().actions_by_skill()
NEVER = {"linkedin.scrape", "linkedin.auto_dm", "social.browser_automation", "gmail.send", "moyasar.charge"}
HOSTILE_ACTIONS = [
    "LinkedIn.Scrape", "linkedin.scrape\u200b", "ｇｍａｉｌ.send", "Gmail.Send ", "moyasar:charge", "social.post",
    "acme.scrape", "x.auto_dm", "fax.send", "gmail.draft\u202e", "whatsapp.send", "WhatsApp.Send",
]
actions = st.sampled_from([*ALL_ACTIONS, *HOSTILE_ACTIONS])
skills = st.sampled_from([*SKILLS, "rogue_agent"])
roles = st.sampled_from(list(Role))
texts = st.text(alphabet=st.sampled_from("abc جدة٠١٥5+@.\u200b=<>"), max_size=12)
arg_dicts = st.dictionaries(st.sampled_from(["to", "body", "amount", "note"]), texts, max_size=3)
contacts = st.sampled_from([None, "c-in", "c-out", "c-none"])

DECLARED = sorted((action, skill) for skill, declared in SKILLS.items() for action in declared)
# Half the calls are ones a skill may make (so approvals and executions really happen), half hostile.
invoke_pair = st.one_of(st.sampled_from(DECLARED), st.tuples(actions, skills))

APPROVAL_PAIRS = [(a, s) for a, s in DECLARED if POLICY.rule(a).mode == "approval_required"]
# A whole approval round trip (ask, decide, execute; then maybe execute again) as one step, so
# that executions are common rather than a lucky accident of random sequences.
flow = st.tuples(st.just("flow"), st.sampled_from(APPROVAL_PAIRS), arg_dicts, contacts, st.integers(0, 3),
                 st.one_of(st.just(Role.ceo), roles), st.sampled_from(["approve", "edit", "reject"]), arg_dicts,
                 st.sampled_from(["own", "own", "other", "forged", "none"]), st.booleans())

step = st.one_of(
    flow,
    st.tuples(st.just("invoke"), invoke_pair, arg_dicts, contacts, st.integers(0, 3)),
    st.tuples(st.just("resolve"), st.integers(0, 5), st.one_of(st.just(Role.ceo), roles),
              st.sampled_from(["approve", "approve", "reject", "edit"]), arg_dicts),
    st.tuples(st.just("execute"), st.integers(0, 5), st.sampled_from(["own", "own", "other", "forged", "none"])),
    st.tuples(st.just("advance"), st.integers(1, 60)),
    st.tuples(st.just("opt_out"), st.sampled_from(["c-in", "c-none"])),
)


def _gateway(tmp: Path, live: bool, clock: MutableClock, calls: list[tuple[str, dict[str, Any]]]) -> Gateway:
    connectors = {a: RecordingConnector(a, calls) for a in [*ALL_ACTIONS, "fax.send"]}
    gateway = Gateway(store=Store(tmp / "g.db"), policy=POLICY, skills=SKILLS, connectors=connectors, key=KEY,
                      config=GatewayConfig(outbox_dir=tmp / "out", live=LiveFlags(whatsapp=live, calendar=live)),
                      clock=clock)
    gateway.consent.record(ConsentRecord(tenant="t1", contact_id="c-in", channel=Channel.all, status="opt_in",
                                         source="form", recorded_at=clock.now, address="+966550001234"))
    gateway.consent.record(ConsentRecord(tenant="t1", contact_id="c-out", channel=Channel.all, status="opt_out",
                                         source="reply", recorded_at=clock.now))
    return gateway


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(step, min_size=1, max_size=14), live=st.booleans())
def test_gateway_promises_hold_for_any_sequence_of_calls(steps: list[tuple[Any, ...]], live: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        clock = MutableClock(SUNDAY_11_RIYADH)
        calls: list[tuple[str, dict[str, Any]]] = []
        gateway = _gateway(Path(tmp), live, clock, calls)
        pending: list[tuple[ToolCall, str]] = []     # (call, approval id)
        tokens: dict[str, tuple[ToolCall, str]] = {}  # granted approval id -> (call it covers, token)
        token_of: dict[str, str] = {}                 # requested approval id -> granted approval id
        allowed_runs: Counter[tuple[str, str]] = Counter()

        expanded: list[tuple[Any, ...]] = []
        for item in steps:
            if item[0] != "flow":
                expanded.append(item)
                continue
            _, pair, args, contact, tc, role, verdict, new_args, which, twice = item
            expanded += [("invoke", pair, args, contact, tc), ("resolve", -1, role, verdict, new_args),
                         ("execute", -1, which)] + ([("execute", -1, which)] if twice else [])
        for item in expanded:
            kind = item[0]
            before = len(calls)
            if kind == "invoke":
                _, (action, skill), args, contact, tc = item
                if contact == "c-in" and "to" in args:
                    args = {**args, "to": "0550001234"}
                call = ToolCall(tenant="t1", skill=skill, action=action, args=args, contact_id=contact,
                                thread_id="th", tool_call_id=str(tc))
                result = gateway.invoke(call)
                canonical = canonical_action(action)
                if canonical in NEVER or result.decision.mode in (Mode.blocked, Mode.approval_required):
                    assert len(calls) == before, f"{canonical} reached a connector in mode {result.decision.mode}"
                if result.decision.mode in (Mode.suggest_only, Mode.draft_only):
                    event("a draft ran")
                    assert skill in SKILLS and canonical in SKILLS[skill]
                    assert contact != "c-out"
                    allowed_runs[(canonical, args_digest(args))] += 1
                if result.approval is not None:
                    pending.append((call, result.approval.approval_id))
            elif kind == "resolve" and pending:
                _, index, role, verdict, new_args = item
                call, approval_id = pending[-1 if index < 0 else index % len(pending)]
                caller = Caller(user_id="u", tenant="t1", role=role)
                try:
                    decision = gateway.resolve(approval_id, caller, verdict, edited_args=new_args)
                except GatewayError:
                    continue
                assert role in gateway.get_approval(approval_id, "t1").approver_roles
                if decision.token:
                    covered = call if verdict == "approve" else call.model_copy(update={"args": new_args})
                    granted = decision.token.split(".")[0]
                    tokens[granted] = (covered, decision.token)
                    token_of[approval_id] = granted
            elif kind == "execute" and pending:
                _, index, which = item
                call, approval_id = pending[-1 if index < 0 else index % len(pending)]
                token = None
                if which == "own" and approval_id in token_of:
                    call, token = tokens[token_of[approval_id]]
                elif which == "other" and tokens:
                    token = list(tokens.values())[-1][1]
                elif which == "forged":
                    token = f"{approval_id}.{'ab' * 32}"
                result = gateway.execute(call, approval_token=token)
                event(f"execute -> {result.decision.reason_code}")
                ran = len(calls) - before
                if ran:
                    canonical = canonical_action(call.action)
                    assert canonical not in NEVER
                    if result.decision.mode == Mode.approved_execute:
                        event("an approved action executed")
                        assert token is not None and which != "forged"
                        assert token.split(".")[0] in tokens and tokens[token.split(".")[0]][0].args == call.args
                        rule = POLICY.rule(canonical)
                        assert live or rule.live_flag is None
                        assert call.contact_id != "c-out"
                    allowed_runs[(canonical, args_digest(call.args))] += ran
            elif kind == "advance":
                clock.advance(hours=item[1])
            elif kind == "opt_out":
                gateway.consent.record(ConsentRecord(tenant="t1", contact_id=item[1], channel=Channel.all,
                                                     status="opt_out", source="reply", recorded_at=clock.now))

        # 1. nothing that is never allowed ever ran
        assert not [a for a, _ in calls if a in NEVER]
        # 3. at most once per (thread, tool call, args): the ledger never delivered a key twice
        with gateway.store.read() as conn:
            keys = [r[0] for r in conn.execute("SELECT effect_key FROM side_effects")]
            assert len(keys) == len(set(keys))
            delivered = conn.execute("SELECT COUNT(*) FROM side_effects WHERE status = 'done'").fetchone()[0]
        assert delivered == len(calls)
        # every run connector call was accounted for by a decision that allowed it
        assert sum(allowed_runs.values()) >= len(calls)
        assert gateway.audit.verify().ok
