"""The dead-letter desk of one tenant: list failed executions, retry them (one, or every due one), discard.

The queue itself lives in the gateway (``tools.deadletter``, ``Gateway.retry_dead_letter``): every
retry runs the same effect key under the approval its first run spent, so it executes at most once,
and every retry and discard is a gateway decision in the audit log. This desk adds what belongs to
the governance layer: the due sweep (actor ``dlq-sweeper``) and one risk card to the ceo's feed for
each letter whose attempts are spent.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from skills.cards.factory import CardFactory
from skills.cards.models import Card, CardType
from skills.cards.service import CardService
from tools.deadletter import (
    LETTER_STATUSES,
    OPEN_STATUSES,
    SWEEPER,
    DeadLetter,
    DeadLetterBook,
    DeadLetterRetry,
    LetterStatus,
    load_dlq_settings,
)
from tools.gateway import Gateway
from tools.models import Caller, Role
from tools.saudi_time import Clock, system_clock


class DeadLetterReport(BaseModel):
    """The tenant's dead letters (newest failure first) and how many are in each status."""

    model_config = ConfigDict(frozen=True)

    generated_at: datetime
    letters: list[DeadLetter]
    by_status: dict[str, int]
    max_attempts: int = Field(description="The configured bound on executions per letter.")
    force_roles: list[Role] = Field(description="Who may retry a letter before it is due.")


class DueSweepReport(BaseModel):
    """What a due sweep did (``dealix dlq retry --due``)."""

    model_config = ConfigDict(frozen=True)

    retried: int
    resolved: int = Field(description="Executed now, or found already executed.")
    failed: int = Field(description="Failed again (back in the queue, or exhausted).")
    exhausted: int
    refused: int = Field(description="Refused by the policy now, in doubt, or held by another worker.")
    cards_published: int
    results: list[DeadLetterRetry]


class DiscardRequest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    reason: str = Field(min_length=1, max_length=500,
                        description="Why it must never run (kept, masked, in the audit log).")


class RetryRequest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    force: bool = Field(default=False, description="Retry before it is due (ceo and service_delivery only).")


class DeadLetterDesk:
    def __init__(self, tenant: str | None, *, gateway: Gateway, clock: Clock = system_clock) -> None:
        """``tenant`` None: every tenant (the operator's due sweep only; the API is always one tenant)."""
        self.tenant, self.gateway, self.clock = tenant, gateway, clock
        self.settings = load_dlq_settings()

    # ------------------------------------------------------------------ reading
    def report(self, statuses: tuple[LetterStatus, ...] | None = None, *, limit: int = 500) -> DeadLetterReport:
        with self.gateway.store.read() as conn:
            letters = DeadLetterBook.letters(conn, tenant=self.tenant, statuses=statuses, limit=limit)
        counts = Counter(letter.status for letter in letters)
        return DeadLetterReport(generated_at=self.clock(), letters=letters, by_status=dict(sorted(counts.items())),
                                max_attempts=self.settings.max_attempts, force_roles=list(self.settings.force_roles))

    def due(self) -> list[DeadLetter]:
        with self.gateway.store.read() as conn:
            return DeadLetterBook.letters(conn, tenant=self.tenant, statuses=("waiting", "retrying"),
                                          due_before=self.clock())

    # ------------------------------------------------------------------ acting
    def retry(self, letter_id: str, caller: Caller, *, force: bool = False) -> DeadLetterRetry:
        result = self.gateway.retry_dead_letter(letter_id, tenant=self._tenant(caller), actor=caller.user_id,
                                                role=caller.role, force=force)
        self.publish_exhausted()
        return result

    def discard(self, letter_id: str, caller: Caller, reason: str) -> DeadLetter:
        return self.gateway.discard_dead_letter(letter_id, tenant=self._tenant(caller), actor=caller.user_id,
                                                reason=reason)

    def retry_due(self, *, progress: Callable[[DeadLetterRetry], None] | None = None) -> DueSweepReport:
        """Retry every letter whose next retry has passed, as ``dlq-sweeper``; never forced."""
        results: list[DeadLetterRetry] = []
        for letter in self.due():
            result = self.gateway.retry_dead_letter(letter.letter_id, tenant=letter.tenant, actor=SWEEPER)
            results.append(result)
            if progress is not None:
                progress(result)
        outcomes = Counter(r.outcome for r in results)
        return DueSweepReport(
            retried=len(results), resolved=outcomes["executed"] + outcomes["already_executed"],
            failed=outcomes["failed"], exhausted=sum(r.letter.status == "exhausted" for r in results),
            refused=outcomes["refused"] + outcomes["in_doubt"] + outcomes["in_progress"],
            cards_published=self.publish_exhausted(), results=results)

    def publish_exhausted(self) -> int:
        """One risk card to the ceo's feed per exhausted letter (keyed by the letter: once)."""
        with self.gateway.store.read() as conn:
            exhausted = DeadLetterBook.letters(conn, tenant=self.tenant, statuses=("exhausted",))
        published = 0
        for tenant in sorted({letter.tenant for letter in exhausted}):
            cards = [self.exhausted_card(letter) for letter in exhausted if letter.tenant == tenant]
            published += CardService(tenant, gateway=self.gateway, clock=self.clock).publish(cards).new
        return published

    def exhausted_card(self, letter: DeadLetter) -> Card:
        texts = self.settings.texts
        factory = CardFactory(letter.tenant, policy=self.gateway.policy, clock=self.clock)
        label = self.gateway.policy.rule(letter.action).label_ar or letter.action
        return factory.domain_card(
            CardType.risk, ref=f"dlq:{letter.letter_id}", role=Role.ceo, risk_level="high",
            title_ar=texts.card_title.format(action_label=label),
            why_now_ar=texts.card_why_now.format(attempts=letter.attempts, error_code=letter.error_code),
            recommended_action_ar=texts.card_recommend, thread_id=letter.thread_id, skill=letter.skill,
            urgency=85, dedupe_key=f"dlq:{letter.letter_id}",
            facts={texts.fact_letter: letter.letter_id,
                   texts.fact_attempts: f"{letter.attempts}/{letter.max_attempts}"})

    def _tenant(self, caller: Caller) -> str:
        if self.tenant is not None and caller.tenant != self.tenant:
            raise ValueError("the caller belongs to another tenant than this desk")
        return caller.tenant


def parse_statuses(raw: list[str] | None) -> tuple[LetterStatus, ...] | None:
    """``--status waiting --status exhausted`` (or ``open``: every status that still needs someone)."""
    if not raw:
        return None
    wanted: list[LetterStatus] = []
    for value in raw:
        if value == "open":
            wanted.extend(OPEN_STATUSES)
            continue
        if value not in LETTER_STATUSES:
            raise ValueError(f"unknown dead-letter status {value!r}")
        wanted.append(value)
    return tuple(dict.fromkeys(wanted))
