"""The Saudi copywriter: a pydantic-ai agent that turns one lead's facts into one guarded draft.

    LeadBrief ──agent (offline templates | OpenAI-compatible model)──▶ DraftText
              ──output validator: the guard (ModelRetry on failure)──▶ Draft(status="ready")
    retries exhausted ─────────────────────────────────────────────────▶ Draft(status="needs_review")

The model is the skill's route (``agents/routing.py``): a failing OpenAI-compatible model is retried with
backoff, then the next route serves, finally the offline model; the draft names the route that wrote it
and whether it fell back, and each call leaves one row in the model-call records (``agents/call_records.py``).

With a memory (``examples``), the brief also carries the closest approved drafts of the same
tenant, segment, channel and language as slot templates (``agents/examples.py``); the offline
model writes from the first one this lead can fill, and falls back to the vetted template on a
guard retry. Each draft records the approval ids of the examples it was shown.

The agent only writes text. It has no tools and its output type has no action in it, so nothing a
lead's data says (notes included, which are never sent to the model) can make it act: the graph
decides the one action (a draft on the lead's channel) and the gateway decides whether it may run.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace
from functools import partial
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic_ai import Agent, ModelRetry, RunContext
from pydantic_ai.exceptions import UnexpectedModelBehavior
from pydantic_ai.models import Model

from agents.brief import BriefFact, BriefSignal, LeadBrief, SenderProfile, default_sender_profile
from agents.call_records import ModelCallRecorder, recorded_call
from agents.example_text import ExampleText, reuse
from agents.grounds import Ground, grounds_of, lead_spans, template_variables
from agents.guard import Channel, DraftFacts, GuardReport, Language, check_text, load_guard_rules
from agents.learning import Later, drain
from agents.routing import OFFLINE, Route, chain_model
from agents.thread_loop import ensure_thread_loop
from agents.tracing import Tracing
from prompts import PromptRef, get_prompt
from tools.pii import PiiMasker

if TYPE_CHECKING:
    from agents.examples import CopyExamples

DraftStatus = Literal["ready", "needs_review"]
COPYWRITER_SKILL: Literal["saudi_copywriter"] = "saudi_copywriter"

__all__ = ["BriefFact", "BriefSignal", "Copywriter", "Draft", "DraftText", "Ground", "LeadBrief", "SenderProfile",
           "default_sender_profile", "template_variables"]


class DraftText(BaseModel):
    """What the model returns."""

    subject: str | None = Field(default=None, description="Email subject line; null for WhatsApp.")
    body: str = Field(description="The full message body, ready for a person to review.")


class Draft(BaseModel):
    """One guarded draft, with the template and model that made it."""

    model_config = ConfigDict(frozen=True)

    lead_id: str = Field(description="The lead the draft is for.")
    channel: Channel = Field(description="email or whatsapp.")
    language: Language = Field(description="ar or en.")
    subject: str | None = Field(description="Email subject line; None for WhatsApp.")
    body: str = Field(description="The message body.")
    status: DraftStatus = Field(description="'ready' when the guard passed; 'needs_review' otherwise.")
    prompt: PromptRef = Field(description="The template that made the text (id, version, sha256).")
    model: str = Field(description="The model that wrote it: 'offline' or the endpoint's model name.")
    guard: GuardReport = Field(description="The guard's report on the final text.")
    model_requests: int = Field(description="Model calls this draft took (1 in the normal path).")
    examples: tuple[str, ...] = Field(default=(), description="Approval ids of the approved examples shown, "
                                      "closest first.")
    based_on: str | None = Field(default=None, description="Approval id of the example the offline model wrote from.")
    fell_back: bool = Field(default=False, description="True when a later route of the chain wrote it, because "
                            "the primary model failed (after its retries).")
    fell_back_from: tuple[str, ...] = Field(default=(), description="The routes that failed before the one that "
                                            "wrote it.")
    situation: str = Field(default="general", description="The situation the draft was written for (the lead's "
                           "leading why-now signal, or 'general').")
    grounds: tuple[Ground, ...] = Field(default=(), description="Each lead or sender fact the text states, with the "
                                       "field it came from.")


@dataclass
class CopyDeps:
    """Run-scoped inputs of one copywriter run."""

    brief: LeadBrief
    sender: SenderProfile
    facts: DraftFacts
    masker: PiiMasker
    last_report: GuardReport | None = field(default=None)


copywriter_agent: Agent[CopyDeps, DraftText] = Agent(
    None,
    name=COPYWRITER_SKILL,
    deps_type=CopyDeps,
    output_type=DraftText,
    retries={"output": 2},
    defer_model_check=True,
)


@copywriter_agent.instructions
def _instructions(ctx: RunContext[CopyDeps]) -> str:
    brief = ctx.deps.brief
    limit = load_guard_rules().limits[brief.channel].body
    return get_prompt("copywriter.instructions").render(channel=brief.channel, language=brief.language,
                                                       max_chars=limit)


@copywriter_agent.output_validator
def _guard(ctx: RunContext[CopyDeps], output: DraftText) -> DraftText:
    deps = ctx.deps
    subject = output.subject if deps.brief.channel == "email" else None
    report = check_text(body=output.body, subject=subject, channel=deps.brief.channel,
                        language=deps.brief.language, facts=deps.facts, masker=deps.masker)
    deps.last_report = report
    if not report.ok:
        raise ModelRetry("The draft failed the output guard; fix exactly these problems and answer again: "
                         + "; ".join(f"{p.code} ({p.message_ar})" for p in report.problems))
    if deps.brief.channel == "email" and not (output.subject or "").strip():
        raise ModelRetry("An email draft needs a subject line.")
    return output


def message_template_id(channel: Channel, language: Language) -> str:
    return f"outreach.{channel}.{language}"


def render_brief(brief: LeadBrief, sender: SenderProfile, examples: tuple[ExampleText, ...] = ()) -> str:
    """The model's request: the lead's facts (each signal and note fact with its field), the sender's
    claims, and the vetted pieces the offline model writes from."""
    facts = {"channel": brief.channel, "language": brief.language, "lead_id": brief.lead_id,
             "title": brief.title, "situation": brief.situation(),
             "signals": [s.model_dump(mode="json") for s in brief.signals],
             "notes_facts": [f.model_dump(mode="json") for f in brief.notes_facts],
             **{k: v for k, v in lead_spans(brief, sender).items() if not k.startswith("contact_point")}}
    shown = json.dumps([e.model_dump(mode="json") for e in examples], ensure_ascii=False) if examples else ""
    return get_prompt("copywriter.brief").render(facts_json=json.dumps(facts, ensure_ascii=False, sort_keys=True),
                                                 examples_json=shown)


def draft_facts(brief: LeadBrief, sender: SenderProfile, *, other_names: tuple[str, ...] = (),
                other_contacts: tuple[str, ...] = ()) -> DraftFacts:
    values = (brief.company_name, brief.company_name_ar, brief.contact_name, brief.contact_name_ar, brief.title,
              brief.city, brief.city_ar, brief.sector, *brief.contact_points, *(f.text for f in brief.notes_facts),
              sender.company, sender.signature_ar, sender.signature_en, sender.offer_ar, sender.offer_en)
    return DraftFacts(allowed_values=tuple(v for v in values if v), own_contacts=brief.contact_points,
                      # A name inside this lead's own name or company ("عميل 1" in "عميل 12") is not someone else's.
                      other_names=tuple(n for n in other_names
                                        if n and n not in brief.contact_name and n not in brief.company_name
                                        and n not in brief.contact_name_ar and n not in brief.company_name_ar),
                      other_contacts=tuple(c for c in other_contacts if c and c not in brief.contact_points))


@dataclass(frozen=True)
class Copywriter:
    """The agent bound to one model: what a graph run holds in its context."""

    model: Model
    model_label: str
    offline: bool
    masker: PiiMasker
    sender: SenderProfile = field(default_factory=default_sender_profile)
    tracing: Tracing = field(default_factory=Tracing.disabled)
    examples: CopyExamples | None = None
    later: Later | None = None  # set: learning waits for the resume's answers (agents.learning)

    def learn(self, brief: LeadBrief, *, approval_id: str, action: str, subject: str | None, body: str,
              original_body: str | None) -> bool:
        """Remember an approved draft for this tenant's next leads; False when there is no memory or it was not kept.

        With :attr:`later` set, the draft is queued there and True only says so: whether it is kept is
        decided (and logged) when the learner gets to it."""
        if self.examples is None:
            return False
        learn = partial(self.examples.learn, brief, self.sender, approval_id=approval_id, action=action,
                        subject=subject, body=body, original_body=original_body)
        if self.later is not None:
            self.later.add(learn, brief.lead_id)
            return True
        return learn()

    def learning_later(self, keep: Callable[[str], bool] | None = None) -> tuple[Copywriter, Later]:
        """This copywriter with its learning collected for after the answers, and where it is collected;
        ``keep(lead_id)``: whether the lead is still there when its draft is learned."""
        later = Later(hold=self.holding_memory, keep=keep)
        return replace(self, later=later), later

    def holding_memory(self) -> AbstractContextManager[None]:
        """Keep the memory open for a block that learns many drafts (one open of a local store, not one each)."""
        return self.examples.memory.store.hold() if self.examples is not None else nullcontext()

    fallbacks: tuple[Route, ...] = ()
    recorder: ModelCallRecorder | None = None

    def write(self, brief: LeadBrief, *, other_names: tuple[str, ...] = (),
              other_contacts: tuple[str, ...] = ()) -> Draft:
        facts = draft_facts(brief, self.sender, other_names=other_names, other_contacts=other_contacts)
        deps = CopyDeps(brief=brief, sender=self.sender, facts=facts, masker=self.masker)
        if self.examples is not None:
            drain()  # what this process approved before is learned before this draft recalls examples
        shown = tuple(self.examples.recall(brief)) if self.examples is not None else ()
        shown_ids = tuple(e.approval_id for e in shown)
        routes = (Route(self.model_label, self.model), *self.fallbacks)
        with self.tracing.observe(COPYWRITER_SKILL, input=brief.model_dump(mode="json"),
                                  names=(brief.contact_name, *other_names)) as observation:
            with recorded_call(self.recorder, COPYWRITER_SKILL, [r.label for r in routes]) as call:
                try:
                    ensure_thread_loop()
                    result = copywriter_agent.run_sync(render_brief(brief, self.sender, shown), deps=deps,
                                                       model=chain_model(routes), usage=call.usage)
                except UnexpectedModelBehavior:
                    result = None
                call.guard_ok = result is not None
            served = call.meter.served_by or self.model_label
            offline = self.offline if served == self.model_label else served == OFFLINE
            prompt = (get_prompt(message_template_id(brief.channel, brief.language)) if offline
                      else get_prompt("copywriter.instructions")).ref
            fell_back = served != self.model_label
            fell_back_from = call.meter.failed_routes() if fell_back else ()
            if result is None:
                report = deps.last_report or GuardReport(ok=False, rules_version=load_guard_rules().version)
                draft = Draft(lead_id=brief.lead_id, channel=brief.channel, language=brief.language, subject=None,
                              body="", status="needs_review", prompt=prompt, guard=report,
                              model_requests=call.usage.requests or _requests_after_failure(), examples=shown_ids,
                              model=served, fell_back=fell_back, fell_back_from=fell_back_from)
            else:
                output = result.output
                used = reuse(list(shown), lead_spans(brief, self.sender)) if offline else None
                report = deps.last_report or GuardReport(ok=True, rules_version=load_guard_rules().version)
                draft = Draft(lead_id=brief.lead_id, channel=brief.channel, language=brief.language,
                              subject=output.subject if brief.channel == "email" else None, body=output.body,
                              status="ready", prompt=prompt, guard=report,
                              model_requests=result.usage.requests, examples=shown_ids,
                              # On a guard retry the offline model falls back to the vetted template.
                              based_on=used[0].approval_id if used and result.usage.requests == 1 else None,
                              model=served, fell_back=fell_back, fell_back_from=fell_back_from,
                              situation=brief.situation(),
                              grounds=grounds_of(output.subject, output.body, brief, self.sender))
            observation.update(output=draft.model_dump(mode="json", exclude={"guard"}))
        return draft


def _requests_after_failure() -> int:
    # One first answer plus every output retry the agent allows.
    return 1 + 2
