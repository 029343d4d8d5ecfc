"""The Partner OS as one service: candidates -> scorecards -> suggestions, offers, briefs, drafts, revenue.

What the partner_strategist skill node, the API and the CLI call. Dependencies are injected (the
repository, a clock, the PII masker, and the gateway when one is given). Suggestions are recorded
with the gateway as the internal, suggest-only ``partner.suggest`` action; a refused channel (a
cold WhatsApp) is recorded in the audit log. Nothing here sends or drafts into any mailbox: the
partner graph turns a ready draft into a ``gmail.draft`` / ``whatsapp.draft`` call and the gateway
decides (the review-first overlay makes it wait for a person).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from skills.partners.briefs import meeting_brief
from skills.partners.candidates import read_candidates
from skills.partners.catalog import Catalog, load_catalog
from skills.partners.drafts import SKILL, draft_intro
from skills.partners.errors import ChannelRefused, UnknownPartner
from skills.partners.models import (
    DraftChannel,
    MeetingBrief,
    OfferModel,
    PartnerCandidate,
    PartnerDraft,
    PartnerOffer,
    PartnerProfile,
    PartnerSuggestion,
    Scorecard,
)
from skills.partners.offers import build_offer, recommended_model
from skills.partners.repository import PartnerRepository
from skills.partners.revenue import RevenueTracker
from skills.partners.scoring import score_partner
from skills.partners.suggestions import first_channel, suggest
from skills.support.business_time import BusinessCalendar, default_calendar
from skills.targeting.ranking import Icp
from tools.gateway import Gateway
from tools.models import GatewayResult, ToolCall
from tools.pii import PiiMasker

SAMPLE_FILE = Path(__file__).resolve().parents[2] / "samples" / "partner_candidates.csv"


class PartnerService:
    def __init__(self, repository: PartnerRepository, *, tenant: str, clock: Callable[[], datetime],
                 masker: PiiMasker, gateway: Gateway | None = None, icp: Icp | None = None,
                 profile: PartnerProfile | None = None, calendar: BusinessCalendar | None = None,
                 sample_file: Path | None = SAMPLE_FILE, catalog: Catalog | None = None) -> None:
        self.repository, self.tenant, self.clock, self.masker = repository, tenant, clock, masker
        self.gateway = gateway
        self.catalog = catalog or load_catalog()
        self.icp = icp or Icp.default()
        self.profile = profile or self.catalog.profile
        self.calendar = calendar or default_calendar()
        self.sample_file = sample_file
        self.tracker = RevenueTracker(repository, tenant=tenant, catalog=self.catalog)

    # -- candidates ------------------------------------------------------------------------
    def import_candidates(self, path: Path) -> int:
        return self.repository.replace_candidates(self.tenant, read_candidates(path), self.clock())

    def candidates(self) -> list[PartnerCandidate]:
        """The tenant's stored candidates; the bundled sample list while it has none."""
        stored = self.repository.candidates(self.tenant)
        if stored or self.sample_file is None:
            return stored
        return read_candidates(self.sample_file)

    def candidate(self, partner_id: str) -> PartnerCandidate:
        found = next((c for c in self.candidates() if c.partner_id == partner_id), None)
        if found is None:
            raise UnknownPartner(partner_id)
        return found

    # -- scoring and suggestions -------------------------------------------------------------
    def score(self, candidate: PartnerCandidate) -> Scorecard:
        return score_partner(candidate, icp=self.icp, profile=self.profile, catalog=self.catalog)

    def suggest(self, top: int | None = 10, *, record: bool = True,
                thread_id: str = "adhoc") -> list[PartnerSuggestion]:
        suggestions = suggest(self.candidates(), icp=self.icp, profile=self.profile, top=top, catalog=self.catalog)
        if record:
            self.record_suggestions(suggestions, thread_id=thread_id)
        return suggestions

    def record_suggestions(self, suggestions: list[PartnerSuggestion], *, thread_id: str = "adhoc",
                           proof: bool = False) -> GatewayResult | None:
        """The internal ``partner.suggest`` decision: ids and scores only, no contact data.

        With ``proof`` (a partner graph run) it is invoked, and the gateway records its
        ``partner_suggested`` work unit; a plain listing (API, CLI) is decided and audited only,
        so reading the list again does not inflate the proof ledger.
        """
        if self.gateway is None:
            return None
        record = self.gateway.invoke if proof else self.gateway.decide
        return record(ToolCall(
            tenant=self.tenant, skill=SKILL, action="partner.suggest", thread_id=thread_id,
            tool_call_id="partner_strategist:suggest",
            args={"partners": [s.scorecard.partner_id for s in suggestions],
                  "scores": [s.scorecard.total for s in suggestions],
                  "competitors": [s.scorecard.partner_id for s in suggestions if s.scorecard.competitor.flagged],
                  "weights_version": self.catalog.scorecard.version},
        ))

    # -- offers and briefs -------------------------------------------------------------------
    def offer(self, partner_id: str, *, model: OfferModel | None = None, rate_pct: float | None = None,
              duration_months: int | None = None) -> PartnerOffer:
        candidate = self.candidate(partner_id)
        card = self.score(candidate)
        return build_offer(candidate, card.competitor, model=model, rate_pct=rate_pct,
                           duration_months=duration_months, profile=self.profile, catalog=self.catalog)

    def brief(self, partner_id: str, *, model: OfferModel | None = None) -> MeetingBrief:
        candidate = self.candidate(partner_id)
        card = self.score(candidate)
        offer = build_offer(candidate, card.competitor, model=model, profile=self.profile, catalog=self.catalog)
        return meeting_brief(candidate, card, offer, now=self.clock(), calendar=self.calendar, catalog=self.catalog)

    # -- drafts ------------------------------------------------------------------------------
    def draft(self, partner_id: str, channel: DraftChannel | None = None) -> PartnerDraft:
        """The guarded introduction text. A refused channel is audited and raised (Arabic reason)."""
        candidate = self.candidate(partner_id)
        chosen = channel or first_channel(candidate) or "email"
        model = recommended_model(candidate, self.score(candidate).competitor, self.catalog)
        try:
            return draft_intro(candidate, channel=chosen, model=model, masker=self.masker, icp=self.icp,
                               profile=self.profile, catalog=self.catalog)
        except ChannelRefused as refused:
            if self.gateway is not None:
                self.gateway.audit.record(
                    tenant=self.tenant, kind="draft_refused", actor=SKILL,
                    action="whatsapp.draft" if chosen == "whatsapp" else "gmail.draft",
                    payload={"skill": SKILL, "partner_id": partner_id, "reason_code": refused.code,
                             "contact_id": f"partner:{partner_id}"},
                    ts=self.clock())
            raise
