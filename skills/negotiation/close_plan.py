"""The close plan for one objection: steps with owners and Riyadh business-day dates, and the deal risks.

The steps are the objection's own (``playbook.yaml`` ``replies.<class>.steps``) followed by the common
tail (review the pilot's results, price the full scope on them, the client's decision). Each step's
offset counts business days from the previous step, so no step ever falls on a Friday, a Saturday
or a configured holiday. The step marked ``meeting`` is the one the reply proposes.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date, datetime

from skills.negotiation.catalog import load_playbook
from skills.negotiation.dates import add_business_days, long_date_ar, plan_start
from skills.negotiation.models import ClosePlan, CloseStep, ObjectionClass, Risk
from tools.saudi_time import BusinessHours

SituationalRisk = str  # a key of playbook.yaml ``situational_risks``


def step_dates(label: ObjectionClass, start: date, hours: BusinessHours, holidays: Collection[date] = ()
               ) -> list[date]:
    playbook = load_playbook()
    due, dates = start, []
    for template in (*playbook.replies[label].steps, *playbook.common_steps):
        due = add_business_days(due, template.offset, hours, holidays)
        dates.append(due)
    return dates


def meeting_date(label: ObjectionClass, now: datetime, hours: BusinessHours | None = None,
                 holidays: Collection[date] = ()) -> date:
    """The date of the step the reply proposes (a business day after the plan's start)."""
    hours = hours or BusinessHours()
    steps = load_playbook().replies[label].steps
    position = next(i for i, step in enumerate(steps) if step.meeting)
    return step_dates(label, plan_start(now, hours, holidays), hours, holidays)[position]


def build_close_plan(label: ObjectionClass, *, now: datetime, hours: BusinessHours | None = None,
                     holidays: Collection[date] = (), situational: Iterable[SituationalRisk] = ()) -> ClosePlan:
    hours = hours or BusinessHours()
    playbook = load_playbook()
    start = plan_start(now, hours, holidays)
    templates = (*playbook.replies[label].steps, *playbook.common_steps)
    steps = tuple(
        CloseStep(order=i, action_ar=t.ar, action_en=t.en, owner=t.owner, owner_ar=playbook.owners[t.owner].ar,
                  due=due, due_ar=long_date_ar(due))
        for i, (t, due) in enumerate(zip(templates, step_dates(label, start, hours, holidays), strict=True), start=1)
    )
    risks = [Risk(code=r.code, risk_ar=r.ar, mitigation_ar=r.mitigation) for r in playbook.replies[label].risks]
    for code in dict.fromkeys(situational):
        extra = playbook.situational_risks[code]
        risks.append(Risk(code=code, risk_ar=extra.ar, mitigation_ar=extra.mitigation))
    return ClosePlan(objection=label, timezone=hours.timezone, starts=start, steps=steps, risks=tuple(risks))
