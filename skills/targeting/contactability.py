"""Contactability per contact and channel: safe / needs_review / blocked / unknown, with reason_ar.

Decided from, in order: the source policy (a scraped source blocks everything), the
do-not-contact list and opt-outs (from the file or the consent registry, on any lead merged into
this one), the reputation guard (cool-down, weekly caps, the contact's own ``max_per_week``),
the channel's own rules, and timing. WhatsApp is never cold: it needs an opt-in recorded in the
consent registry; an opt-in only mentioned in a file needs review. Timing never changes a
status: outside Sunday-Thursday business hours in Asia/Riyadh (and inside a contact's own quiet
hours) the verdict carries ``not_before``, the next moment outreach may happen.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, time, timedelta
from functools import lru_cache
from typing import Protocol
from zoneinfo import ZoneInfo

from skills.targeting.catalog import Catalog, Text, load_catalog
from skills.targeting.models import (
    ChannelVerdict,
    ConsentEvidence,
    Contactability,
    ContactChannel,
    ContactStatus,
    Lead,
)
from skills.targeting.notes import read_notes
from skills.targeting.records import trusted
from skills.targeting.reputation import Hold, ReputationGuard
from tools.consent import ADDRESS_PREFIX, ConsentRecord, ConsentState
from tools.models import Channel
from tools.saudi_time import BusinessHours

_ORDER: tuple[ContactStatus, ...] = ("safe", "needs_review", "blocked", "unknown")
CHANNELS: tuple[ContactChannel, ...] = ("email", "phone", "whatsapp")
# Up to this many address ids are looked up with the rest; more are first sifted with two reads of the
# registry's address ids (:meth:`tools.consent.ConsentRegistry.known_ids`), since few ever have an event.
FEW_ADDRESSES = 50


class ConsentLookup(Protocol):
    """What contactability needs from :class:`tools.consent.ConsentRegistry`."""

    def state(self, tenant: str, contact_id: str, channel: Channel) -> ConsentState: ...

    def states(self, tenant: str, contact_ids: Iterable[str], channel: Channel, *,
               recorded_only: bool = False) -> dict[str, ConsentState]: ...

    def history_of(self, tenant: str, contact_ids: Iterable[str], address: str | None = None
                   ) -> list[ConsentRecord]: ...

    def known_ids(self, tenant: str, ids: Iterable[str]) -> set[str]: ...

    def recorded_states(self, tenant: str, contact_ids: Iterable[str], channels: Iterable[Channel]
                        ) -> dict[Channel, dict[str, ConsentState]]: ...


class ContactabilityJudge:
    """Judges leads of one tenant at one moment; build one per run."""

    def __init__(
        self,
        *,
        tenant: str,
        consent: ConsentLookup,
        do_not_contact: set[tuple[str, str]],
        reputation: ReputationGuard,
        now: datetime,
        hours: BusinessHours | None = None,
        catalog: Catalog | None = None,
    ) -> None:
        self._tenant, self._consent, self._dnc = tenant, consent, do_not_contact
        self._reputation, self._now = reputation, now
        self._hours = hours or BusinessHours()
        self._catalog = catalog or load_catalog()
        self._in_hours = self._hours.contains(now)
        self._opening = None if self._in_hours else self._hours.next_opening(now)
        self._recorded: dict[ContactChannel, dict[str, ConsentState]] = {channel: {} for channel in CHANNELS}
        self._prefetched: set[str] = set()
        self._any_recorded: set[str] = set()  # ids with a recorded state on some channel
        # Verdicts are frozen and most are alike (one channel, one status, one reason): one each.
        self._verdicts: dict[tuple[ContactChannel, ContactStatus, Text], ChannelVerdict] = {}
        self._timed_verdicts: dict[int, tuple[ChannelVerdict, ChannelVerdict]] = {}
        self._plain: dict[tuple[object, ...], tuple[tuple[ChannelVerdict, ...], ChannelVerdict]] = {}

    def prefetch(self, lead_ids: Iterable[str]) -> None:
        """Load the consent state of many leads in bulk, so judging them costs no query each.

        Only states with a record are kept: most leads have none, and 100k of them would cost memory.
        """
        ids = list(lead_ids)
        addresses = [i for i in ids if i.startswith(ADDRESS_PREFIX)]
        if len(addresses) > FEW_ADDRESSES:
            # Consent by address is rare: ask only for the addresses the registry has anything about.
            known = self._consent.known_ids(self._tenant, addresses)
            self._prefetched.update(i for i in addresses if i not in known)
            ids = [i for i in ids if not i.startswith(ADDRESS_PREFIX) or i in known]
        found = self._consent.recorded_states(self._tenant, ids, [Channel(channel) for channel in CHANNELS])
        for channel in CHANNELS:
            recorded = found.get(Channel(channel), {})
            self._recorded[channel].update(recorded)
            self._any_recorded.update(recorded)
        self._prefetched.update(ids)

    def _text(self, key: str, **params: object) -> Text:
        return self._catalog.message("contact", key, **params)

    def _verdict(self, channel: ContactChannel, status: ContactStatus, text: Text) -> ChannelVerdict:
        key = (channel, status, text)
        found = self._verdicts.get(key)
        if found is None:
            found = self._verdicts[key] = ChannelVerdict(channel=channel, status=status, reason_ar=text.ar,
                                                         reason_en=text.en)
        return found

    def judge(self, lead: Lead, merged: Sequence[Lead] = ()) -> Contactability:
        members = [lead, *merged]
        ids = [m.lead_id for m in members]
        cids = consent_ids(members)
        evidence = [m.consent_evidence for m in members if m.consent_evidence is not None]
        if lead.source.verdict == "blocked":
            return self._all(lead, "blocked", _source_text(lead), evidence)
        if any(("lead", i) in self._dnc for i in ids):
            return self._all(lead, "blocked", self._text("opted_out_file"), evidence)
        hold = self._reputation.contact_hold(ids)
        notes_hold = None
        for m in members:
            if m.notes and notes_hold is None:
                notes_hold = read_notes(m.notes, self._catalog).opt_out
        if hold is None and notes_hold is None and self._unrecorded(cids):
            # No hold and no consent record: the verdicts follow from a handful of facts, and
            # leads with the same facts (most of a file) get the same, shared, verdicts.
            key = self._facts(lead, members)
            found = self._plain.get(key)
            if found is None:
                found = self._plain[key] = self._verdicts_for(lead, members, ids, cids, None, None)
            verdicts, best = found
        else:
            verdicts, best = self._verdicts_for(lead, members, ids, cids, hold, notes_hold)
        return trusted(Contactability, lead_id=lead.lead_id, status=best.status, reason_ar=best.reason_ar,
                       channels=list(verdicts), evidence=evidence)

    def _verdicts_for(self, lead: Lead, members: Sequence[Lead], ids: Sequence[str], cids: Sequence[str],
                      hold: Hold | None, notes_hold: str | None
                      ) -> tuple[tuple[ChannelVerdict, ...], ChannelVerdict]:
        cache: dict[ContactChannel, list[ConsentState]] = {}
        verdicts = [self._channel(lead, members, ids, cids, channel, cache) for channel in CHANNELS]
        if notes_hold is not None:
            # A person must review an opt-out written in the notes; until then nothing goes out, except
            # where someone has since recorded an explicit opt-in for the channel.
            text = self._text("opted_out_notes", quote=notes_hold)
            verdicts = [v if v.status in ("blocked", "unknown") or self._opted_in(cids, v.channel, cache)
                        else self._verdict(v.channel, "blocked", text) for v in verdicts]
        if hold is not None:
            verdicts = [self._held(v, hold.reason, hold.until) for v in verdicts]
        verdicts = [self._timed(v, cids, cache) for v in verdicts]
        best = min(verdicts, key=lambda v: _ORDER.index(v.status))
        return tuple(verdicts), best

    def _opted_in(self, cids: Sequence[str], channel: ContactChannel,
                  cache: dict[ContactChannel, list[ConsentState]]) -> bool:
        states = self._states(cids, channel, cache)
        return any(s.opted_in for s in states) and not any(s.opted_out for s in states)

    def _unrecorded(self, ids: Sequence[str]) -> bool:
        """True when the registry has no consent record for any of ``ids`` on any channel."""
        prefetched, recorded = self._prefetched, self._any_recorded
        return all(i in prefetched and i not in recorded for i in ids)

    def _facts(self, lead: Lead, members: Sequence[Lead]) -> tuple[object, ...]:
        """Everything :meth:`_channel` and :meth:`_timed` read when there is no hold and no record."""
        dnc = self._dnc
        source = lead.source
        return (
            lead.email is not None, lead.phone.kind if lead.phone is not None else None,
            bool(dnc) and any(("email", m.email) in dnc for m in members if m.email),
            bool(dnc) and any(("phone", m.phone.e164) in dnc for m in members if m.phone is not None),
            any(m.consent_mark == "whatsapp_opt_in" for m in members),
            tuple(_evidence_key(m.consent_evidence) for m in members if m.consent_evidence is not None),
            source.verdict, source.reason_ar, source.reason_en,
        )

    def _all(self, lead: Lead, status: ContactStatus, reason: Text,
             evidence: list[ConsentEvidence]) -> Contactability:
        verdicts = [self._verdict(c, status, reason) for c in CHANNELS]
        return Contactability(lead_id=lead.lead_id, status=status, reason_ar=reason.ar, channels=verdicts,
                              evidence=evidence)

    def _states(self, ids: Sequence[str], channel: ContactChannel,
                cache: dict[ContactChannel, list[ConsentState]]) -> list[ConsentState]:
        """The recorded consent states of ``ids`` on ``channel``.

        A contact with no record (status ``none``: not opted in or out, no cap, no quiet hours)
        changes no verdict, so it is left out rather than built, which most contacts are.
        """
        if channel not in cache:
            states = (self._state(i, channel) for i in ids)
            cache[channel] = [s for s in states if s is not None and s.status != "none"]
        return cache[channel]

    def _state(self, lead_id: str, channel: ContactChannel) -> ConsentState | None:
        recorded = self._recorded[channel].get(lead_id)
        if recorded is not None or lead_id in self._prefetched:
            return recorded
        return self._consent.state(self._tenant, lead_id, Channel(channel))

    def _channel(self, lead: Lead, members: Sequence[Lead], ids: Sequence[str], cids: Sequence[str],
                 channel: ContactChannel, cache: dict[ContactChannel, list[ConsentState]]) -> ChannelVerdict:
        def verdict(status: ContactStatus, text: Text) -> ChannelVerdict:
            return self._verdict(channel, status, text)

        source = {"source_reason": lead.source.reason_ar, "source_reason_en": lead.source.reason_en}
        if channel == "email":
            if lead.email is None:
                return verdict("unknown", self._text("no_email"))
            if any(("email", m.email) in self._dnc for m in members if m.email):
                return verdict("blocked", self._text("do_not_contact"))
        elif lead.phone is None:
            return verdict("unknown", self._text("no_phone"))
        elif any(("phone", m.phone.e164) in self._dnc for m in members if m.phone is not None):
            return verdict("blocked", self._text("do_not_contact"))
        if channel == "whatsapp" and lead.phone is not None and lead.phone.kind != "mobile":
            return verdict("blocked", self._text("whatsapp_not_mobile"))

        states = self._states(cids, channel, cache)
        if any(s.opted_out for s in states):
            return verdict("blocked", self._text("opted_out_registry", channel=channel,
                                                  channel_ar=self._catalog.name_ar("channel", channel)))
        cap = min([s.max_per_week for s in states if s.max_per_week is not None], default=None)
        if cap is not None:
            count = self._reputation.channel_count(ids, channel)
            if count >= cap:
                return verdict("blocked", self._text("frequency_cap", channel=channel, count=count, cap=cap,
                                                      channel_ar=self._catalog.name_ar("channel", channel)))
        if channel == "whatsapp":
            if any(s.opted_in for s in states):
                return verdict("safe", self._text("whatsapp_opted_in"))
            return self._file_consent(members, verdict)
        refused = next((m.consent_evidence for m in members if m.consent_evidence is not None
                        and m.consent_evidence.meaning == "refused" and m.consent_evidence.scope in (channel, "all")),
                       None)
        if refused is not None:
            return verdict("needs_review", self._text("file_consent_refused", **_provenance(refused)))
        if lead.source.verdict == "needs_review":
            return verdict("needs_review", _source_text(lead))
        if channel == "email":
            return verdict("safe", self._text("email_ok", **source))
        assert lead.phone is not None  # checked above: a phone channel without a phone is "unknown"
        if lead.phone.kind != "mobile":
            return verdict("safe", self._text("phone_company_line", kind=lead.phone.kind,
                                              kind_ar=self._catalog.name_ar("phone_kind", lead.phone.kind), **source))
        return verdict("safe", self._text("phone_ok", **source))

    def _file_consent(self, members: Sequence[Lead],
                      verdict: Callable[[ContactStatus, Text], ChannelVerdict]) -> ChannelVerdict:
        """WhatsApp with no opt-in in the registry: what a consent column of the file proves, if anything."""
        found = [m.consent_evidence for m in members if m.consent_evidence is not None
                 and m.consent_evidence.meaning == "opt_in" and m.consent_evidence.scope in ("whatsapp", "all")]
        strong = next((e for e in found if e.strength == "strong"), None)
        if strong is not None:
            return verdict("needs_review", self._text("whatsapp_optin_unverified", **_provenance(strong)))
        if found:
            return verdict("blocked", self._text("whatsapp_optin_weak", **_provenance(found[0])))
        if any(m.consent_mark == "whatsapp_opt_in" for m in members):  # stored before evidence was kept
            return verdict("needs_review", self._text("whatsapp_optin_unverified_old"))
        return verdict("blocked", self._text("whatsapp_no_optin"))

    @staticmethod
    def _held(v: ChannelVerdict, reason: Text, until: datetime) -> ChannelVerdict:
        if v.status in ("blocked", "unknown"):
            return v
        return v.model_copy(update={"status": "blocked", "reason_ar": reason.ar, "reason_en": reason.en,
                                    "not_before": until})

    def _timed(self, v: ChannelVerdict, ids: Sequence[str],
               cache: dict[ContactChannel, list[ConsentState]]) -> ChannelVerdict:
        if v.status in ("blocked", "unknown"):
            return v
        if self._opening is not None:
            done = self._timed_verdicts.get(id(v))
            if done is not None and done[0] is v:
                return done[1]
            opening = self._opening
            text = self._text("quiet_hours", not_before=opening.strftime("%Y-%m-%d %H:%M"))
            timed = v.model_copy(update={"not_before": opening, "reason_ar": f"{v.reason_ar} {text.ar}",
                                         "reason_en": f"{v.reason_en} {text.en}"})
            self._timed_verdicts[id(v)] = (v, timed)  # keeps v alive, so its id is not reused meanwhile
            return timed
        if v.channel in ("phone", "whatsapp"):
            for state in self._states(ids, v.channel, cache):
                until = _inside_quiet(self._now, state.quiet_start, state.quiet_end, self._hours.timezone)
                if until is not None:
                    text = self._text("contact_quiet_hours")
                    return v.model_copy(update={"not_before": until, "reason_ar": f"{v.reason_ar} {text.ar}",
                                                "reason_en": f"{v.reason_en} {text.en}"})
        return v


def consent_ids(members: Sequence[Lead]) -> list[str]:
    """Every consent-registry id that speaks for these leads: their lead ids and their addresses."""
    if len(members) == 1:  # most leads: no duplicate ids to drop
        m = members[0]
        one = [m.lead_id]
        if m.phone is not None:
            one.append(ADDRESS_PREFIX + m.phone.e164)
        if m.email is not None:
            one.append(ADDRESS_PREFIX + m.email)
        return one
    ids = [m.lead_id for m in members]
    for m in members:
        if m.phone is not None:
            ids.append(ADDRESS_PREFIX + m.phone.e164)
        if m.email is not None:
            ids.append(ADDRESS_PREFIX + m.email)
    return list(dict.fromkeys(ids))


def notes_opt_out(lead: Lead, catalog: Catalog) -> str | None:
    """The quoted opt-out phrase when the lead's notes say the contact asked not to be contacted."""
    if not lead.notes:
        return None
    return read_notes(lead.notes, catalog).opt_out


def _evidence_key(e: ConsentEvidence) -> tuple[object, ...]:
    return (e.meaning, e.scope, e.strength, e.column, e.value, e.file_name, e.row_number)


def _provenance(e: ConsentEvidence) -> dict[str, object]:
    return {"column": e.column, "value": e.value, "file": e.file_name, "row": e.row_number, "source": e.source_id}


def _source_text(lead: Lead) -> Text:
    return _text_of(lead.source.reason_ar, lead.source.reason_en)


@lru_cache(maxsize=256)
def _text_of(ar: str, en: str) -> Text:
    return Text(ar=ar, en=en)


def _inside_quiet(now: datetime, start: time | None, end: time | None, zone: str) -> datetime | None:
    """The end of the contact's quiet window if ``now`` is inside it (windows may wrap midnight)."""
    if start is None or end is None:
        return None
    local = now.astimezone(ZoneInfo(zone))
    t = local.time()
    inside = start <= t < end if start < end else (t >= start or t < end)
    if not inside:
        return None
    candidate = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    return candidate if candidate > local else candidate + timedelta(days=1)


def status_counts(verdicts: Sequence[Contactability]) -> dict[ContactStatus, int]:
    counts: dict[ContactStatus, int] = dict.fromkeys(_ORDER, 0)
    for v in verdicts:
        counts[v.status] += 1
    return counts

