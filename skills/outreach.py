"""The one choice of whom to write to today, shared by every path that drafts to leads.

    Targeting OS (imported leads, merges, contactability, signals, rank)
      ─▶ today's selection: safe prospects only, company caps, best first
      ─▶ a plan step per pick (channel rules in growth.yaml): a draft channel, or a person's step
      ─▶ OutreachTarget per draftable pick

The autopilot, the daily plan and the operator chat all call :func:`choose_targets` over the
tenant's one lead base (an imported file is merged into it first), so the same leads give the same
picks whichever path a person starts from.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from skills.growth.catalog import GrowthCatalog, load_growth_catalog
from skills.growth.models import PlanStep
from skills.growth.plan import outreach_target_of, plan_step
from skills.targeting.models import Target
from skills.targeting.outreach import OutreachTarget
from skills.targeting.service import TargetingService


class OutreachChoice(BaseModel):
    """Today's picks from the Targeting OS, and which of them get a draft."""

    model_config = ConfigDict(frozen=True)

    ranked: int = Field(description="Leads ranked (after merges).")
    pool: list[Target] = Field(description="The safe prospects, best first.")
    steps: list[PlanStep] = Field(description="The picks, best first, each with today's step.")
    targets: list[OutreachTarget] = Field(description="The picks that get a draft, best first.")


def choose_targets(targeting: TargetingService, *, top: int | None = None,
                   catalog: GrowthCatalog | None = None) -> OutreachChoice:
    """Rank, select and plan: ``top`` picks (the policy's number when None), best first."""
    catalog = catalog or load_growth_catalog()
    leads = {lead.lead_id: lead for lead in targeting.repository.leads(targeting.tenant, active_only=False)}
    ranked = targeting.targets(leads=list(leads.values()))
    selection = targeting.daily(ranked=ranked, top=top)
    steps = [plan_step(pick, catalog) for pick in selection.top]
    targets = [outreach_target_of(step, pick.target, leads[step.lead_id])
               for step, pick in zip(steps, selection.top, strict=True) if step.draft_channel is not None]
    return OutreachChoice(ranked=len(ranked), pool=selection.pool, steps=steps, targets=targets)


__all__ = ["OutreachChoice", "choose_targets"]
