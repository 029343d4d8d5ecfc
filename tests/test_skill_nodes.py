"""Every skill in the registry is real: a node of a compiled graph, or a named caller of the gateway outside graphs.

The graphs are the ones `langgraph.json` exports (Studio, `langgraph dev`), built through their own
factories. A node counts for a skill when it is named after the skill, or when it declares the skill
in its LangGraph node metadata: ``graph.add_node("publish_cards", fn, metadata={"skills": ["ux_card_designer"]})``.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import pytest

from skills import load_skills

ROOT = Path(__file__).resolve().parents[1]

# Skills that call the gateway outside any graph, and where (docs/tools-and-skills.md, "runs as").
OUTSIDE_GRAPHS = {
    "repo_auditor": "dealix audit-repo --record records the audit through the gateway",
    "data_governance_reviewer": "a person's decisions at the governance desk: connector switches, dead letters",
}


def _studio_graphs() -> dict[str, Any]:
    spec = json.loads((ROOT / "langgraph.json").read_text(encoding="utf-8"))
    graphs = {}
    for name, target in spec["graphs"].items():
        path, attr = target.split(":")
        module = importlib.import_module(path.removeprefix("./").removesuffix(".py").replace("/", "."))
        built = getattr(module, attr)
        graphs[name] = built() if callable(built) and not hasattr(built, "get_graph") else built
    return graphs


def _skills_in_graphs() -> dict[str, set[str]]:
    """skill id -> the graphs it is a node of (subgraph nodes included)."""
    found: dict[str, set[str]] = {}
    for graph_name, graph in _studio_graphs().items():
        for node_id, node in graph.get_graph(xray=True).nodes.items():
            names = {node_id.rsplit(":", 1)[-1], *((node.metadata or {}).get("skills") or ())}
            for name in names:
                found.setdefault(name, set()).add(graph_name)
    return found


@pytest.fixture(scope="module")
def in_graphs() -> dict[str, set[str]]:
    return _skills_in_graphs()


def test_the_studio_graphs_all_build(in_graphs: dict[str, set[str]]) -> None:
    assert set().union(*in_graphs.values()) == set(json.loads((ROOT / "langgraph.json").read_text())["graphs"])


def test_skills_outside_graphs_are_registry_skills_and_not_graph_nodes(in_graphs: dict[str, set[str]]) -> None:
    ids = set(load_skills().ids())
    assert set(OUTSIDE_GRAPHS) <= ids
    assert not set(OUTSIDE_GRAPHS) & set(in_graphs), "a skill became a node: drop it from OUTSIDE_GRAPHS"


def test_every_registry_skill_outside_the_desk_list_is_a_graph_node(in_graphs: dict[str, set[str]]) -> None:
    expected = set(load_skills().ids()) - set(OUTSIDE_GRAPHS)
    assert expected - set(in_graphs) == set()
