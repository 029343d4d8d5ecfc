"""Consent registry: per contact and channel, who agreed to what, on which lawful basis, and when.

It is an input to policy, append-only (history is evidence), and an opt-out wins over everything:
the latest opt-out on the channel, or on ``all`` channels, beats any opt-in recorded before it.
A later, explicit opt-in (with its source) restores contact on that channel only.

Consent given for an address is kept under ``addr:<address>``. When the person is erased, those
events move to ``addrh:<keyed hash of the address>`` (:func:`address_pseudonym`, HMAC with the
install's key) and their address column becomes a tag: the raw address leaves the store, yet a
registry built with the same key still finds the opt-out for that address, so it keeps blocking.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, time
from enum import StrEnum
from typing import Literal

import phonenumbers
from pydantic import BaseModel, ConfigDict, Field

from tools.models import Channel
from tools.store import Conn, Row, Store

# SQLite's default limit on bound parameters is 999 on old builds; stay well under it.
_CHUNK = 500


class LawfulBasis(StrEnum):
    """PDPL lawful bases Dealix records."""

    consent = "consent"
    contract = "contract"
    legitimate_interest = "legitimate_interest"
    legal_obligation = "legal_obligation"


ConsentValue = Literal["opt_in", "opt_out"]


class ConsentRecord(BaseModel):
    model_config = ConfigDict(frozen=True)

    tenant: str = Field(min_length=1)
    contact_id: str = Field(min_length=1)
    channel: Channel
    status: ConsentValue
    lawful_basis: LawfulBasis = LawfulBasis.consent
    source: str = Field(min_length=1, description="Where the consent came from: form id, call note, email.")
    recorded_at: datetime
    address: str | None = Field(
        default=None, description="The phone or email the consent was given for; a send goes only there."
    )
    quiet_start: time | None = Field(default=None, description="Contact's own quiet hours start, local time.")
    quiet_end: time | None = None
    max_per_week: int | None = Field(default=None, ge=0, description="Contact's own frequency cap.")


class ConsentState(BaseModel):
    """What the registry says now about one contact on one channel."""

    model_config = ConfigDict(frozen=True)

    contact_id: str
    channel: Channel
    status: Literal["opt_in", "opt_out", "none"]
    lawful_basis: LawfulBasis | None = None
    source: str | None = None
    recorded_at: datetime | None = None
    address: str | None = None
    max_per_week: int | None = None
    quiet_start: time | None = None
    quiet_end: time | None = None

    @property
    def opted_out(self) -> bool:
        return self.status == "opt_out"

    @property
    def opted_in(self) -> bool:
        return self.status == "opt_in"


class ConsentRegistry:
    """``key``: the install's secret key, to find address events kept under their pseudonym after an
    erasure (every registry over a real store is built with it; None only for throwaway stores)."""

    def __init__(self, store: Store, *, key: bytes | None = None) -> None:
        self._store = store
        self._key = key

    def _forms(self, contact_id: str) -> list[str]:
        """The ids an id's events may be stored under: an address id also under its pseudonym."""
        if self._key is not None and contact_id.startswith(ADDRESS_PREFIX):
            return [contact_id, address_pseudonym(self._key, contact_id)]
        return [contact_id]

    def record(self, record: ConsentRecord) -> None:
        with self._store.transaction() as conn:
            self.record_in(conn, record)

    def record_in(self, conn: Conn, record: ConsentRecord) -> None:
        """:meth:`record` inside the caller's write transaction (so its audit event commits with it)."""
        conn.execute(
            "INSERT INTO consent_events (tenant, contact_id, channel, status, lawful_basis, source,"
            " recorded_at, address, quiet_start, quiet_end, max_per_week) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (
                record.tenant, record.contact_id, record.channel.value, record.status,
                record.lawful_basis.value, record.source, record.recorded_at.isoformat(),
                normalise_address(record.address) if record.address else None,
                record.quiet_start.isoformat() if record.quiet_start else None,
                record.quiet_end.isoformat() if record.quiet_end else None,
                record.max_per_week,
            ),
        )

    def state(self, tenant: str, contact_id: str, channel: Channel) -> ConsentState:
        forms = self._forms(contact_id)
        with self._store.read() as conn:
            rows = conn.execute(
                f"SELECT * FROM consent_events WHERE tenant = ? AND contact_id IN ({','.join('?' * len(forms))})"  # noqa: S608
                " AND channel IN (?, 'all') ORDER BY id DESC",
                (tenant, *forms, channel.value),
            ).fetchall()
        return _fold(contact_id, channel, rows)

    def states(self, tenant: str, contact_ids: Iterable[str], channel: Channel, *,
               recorded_only: bool = False) -> dict[str, ConsentState]:
        """:meth:`state` for many contacts at once: one query per chunk instead of one per contact.

        ``recorded_only``: leave out contacts with no event on the channel (their state is
        ``none``), so a bulk caller over 100k contacts does not build 100k empty states.
        """
        ids = list(dict.fromkeys(contact_ids))
        found: dict[str, list[Row]] = defaultdict(list)
        with self._store.read() as conn:
            for logical in self._chunks(ids):
                marks = ",".join("?" * len(logical))
                for row in conn.execute(
                    f"SELECT * FROM consent_events WHERE tenant = ? AND channel IN (?, 'all')"  # noqa: S608 - marks only
                    f" AND contact_id IN ({marks}) ORDER BY id DESC",
                    (tenant, channel.value, *logical),
                ):
                    found[logical[row["contact_id"]]].append(row)
        if recorded_only:
            return {i: _fold(i, channel, found[i]) for i in ids if i in found}
        return {i: _fold(i, channel, found.get(i, [])) for i in ids}

    def recorded_states(self, tenant: str, contact_ids: Iterable[str], channels: Iterable[Channel]
                        ) -> dict[Channel, dict[str, ConsentState]]:
        """channel → contact → state, for the contacts with a recorded (not ``none``) state there: one
        query per chunk for every channel at once, where :meth:`states` costs one per channel."""
        wanted = list(dict.fromkeys(channels))
        ids = list(dict.fromkeys(contact_ids))
        found: dict[str, list[Row]] = defaultdict(list)
        codes = sorted({c.value for c in wanted} | {Channel.all.value})
        with self._store.read() as conn:
            for logical in self._chunks(ids):
                marks = ",".join("?" * len(logical))
                for row in conn.execute(
                    f"SELECT * FROM consent_events WHERE tenant = ? AND channel IN ({','.join('?' * len(codes))})"  # noqa: S608
                    f" AND contact_id IN ({marks}) ORDER BY id DESC",
                    (tenant, *codes, *logical),
                ):
                    found[logical[row["contact_id"]]].append(row)
        result: dict[Channel, dict[str, ConsentState]] = {}
        for channel in wanted:
            states = {}
            for contact_id, rows in found.items():
                mine = [r for r in rows if r["channel"] in (channel.value, Channel.all.value)]
                if mine:
                    state = _fold(contact_id, channel, mine)
                    if state.status != "none":
                        states[contact_id] = state
            result[channel] = states
        return result

    def _chunks(self, ids: list[str]) -> Iterator[dict[str, str]]:
        """Up to ``_CHUNK`` stored ids per query, each mapped to the id asked for; an id and its
        pseudonym always in the same chunk, so each one's rows come back newest first together."""
        chunk: dict[str, str] = {}
        for contact_id in ids:
            forms = self._forms(contact_id)
            if len(chunk) + len(forms) > _CHUNK:
                yield chunk
                chunk = {}
            chunk.update(dict.fromkeys(forms, contact_id))
        if chunk:
            yield chunk

    def ids_with_prefix(self, tenant: str, prefix: str) -> set[str]:
        """Contact ids of the tenant with any event whose id starts with ``prefix`` (e.g. ``addr:``)."""
        with self._store.read() as conn:
            rows = conn.execute("SELECT DISTINCT contact_id FROM consent_events WHERE tenant = ? AND contact_id >= ?"
                                " AND contact_id < ?", (tenant, prefix, prefix + "\U0010ffff")).fetchall()
        return {r["contact_id"] for r in rows}

    def known_ids(self, tenant: str, ids: Iterable[str]) -> set[str]:
        """Which of these address ids (``addr:…``) have any event, under the id or its pseudonym.

        Consent by address is rare: two reads of the registry's address ids instead of a query per
        lead, and a keyed hash of each only when some address was ever erased.
        """
        plain = self.ids_with_prefix(tenant, ADDRESS_PREFIX)
        hidden = self.ids_with_prefix(tenant, PSEUDONYM_PREFIX) if self._key is not None else set()
        key = self._key
        return {i for i in ids if i in plain
                or (key is not None and hidden and address_pseudonym(key, i) in hidden)}

    def history(self, tenant: str, contact_id: str) -> list[ConsentRecord]:
        return self.history_of(tenant, [contact_id])

    def history_of(self, tenant: str, contact_ids: Iterable[str], address: str | None = None
                   ) -> list[ConsentRecord]:
        """Every event of any of ``contact_ids`` or given for ``address`` (any spelling), oldest first."""
        ids = list(dict.fromkeys(form for i in contact_ids for form in self._forms(i)))
        clauses, params = [], [tenant]
        if ids:
            clauses.append(f"contact_id IN ({','.join('?' * len(ids))})")
            params.extend(ids)
        if address:
            clauses.append("address = ?")
            params.append(normalise_address(address))
        if not clauses:
            return []
        with self._store.read() as conn:
            rows = conn.execute(
                f"SELECT * FROM consent_events WHERE tenant = ? AND ({' OR '.join(clauses)}) ORDER BY id",  # noqa: S608
                params,
            ).fetchall()
        return _records(rows)


def _records(rows: Sequence[Row]) -> list[ConsentRecord]:
    return [
        ConsentRecord(
            tenant=r["tenant"], contact_id=r["contact_id"], channel=Channel(r["channel"]),
            status=r["status"], lawful_basis=LawfulBasis(r["lawful_basis"]), source=r["source"],
            recorded_at=datetime.fromisoformat(r["recorded_at"]), max_per_week=r["max_per_week"],
            address=r["address"],
            quiet_start=time.fromisoformat(r["quiet_start"]) if r["quiet_start"] else None,
            quiet_end=time.fromisoformat(r["quiet_end"]) if r["quiet_end"] else None,
        )
        for r in rows
    ]


def _fold(contact_id: str, channel: Channel, rows: Sequence[Row]) -> ConsentState:
    """The state that a contact's events on ``channel`` and ``all`` (newest first) add up to."""
    if not rows:
        return ConsentState(contact_id=contact_id, channel=channel, status="none")
    # An opt-out on 'all' is final for every channel until the channel itself is opted in again later.
    latest = rows[0]
    if latest["channel"] == Channel.all.value and latest["status"] == "opt_in":
        # A blanket opt-in does not grant a channel that was opted out on its own after it.
        specific = [r for r in rows if r["channel"] == channel.value]
        if specific and specific[0]["status"] == "opt_out":
            latest = specific[0]
    return ConsentState(
        contact_id=contact_id,
        channel=channel,
        status=latest["status"],
        lawful_basis=LawfulBasis(latest["lawful_basis"]),
        source=latest["source"],
        recorded_at=datetime.fromisoformat(latest["recorded_at"]),
        address=latest["address"],
        max_per_week=latest["max_per_week"],
        quiet_start=time.fromisoformat(latest["quiet_start"]) if latest["quiet_start"] else None,
        quiet_end=time.fromisoformat(latest["quiet_end"]) if latest["quiet_end"] else None,
    )


def normalise_address(address: str) -> str:
    """Emails lower-cased; phone numbers in any Saudi spelling (05x, 5x, 9665x, 00966, +966, Arabic-Indic
    or Persian digits, spaces and dashes) to E.164."""
    text = unicodedata.normalize("NFKC", address).strip().strip("\u200e\u200f\u202a\u202c")
    if "@" in text:
        return text.lower()
    try:
        parsed = phonenumbers.parse(text.translate(_DIGITS), "SA")
    except phonenumbers.NumberParseException:
        return text
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


AddressKind = Literal["email", "phone"]
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]{2,}$")
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


def address_kind(address: str) -> AddressKind | None:
    """``email`` or ``phone`` for a valid address in any spelling; None for anything else."""
    text = normalise_address(address)
    if "@" in text:
        return "email" if _EMAIL.match(text) else None
    try:
        parsed = phonenumbers.parse(text, "SA")
    except phonenumbers.NumberParseException:
        return None
    return "phone" if phonenumbers.is_valid_number(parsed) else None


ADDRESS_PREFIX = "addr:"


def address_contact_id(address: str) -> str:
    """The registry's contact id for consent given for an address rather than a lead (``addr:+9665…``).

    Consent recorded by address (the CLI, the API, a WhatsApp "STOP") holds for every lead with that
    phone or email, including leads imported later.
    """
    return ADDRESS_PREFIX + normalise_address(address)


PSEUDONYM_PREFIX = "addrh:"


def address_pseudonym(key: bytes, contact_id: str) -> str:
    """Where an address id's events live after an erasure: a keyed hash of the normalised address
    (``addrh:<hex>``), the same for every spelling, and not reversible without the install's key."""
    address = normalise_address(contact_id.removeprefix(ADDRESS_PREFIX))
    return PSEUDONYM_PREFIX + hmac.digest(key, b"consent-address\x00" + address.encode(), hashlib.sha256).hex()[:40]


def same_address(recipient: object, consented: str | None) -> bool:
    """True when a message's recipient is the very address the contact opted in with."""
    if not isinstance(recipient, str) or not recipient.strip() or not consented:
        return False
    return normalise_address(recipient) == normalise_address(consented)
