"""The negotiation coach: classify an objection, refuse what a seller may not ask, write the reply, plan the close.

    text ─▶ classify ─▶ screen the seller's request ─▶ refusals (blocked policy actions: reason_ar + audit)
                     ─▶ negotiator (offline | model; rules + guard) ─▶ Reply
                     ─▶ close plan (steps, owners, Riyadh business days, risks)
                     ─▶ gateway: ``deal.risk_flag`` (internal, suggest-only) records the objection and plan

With a gateway every refusal and every suggestion is in the tenant's audit log; without one (the
demo) the refusals carry the policy's reasons but nothing is recorded.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from skills.negotiation.catalog import load_lexicon
from skills.negotiation.clarify import clarify_topic
from skills.negotiation.classifier import classify
from skills.negotiation.close_plan import SituationalRisk, build_close_plan, meeting_date
from skills.negotiation.dates import short_date
from skills.negotiation.lead import lead_facts
from skills.negotiation.models import Classification, DealContext, NegotiationResult, ObjectionClass, Refusal
from skills.negotiation.negotiator import Negotiator, ReplyRequest
from skills.negotiation.screen import Violation, screen_seller_request
from skills.negotiation.timing import customer_timing
from tools.gateway import Gateway
from tools.models import ToolCall
from tools.policy import load_policy
from tools.saudi_time import BusinessHours, Clock, system_clock

SKILL = "negotiation_coach"
RESPOND_ACTION = "deal.risk_flag"  # internal, suggest-only: the objection and its plan, flagged for review


@dataclass(frozen=True)
class NegotiationCoach:
    """One tenant's coach: the writer, the gateway that records, a clock and the business calendar."""

    negotiator: Negotiator
    tenant: str
    gateway: Gateway | None = None
    clock: Clock = system_clock
    hours: BusinessHours = field(default_factory=BusinessHours)
    holidays: Collection[date] = ()

    def classify(self, text: str) -> Classification:
        return classify(text)

    def respond(self, text: str, deal: DealContext | None = None, *, seller_request: str | None = None,
                thread_id: str = "adhoc") -> NegotiationResult:
        """Classify ``text`` and answer it. Raises ``UtteranceError`` for unusable text or seller request."""
        return self.respond_to(text, classify(text), deal, seller_request=seller_request, thread_id=thread_id)

    def respond_to(self, text: str, classification: Classification, deal: DealContext | None = None, *,
                   seller_request: str | None = None, thread_id: str = "adhoc") -> NegotiationResult:
        deal = deal or DealContext()
        violations = screen_seller_request(seller_request)
        refusals = tuple(self._refuse(v, deal, thread_id) for v in violations)
        now = self.clock()
        label = classification.label
        language = deal.language or classification.reply_language
        meeting = meeting_date(label, now, self.hours, self.holidays)
        # The customer's own timing wins: "after Ramadan" is answered with a day after Eid, not tomorrow, and
        # the whole close plan moves with it (its meeting step is the day the reply proposes).
        asked = customer_timing(text, meeting, self.hours, self.holidays)
        if asked is not None and asked.not_before > meeting:
            now = self._plan_now(label, asked.not_before)
            meeting = meeting_date(label, now, self.hours, self.holidays)
        proposed = short_date(meeting, language)
        # Unknown: one question about what the customer asked (text aimed at the system gets the general one).
        topic = clarify_topic(text) if label is ObjectionClass.unknown and not classification.instruction_like \
            else None
        request = ReplyRequest(objection=label, language=language, channel=deal.channel, proposed_date=proposed,
                               deal=deal, customer_message=self.negotiator.masker.mask_text(text),
                               lead=lead_facts(deal), clarify_topic=topic)
        reply = self.negotiator.write(request)
        plan = build_close_plan(label, now=now, hours=self.hours, holidays=self.holidays,
                                situational=_situational(classification, refusals))
        result = NegotiationResult(classification=classification, reply=reply, close_plan=plan, refusals=refusals)
        return result.model_copy(update={"audit_event": self._record(result, deal, thread_id)})

    def _plan_now(self, label: ObjectionClass, not_before: date) -> datetime:
        """The latest plan start whose meeting step still falls on or after ``not_before``."""
        def start(day: date) -> datetime:
            return datetime.combine(day, time(6, 0), tzinfo=UTC)  # 09:00 in Riyadh

        chosen = start(not_before)
        for back in range(1, 31):
            candidate = start(not_before - timedelta(days=back))
            if meeting_date(label, candidate, self.hours, self.holidays) < not_before:
                break
            chosen = candidate
        return chosen

    def _refuse(self, violation: Violation, deal: DealContext, thread_id: str) -> Refusal:
        if self.gateway is None:
            rule = load_policy().rule(violation.action)
            return Refusal(code=violation.code, action=violation.action, reason_ar=rule.reason_ar,
                           reason_en=rule.reason_en, matched=violation.matched)
        decision = self.gateway.decide(ToolCall(
            tenant=self.tenant, skill=SKILL, action=violation.action, thread_id=thread_id,
            tool_call_id=f"{deal.deal_id}:{violation.code}", contact_id=None,
            args={"deal_id": deal.deal_id, "matched": violation.matched},
        )).decision
        return Refusal(code=violation.code, action=decision.action, reason_ar=decision.reason_ar,
                       reason_en=decision.reason_en, matched=violation.matched, audit_event=decision.audit_event)

    def _record(self, result: NegotiationResult, deal: DealContext, thread_id: str) -> str | None:
        if self.gateway is None:
            return None
        classification = result.classification
        return self.gateway.invoke(ToolCall(
            tenant=self.tenant, skill=SKILL, action=RESPOND_ACTION, thread_id=thread_id,
            tool_call_id=f"{deal.deal_id}:respond",
            args={"deal_id": deal.deal_id, "objection": classification.label.value,
                  "confidence": classification.confidence, "reply_status": result.reply.status,
                  "refused": [r.code for r in result.refusals], "plan_steps": len(result.close_plan.steps)},
        )).decision.audit_event


def _situational(classification: Classification, refusals: tuple[Refusal, ...]) -> list[SituationalRisk]:
    lexicon = load_lexicon()
    risks: list[SituationalRisk] = []
    label = classification.label
    if label is not ObjectionClass.unknown and classification.confidence < lexicon.review_below:
        risks.append("low_confidence")
    runner = classification.scores.get(classification.runner_up.value, 0.0) if classification.runner_up else 0.0
    if label is not ObjectionClass.unknown and runner >= lexicon.second_objection_min_score:
        risks.append("several_objections")
    if classification.instruction_like:
        risks.append("instruction_in_text")
    if refusals:
        risks.append("seller_request_refused")
    return risks
