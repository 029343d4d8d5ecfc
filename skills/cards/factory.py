"""The card factory: graph and gateway events in, valid decision cards out.

    pending ApprovalRequest ............ approval card (approve / edit / reject)
    blocked decision or refused run .... risk card (the policy's Arabic reason)
    ranked Target ...................... opportunity card
    other domains ...................... negotiation, partner, deal_followup, support,
                                         customer_success, proof, daily_decision (``domain_card``)

Card ids are stable: a digest of the tenant, the type and the source (approval id, audit event id,
lead id, the domain's own reference). The same event always becomes the same card, so the store
can upsert it and a decision can find it. Every sentence comes from ``data/cards.yaml``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from skills.cards.arabic import fit
from skills.cards.models import (
    TEXT_MAX,
    TITLE_MAX,
    Card,
    CardContext,
    CardFact,
    CardSource,
    CardStatus,
    CardType,
    RiskLevel,
    SourceKind,
)
from skills.cards.texts import CardTexts, load_texts
from skills.targeting.models import Target
from tools.errors import NotFound
from tools.models import ApprovalRequest, AuditEvent, Mode, PolicyDecision, Role, RWUType, ToolCall
from tools.policy import Policy
from tools.saudi_time import Clock, system_clock

PREVIEW_MAX = 700
APPROVAL_CARD_STATUS = {"pending": CardStatus.open, "approved": CardStatus.approved, "consumed": CardStatus.approved,
                    "rejected": CardStatus.rejected, "superseded": CardStatus.edited, "expired": CardStatus.expired}
BLOCKED_EVENT_KINDS = frozenset({"decision", "execution_refused"})


def card_id_for(tenant: str, card_type: CardType, kind: SourceKind, ref: str) -> str:
    return "card_" + hashlib.sha256(f"{tenant}|{card_type.value}|{kind}|{ref}".encode()).hexdigest()[:24]


def is_blocked_event(event: AuditEvent) -> bool:
    """A gateway audit event that records a refused attempt."""
    if event.kind == "execution_refused":
        return True
    return event.kind == "decision" and event.payload.get("mode") == Mode.blocked.value


def blocked_reason_ar(policy: Policy, action: str | None, reason_code: str | None, fallback: str) -> str:
    """The policy's own Arabic reason for a refusal, found from the action and the rule's code."""
    if action:
        pattern = policy.blocked_pattern(action)
        if pattern is not None and pattern.reason_code == reason_code:
            return pattern.reason_ar
        rule = policy.actions.get(action)
        if rule is not None:
            if rule.mode == "blocked" and (rule.reason_code or "blocked_by_policy") == reason_code:
                return rule.reason_ar
            if reason_code == "consent_missing" and rule.without_consent is not None:
                return rule.without_consent.reason_ar
    code = "no_opt_in" if reason_code == "recipient_not_opted_in" else reason_code
    if code and code in policy.rules:
        return policy.message(code).reason_ar
    return fallback


class CardFactory:
    """Builds the cards of one tenant. Pure apart from the clock: it reads nothing and writes nothing."""

    def __init__(self, tenant: str, *, policy: Policy, clock: Clock = system_clock,
                 texts: CardTexts | None = None) -> None:
        if not tenant:
            raise ValueError("a card factory needs a tenant")
        self.tenant = tenant
        self.policy = policy
        self.texts = texts or load_texts()
        self._clock = clock

    # ------------------------------------------------------------------ gateway events
    def from_approval(self, approval: ApprovalRequest, *, company_name: str | None = None) -> Card:
        """A pending (or decided) gateway approval as an approval card."""
        self._same_tenant(approval.tenant)
        action = approval.action_request.action
        rule = self.policy.rule(action)
        label = rule.label_ar or self.texts.render("unknown_action_label")
        spec = self.texts.type_spec(CardType.approval)
        args = approval.action_request.args
        external = rule.external or not self.policy.is_known(action)
        now = self._clock()
        urgency = spec.urgency
        if approval.expires_at - now <= timedelta(hours=6):
            urgency = min(100, urgency + 20)
        elif approval.expires_at - now <= timedelta(hours=24):
            urgency = min(100, urgency + 10)
        risk: RiskLevel = "high" if external and rule.live_flag else "medium" if external else "low"
        preview = self.texts.render("approval_preview", to=None, subject=_text(args.get("subject")),
                                    body=_text(args.get("body") or args.get("text") or ""))
        return _card(
            card_id=card_id_for(self.tenant, CardType.approval, "approval", approval.approval_id),
            role=spec.role if spec.role in approval.approver_roles else approval.approver_roles[0],
            type=CardType.approval,
            title_ar=self.texts.render("approval_title", action_label=label, company=company_name),
            why_now_ar=self.texts.render("approval_why_now", reason_ar=rule.reason_ar,
                                         expires=self.texts.when(approval.expires_at)),
            context=CardContext(
                source=CardSource(kind="approval", ref=approval.approval_id),
                approval_id=approval.approval_id, thread_id=approval.thread_id, skill=approval.skill, action=action,
                action_label_ar=label, external=external, approver_roles=approval.approver_roles,
                contact_id=approval.contact_id, lead_id=approval.contact_id, company_name=company_name,
                preview_ar=fit(preview, PREVIEW_MAX) or None, due_at=approval.expires_at,
                facts=(CardFact(label_ar=self.texts.render("fact_expires"),
                                value=self.texts.when(approval.expires_at)),),
            ),
            recommended_action_ar=self.texts.render("approval_action", action_label=label),
            risk_level=risk,
            buttons=self.texts.buttons(spec.buttons),
            action_mode=Mode.approval_required,
            proof_impact=spec.proof_impact,
            status=APPROVAL_CARD_STATUS[approval.status],
            urgency=urgency,
            impact=spec.impact,
            dedupe_key=f"approval:{approval.args_digest}",
            created_at=approval.requested_at,
        )

    def from_blocked_event(self, event: AuditEvent, *, recorded: RWUType | None = None) -> Card | None:
        """A refused attempt (a blocked decision, or a refusal at execution) as a risk card.

        ``recorded`` is the revenue work unit the gateway already wrote for this event, if any:
        the card then proves that unit instead of writing another one.
        """
        self._same_tenant(event.tenant)
        if not is_blocked_event(event):
            return None
        payload = event.payload
        reason_code = _text(payload.get("reason_code")) or None
        contact_id = _text(payload.get("contact_id")) or None
        return self._risk_card(
            source=CardSource(kind="gateway_event", ref=event.event_id, proof_recorded=recorded is not None),
            action=event.action, reason_code=reason_code, skill=_text(payload.get("skill")) or event.actor,
            contact_id=contact_id, thread_id=_text(payload.get("thread_id")) or None, at=event.ts,
            audit_event=event.event_id, proof=recorded or RWUType.risk_blocked,
        )

    def from_decision(self, decision: PolicyDecision, call: ToolCall) -> Card | None:
        """A blocked :class:`PolicyDecision` (as a skill just received it) as a risk card."""
        self._same_tenant(call.tenant)
        if decision.mode != Mode.blocked:
            return None
        return self._risk_card(
            source=CardSource(kind="gateway_event", ref=decision.audit_event,
                              proof_recorded=decision.proof_impact is not None),
            action=decision.action, reason_code=decision.reason_code, skill=call.skill,
            contact_id=call.contact_id, thread_id=call.thread_id, at=self._clock(),
            audit_event=decision.audit_event, proof=decision.proof_impact or RWUType.risk_blocked,
            reason_ar=decision.reason_ar,
        )

    def _risk_card(self, *, source: CardSource, action: str | None, reason_code: str | None, skill: str,
                   contact_id: str | None, thread_id: str | None, at: datetime, audit_event: str,
                   proof: RWUType, reason_ar: str | None = None) -> Card:
        spec = self.texts.type_spec(CardType.risk)
        rule = self.policy.actions.get(action or "")
        label = (rule.label_ar if rule and rule.label_ar else None) or action or self.texts.render(
            "unknown_action_label")
        reason = reason_ar or blocked_reason_ar(self.policy, action, reason_code,
                                                self.texts.render("blocked_fallback"))
        facts = [CardFact(label_ar=self.texts.render("fact_reason_code"), value=reason_code or "-")]
        return _card(
            card_id=card_id_for(self.tenant, CardType.risk, source.kind, source.ref),
            role=spec.role,
            type=CardType.risk,
            title_ar=self.texts.render("risk_title", action_label=label),
            why_now_ar=self.texts.render("risk_why_now", skill=self.texts.data.labels.skill.get(skill, skill),
                                               when=self.texts.when(at)),
            context=CardContext(
                source=source, thread_id=thread_id, skill=skill, action=action, action_label_ar=label,
                external=bool(rule and rule.external), reason_code=reason_code, blocked_reason_ar=reason,
                audit_event=audit_event, contact_id=contact_id, lead_id=contact_id, facts=tuple(facts),
            ),
            recommended_action_ar=self.texts.render("risk_action"),
            risk_level=self.texts.data.blocked_risk.get(reason_code or "", spec.risk),
            buttons=self.texts.buttons(spec.buttons),
            action_mode=Mode.blocked,
            proof_impact=proof,
            urgency=spec.urgency,
            impact=spec.impact,
            dedupe_key=f"risk:{action}:{reason_code}:{contact_id or skill}",
            created_at=at,
        )

    # ------------------------------------------------------------------ targeting
    def from_target(self, target: Target, *, rank: int) -> Card | None:
        """A ranked target as an opportunity card; a target no channel may reach gets none."""
        if target.contactability.status == "blocked":
            return None
        from skills.targeting.catalog import load_catalog
        from skills.targeting.cities import city

        catalog = load_catalog()
        spec = self.texts.type_spec(CardType.opportunity)
        city_ar = city(target.city_id).name_ar if target.city_id else None
        signals = _signals_ar(target)
        if signals:
            why_now = self.texts.render("opportunity_why_now_signals", signals=signals)
        else:
            why_now = self.texts.render("opportunity_why_now_score", rank=rank, score=f"{target.score.total:.0f}",
                                        reason=target.score.reasons_ar[0] if target.score.reasons_ar else None)
        channel = target.channel.channel
        channel_ar = self.texts.data.labels.channel.get(channel, channel) if channel else None
        if channel:
            action = self.texts.render(f"opportunity_action_{channel}", contact=target.contact_name,
                                       title=target.title)
        else:
            action = self.texts.render("opportunity_action_no_channel")
        facts = (
            CardFact(label_ar=self.texts.render("fact_score"), value=f"{target.score.total:.1f}"),
            CardFact(label_ar=self.texts.render("fact_channel"), value=channel_ar or "-"),
            CardFact(label_ar=self.texts.render("fact_contactability"),
                     value=catalog.name_ar("status", target.contactability.status)),
        )
        return _card(
            card_id=card_id_for(self.tenant, CardType.opportunity, "target", target.lead_id),
            role=spec.role,
            type=CardType.opportunity,
            title_ar=self.texts.render("opportunity_title", company=target.company_name, city=city_ar),
            why_now_ar=why_now,
            context=CardContext(
                source=CardSource(kind="target", ref=target.lead_id), lead_id=target.lead_id,
                contact_id=target.lead_id, company_name=target.company_name, facts=facts,
            ),
            recommended_action_ar=action,
            risk_level=target.risk.level,
            buttons=self.texts.buttons(spec.buttons),
            action_mode=Mode.suggest_only,
            proof_impact=spec.proof_impact,
            urgency=_clamp(target.score.why_now),
            impact=_clamp(target.score.total),
            dedupe_key=f"opportunity:{target.lead_id}",
            created_at=self._clock(),
        )

    def from_targets(self, targets: Sequence[Target]) -> list[Card]:
        cards = (self.from_target(t, rank=i) for i, t in enumerate(targets, start=1))
        return [c for c in cards if c is not None]

    # ------------------------------------------------------------------ other domains
    def domain_card(
        self,
        card_type: CardType,
        *,
        ref: str,
        title_ar: str,
        why_now_ar: str,
        recommended_action_ar: str,
        role: Role | None = None,
        risk_level: RiskLevel | None = None,
        approval: ApprovalRequest | None = None,
        blocked_reason_ar: str | None = None,
        action: str | None = None,
        buttons: Sequence[str] | None = None,
        proof_impact: RWUType | None = None,
        proof_recorded: bool = False,
        urgency: int | None = None,
        impact: int | None = None,
        dedupe_key: str | None = None,
        company_name: str | None = None,
        lead_id: str | None = None,
        contact_id: str | None = None,
        thread_id: str | None = None,
        skill: str | None = None,
        preview_ar: str | None = None,
        value_sar: float | None = None,
        due_at: datetime | None = None,
        facts: Mapping[str, str] | None = None,
    ) -> Card:
        """A card for another domain's event; the domain brings its Arabic text, the factory the rules.

        With ``approval`` the card answers that gateway approval (approve / edit / reject) and is
        approval-first; with ``blocked_reason_ar`` it reports a refusal; otherwise it suggests.
        """
        spec = self.texts.type_spec(card_type)
        fact_items = tuple(CardFact(label_ar=k, value=v) for k, v in list((facts or {}).items())[:7])
        if value_sar is not None:
            amount = f"{value_sar:,.0f}"
            fact_items += (CardFact(label_ar=self.texts.render("fact_value"),
                                    value=self.texts.render("value_sar", amount=amount)),)
        mode = Mode.suggest_only
        button_ids = tuple(buttons or spec.buttons)
        approver_roles: tuple[Role, ...] = ()
        approval_id = None
        if approval is not None:
            self._same_tenant(approval.tenant)
            action, approval_id = approval.action_request.action, approval.approval_id
            approver_roles, thread_id = approval.approver_roles, approval.thread_id
            contact_id = contact_id or approval.contact_id
            mode, button_ids = Mode.approval_required, tuple(buttons or ("approve", "edit", "reject"))
            due_at = due_at or approval.expires_at
        elif blocked_reason_ar is not None:
            mode, button_ids = Mode.blocked, tuple(buttons or ("acknowledge", "dismiss"))
        elif action is not None:
            rule_mode = Mode(self.policy.rule(action).mode)
            mode = rule_mode if rule_mode in (Mode.suggest_only, Mode.draft_only) else Mode.approval_required
        rule = self.policy.rule(action) if action else None
        kind: SourceKind = "approval" if approval is not None and card_type == CardType.approval else "domain"
        source_ref = approval.approval_id if kind == "approval" and approval is not None else ref
        return _card(
            card_id=card_id_for(self.tenant, card_type, kind, source_ref),
            role=role or (spec.role if not approver_roles or spec.role in approver_roles else approver_roles[0]),
            type=card_type,
            title_ar=title_ar,
            why_now_ar=why_now_ar,
            context=CardContext(
                source=CardSource(kind=kind, ref=source_ref, proof_recorded=proof_recorded),
                approval_id=approval_id, thread_id=thread_id, skill=skill, action=action,
                action_label_ar=rule.label_ar if rule else None,
                external=bool(rule and (rule.external or not self.policy.is_known(action or ""))),
                approver_roles=approver_roles, blocked_reason_ar=blocked_reason_ar, lead_id=lead_id,
                contact_id=contact_id, company_name=company_name,
                preview_ar=fit(preview_ar, PREVIEW_MAX) if preview_ar else None, value_sar=value_sar, due_at=due_at,
                facts=fact_items,
            ),
            recommended_action_ar=recommended_action_ar,
            risk_level=risk_level or spec.risk,
            buttons=self.texts.buttons(button_ids),
            action_mode=mode,
            proof_impact=proof_impact or spec.proof_impact,
            urgency=spec.urgency if urgency is None else urgency,
            impact=spec.impact if impact is None else impact,
            dedupe_key=dedupe_key or f"{card_type.value}:{ref}",
            created_at=self._clock(),
        )

    def negotiation(self, **kwargs: Any) -> Card:
        return self.domain_card(CardType.negotiation, **kwargs)

    def partner(self, **kwargs: Any) -> Card:
        return self.domain_card(CardType.partner, **kwargs)

    def deal_followup(self, **kwargs: Any) -> Card:
        return self.domain_card(CardType.deal_followup, **kwargs)

    def support(self, **kwargs: Any) -> Card:
        return self.domain_card(CardType.support, **kwargs)

    def customer_success(self, **kwargs: Any) -> Card:
        return self.domain_card(CardType.customer_success, **kwargs)

    def proof(self, **kwargs: Any) -> Card:
        return self.domain_card(CardType.proof, **kwargs)

    def daily_decision(self, **kwargs: Any) -> Card:
        return self.domain_card(CardType.daily_decision, **kwargs)

    # ------------------------------------------------------------------ helpers
    def _same_tenant(self, tenant: str) -> None:
        if tenant != self.tenant:
            raise NotFound("لا يوجد هذا العنصر لدى منشأتك.", "Not found for this tenant.", code="not_found")


def _card(**fields: Any) -> Card:
    """A Card with its texts fitted to the model's limits (cut at a word, with an ellipsis)."""
    fields["title_ar"] = fit(fields["title_ar"], TITLE_MAX, single_line=True)
    for name in ("why_now_ar", "recommended_action_ar"):
        fields[name] = fit(fields[name], TEXT_MAX)
    return Card(**fields)


def _signals_ar(target: Target) -> str:
    """'name («evidence»)' per signal; signals found in one sentence share it: 'a، b («evidence»)'."""
    by_evidence: dict[str, list[str]] = {}
    for signal in target.signals:
        by_evidence.setdefault(signal.evidence, []).append(signal.name_ar)
    return "؛ ".join(f"{'، '.join(names)} («{evidence}»)" for evidence, names in list(by_evidence.items())[:3])


def _text(value: object) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


def _clamp(value: float) -> int:
    return max(0, min(100, round(value)))
