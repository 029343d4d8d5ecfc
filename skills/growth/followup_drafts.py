"""Due follow-ups become drafts waiting for a person's approval: nothing is ever sent from here.

    followups the daily plan recorded (a business day, 10:00 Riyadh)
      ─▶ due by now, and neither drafted nor held by a live worker ─▶ claimed (one worker per follow-up)
      ─▶ the lead replied since, left the directory, or has no address on the channel ...... skipped
      ─▶ the vetted follow-up template (prompts: followup.<channel>.<language>)
      ─▶ gateway.decide(gmail.draft | whatsapp.draft): policy, consent, opt-outs, one touch a day
           ├─ approval_required (the review-first overlay the caller sets) ─▶ drafted: an approval waits;
           │    approving it writes the draft into the mailbox or channel as a draft, never a send
           └─ refused ............................................................. skipped, with the reason

``decide`` never executes, so this module cannot put anything in a mailbox by itself. The tool call
is keyed by the follow-up (thread ``{tenant}:followup-…``, call ``{lead}:followup:{step}``): asked again
after a crash, the gateway answers with the same pending approval. The thread names no graph, so an
approval is answered through the inbox's direct path (:func:`graphs.inbox.decide_approval`).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

from agents.arabic_form import greeting_name
from agents.brief import LeadBrief, SenderProfile
from prompts.loader import get_prompt
from skills.growth.followups import unanswered_streak
from skills.growth.models import FollowupSuggestion
from skills.growth.repository import GrowthRepository
from skills.targeting.models import Lead
from skills.targeting.outreach import lead_language
from skills.targeting.repository import TargetingRepository, Touch
from tools.gateway import Gateway
from tools.models import ToolCall

DRAFTING_SKILL = "saudi_copywriter"  # the skill allowed gmail.draft and whatsapp.draft
LEASE = timedelta(minutes=15)  # a worker that claimed a follow-up and died: another takes it after this


class FollowupRun(BaseModel):
    """What one pass over a tenant's due follow-ups did."""

    model_config = ConfigDict(frozen=True)

    due: int = Field(default=0, description="Follow-ups due and free to take when the pass began.")
    drafted: int = Field(default=0, description="Became a draft waiting for approval.")
    skipped: dict[str, int] = Field(default_factory=dict, description="Skipped, by reason.")
    taken_elsewhere: int = Field(default=0, description="Claimed by another worker first.")
    approvals: list[str] = Field(default_factory=list, description="The approvals this pass asked for.")


def followup_thread(tenant: str, plan_thread: str) -> str:
    """The thread of a plan's follow-up drafts: a kind no graph has, so approvals resolve directly."""
    return f"{tenant}:followup-{hashlib.sha256(plan_thread.encode()).hexdigest()[:24]}"


def draft_due_followups(tenant: str, *, growth: GrowthRepository, targeting: TargetingRepository,
                        gateway: Gateway, sender: SenderProfile, now: datetime,
                        lease: timedelta = LEASE) -> FollowupRun:
    due = growth.due_followups(tenant, now, lease=lease)
    if not due:
        return FollowupRun()
    leads = {lead.lead_id: lead for lead in targeting.leads_by_id(tenant, [s.lead_id for _, s in due])}
    drafted, taken, skipped, approvals = 0, 0, defaultdict[str, int](int), []
    for plan_thread, suggestion in due:
        lead_id = suggestion.lead_id
        if not growth.claim_followup(tenant, plan_thread, lead_id, now, lease=lease):
            taken += 1
            continue
        reason, approval_id = _draft_one(tenant, plan_thread, suggestion, leads.get(lead_id),
                                         targeting.touches_of(tenant, [lead_id]), gateway, sender)
        if approval_id is not None:
            drafted += 1
            approvals.append(approval_id)
            growth.finish_followup(tenant, plan_thread, lead_id, status="drafted", approval_id=approval_id)
        else:
            skipped[reason] += 1
            growth.finish_followup(tenant, plan_thread, lead_id, status="skipped", reason=reason)
    return FollowupRun(due=len(due), drafted=drafted, skipped=dict(sorted(skipped.items())), taken_elsewhere=taken,
                       approvals=approvals)


def _draft_one(tenant: str, plan_thread: str, suggestion: FollowupSuggestion, lead: Lead | None,
               touches: list[Touch], gateway: Gateway, sender: SenderProfile) -> tuple[str, str | None]:
    """(why it was skipped, or "") and the approval id asked for, if any."""
    if lead is None:
        return "lead_gone", None
    if touches and unanswered_streak(touches) == 0:
        return "replied", None
    language = lead_language(lead)
    if suggestion.channel == "email":
        address = lead.email or ""
        action = "gmail.draft"
    else:
        address = lead.phone.e164 if lead.phone else ""
        action = "whatsapp.draft"
    if not address:
        return "no_address", None
    brief = LeadBrief(lead_id=lead.lead_id, channel=suggestion.channel, language=language,
                      company_name=lead.company_name, contact_name=lead.contact_name or "", title=lead.title or "",
                      contact_points=(address,))
    template = get_prompt(f"followup.{suggestion.channel}.{language}")
    variables = {"greeting_name": greeting_name(brief),
                 "sender_signature": sender.signature_ar if language == "ar" else sender.signature_en}
    args: dict[str, str] = {"to": address, "body": template.render(**variables)}
    if suggestion.channel == "email":
        args["subject"] = template.render_subject(**variables) or ""
    result = gateway.decide(ToolCall(tenant=tenant, skill=DRAFTING_SKILL, action=action, args=args,
                                     thread_id=followup_thread(tenant, plan_thread),
                                     tool_call_id=f"{lead.lead_id}:followup:{suggestion.step}",
                                     contact_id=lead.lead_id))
    if result.approval is not None:
        return "", result.approval.approval_id
    return result.decision.reason_code or result.decision.mode, None


__all__ = ["LEASE", "FollowupRun", "draft_due_followups", "followup_thread"]
