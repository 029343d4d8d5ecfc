"""The contradiction engine: states that cannot both be right, each with its evidence and a way out.

    opt_out_contact ........ a pending or executed outreach to a contact who opted out on that channel
    policy_blocked_card .... an open card recommending an action the policy blocks
    lead_in_two_threads .... one contact with pending approvals in two or more threads
    won_without_invoice .... a deal marked won with no invoice draft for that company
    partner_is_competitor .. a partner with an agreement or referrals who is flagged a competitor
    forecast_vs_ledger ..... a forecast that differs from the ledger beyond the threshold (data file)
    skill_out_of_scope ..... a skill that tried an action outside its declared list (skill_not_allowed)

Detection is pure (facts in, contradictions out); :class:`ContradictionEngine` collects the facts
and can publish each contradiction as a risk card to the ceo's feed.
"""

from __future__ import annotations

import unicodedata
from collections import Counter, defaultdict

from skills.cards.factory import CardFactory
from skills.cards.models import Card, CardType
from skills.cards.service import CardService
from skills.governance.catalog import GovernanceFile, load_governance
from skills.governance.facts import Snapshot, collect
from skills.governance.models import Contradiction, ContradictionKind, ContradictionReport
from tools.gateway import Gateway
from tools.policy import Policy
from tools.saudi_time import Clock, system_clock
from tools.settings import Settings


def detect(snap: Snapshot, *, policy: Policy, config: GovernanceFile | None = None) -> list[Contradiction]:
    config = config or load_governance()
    found: list[Contradiction] = []

    def add(kind: ContradictionKind, ref: str, evidence: dict[str, str], **fmt: object) -> None:
        text, cell = config.texts.contradiction[kind], config.risk_matrix[kind]
        found.append(Contradiction(
            kind=kind, ref=f"{kind}:{ref}", risk_level=cell.risk, likelihood=cell.likelihood, impact=cell.impact,
            title_ar=text.title, evidence_ar=text.why.format(**fmt), resolution_ar=text.resolution,
            evidence=evidence))

    opted = {(o.contact_id, o.channel): o for o in snap.opt_outs}
    for act in snap.contact_actions:
        out = opted.get((act.contact_id, act.channel)) or opted.get((act.contact_id, "all"))
        if out is None or (act.state == "executed" and out.at is not None and act.at < out.at):
            continue  # sent before the opt-out: history, not a contradiction
        add("opt_out_contact", act.ref,
            {"contact_id": act.contact_id, "channel": act.channel, "action": act.action, "state": act.state,
             "ref": act.ref, "opted_out_at": out.at.isoformat() if out.at else ""},
            contact=act.contact_id, channel=act.channel, state=config.texts.state[act.state],
            action=act.action)

    for card in snap.cards:
        if card.action is None or card.action_mode == "blocked":
            continue
        reason = blocked_reason(policy, card.action)
        if reason is not None:
            add("policy_blocked_card", card.card_id,
                {"card_id": card.card_id, "action": card.action, "card_mode": card.action_mode},
                card_title=card.title_ar, action=card.action, reason=reason)

    by_contact: dict[str, dict[str, str]] = defaultdict(dict)
    for rec in snap.threads:
        by_contact[rec.contact_id].setdefault(rec.thread_id, rec.approval_id)
    for contact, threads in sorted(by_contact.items()):
        if len(threads) > 1:
            names = sorted(threads)
            add("lead_in_two_threads", contact,
                {"contact_id": contact, "threads": ", ".join(names),
                 "approvals": ", ".join(threads[t] for t in names)},
                contact=contact, count=len(names), threads="، ".join(names))

    invoiced = {_key(i.buyer_name) for i in snap.invoices}
    for deal in snap.won_deals:
        if _key(deal.company_name) not in invoiced:
            add("won_without_invoice", deal.ref, {"deal": deal.ref, "company_name": deal.company_name},
                deal=deal.ref, company=deal.company_name, amount="—")

    for partner in snap.partners:
        if partner.engaged and partner.competitor_reason_ar:
            add("partner_is_competitor", partner.partner_id,
                {"partner_id": partner.partner_id, "name": partner.name},
                partner=partner.name, reason=partner.competitor_reason_ar)

    limits = config.contradictions
    for fc in snap.forecasts:
        gap = abs(fc.forecast_sar - fc.actual_sar)
        larger = max(abs(fc.forecast_sar), abs(fc.actual_sar))
        if larger > 0 and gap >= limits.forecast_min_gap_sar and gap / larger > limits.forecast_gap_ratio:
            add("forecast_vs_ledger", fc.period,
                {"period": fc.period, "forecast_sar": f"{fc.forecast_sar:.2f}", "actual_sar": f"{fc.actual_sar:.2f}"},
                period=fc.label or fc.period, forecast=f"{fc.forecast_sar:,.0f}", actual=f"{fc.actual_sar:,.0f}",
                gap=f"{gap:,.0f}")

    for attempt in snap.out_of_scope:
        add("skill_out_of_scope", f"{attempt.skill}:{attempt.action}",
            {"skill": attempt.skill, "action": attempt.action, "count": str(attempt.count),
             "first_event": attempt.first_event},
            skill=attempt.skill, action=attempt.action, count=attempt.count)
    return found


def blocked_reason(policy: Policy, action: str) -> str | None:
    """The policy's Arabic reason when it blocks ``action`` outright, else None."""
    pattern = policy.blocked_pattern(action)
    if pattern is not None:
        return pattern.reason_ar
    rule = policy.actions.get(action)
    return rule.reason_ar if rule is not None and rule.mode == "blocked" else None


def _key(name: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


class ContradictionEngine:
    def __init__(self, tenant: str, *, gateway: Gateway, settings: Settings, clock: Clock = system_clock,
                 config: GovernanceFile | None = None) -> None:
        self.tenant, self.gateway, self.settings, self.clock = tenant, gateway, settings, clock
        self.config = config or load_governance()

    def find(self, snapshot: Snapshot | None = None) -> list[Contradiction]:
        snap = snapshot if snapshot is not None else collect(self.tenant, gateway=self.gateway, settings=self.settings,
                                                             clock=self.clock)
        return detect(snap, policy=self.gateway.policy, config=self.config)

    def report(self, *, publish: bool = False, snapshot: Snapshot | None = None) -> ContradictionReport:
        found = self.find(snapshot)
        published = 0
        if publish and found:
            report = CardService(self.tenant, gateway=self.gateway, clock=self.clock).publish(
                self.card(c) for c in found)
            published = report.new
        counts = Counter(c.kind for c in found)
        return ContradictionReport(generated_at=self.clock(), contradictions=found,
                                   by_kind=dict(sorted(counts.items())), cards_published=published)

    def card(self, item: Contradiction) -> Card:
        factory = CardFactory(self.tenant, policy=self.gateway.policy, clock=self.clock)
        return factory.domain_card(
            CardType.risk, ref=item.ref, risk_level=item.risk_level, title_ar=item.title_ar,
            why_now_ar=item.evidence_ar, recommended_action_ar=item.resolution_ar,
            impact=item.impact * 20, urgency=item.likelihood * 20, dedupe_key=f"contradiction:{item.ref}",
            facts={k: v for k, v in list(item.evidence.items())[:6] if v},
        )
