"""Daily selection: from the ranked pool, the safe prospects, then the top of them to act on today.

Only leads whose contactability is ``safe`` and that have a recommended channel enter the pool;
the reputation guard's company cap (counting picks already made today) and a per-company limit
keep one company from filling the day. Order follows the ranking, so the result is deterministic.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field

from skills.targeting.catalog import Catalog, load_catalog
from skills.targeting.models import Target
from skills.targeting.reputation import ReputationGuard


class DailyPick(BaseModel):
    model_config = ConfigDict(frozen=True)

    rank: int = Field(ge=1)
    target: Target
    why_now_ar: list[str] = Field(description="Each signal with its evidence, in Arabic.")


class DailySelection(BaseModel):
    model_config = ConfigDict(frozen=True)

    pool: list[Target] = Field(description="The safe prospects, best first.")
    top: list[DailyPick] = Field(description="The ones to act on today.")
    skipped_company_cap: int = Field(description="Safe prospects left out to protect a company's inbox.")


def daily_selection(
    ranked: Sequence[Target],
    guard: ReputationGuard,
    *,
    pool_size: int | None = None,
    top: int | None = None,
    catalog: Catalog | None = None,
) -> DailySelection:
    catalog = catalog or load_catalog()
    policy = catalog.policy.selection
    pool_size = pool_size or policy.pool_size
    top = top or policy.top
    picked: list[Target] = []
    per_company: Counter[str] = Counter()
    skipped = 0
    for target in ranked:
        if len(picked) >= pool_size:
            break
        if target.contactability.status != "safe" or target.channel.channel is None:
            continue
        if guard.touched_today([target.lead_id, *target.merged_ids]):
            continue  # written to today already (any path): the next best gets today's slot
        company = target.company_id
        if per_company[company] >= policy.max_per_company or guard.company_hold(company, per_company[company]):
            skipped += 1
            continue
        per_company[company] += 1
        picked.append(target)
    picks = [
        DailyPick(rank=i, target=t, why_now_ar=[
            catalog.message("rank", "signal", name_ar=s.name_ar, kind=s.kind, evidence=s.evidence).ar
            for s in t.signals
        ])
        for i, t in enumerate(picked[:top], start=1)
    ]
    return DailySelection(pool=picked, top=picks, skipped_company_cap=skipped)
