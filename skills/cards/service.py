"""The card desk of one tenant: turn the current state into stored cards, and serve a role's feed.

    gateway: pending approvals ........ approval cards (and closes those decided elsewhere)
    gateway: audit log, new events .... risk cards for blocked attempts (a cursor remembers how far)
    targeting: today's selection ...... opportunity cards
    other domains ..................... ``publish(factory.negotiation(...))``

Publishing a new card is itself a governed, audited action: ``card.publish`` through the gateway,
as the ux_card_designer skill. A card the policy refuses to publish is not stored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from pydantic import BaseModel, ConfigDict, Field

from skills.cards.factory import CardFactory, is_blocked_event
from skills.cards.feed import Feed, build_feed
from skills.cards.models import Card, CardStatus, CardType
from skills.cards.store import CardStore
from skills.cards.texts import CardTexts, load_texts
from skills.targeting.models import Target
from tools.errors import NotFound
from tools.gateway import Gateway
from tools.models import ApprovalRequest, AuditEvent, Mode, Role, RWUType, ToolCall
from tools.saudi_time import Clock, system_clock

PUBLISH_SKILL = "ux_card_designer"
PUBLISH_ACTION = "card.publish"
_AUDIT_CURSOR = "audit_seq"
_NOT_RISK_CARDS = frozenset({PUBLISH_ACTION})  # a refused publication must not publish a card about itself


class PublishReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    new: int = 0
    updated: int = 0
    refused: int = Field(default=0, description="New cards the policy refused to publish (not stored).")

    def __add__(self, other: PublishReport) -> PublishReport:
        return PublishReport(new=self.new + other.new, updated=self.updated + other.updated,
                             refused=self.refused + other.refused)


class CardService:
    def __init__(self, tenant: str, *, gateway: Gateway, store: CardStore | None = None,
                 factory: CardFactory | None = None, texts: CardTexts | None = None, clock: Clock = system_clock,
                 company_of: Callable[[ApprovalRequest], str | None] | None = None) -> None:
        self.tenant = tenant
        self.gateway = gateway
        self.texts = texts or load_texts()
        self.store = store or CardStore(gateway.store)
        self.factory = factory or CardFactory(tenant, policy=gateway.policy, clock=clock, texts=self.texts)
        self.clock = clock
        self._company_of = company_of or (lambda _approval: None)

    # ------------------------------------------------------------------ publishing
    def publish(self, cards: Iterable[Card]) -> PublishReport:
        """Store new cards (each publication decided and audited by the gateway) and refresh open ones."""
        cards = list(cards)
        known = {c.card_id for c in self.store.cards(self.tenant, status=None)} if cards else set()
        allowed: list[Card] = []
        refused = 0
        for card in cards:
            if card.card_id not in known and not self._may_publish(card):
                refused += 1
                continue
            known.add(card.card_id)
            allowed.append(card)
        new, updated = self.store.upsert(self.tenant, allowed, now=self.clock())
        return PublishReport(new=len(new), updated=len(updated), refused=refused)

    def _may_publish(self, card: Card) -> bool:
        result = self.gateway.decide(ToolCall(
            tenant=self.tenant, skill=PUBLISH_SKILL, action=PUBLISH_ACTION, thread_id="cards",
            tool_call_id=card.card_id,
            args={"card_id": card.card_id, "type": card.type.value, "role": card.role.value,
                  "dedupe_key": card.dedupe_key},
        ))
        return result.decision.mode in (Mode.suggest_only, Mode.draft_only)

    # ------------------------------------------------------------------ syncing from the current state
    def sync_approvals(self) -> PublishReport:
        """Every pending approval as a card; open approval cards whose approval was decided elsewhere close."""
        pending = self.gateway.pending_approvals(self.tenant)
        cards = [self.factory.from_approval(a, company_name=self._company_of(a)) for a in pending]
        pending_ids = {a.approval_id for a in pending}
        for card in self.store.cards(self.tenant):
            approval_id = card.context.approval_id
            if card.type != CardType.approval or approval_id is None or approval_id in pending_ids:
                continue
            try:
                approval = self.gateway.get_approval(approval_id, self.tenant)
            except NotFound:
                continue
            cards.append(self.factory.from_approval(approval, company_name=card.context.company_name))
        return self.publish(cards)

    def sync_blocked(self, *, batch: int = 500) -> PublishReport:
        """Risk cards for the blocked attempts recorded since the last sync."""
        after = self.store.cursor(self.tenant, _AUDIT_CURSOR)
        report = PublishReport()
        while True:
            events = self.gateway.audit.events(tenant=self.tenant, after_seq=after, limit=batch)
            if not events:
                break
            report += self.publish(self._risk_cards(events))
            after = events[-1].seq
            self.store.set_cursor(self.tenant, _AUDIT_CURSOR, after)
            if len(events) < batch:
                break
        return report

    def _risk_cards(self, events: Sequence[AuditEvent]) -> list[Card]:
        blocked = [e for e in events if is_blocked_event(e) and e.action not in _NOT_RISK_CARDS]
        recorded = self._recorded_units([e.event_id for e in blocked])
        cards = (self.factory.from_blocked_event(e, recorded=recorded.get(e.event_id)) for e in blocked)
        return [c for c in cards if c is not None]

    def _recorded_units(self, event_ids: list[str]) -> dict[str, RWUType]:
        if not event_ids:
            return {}
        marks = ",".join("?" for _ in event_ids)
        with self.gateway.store.read() as conn:
            rows = conn.execute(f"SELECT audit_event, type FROM revenue_work_units WHERE tenant = ?"  # noqa: S608
                                f" AND audit_event IN ({marks})", (self.tenant, *event_ids)).fetchall()
        return {r["audit_event"]: RWUType(r["type"]) for r in rows}

    def sync_targets(self, targets: Sequence[Target]) -> PublishReport:
        """Opportunity cards for ranked targets (best first); unreachable targets get none."""
        return self.publish(self.factory.from_targets(targets))

    def sync(self, *, targets: Sequence[Target] | None = None) -> PublishReport:
        report = self.sync_approvals() + self.sync_blocked()
        if targets is not None:
            report += self.sync_targets(targets)
        return report

    # ------------------------------------------------------------------ reading
    def feed(self, role: Role, *, limit: int | None = 20, types: Iterable[CardType] | None = None) -> Feed:
        return build_feed(self.store.cards(self.tenant, status=CardStatus.open), role, self.texts,
                          now=self.clock(), limit=limit, types=types)

    def card(self, card_id: str) -> Card:
        return self.store.get(self.tenant, card_id)
