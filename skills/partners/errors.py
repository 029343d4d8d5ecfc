"""Errors of the Partner OS.

    PartnerError                  base (a GatewayError): stable ``code``, ``message_ar``, ``message_en``
    ├── UnknownPartner            no candidate with that id for this tenant          (404)
    ├── ReferralNotFound          no referral with that id for this tenant           (404)
    ├── CommissionNotFound        no due commission with that id for this tenant     (404)
    ├── OfferOutOfBounds          a rate or duration outside the model's bounds      (422)
    ├── AmountInvalid             a deal amount that is not a number of at least one halala (422)
    ├── ChannelRefused            no opt-in for WhatsApp, or no address on record    (409)
    └── CandidatesFileError       the candidates file cannot be read                 (400)

Messages come from ``data/messages.yaml``; the API maps codes to HTTP in one place.
"""

from __future__ import annotations

from skills.partners.catalog import Text, load_catalog
from tools.errors import GatewayError


class PartnerError(GatewayError):
    code = "partner_error"

    def __init__(self, text: Text, *, code: str | None = None) -> None:
        super().__init__(text.ar, text.en, code=code)


class UnknownPartner(PartnerError):
    code = "unknown_partner"

    def __init__(self, partner_id: str) -> None:
        super().__init__(load_catalog().text("refusals", "unknown_partner", partner_id=partner_id))


class ReferralNotFound(PartnerError):
    code = "referral_not_found"

    def __init__(self, referral_id: str) -> None:
        super().__init__(load_catalog().text("refusals", "referral_not_found", referral_id=referral_id))


class CommissionNotFound(PartnerError):
    code = "commission_not_found"

    def __init__(self, commission_id: str) -> None:
        super().__init__(load_catalog().text("refusals", "commission_not_found", commission_id=commission_id))


class OfferOutOfBounds(PartnerError):
    code = "offer_out_of_bounds"


class AmountInvalid(PartnerError):
    code = "amount_invalid"

    def __init__(self, amount: object) -> None:
        super().__init__(load_catalog().text("refusals", "amount_invalid", amount=str(amount)[:40]))


class ChannelRefused(PartnerError):
    code = "channel_refused"


class CandidatesFileError(PartnerError):
    code = "candidates_file_invalid"

    def __init__(self, detail: str) -> None:
        super().__init__(load_catalog().text("refusals", "candidates_file", detail=detail))
