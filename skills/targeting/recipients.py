"""The Targeting OS as the gateway's lead directory (:class:`tools.recipients.RecipientDirectory`).

For one recipient address of one outreach, :meth:`TargetingRecipients.check` answers:

- which lead it is: the call's contact (the kept lead after merges), or, when the call names none
  (or one this directory does not know), the lead that has the address;
- whether the address is one of that lead's contact points (its own, a merged duplicate's, or one
  added later through the audited ``targeting.add_contact_point``), compared normalised: E.164
  phones in any spelling (Arabic-Indic digits included), lower-cased emails. Any other address is
  ``blocked`` (``recipient_not_on_lead``);
- the lead's contactability on the channel for exactly that address, by the same
  :class:`ContactabilityJudge` the ranking uses (source policy, consent, do-not-contact, the
  reputation guard's cool-down and weekly caps over the recorded touches), plus the company's
  weekly cap;
- the last touches of everyone the outreach reaches, and where the lead came from.

:meth:`record_touch` is what the gateway calls after it delivered an outreach, so the caps and the
one-outreach-a-day rule count every path.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from functools import lru_cache
from importlib import resources

import yaml

from skills.targeting.catalog import Catalog, Text, load_catalog
from skills.targeting.contactability import ConsentLookup, ContactabilityJudge, consent_ids
from skills.targeting.dedupe import company_groups
from skills.targeting.models import ChannelVerdict, ContactChannel, Lead
from skills.targeting.phones import parse_phone
from skills.targeting.repository import TargetingRepository
from skills.targeting.reputation import ReputationGuard
from tools.models import Channel, RecentTouch, RecipientCheck, RecipientStatus
from tools.recipients import AddressKind, address_key
from tools.saudi_time import BusinessHours

_CHANNELS: dict[Channel, ContactChannel] = {
    Channel.email: "email", Channel.whatsapp: "whatsapp", Channel.phone: "phone", Channel.sms: "phone",
}
LAST_TOUCHES = 5


class TargetingRecipients:
    """Answers the gateway's recipient questions from the targeting store and the consent registry."""

    def __init__(self, repository: TargetingRepository, consent: ConsentLookup, *,
                 hours: BusinessHours | None = None, catalog: Catalog | None = None) -> None:
        self._repo, self._consent = repository, consent
        self._hours = hours or BusinessHours()
        self._catalog = catalog or load_catalog()

    # -- the protocol ------------------------------------------------------------------------------
    def check(self, tenant: str, contact_id: str | None, channel: Channel, address: str,
              now: datetime) -> RecipientCheck | None:
        target = _CHANNELS.get(channel)
        found = self._lead(tenant, contact_id, address_key(address))
        if target is None or found is None:
            return None
        lead, members, owners = found
        key = address_key(address)
        ids = [m.lead_id for m in (lead, *members)]
        related = tuple(sorted({*ids, *owners}))
        touches = tuple(RecentTouch(channel=t.channel, at=t.at, replied=t.replied)
                        for t in self._repo.touches_of(tenant, related, limit=LAST_TOUCHES))
        common = {"contact_id": lead.lead_id, "last_touches": touches, "provenance": self._provenance(lead),
                  "related_ids": related}
        if key not in self._points(tenant, lead, members):
            text = _texts()["recipient_not_on_lead"]
            return RecipientCheck(status="blocked", reason_code="recipient_not_on_lead", reason_ar=text.ar,
                                  reason_en=text.en, address_known=False, **common)
        status, code, text = self._judge(tenant, lead, members, target, key, now)
        return RecipientCheck(status=status, reason_code=code, reason_ar=text.ar, reason_en=text.en,
                              address_known=True, **common)

    def record_touch(self, tenant: str, contact_id: str | None, channel: Channel, address: str,
                     at: datetime) -> None:
        target = _CHANNELS.get(channel)
        found = self._lead(tenant, contact_id, address_key(address), owners_too=False)
        if target is None or found is None:
            return
        lead = found[0]
        latest = self._repo.touches_of(tenant, [lead.lead_id], limit=1)
        if latest and latest[0].at == at and latest[0].channel == target:
            return  # the same delivery, reached through a second address of the same lead
        self._repo.record_touch(tenant, lead.lead_id, target, at)

    def add_contact_point(self, tenant: str, contact_id: str, kind: AddressKind, address: str,
                          at: datetime, by: str) -> bool:
        group = self._repo.lead_group(tenant, contact_id)
        if not group:
            return False
        self._repo.add_contact_point(tenant, group[0].lead_id, kind, address_key(address), at, by)
        return True

    # -- the parts ---------------------------------------------------------------------------------
    def _lead(self, tenant: str, contact_id: str | None, key: str, *, owners_too: bool = True
              ) -> tuple[Lead, list[Lead], list[str]] | None:
        """The kept lead, its merged duplicates, and every kept lead that has the address (not looked up
        without ``owners_too`` when the contact is known: then the list is empty)."""
        group = self._repo.lead_group(tenant, contact_id) if contact_id else []
        owners = self._repo.lead_ids_with_address(tenant, key) if owners_too or not group else []
        if not group and owners:
            # No contact named (or one we do not know): the address's own lead is who it reaches.
            group = self._repo.lead_group(tenant, owners[0])
        if not group:
            return None
        return group[0], group[1:], owners

    def _points(self, tenant: str, lead: Lead, members: list[Lead]) -> set[str]:
        people = (lead, *members)
        points = {m.email for m in people if m.email} | {m.phone.e164 for m in people if m.phone is not None}
        return points | self._repo.contact_points(tenant, [m.lead_id for m in people])

    def _judge(self, tenant: str, lead: Lead, members: list[Lead], channel: ContactChannel, key: str,
               now: datetime) -> tuple[RecipientStatus, str, Text]:
        recipient = _with_address(lead, channel, key)
        if recipient is None:
            text = _texts()["channel_unknown"]
            return "blocked", "channel_unknown", text
        policy = self._catalog.policy.reputation
        touches = self._repo.touches(tenant, now - timedelta(days=max(policy.cooldown_days, 7)))
        touched = self._repo.company_members(tenant, {t.lead_id for t in touches} - {lead.lead_id})
        company_of = company_groups([lead, *members, *touched])
        guard = ReputationGuard(touches, now=now, company_of=company_of, catalog=self._catalog)
        judge = ContactabilityJudge(tenant=tenant, consent=self._consent,
                                    do_not_contact=self._repo.do_not_contact(tenant), reputation=guard, now=now,
                                    hours=self._hours, catalog=self._catalog)
        # The lead's own address stays in view (its do-not-contact entry still counts) under an id no
        # consent or touch is recorded for, so nothing is counted twice.
        own = [lead.model_copy(update={"lead_id": f"{lead.lead_id}:own"})] if recipient != lead else []
        judge.prefetch(consent_ids([recipient, *members, *own]))  # one read of the registry, not one a channel
        verdict = judge.judge(recipient, [*members, *own]).channel(channel)
        if verdict.status in ("safe", "needs_review"):
            hold = guard.company_hold(company_of[lead.lead_id])
            if hold is not None:
                return "blocked", "company_cap", hold.reason
        status: RecipientStatus = "blocked" if verdict.status == "unknown" else verdict.status
        return status, self._code(verdict, lead), Text(ar=verdict.reason_ar, en=verdict.reason_en)

    def _code(self, verdict: ChannelVerdict, lead: Lead) -> str:
        """The catalog key of the verdict's reason (the judge's texts are the catalog's, formatted)."""
        for code, pattern in _reason_patterns(self._catalog):
            if pattern.match(verdict.reason_en):
                return code
        if lead.source.verdict != "safe" and verdict.reason_en.startswith(lead.source.reason_en):
            return f"source_{lead.source.verdict}"
        return f"contactability_{verdict.status}"

    def _provenance(self, lead: Lead) -> str:
        text = _texts()["provenance"]
        source = lead.source.raw or lead.source.source_id
        return text.ar.format(source=source, file=self._repo.import_file_name(lead.import_id) or lead.import_id,
                              row=lead.row_number)


def _with_address(lead: Lead, channel: ContactChannel, key: str) -> Lead | None:
    """The lead as the judge should see it for this one address (which may be a duplicate's or added)."""
    if channel == "email":
        return lead.model_copy(update={"email": key}) if "@" in key else None
    phone = parse_phone(key)
    return lead.model_copy(update={"phone": phone}) if phone is not None else None


_PATTERNS: dict[str, tuple[tuple[str, re.Pattern[str]], ...]] = {}


def _reason_patterns(catalog: Catalog) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """(key, pattern) for each contact message, the most specific (longest fixed text) first."""
    cached = _PATTERNS.get(catalog.digest)
    if cached is not None:
        return cached
    found = []
    for key, text in catalog.messages.contact.items():
        fixed = re.split(r"\{\w+\}", text.en)
        found.append((sum(len(part) for part in fixed), key,
                      re.compile(".*?".join(re.escape(part) for part in fixed), re.DOTALL)))
    patterns = tuple((key, pattern) for _, key, pattern in sorted(found, key=lambda item: (-item[0], item[1])))
    _PATTERNS[catalog.digest] = patterns
    return patterns


@lru_cache(maxsize=1)
def _texts() -> dict[str, Text]:
    raw = yaml.safe_load(resources.files("skills.targeting").joinpath("data/recipients.yaml").read_text("utf-8"))
    return {key: Text(ar=value["ar"], en=value["en"]) for key, value in raw.items()}
