"""The negotiation coach's writer: a pydantic-ai agent that answers one objection with one checked reply.

    ReplyRequest ──agent (offline playbook | OpenAI-compatible model)──▶ ReplySections
                 ──output validator: render + negotiation rules + the shared guard (ModelRetry on failure)──▶
                 Reply(status="ready")
    retries exhausted ──▶ Reply(status="needs_review", body="")   (nothing is ever drafted from it)

Both paths are the same agent with the same output type and validator; only the model differs. The
customer's message reaches the model masked and quoted as data; a seller's request never reaches it
(see :mod:`skills.negotiation.screen`). The agent has no tools: it writes text, the graph decides
the one action (a draft on the deal's channel) and the gateway decides whether it may run.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic_ai import Agent, ModelRetry, RunContext
from pydantic_ai.exceptions import UnexpectedModelBehavior
from pydantic_ai.messages import ModelMessage, ModelRequest, ModelResponse, TextPart, ToolCallPart, UserPromptPart
from pydantic_ai.models import Model
from pydantic_ai.models.function import AgentInfo, FunctionModel

from agents.call_records import ModelCallRecorder, recorded_call
from agents.copywriter import SenderProfile
from agents.guard import Channel, DraftFacts, GuardReport, Language, load_guard_rules
from agents.models import build_routes
from agents.routing import OFFLINE, Route, Sleep, chain_model
from agents.thread_loop import ensure_thread_loop
from agents.tracing import Tracing
from prompts import get_prompt
from skills.negotiation.catalog import LeadFacts, load_playbook
from skills.negotiation.compose import render_reply, reply_facts, reply_template_id
from skills.negotiation.models import DealContext, ObjectionClass, Reply, ReplyCheck, ReplySections
from skills.negotiation.rules import check_reply
from tools.pii import PiiMasker
from tools.settings import Settings

OFFLINE_MODEL_NAME = "dealix-offline-negotiation"
NEGOTIATION_SKILL: Literal["negotiation_coach"] = "negotiation_coach"
_FACTS = re.compile(r"<negotiation_facts>\s*(\{.*?\})\s*</negotiation_facts>", re.DOTALL)
_RETRIES = 2


class ReplyRequest(BaseModel):
    """Everything the writer may know about one objection."""

    model_config = ConfigDict(frozen=True)

    objection: ObjectionClass = Field(description="The classified objection ('unknown' when unsure).")
    language: Language = Field(description="The language of the reply.")
    channel: Channel = Field(description="The channel of the reply.")
    proposed_date: str = Field(description="The next step's date as the reply must write it.")
    deal: DealContext = Field(description="Who the reply goes to.")
    customer_message: str = Field(description="The customer's message with personal data masked.")
    lead: LeadFacts = Field(default_factory=LeadFacts, description="What the reply may say about the lead itself.")
    clarify_topic: str | None = Field(default=None, description="For 'unknown': what the customer asked about, "
                                      "which the reply's one question follows.")


@dataclass
class NegotiationDeps:
    """Run-scoped inputs of one writer run."""

    request: ReplyRequest
    sender: SenderProfile
    facts: DraftFacts
    masker: PiiMasker
    last_check: ReplyCheck | None = field(default=None)
    last_render: tuple[str | None, str] | None = field(default=None)


negotiator_agent: Agent[NegotiationDeps, ReplySections] = Agent(
    None,
    name="negotiation_coach",
    deps_type=NegotiationDeps,
    output_type=ReplySections,
    retries={"output": _RETRIES},
    defer_model_check=True,
)


@negotiator_agent.instructions
def _instructions(ctx: RunContext[NegotiationDeps]) -> str:
    request = ctx.deps.request
    limit = load_guard_rules().limits[request.channel].body
    return get_prompt("negotiation.instructions").render(language=request.language, channel=request.channel,
                                                        max_chars=limit)


@negotiator_agent.output_validator
def _check(ctx: RunContext[NegotiationDeps], output: ReplySections) -> ReplySections:
    deps = ctx.deps
    request = deps.request
    subject, body = render_reply(output, channel=request.channel, language=request.language, deal=request.deal,
                                 sender=deps.sender)
    check = check_reply(output, body=body, subject=subject, proposed_date=request.proposed_date,
                        channel=request.channel, language=request.language, facts=deps.facts, masker=deps.masker,
                        clarify=request.objection is ObjectionClass.unknown)
    deps.last_check, deps.last_render = check, (subject, body)
    if not check.ok:
        raise ModelRetry("The reply broke the negotiation rules or the output guard; fix exactly these problems "
                         "and answer again: " + "; ".join(check.problems()))
    return output


def render_brief(request: ReplyRequest) -> str:
    facts = {"objection": request.objection.value, "language": request.language, "channel": request.channel,
             "proposed_date": request.proposed_date, "company_name": request.deal.company_name,
             "contact_name": request.deal.contact_name, "lead_key": request.lead.key,
             "situation": request.lead.situation, "sector": request.lead.sector,
             "clarify_topic": request.clarify_topic}
    return get_prompt("negotiation.brief").render(facts_json=json.dumps(facts, ensure_ascii=False, sort_keys=True),
                                                  customer_message=request.customer_message)


def _last_brief(messages: list[ModelMessage]) -> str:
    for message in reversed(messages):
        if isinstance(message, ModelRequest):
            for part in message.parts:
                content = part.content if isinstance(part, UserPromptPart) else None
                if isinstance(content, str) and "<negotiation_facts>" in content:
                    return content
    return ""


def offline_negotiation(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
    """The offline writer: the playbook's vetted reply for the objection and the lead, with the proposed date."""
    match = _FACTS.search(_last_brief(messages))
    if match is None or not info.output_tools:
        return ModelResponse(parts=[TextPart("لا توجد بيانات كافية لكتابة الرد.")], model_name=OFFLINE_MODEL_NAME)
    facts = json.loads(match.group(1))
    lead = LeadFacts(key=facts.get("lead_key", ""), situation=facts.get("situation", "general"),
                     sector=facts.get("sector", ""))
    sections = load_playbook().sections(ObjectionClass(facts["objection"]), facts["language"],
                                        date=facts["proposed_date"], lead=lead, topic=facts.get("clarify_topic"))
    return ModelResponse(parts=[ToolCallPart(info.output_tools[0].name, sections.model_dump())],
                         model_name=OFFLINE_MODEL_NAME)


@dataclass(frozen=True)
class Negotiator:
    """The writer bound to one model: what a coach (and a graph run) holds."""

    model: Model
    model_label: str
    offline: bool
    masker: PiiMasker
    sender: SenderProfile = field(default_factory=SenderProfile)
    tracing: Tracing = field(default_factory=Tracing.disabled)
    fallbacks: tuple[Route, ...] = ()
    recorder: ModelCallRecorder | None = None

    def write(self, request: ReplyRequest) -> Reply:
        facts = reply_facts(request.deal, self.sender, request.proposed_date)
        deps = NegotiationDeps(request=request, sender=self.sender, facts=facts, masker=self.masker)
        template = reply_template_id(request.channel, request.language)
        prompt = get_prompt(template if self.offline else "negotiation.instructions").ref
        with self.tracing.observe(NEGOTIATION_SKILL, input=request.model_dump(mode="json"),
                                  names=(request.deal.contact_name,)) as observation:
            routes = (Route(self.model_label, self.model), *self.fallbacks)
            with recorded_call(self.recorder, NEGOTIATION_SKILL, [r.label for r in routes]) as call:
                try:
                    ensure_thread_loop()
                    result = negotiator_agent.run_sync(render_brief(request), deps=deps, model=chain_model(routes),
                                                       usage=call.usage)
                except UnexpectedModelBehavior:
                    result = None
                call.guard_ok = result is not None
            served = call.meter.served_by or self.model_label
            if served != self.model_label:  # a fallback wrote it: name that route, and its own prompt
                prompt = get_prompt(template if served == OFFLINE else "negotiation.instructions").ref
            if result is None:
                check = deps.last_check or ReplyCheck(
                    ok=False, rules=(), guard=GuardReport(ok=False, rules_version=load_guard_rules().version))
                reply = Reply(status="needs_review", channel=request.channel, language=request.language,
                              subject=None, body="", sections=None, check=check, prompt=prompt,
                              model=served, model_requests=1 + _RETRIES)
            else:
                assert deps.last_check is not None and deps.last_render is not None  # set by the validator
                subject, body = deps.last_render
                reply = Reply(status="ready", channel=request.channel, language=request.language, subject=subject,
                              body=body, sections=result.output, check=deps.last_check, prompt=prompt,
                              model=served, model_requests=result.usage.requests)
            observation.update(output=reply.model_dump(mode="json", exclude={"check"}))
        return reply


def build_negotiator(settings: Settings, masker: PiiMasker, *, tracing: Tracing | None = None,
                     sender: SenderProfile | None = None, recorder: ModelCallRecorder | None = None,
                     sleep: Sleep | None = None) -> Negotiator:
    """The skill's route (``DEALIX_MODEL_ROUTES``, else ``DEALIX_MODEL``): the offline playbook writer, or an
    OpenAI-compatible model with its fallbacks ending in the offline writer."""
    offline = FunctionModel(offline_negotiation, model_name=OFFLINE_MODEL_NAME)
    primary, *fallbacks = build_routes(settings, NEGOTIATION_SKILL, offline, sleep=sleep)
    return Negotiator(model=primary.model, model_label=primary.label, offline=primary.label == OFFLINE,
                      masker=masker, sender=sender or SenderProfile(), tracing=tracing or Tracing.disabled(),
                      fallbacks=tuple(fallbacks), recorder=recorder)

