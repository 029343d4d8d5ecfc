"""The dead-letter queue: connector executions that failed, with their error, attempts and next retry.

    gateway ── connector raised ──▶ side_effects row ``failed`` + a letter, in ONE transaction
    letter: waiting ──retry (gateway, same effect key)──▶ retrying ──▶ resolved        (ran once)
                                                                 └──▶ waiting          (failed again, backoff)
                                                                 └──▶ exhausted        (max attempts spent)
            waiting/exhausted/in_doubt ──discard (a person, with a reason)──▶ discarded (never runs)
            a failure after something may have left (non-idempotent connector) ──▶ in_doubt

One letter per side-effect ledger row (per effect key): a second failure of the same key updates
it. The letter keeps what a retry needs (the call's skill, action, args, thread and contact, like
an approval does) but its error text is PII-masked, and nothing here logs or prints the args.

Retry safety (the rule ``in_doubt`` keeps honest): an idempotent connector (every outbox one) is
safe to run again under the same ledger id. A non-idempotent one (``whatsapp.send``) writes its
outbox file *before* anything leaves; if it failed and that file does not exist, nothing left the
machine and a retry is safe; if the file exists, the send may have happened, so the letter is
``in_doubt`` and only a person can settle it (discard after reconciling with the outbox).

The table is part of the gateway store's schema (``tools/store.py``). SQL is plain and portable
(``?`` placeholders, ``ON CONFLICT`` rather than ``INSERT OR``), so the PostgreSQL store runs it too.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from tools.canonical import canonical_json, sha256_hex
from tools.models import Role
from tools.store import Conn, Row

LetterStatus = Literal["waiting", "retrying", "exhausted", "resolved", "discarded", "in_doubt"]
LETTER_STATUSES: tuple[LetterStatus, ...] = ("waiting", "retrying", "exhausted", "resolved", "discarded", "in_doubt")
OPEN_STATUSES: tuple[LetterStatus, ...] = ("waiting", "retrying", "exhausted", "in_doubt")
SWEEPER = "dlq-sweeper"
DLQ_SKILL = "data_governance_reviewer"  # the governance desk's skill; retries and discards are its decisions
RETRY_ACTION = "dlq.retry"
DISCARD_ACTION = "dlq.discard"



# ---------------------------------------------------------------------------------------- settings
class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Backoff(_Frozen):
    base_seconds: float = Field(gt=0)
    factor: float = Field(ge=1)
    cap_seconds: float = Field(gt=0)
    jitter_ratio: float = Field(ge=0, lt=1)


class Message(_Frozen):
    reason_ar: str = Field(min_length=1)
    reason_en: str = Field(min_length=1)


class DlqTexts(_Frozen):
    card_title: str
    card_why_now: str
    card_recommend: str
    fact_letter: str
    fact_attempts: str
    status: dict[LetterStatus, str]
    cli_summary: str
    cli_row: str
    cli_retried: str
    cli_due: str
    cli_discarded: str
    none: str


MessageCode = Literal["not_due", "force_not_allowed", "discarded", "exhausted", "in_doubt", "resolved",
                      "not_found", "reason_required", "retrying"]


class DlqSettings(_Frozen):
    version: str
    backoff: Backoff
    max_attempts: int = Field(ge=1, le=50)
    force_roles: tuple[Role, ...]
    messages: dict[MessageCode, Message]
    texts: DlqTexts

    def delay(self, letter_id: str, attempt: int) -> timedelta:
        """How long to wait after the ``attempt``-th failure: exponential, capped, deterministic jitter."""
        b = self.backoff
        raw = min(b.cap_seconds, b.base_seconds * b.factor ** max(0, attempt - 1))
        # A fraction in [0, 1) from the letter id and the attempt: the same letter always waits the same.
        unit = int(sha256_hex(f"{letter_id}:{attempt}")[:8], 16) / 0x1_0000_0000
        jittered = raw * (1 + b.jitter_ratio * (2 * unit - 1))
        return timedelta(seconds=min(b.cap_seconds, jittered))


@lru_cache(maxsize=1)
def load_dlq_settings() -> DlqSettings:
    raw = resources.files("tools").joinpath("data/deadletter.yaml").read_bytes()
    return DlqSettings.model_validate(yaml.safe_load(raw))


# ---------------------------------------------------------------------------------------- the letter
class DeadLetter(BaseModel):
    """One failed execution as the queue shows it: never the args, only ids, codes and masked text."""

    model_config = ConfigDict(frozen=True)

    letter_id: str
    tenant: str
    action: str
    skill: str
    ledger_id: str = Field(description="The side-effect ledger row (one per effect key) this letter retries.")
    effect_key: str
    approval_id: str | None = Field(default=None, description="The approval the first run consumed, if any.")
    thread_id: str
    contact_id: str | None = None
    error_code: str
    error_message: str = Field(description="The last error, PII-masked.")
    attempts: int = Field(description="Executions that failed so far.")
    max_attempts: int
    retry_safe: bool = Field(description="False when something may have left before the failure (in doubt).")
    status: LetterStatus
    first_failed_at: datetime
    last_failed_at: datetime
    next_retry_at: datetime | None = Field(default=None, description="When the sweeper retries it next.")
    resolved_at: datetime | None = None
    discarded_at: datetime | None = None
    discarded_by: str | None = None
    discard_reason: str | None = None


RetryOutcome = Literal["executed", "already_executed", "in_progress", "in_doubt", "failed", "refused"]


class DeadLetterRetry(BaseModel):
    """What one retry did, and the letter after it."""

    model_config = ConfigDict(frozen=True)

    letter: DeadLetter
    outcome: RetryOutcome = Field(description="executed once now; already_executed (resolved before); in_progress "
                                              "(another worker holds it); in_doubt; failed (again); refused.")
    message_ar: str
    reason_code: str | None = Field(default=None, description="Why it was refused or failed (stable code).")
    ledger_id: str | None = None
    outbox_path: str | None = None


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def row_to_letter(row: Row) -> DeadLetter:
    first, last = _dt(row["first_failed_at"]), _dt(row["last_failed_at"])
    assert first is not None and last is not None
    return DeadLetter(
        letter_id=row["letter_id"], tenant=row["tenant"], action=row["action"], skill=row["skill"],
        ledger_id=row["ledger_id"], effect_key=row["effect_key"], approval_id=row["approval_id"],
        thread_id=row["thread_id"], contact_id=row["contact_id"], error_code=row["error_code"],
        error_message=row["error_message"], attempts=int(row["attempts"]), max_attempts=int(row["max_attempts"]),
        retry_safe=bool(row["retry_safe"]), status=row["status"], first_failed_at=first, last_failed_at=last,
        next_retry_at=_dt(row["next_retry_at"]), resolved_at=_dt(row["resolved_at"]),
        discarded_at=_dt(row["discarded_at"]), discarded_by=row["discarded_by"],
        discard_reason=row["discard_reason"])


def letter_args(row: Row) -> dict[str, Any]:
    """The stored call's arguments, for the retry only (never to print or log)."""
    loaded: dict[str, Any] = json.loads(row["args"])
    return loaded


def _iso(moment: datetime) -> str:
    """UTC ISO text: stored times compare as strings (``next_retry_at <= ?``)."""
    return moment.astimezone(UTC).isoformat()


def _new_letter_id() -> str:
    return f"dlq_{uuid.uuid4().hex[:16]}"


# ---------------------------------------------------------------------------------------- the book
class DeadLetterBook:
    """The queue's rows. Every method runs inside the caller's transaction (the gateway's)."""

    def __init__(self, settings: DlqSettings | None = None) -> None:
        self._settings = settings

    @property
    def settings(self) -> DlqSettings:
        return self._settings or load_dlq_settings()

    def record_failure(self, conn: Conn, *, tenant: str, ledger_id: str, effect_key: str, digest: str,
                       action: str, skill: str, args: dict[str, Any], thread_id: str, tool_call_id: str,
                       contact_id: str | None, approval_id: str | None, error_code: str, error_message: str,
                       retry_safe: bool, now: datetime) -> DeadLetter:
        """A failure of ``ledger_id``: a new letter, or the next attempt of its letter. ``error_message``
        must already be masked."""
        prior = conn.execute("SELECT * FROM dead_letters WHERE ledger_id = ?", (ledger_id,)).fetchone()
        if prior is not None:
            return self.next_attempt(conn, prior, error_code=error_code, error_message=error_message,
                                     retry_safe=retry_safe, now=now)
        letter_id, limit = _new_letter_id(), self.settings.max_attempts
        status = self._status(None, 1, limit, retry_safe)
        next_retry = _iso(now + self.settings.delay(letter_id, 1)) if status == "waiting" else None
        conn.execute(
            "INSERT INTO dead_letters (letter_id, tenant, ledger_id, effect_key, digest, action, skill, args,"
            " thread_id, tool_call_id, contact_id, approval_id, error_code, error_message, attempts,"
            " max_attempts, retry_safe, status, first_failed_at, last_failed_at, next_retry_at)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (ledger_id) DO NOTHING",
            (letter_id, tenant, ledger_id, effect_key, digest, action, skill, canonical_json(args), thread_id,
             tool_call_id, contact_id, approval_id, error_code, error_message, 1, limit, int(retry_safe), status,
             _iso(now), _iso(now), next_retry))
        row = conn.execute("SELECT * FROM dead_letters WHERE ledger_id = ?", (ledger_id,)).fetchone()
        return row_to_letter(row)

    def next_attempt(self, conn: Conn, prior: Row, *, error_code: str, error_message: str, retry_safe: bool,
                     now: datetime, counts: bool = True) -> DeadLetter:
        """One more failed (or refused) attempt of a letter: back off, or exhaust it at its limit.

        ``counts=False`` is a retry that was only early (quiet hours, a frequency cap): it waits
        one more backoff step without spending an attempt, so a night of refusals cannot exhaust it.
        """
        letter_id = prior["letter_id"]
        attempts = int(prior["attempts"]) + (1 if counts else 0)
        status = self._status(prior["status"], attempts, int(prior["max_attempts"]), retry_safe)
        next_retry = _iso(now + self.settings.delay(letter_id, max(attempts, 1))) if status == "waiting" else None
        conn.execute(
            "UPDATE dead_letters SET error_code = ?, error_message = ?, attempts = ?, retry_safe = ?,"
            " status = ?, last_failed_at = ?, next_retry_at = ? WHERE letter_id = ?",
            (error_code, error_message, attempts, int(retry_safe), status, _iso(now), next_retry, letter_id))
        row = conn.execute("SELECT * FROM dead_letters WHERE letter_id = ?", (letter_id,)).fetchone()
        return row_to_letter(row)

    @staticmethod
    def _status(prior: str | None, attempts: int, limit: int, retry_safe: bool) -> LetterStatus:
        if prior == "discarded":
            return "discarded"  # a discarded letter stays discarded whatever runs later
        if not retry_safe:
            return "in_doubt"
        return "exhausted" if attempts >= limit else "waiting"

    @staticmethod
    def resolve_ledger(conn: Conn, ledger_id: str, now: datetime) -> str | None:
        """The ledger row ran successfully: its open letter (if any) is resolved. Returns its id."""
        row = conn.execute("SELECT letter_id, status FROM dead_letters WHERE ledger_id = ?", (ledger_id,)).fetchone()
        if row is None or row["status"] in ("resolved", "discarded"):
            return None
        conn.execute("UPDATE dead_letters SET status = 'resolved', resolved_at = ?, next_retry_at = NULL"
                     " WHERE letter_id = ?", (_iso(now), row["letter_id"]))
        return str(row["letter_id"])

    @staticmethod
    def discarded(conn: Conn, ledger_id: str) -> bool:
        row = conn.execute("SELECT status FROM dead_letters WHERE ledger_id = ?", (ledger_id,)).fetchone()
        return row is not None and row["status"] == "discarded"

    @staticmethod
    def retry_safe(conn: Conn, ledger_row: Row) -> bool:
        """A failed row of a non-idempotent connector may run again only when its letter says nothing left."""
        if ledger_row["status"] != "failed":
            return False  # a row left "started" by a crash is in doubt: the run may have got anywhere
        row = conn.execute("SELECT retry_safe, status FROM dead_letters WHERE ledger_id = ?",
                           (ledger_row["ledger_id"],)).fetchone()
        return row is not None and bool(row["retry_safe"]) and row["status"] in ("waiting", "retrying", "exhausted")

    @staticmethod
    def get_row(conn: Conn, letter_id: str, tenant: str) -> Row | None:
        row: Row | None = conn.execute(
            "SELECT * FROM dead_letters WHERE letter_id = ? AND tenant = ?", (letter_id, tenant)).fetchone()
        return row

    @staticmethod
    def mark(conn: Conn, letter_id: str, *, status: LetterStatus, expected: tuple[LetterStatus, ...],
             next_retry_at: datetime | None = None) -> bool:
        """Move a letter from one of ``expected`` to ``status``; False if someone moved it first."""
        marks = ",".join("?" for _ in expected)
        cursor = conn.execute(
            f"UPDATE dead_letters SET status = ?, next_retry_at = ? WHERE letter_id = ?"  # noqa: S608
            f" AND status IN ({marks})",
            (status, _iso(next_retry_at) if next_retry_at else None, letter_id, *expected))
        return cursor.rowcount == 1

    @staticmethod
    def discard(conn: Conn, letter_id: str, *, by: str, reason: str, now: datetime) -> bool:
        cursor = conn.execute(
            "UPDATE dead_letters SET status = 'discarded', discarded_at = ?, discarded_by = ?, discard_reason = ?,"
            " next_retry_at = NULL WHERE letter_id = ? AND status IN ('waiting', 'exhausted', 'in_doubt')",
            (_iso(now), by, reason, letter_id))
        return cursor.rowcount == 1

    @staticmethod
    def letters(conn: Conn, *, tenant: str | None, statuses: tuple[LetterStatus, ...] | None = None,
                due_before: datetime | None = None, limit: int = 500) -> list[DeadLetter]:
        query = "SELECT * FROM dead_letters WHERE 1 = 1"
        params: list[Any] = []
        if tenant is not None:
            query += " AND tenant = ?"
            params.append(tenant)
        if statuses:
            query += f" AND status IN ({','.join('?' for _ in statuses)})"
            params.extend(statuses)
        if due_before is not None:
            query += " AND next_retry_at IS NOT NULL AND next_retry_at <= ?"
            params.append(_iso(due_before))
        rows = conn.execute(query + " ORDER BY last_failed_at DESC, letter_id LIMIT ?", (*params, limit)).fetchall()
        return [row_to_letter(r) for r in rows]
