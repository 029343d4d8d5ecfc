"""Recording consent by address, audited: what ``dealix consent``, ``/api/v1/consent``, the console
form and a contact's WhatsApp "STOP" all call.

An address is a phone number in any spelling or an email. Each change is one registry event for
the address itself (``addr:<E.164 or email>``: it holds for every lead with that phone or email,
including leads imported later) plus one for each lead the caller names, and one audit event in
the same transaction with who, when, the source and the lawful basis. The audit event carries no
raw personal data: the address is pseudonymised by the audit log's masker.

An opt-out always wins. What an address's state is on a channel folds every event of the address
and its leads: any opt-out blocks, whatever opt-ins there are. An opt-in over a standing opt-out
is refused unless the caller says the person consented again (``renewed``); only then is it
recorded for every id that carried the opt-out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tools.audit import AuditLog
from tools.consent import (
    AddressKind,
    ConsentRecord,
    ConsentRegistry,
    ConsentValue,
    LawfulBasis,
    address_contact_id,
    address_kind,
    normalise_address,
)
from tools.models import Channel
from tools.store import Store

CHANNELS_FOR: dict[AddressKind, tuple[Channel, ...]] = {
    "phone": (Channel.whatsapp, Channel.phone, Channel.sms),
    "email": (Channel.email,),
}
ConsentErrorCode = Literal["invalid_address", "channel_mismatch", "opted_out", "empty_source"]

_MESSAGES: dict[ConsentErrorCode, tuple[str, str]] = {
    "invalid_address": ("العنوان «{address}» ليس رقم هاتف صالحاً ولا بريداً إلكترونياً صالحاً.",
                        "'{address}' is neither a valid phone number nor a valid email address."),
    "channel_mismatch": ("لا تصلح القناة «{channel}» لهذا العنوان؛ القنوات الممكنة: {allowed}.",
                         "Channel {channel} does not fit this address; possible: {allowed}."),
    "opted_out": ("طلبت جهة الاتصال إيقاف التواصل عبر {channel} ({source})، وطلب الإيقاف مقدَّم على أي موافقة. "
                  "إن وافق الشخص من جديد فسجّل الموافقة مع خيار التجديد ومصدرها.",
                  "The contact opted out on {channel} ({source}); an opt-out wins. If the person consented "
                  "again, record the opt-in as renewed, with its source."),
    "empty_source": ("اذكر مصدر الموافقة أو الإيقاف (نموذج، مكالمة، رسالة).",
                     "Say where the consent or opt-out came from (form, call, message)."),
}


class ConsentError(Exception):
    """A consent change that cannot be recorded; ``code`` is stable, ``message_ar`` is for the operator."""

    def __init__(self, code: ConsentErrorCode, **params: object) -> None:
        ar, en = _MESSAGES[code]
        self.code = code
        self.message_ar = ar.format(**params)
        self.message_en = en.format(**params)
        super().__init__(self.message_en)


class ConsentEntry(BaseModel):
    """One recorded event, as the history shows it."""

    model_config = ConfigDict(frozen=True)

    contact_id: str = Field(description="addr:<address> for the address itself, or a lead id.")
    channel: Channel
    status: ConsentValue
    lawful_basis: LawfulBasis
    source: str
    recorded_at: datetime


class ChannelConsent(BaseModel):
    model_config = ConfigDict(frozen=True)

    channel: Channel
    status: Literal["opt_in", "opt_out", "none"] = Field(description="opt_out whenever any event says so.")
    lawful_basis: LawfulBasis | None = None
    source: str | None = None
    recorded_at: datetime | None = None


class ConsentView(BaseModel):
    """Where an address stands on each of its channels, and every event behind it."""

    model_config = ConfigDict(frozen=True)

    address: str = Field(description="Normalised: E.164 for a phone, lower-case for an email.")
    kind: AddressKind
    channels: list[ChannelConsent]
    history: list[ConsentEntry]
    lead_ids: list[str] = Field(default_factory=list, description="Leads with this phone or email.")

    def channel(self, channel: Channel) -> ChannelConsent:
        return next(c for c in self.channels if c.channel == channel)


class ConsentChange(BaseModel):
    """What one opt-in or opt-out recorded."""

    model_config = ConfigDict(frozen=True)

    address: str
    channel: Channel
    status: ConsentValue
    lawful_basis: LawfulBasis
    source: str
    actor: str
    recorded_at: datetime
    contact_ids: list[str] = Field(description="Every registry id the event was recorded for.")
    audit_event: str
    view: ConsentView


class ConsentBook:
    """Consent by address over the gateway's store (registry and audit log share its transactions)."""

    def __init__(self, store: Store, audit: AuditLog, *, clock: Callable[[], datetime],
                 registry: ConsentRegistry | None = None) -> None:
        """``registry``: the keyed registry over ``store`` (the gateway's), so an address erased earlier
        still shows its opt-out; an unkeyed one only when nothing was ever erased (tests)."""
        self._store, self._audit, self._clock = store, audit, clock
        self.registry = registry if registry is not None else ConsentRegistry(store)

    def opt_in(self, tenant: str, address: str, channel: Channel, *, source: str, actor: str,
               basis: LawfulBasis = LawfulBasis.consent, lead_ids: Sequence[str] = (),
               renewed: bool = False) -> ConsentChange:
        kind, normal = self._address(address)
        self._check_channel(kind, channel, allow_all=False)
        ids = [address_contact_id(normal), *dict.fromkeys(lead_ids)]
        before = self.view(tenant, normal, lead_ids)
        if before.channel(channel).status == "opt_out":
            if not renewed:
                standing = before.channel(channel)
                raise ConsentError("opted_out", channel=channel.value, source=standing.source or "-")
            ids = list(dict.fromkeys([*ids, *self._opted_out_ids(before, channel)]))
        return self._record(tenant, normal, ids, channel, "opt_in", source, actor, basis, lead_ids)

    def opt_out(self, tenant: str, address: str, channel: Channel = Channel.all, *, source: str, actor: str,
                basis: LawfulBasis = LawfulBasis.consent, lead_ids: Sequence[str] = ()) -> ConsentChange:
        kind, normal = self._address(address)
        self._check_channel(kind, channel, allow_all=True)
        ids = [address_contact_id(normal), *dict.fromkeys(lead_ids)]
        return self._record(tenant, normal, ids, channel, "opt_out", source, actor, basis, lead_ids)

    def view(self, tenant: str, address: str, lead_ids: Sequence[str] = ()) -> ConsentView:
        kind, normal = self._address(address)
        ids = [address_contact_id(normal), *dict.fromkeys(lead_ids)]
        history = self.registry.history_of(tenant, ids, normal)
        ids = list(dict.fromkeys([*ids, *(r.contact_id for r in history)]))
        channels = []
        for channel in CHANNELS_FOR[kind]:
            states = self.registry.states(tenant, ids, channel, recorded_only=True).values()
            out = [s for s in states if s.opted_out]
            chosen = out or [s for s in states if s.opted_in]
            if not chosen:
                channels.append(ChannelConsent(channel=channel, status="none"))
                continue
            latest = max(chosen, key=lambda s: s.recorded_at or datetime.min)
            channels.append(ChannelConsent(channel=channel, status=latest.status, lawful_basis=latest.lawful_basis,
                                           source=latest.source, recorded_at=latest.recorded_at))
        entries = [ConsentEntry(contact_id=r.contact_id, channel=r.channel, status=r.status,
                                lawful_basis=r.lawful_basis, source=r.source, recorded_at=r.recorded_at)
                   for r in history]
        return ConsentView(address=normal, kind=kind, channels=channels, history=entries,
                           lead_ids=sorted(set(lead_ids)))

    # -- internals ----------------------------------------------------------------------------
    @staticmethod
    def _address(address: str) -> tuple[AddressKind, str]:
        kind = address_kind(address)
        if kind is None:
            raise ConsentError("invalid_address", address=address.strip()[:80])
        return kind, normalise_address(address)

    @staticmethod
    def _check_channel(kind: AddressKind, channel: Channel, *, allow_all: bool) -> None:
        allowed = CHANNELS_FOR[kind]
        if channel not in allowed and not (allow_all and channel == Channel.all):
            names = [c.value for c in allowed] + (["all"] if allow_all else [])
            raise ConsentError("channel_mismatch", channel=channel.value, allowed=", ".join(names))

    def _opted_out_ids(self, view: ConsentView, channel: Channel) -> list[str]:
        return [e.contact_id for e in view.history if e.status == "opt_out" and e.channel in (channel, Channel.all)]

    def _record(self, tenant: str, address: str, ids: Sequence[str], channel: Channel, status: ConsentValue,
                source: str, actor: str, basis: LawfulBasis, lead_ids: Sequence[str]) -> ConsentChange:
        source = " ".join(source.split())
        if not source:
            raise ConsentError("empty_source")
        now = self._clock()
        with self._store.transaction() as conn:
            for contact_id in ids:
                self.registry.record_in(conn, ConsentRecord(
                    tenant=tenant, contact_id=contact_id, channel=channel, status=status, lawful_basis=basis,
                    source=source[:300], recorded_at=now, address=address))
            event = self._audit.append(
                conn, tenant=tenant, kind=f"consent_{status}", actor=actor, action=f"consent.{status}",
                payload={"address": address, "channel": channel.value, "status": status,
                         "lawful_basis": basis.value, "source": source[:300], "leads": len(ids) - 1},
                ts=now)
        return ConsentChange(address=address, channel=channel, status=status, lawful_basis=basis,
                             source=source[:300], actor=actor, recorded_at=now, contact_ids=list(ids),
                             audit_event=event.event_id, view=self.view(tenant, address, lead_ids))
