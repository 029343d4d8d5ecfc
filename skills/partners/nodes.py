"""The partner graph's skill nodes: thin adapters between graph state and :class:`PartnerService`.

    partner_strategist ... score and rank the candidates, invoke ``partner.suggest`` (internal; the
                           gateway records its ``partner_suggested`` unit), publish cards for the best
                           three (when cards are on), choose the partner to write to
    partner_message ...... the guarded introduction draft, turned into one ``gmail.draft`` /
                           ``whatsapp.draft`` call of the partner_strategist skill (no tool call
                           when the channel is refused or the guard failed)

The approval and execution nodes are the shared ones in :mod:`skills.approval` (the shared approval subgraph).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from langgraph.config import get_config
from langgraph.runtime import Runtime
from langgraph.types import Command
from typing_extensions import TypedDict

from skills.approval import ApprovalState, GovernedContext, Outcome
from skills.cards.service import CardService
from skills.partners.cards import publish_partner_cards
from skills.partners.drafts import draft_call
from skills.partners.errors import PartnerError
from skills.partners.models import DraftChannel, PartnerDraft, PartnerSuggestion
from skills.partners.service import PartnerService
from skills.run_context import bound

_NEEDS_REVIEW_AR = "لم تجتز المسودة فحص الجودة والسلامة؛ أُحيلت للمراجعة ولن يُنفَّذ شيء."
_NO_PARTNER_AR = "لا يوجد شريك مقترح يمكن التواصل معه بطريقة نظامية؛ لم تُعدّ أي مسودة."


@dataclass(frozen=True, kw_only=True)
class PartnersContext(GovernedContext):
    partners: PartnerService
    cards: CardService | None = None  # when set, the best suggestions are published as partner cards


class PartnerInput(TypedDict, total=False):
    top: int
    partner_id: str | None
    channel: DraftChannel | None


class PartnerState(ApprovalState, total=False):
    top: int
    partner_id: str | None
    channel: DraftChannel | None
    suggestions: list[PartnerSuggestion]
    draft: PartnerDraft | None


def _thread_id() -> str:
    return str(get_config()["configurable"]["thread_id"])


def partner_strategist(state: PartnerState, runtime: Runtime[Any]) -> dict[str, Any]:
    ctx = bound(runtime, PartnersContext)
    service = ctx.partners
    suggestions = service.suggest(state.get("top") or 10, record=False)
    service.record_suggestions(suggestions, thread_id=_thread_id(), proof=True)
    chosen = state.get("partner_id")
    if chosen is None:
        # The best reachable partner that is not a competitor.
        chosen = next((s.scorecard.partner_id for s in suggestions
                       if s.channel is not None and not s.scorecard.competitor.flagged), None)
    if ctx.cards is not None:
        publish_partner_cards(ctx.cards, suggestions)
    return {"suggestions": suggestions, "partner_id": chosen}


def partner_message(state: PartnerState, runtime: Runtime[Any]
                    ) -> Command[Literal["approval", "__end__"]]:
    ctx = bound(runtime, PartnersContext)
    partner_id = state.get("partner_id")
    if partner_id is None:
        return Command(goto="__end__", update={"outcome": Outcome(status="refused", reason_ar=_NO_PARTNER_AR,
                                                                       reason_code="no_partner")})
    try:
        draft = ctx.partners.draft(partner_id, state.get("channel"))
    except PartnerError as refused:
        return Command(goto="__end__", update={"draft": None, "outcome": Outcome(
            status="refused", reason_ar=refused.message_ar, reason_code=refused.code)})
    if draft.status != "ready":
        return Command(goto="__end__", update={"draft": draft, "outcome": Outcome(
            status="needs_review", reason_ar=_NEEDS_REVIEW_AR, reason_code="guard_failed")})
    call = draft_call(ctx.tenant, ctx.partners.candidate(partner_id), draft, thread_id=_thread_id())
    return Command(goto="approval", update={"draft": draft, "call": call})
