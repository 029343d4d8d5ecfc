"""The typed shapes of the negotiation engine: what goes in, what the classifier and coach return.

    utterance ─▶ Classification ─▶ ReplySections (agent output) ─▶ Reply (rendered, checked)
                                 └▶ ClosePlan (steps, owners, Riyadh business-day dates, risks)
    all of it ─▶ NegotiationResult (+ refusals of hostile seller requests, with reason_ar)
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from agents.brief import SignalKind
from agents.guard import Channel, GuardProblem, GuardReport, Language
from prompts.loader import PromptRef


class ObjectionClass(StrEnum):
    price = "price"
    timing = "timing"
    trust = "trust"
    already_have_agency = "already_have_agency"
    need_team_approval = "need_team_approval"
    not_priority = "not_priority"
    send_details = "send_details"
    want_guarantee = "want_guarantee"
    unknown = "unknown"


OBJECTIONS: tuple[ObjectionClass, ...] = tuple(c for c in ObjectionClass if c is not ObjectionClass.unknown)
Script = Literal["arabic", "latin", "arabizi", "mixed"]
UtteranceLang = Literal["msa", "saudi", "en", "arabizi", "mixed"]
Split = Literal["tune", "heldout"]
Reader = Literal["lexicon", "examples"]
ReplyStatus = Literal["ready", "needs_review"]
RuleCode = Literal["no_guarantee", "no_discount_first", "scope_before_price", "pilot_first", "price_linked_to_proof",
                   "next_step", "one_question"]
RefusalCode = Literal["discount_first", "guarantee_outcome"]
Owner = Literal["sales_manager", "ceo", "service_delivery", "client"]


class CueHit(BaseModel):
    """One lexicon cue found in the text: the evidence behind a score."""

    model_config = ConfigDict(frozen=True)

    label: ObjectionClass = Field(description="The class the cue points to.")
    cue: str = Field(description="The cue as written in the lexicon.")
    weight: float = Field(description="What the cue added to its class (negative for a counter cue).")
    fuzzy: bool = Field(description="True when matched by spelling similarity rather than exactly.")


class Classification(BaseModel):
    """The classifier's answer for one utterance."""

    model_config = ConfigDict(frozen=True)

    label: ObjectionClass = Field(description="The objection class, or 'unknown' when unsure.")
    confidence: float = Field(ge=0, le=1, description="Share of the evidence behind the top class (0..1).")
    best_guess: ObjectionClass = Field(description="The top-scoring class even when the label is 'unknown'.")
    runner_up: ObjectionClass | None = Field(default=None, description="The second class with any evidence.")
    scores: dict[str, float] = Field(description="Evidence per class (sum of cue weights).")
    evidence: tuple[CueHit, ...] = Field(default=(), description="The cues that matched.")
    script: Script = Field(description="How the text is written: Arabic, Latin, Arabizi or mixed.")
    reply_language: Language = Field(description="The language the reply should be written in.")
    instruction_like: bool = Field(default=False, description="The text holds instructions aimed at the system; "
                                                              "they are treated as data and never followed.")
    threshold: float = Field(description="Below this confidence the label is 'unknown'.")
    lexicon_version: str = Field(description="Version of the lexicon file that was applied.")
    reader: Reader = Field(default="lexicon", description="What decided the label: the lexicon's cues, or the "
                                                          "labelled examples when no cue was clear.")
    label_ar: str = Field(description="The label's Arabic name, for the operator.")


class DealContext(BaseModel):
    """Who the reply goes to. Structured fields only; nothing here is an instruction."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    deal_id: str = Field(default="deal", min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.:-]+$",
                         description="Stable id of the deal or contact the reply is about.")
    company_name: str = Field(default="", max_length=120, description="The customer's company.")
    contact_name: str = Field(default="", max_length=80, description="The customer's contact person.")
    channel: Channel = Field(default="whatsapp", description="The channel of the reply: email or whatsapp.")
    language: Language | None = Field(default=None, description="Reply language; from the text when omitted.")
    email: str = Field(default="", max_length=254, description="Recipient email for an email draft.")
    phone: str = Field(default="", max_length=32, description="Recipient phone (E.164) for a WhatsApp draft.")
    sector: str = Field(default="", max_length=80, description="The lead's sector as its record spells it; the "
                        "reply may name it.")
    signals: tuple[SignalKind, ...] = Field(default=(), max_length=10, description="The lead's why-now signals "
                                            "(from its record); the reply may acknowledge the strongest one.")


class ReplySections(BaseModel):
    """What the negotiator (offline or model) writes: the reply in the order the rules demand."""

    acknowledge: str = Field(description="One sentence that acknowledges the concern without quoting any price.")
    scope_question: str = Field(description="One question that pins down the scope before any price talk.")
    pilot_offer: str = Field(description="A small, time-boxed pilot proposed first; no price and no price cut.")
    proof_link: str = Field(description="How the pilot's results will be measured, and that any pricing decision "
                                        "follows that proof. Never a promised outcome.")
    next_step: str = Field(description="One concrete next step with the proposed date given in the brief.")


class RuleCheck(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: RuleCode = Field(description="The negotiation rule checked.")
    ok: bool
    message_ar: str = Field(description="What the rule asks, or why it failed, in Arabic.")


class ReplyCheck(BaseModel):
    """The negotiation rules and the output guard on one reply."""

    model_config = ConfigDict(frozen=True)

    ok: bool = Field(description="True when every rule and every guard check passed.")
    rules: tuple[RuleCheck, ...] = Field(description="Each negotiation rule and its result.")
    guard: GuardReport = Field(description="The shared output guard's report on the rendered text.")

    def problems(self) -> list[str]:
        failed = [f"{r.code} ({r.message_ar})" for r in self.rules if not r.ok]
        return failed + [f"{p.code} ({p.message_ar})" for p in self.guard.problems]


class Reply(BaseModel):
    """One checked reply, rendered for its channel, with the template and model that made it."""

    model_config = ConfigDict(frozen=True)

    status: ReplyStatus = Field(description="'ready' when every check passed; 'needs_review' otherwise.")
    channel: Channel
    language: Language
    subject: str | None = Field(description="Email subject; None for WhatsApp.")
    body: str = Field(description="The rendered message; empty when the reply needs review.")
    sections: ReplySections | None = Field(description="The parts the body was rendered from.")
    check: ReplyCheck = Field(description="Rules and guard on the final text.")
    prompt: PromptRef = Field(description="The template that made the text.")
    model: str = Field(description="'offline' or the endpoint's model name.")
    model_requests: int = Field(description="Model calls the reply took.")


class CloseStep(BaseModel):
    model_config = ConfigDict(frozen=True)

    order: int = Field(ge=1)
    action_ar: str = Field(description="What happens, in Arabic.")
    action_en: str
    owner: Owner = Field(description="Who does it: an internal role, or the client.")
    owner_ar: str
    due: date = Field(description="Due date, a Sunday-Thursday business day in Asia/Riyadh.")
    due_ar: str = Field(description="The due date in Arabic, Gregorian with the Hijri (Umm al-Qura) beside it.")


class Risk(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str = Field(description="Stable machine code.")
    risk_ar: str = Field(description="The risk, in Arabic.")
    mitigation_ar: str = Field(description="What the plan does about it, in Arabic.")


class ClosePlan(BaseModel):
    model_config = ConfigDict(frozen=True)

    objection: ObjectionClass
    timezone: str = Field(default="Asia/Riyadh")
    starts: date = Field(description="The first business day the plan counts from.")
    steps: tuple[CloseStep, ...]
    risks: tuple[Risk, ...]


class Refusal(BaseModel):
    """A seller request the engine will not follow, with the policy's reason."""

    model_config = ConfigDict(frozen=True)

    code: RefusalCode
    action: str = Field(description="The blocked policy action the request stands for.")
    reason_ar: str
    reason_en: str
    matched: str = Field(description="What in the request triggered the refusal.")
    audit_event: str | None = Field(default=None, description="The audit event that records the attempt.")


class NegotiationResult(BaseModel):
    """Everything the coach returns for one objection."""

    model_config = ConfigDict(frozen=True)

    classification: Classification
    reply: Reply
    close_plan: ClosePlan
    refusals: tuple[Refusal, ...] = Field(default=(), description="Seller requests refused, each with reason_ar.")
    audit_event: str | None = Field(default=None, description="Audit event of the recorded suggestion.")


# Every model that may sit in a negotiation graph checkpoint (the checkpointer's allowlist).
NEGOTIATION_STATE_TYPES: tuple[type, ...] = (
    ObjectionClass, CueHit, Classification, DealContext, ReplySections, RuleCheck, ReplyCheck, Reply, CloseStep,
    Risk, ClosePlan, Refusal, NegotiationResult, GuardReport, GuardProblem, PromptRef,
)

__all__ = [
    "NEGOTIATION_STATE_TYPES", "OBJECTIONS", "Classification", "ClosePlan", "CloseStep", "CueHit", "DealContext",
    "NegotiationResult", "ObjectionClass", "Owner", "Reader", "Refusal", "Reply", "ReplyCheck", "ReplySections",
    "Risk", "RuleCheck", "Script", "Split", "UtteranceLang",
]
