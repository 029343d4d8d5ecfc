"""What a serving process loads once, before its first request, instead of inside its first approvals.

The graphs compile once per process and the catalogues behind a draft load once (``lru_cache``),
but lazily: in a fresh worker the first approvals paid for them, and twenty approvals arriving at
once each loaded and compiled the same prompts, rules and registry side by side (a cache filled by
many threads at once is filled by each). The first resume of nine approvals took 1.3 s in a fresh
worker and about half that in a warm one (issue 19's approve race).

:func:`warm_up` does that work once, with nothing written anywhere: it compiles every governed graph,
loads the prompts, the guard rules and the integration registry, renders one brief's template
variables and slots, and imports what an executed draft and a learned example use.
"""

from __future__ import annotations

import importlib
import logging
import time
from collections.abc import Callable

from tools.settings import Settings

log = logging.getLogger("dealix.warm")

# Imported by an approval's first execution otherwise (its email draft, its copywriter example).
# (portalocker, which locks the vector store's folder, imports redis: a tenth of a fresh worker's first resume.)
MODULES = ("qdrant_client", "qdrant_client.models", "qdrant_client.local.qdrant_local", "portalocker",
           "email.headerregistry", "email.policy", "email.generator")


def warm_up(settings: Settings | None = None) -> float:
    """Load what the first approvals would otherwise load, and open ``settings``' checkpointer (on
    PostgreSQL: its shared connection, set up once); returns the seconds it took. Never raises: a part
    that fails is logged and left to load on first use, as it would without a warm-up."""
    began = time.perf_counter()
    steps: list[Callable[[], None]] = [_imports, _graphs, _catalogues, _brief]
    if settings is not None:
        steps.append(lambda: _checkpointer(settings))
    for step in steps:
        try:
            step()
        except Exception:  # a warm-up is an optimisation: serving goes on without it
            log.warning("a warm-up step failed; what it loads will load on first use", exc_info=True)
    return time.perf_counter() - began


def _checkpointer(settings: Settings) -> None:
    from graphs.checkpoint import open_checkpointer

    with open_checkpointer(settings):
        pass  # PostgreSQL's is kept by the process once opened (graphs.pg_saver); SQLite's file is created


def _imports() -> None:
    for name in MODULES:
        importlib.import_module(name)


def _graphs() -> None:
    from graphs.autopilot import build_autopilot_graph
    from graphs.growth import build_daily_plan_graph
    from graphs.negotiation import build_negotiation_graph
    from graphs.partners import build_partner_graph
    from graphs.support import build_support_graph

    for build in (build_autopilot_graph, build_daily_plan_graph, build_negotiation_graph, build_partner_graph,
                  build_support_graph):
        build()  # compiled once per process; a checkpointer is bound per request without compiling


def _catalogues() -> None:
    from agents.guard import load_guard_rules
    from prompts.loader import load_prompts
    from tools.integrations import load_integrations

    load_prompts()
    load_guard_rules()
    load_integrations()


def _brief() -> None:
    from email.message import EmailMessage

    from agents.brief import LeadBrief, default_sender_profile
    from agents.grounds import lead_spans
    from tools.memory.slots import to_template

    sender = default_sender_profile()
    for language in ("ar", "en"):
        for channel in ("email", "whatsapp"):
            brief = LeadBrief(lead_id="warm-up", channel=channel, language=language, company_name="شركة المثال",
                              contact_name="سارة", title="المديرة التنفيذية", city="الرياض", sector="التسويق")
            spans = lead_spans(brief, sender)
            to_template(" ".join(spans.values()), spans)
    message = EmailMessage()
    message["Subject"] = "تحية"
    message["To"] = "warm-up@example.invalid"
    message.set_content("نص")
    message.as_bytes()
