"""Runs started the way LangGraph Studio and agent-inbox start them: plain JSON context, agent-inbox answers.

Before (issue 20): every graph failed on its first node with ``AutopilotContext.__init__() missing 4
required positional arguments`` (the contexts needed live objects), and agent-inbox's own reply, a list
(``[{"type": "accept", "args": null}]``), was ignored: the node interrupted again and the approval stayed
pending. Here each graph is compiled with the process's checkpointer and run with nothing but JSON.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command

from dealix.settings import Settings
from dealix.studio import StudioShell
from graphs.approval import bind
from graphs.autopilot import build_autopilot_graph
from graphs.negotiation import build_negotiation_graph
from skills import run_context
from skills.targeting.factory import build_service

TENANT = "studio-co"
MANAGER = {"user_id": "sara@studio-co", "role": "sales_manager"}
LEADS = [
    "company_name,contact_name,title,phone,email,city,source,notes",
    "شركة النخبة,سارة القحطاني,المديرة التنفيذية,0501234567,sara@nokhba.example.sa,الرياض,crm,",
    "مكتب الأفق,ريم الشهري,مديرة التسويق,0505556666,reem@ofuq.example.sa,جدة,inbound,طلبوا عرضاً تجريبياً",
    "مؤسسة لينكد,Unknown,Head of Sales,0502223333,lead@scraped.example.sa,الرياض,LinkedIn scrape,",
]


@pytest.fixture
def settings(tmp_path: Path) -> Iterator[Settings]:
    settings = Settings(data_dir=tmp_path / "data", secret_key="k" * 32)
    leads = tmp_path / "leads.csv"
    leads.write_text("\n".join(LEADS) + "\n", encoding="utf-8")
    targeting = build_service(settings, tenant=TENANT)
    targeting.import_file(leads)
    targeting.repository.close()
    shell = StudioShell(settings)
    run_context.install_binder(shell)
    yield settings
    shell.close()
    run_context._binder = None


def _outbox(settings: Settings) -> list[Path]:
    return sorted(p for p in settings.outbox_dir.glob("*") if p.is_file())


def _requests(graph: Any, config: dict[str, Any]) -> list[dict[str, Any]]:
    values = [i.value for i in graph.get_state(config, subgraphs=True).interrupts]
    for task in graph.get_state(config, subgraphs=True).tasks:
        values += [i.value for i in task.interrupts if i.value not in values]
    return values


def _pending(graph: Any, config: dict[str, Any]) -> list[Any]:
    return list(graph.get_state(config).interrupts)


def _start(settings: Settings, context: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    graph = bind(build_autopilot_graph(), InMemorySaver())
    config = {"configurable": {"thread_id": "a3f0c2d4-studio-thread"}}
    graph.invoke({"top_n": 2}, config, context=json.loads(json.dumps(context)))  # JSON, nothing else
    return graph, config


def test_the_autopilot_runs_from_json_and_agent_inbox_accept_puts_the_draft_in_the_outbox(settings: Settings
                                                                                           ) -> None:
    graph, config = _start(settings, {"tenant": TENANT, "actor": MANAGER})
    pending = _pending(graph, config)
    assert len(pending) == 2  # the two safe leads; the LinkedIn-scraped one gets no draft
    for waiting in pending:  # agent-inbox's convention: a list of one HumanInterrupt-shaped request
        assert isinstance(waiting.value, list) and len(waiting.value) == 1
        request = waiting.value[0]
        assert request["action_request"]["action"] == "gmail.draft"
        assert set(request["config"]) >= {"allow_accept", "allow_edit", "allow_respond", "allow_ignore"}
        assert "scraped" not in request["action_request"]["args"]["to"]
    first, second = pending
    graph.invoke(Command(resume={first.id: [{"type": "accept", "args": None}]}), config,
                 context={"tenant": TENANT, "actor": MANAGER})
    assert len(_outbox(settings)) == 1 and len(_pending(graph, config)) == 1

    edited = dict(second.value[0]["action_request"]["args"], subject="موعد قصير الأسبوع القادم")
    graph.invoke(Command(resume={second.id: [{"type": "edit", "args": {"action": "gmail.draft", "args": edited}}]}),
                 config, context={"tenant": TENANT, "actor": MANAGER})
    assert _pending(graph, config) == []
    outbox = _outbox(settings)
    assert len(outbox) == 2
    assert any("موعد قصير الأسبوع القادم" in p.read_bytes().decode("utf-8", "replace") or p.suffix == ".eml"
               for p in outbox)


def test_ignore_and_response_from_agent_inbox_reject_and_write_nothing(settings: Settings) -> None:
    graph, config = _start(settings, {"tenant": TENANT, "actor": MANAGER})
    first, second = _pending(graph, config)
    graph.invoke(Command(resume={first.id: [{"type": "ignore", "args": None}]}), config,
                 context={"tenant": TENANT, "actor": MANAGER})
    graph.invoke(Command(resume={second.id: [{"type": "response", "args": "ليس هذا الأسبوع"}]}), config,
                 context={"tenant": TENANT, "actor": MANAGER})
    assert _pending(graph, config) == [] and _outbox(settings) == []
    outcomes = graph.get_state(config).values["outcomes"]
    assert sorted(o.status for o in outcomes.values()) == ["rejected", "rejected"]
    assert any("ليس هذا الأسبوع" in o.reason_ar for o in outcomes.values())


def test_a_run_without_an_actor_waits_and_decides_nothing(settings: Settings) -> None:
    graph, config = _start(settings, {"tenant": TENANT})
    first, _ = _pending(graph, config)
    graph.invoke(Command(resume={first.id: [{"type": "accept", "args": None}]}), config, context={"tenant": TENANT})
    assert len(_pending(graph, config)) == 2 and _outbox(settings) == []


def test_the_console_dict_answer_still_resumes(settings: Settings) -> None:
    graph, config = _start(settings, {"tenant": TENANT, "actor": MANAGER})
    first, _ = _pending(graph, config)
    graph.invoke(Command(resume={first.id: {"type": "accept", "args": None}}), config,
                 context={"tenant": TENANT, "actor": MANAGER})
    assert len(_outbox(settings)) == 1


def test_the_negotiation_graph_runs_from_json_to_its_interrupt(settings: Settings) -> None:
    graph = bind(build_negotiation_graph(), InMemorySaver())
    config = {"configurable": {"thread_id": "negotiation-from-studio"}}
    deal = {"deal_id": "d-1", "company_name": "شركة النخبة", "contact_name": "سارة القحطاني", "channel": "email",
            "email": "sara@nokhba.example.sa"}
    values = graph.invoke({"text": "السعر مرتفع شوي مقارنة بالعروض اللي عندنا", "deal": deal}, config,
                          context={"tenant": TENANT, "actor": MANAGER})
    assert values["classification"].label == "price"
    waiting = _pending(graph, config)
    assert waiting and isinstance(waiting[0].value, list)


def test_a_context_with_unknown_keys_or_a_bad_role_is_refused_before_any_node(settings: Settings) -> None:
    graph = bind(build_autopilot_graph(), InMemorySaver())
    config = {"configurable": {"thread_id": "bad-context"}}
    with pytest.raises(ValueError):
        graph.invoke({"top_n": 1}, config, context={"tenant": TENANT, "gateway": "mine"})
    with pytest.raises(ValueError):
        graph.invoke({"top_n": 1}, config, context={"tenant": TENANT, "actor": {"user_id": "x", "role": "god"}})
    assert _outbox(settings) == []


def test_the_context_schemas_render_as_json_schema() -> None:
    from dealix import studio

    for name in ("autopilot", "daily_plan", "negotiation", "partners", "support", "operator"):
        schema = getattr(studio, name)().get_context_jsonschema()
        assert schema is not None and set(schema["properties"]) == {"tenant", "actor"}, name
        json.dumps(schema)


@pytest.mark.parametrize(("name", "payload"), [
    ("daily_plan", {"day": "2026-12-08"}),
    ("support", {"incoming": {"source": "email", "subject": "ملف الإكسل",
                              "body": "ملف الإكسل طلع رموز غريبة بدل الأسماء العربية", "customer_name": "ريم",
                              "customer_email": "reem@ofuq.example.sa"}}),
    ("partners", {"top": 3}),
    ("operator", {"messages": [{"role": "user", "content": "وش عندي أوافق عليه اليوم؟"}]}),
])
def test_every_other_graph_runs_from_json_to_its_first_interrupt_or_its_end(settings: Settings, name: str,
                                                                            payload: dict[str, Any]) -> None:
    from dealix import studio

    graph = bind(getattr(studio, name)(), InMemorySaver())
    config = {"configurable": {"thread_id": f"{name}-from-studio"}}
    graph.invoke(payload, config, context={"tenant": TENANT, "actor": MANAGER})
    state = graph.get_state(config)
    assert state.next == () or state.interrupts, (name, state.next)
    for waiting in state.interrupts:
        assert isinstance(waiting.value, list) and waiting.value[0]["action_request"]["action"]
    if name == "daily_plan":  # the two safe leads wait for a person, as in the autopilot
        assert len(state.interrupts) == 2
    if name == "support":
        assert len(state.interrupts) == 1 and state.values["ticket_id"]
    if name == "operator":  # the chat answered in Arabic
        reply = state.values["messages"][-1]
        assert reply.type == "ai" and any("\u0600" <= ch <= "\u06ff" for ch in str(reply.content))
