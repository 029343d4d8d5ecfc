"""The one loader of the Partner OS's data files (``data/*.yaml``), typed, validated and hashed.

Scorecard weights, partner types, offer models and their bounds, the default tenant profile and
every sentence a person reads are data. :func:`load_catalog` reads them once; a scorecard names
the version it was computed with.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from skills.partners.models import COMPONENTS, Component, OfferModel, PartnerProfile, PartnerType, PaymentKind

DATA_DIR = Path(__file__).parent / "data"
Place = Literal["icp_city", "national", "online", "same_region", "other"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


@dataclass(frozen=True, slots=True)
class Text:
    """One sentence in Arabic and English, with ``{placeholders}``."""

    ar: str
    en: str

    def format(self, **params: object) -> Text:
        return Text(ar=self.ar.format(**params), en=self.en.format(**params))


class _TextModel(_Frozen):
    ar: str
    en: str


class TypeProfile(_Frozen):
    name_ar: str
    name_en: str
    affinity: int = Field(ge=0, le=100)
    client_referral_rate: float = Field(ge=0, le=1)
    audience_referral_rate: float = Field(ge=0, le=1)
    offer: OfferModel


class _Points(_Frozen):
    points: dict[str, float]


class _Reach(_Frozen):
    per_client: float = Field(gt=0)
    full_at: float = Field(gt=0)


class _Trust(_Frozen):
    points: dict[Literal["years", "references", "cr_verified", "relationship"], float]
    years_full_at: int = Field(gt=0)
    references_full_at: int = Field(gt=0)
    relationship: dict[Literal["none", "met", "worked_together"], float]


class _Overlap(_Frozen):
    points: dict[Literal["sectors", "place"], float]
    place: dict[Place, float]


class _Revenue(_Frozen):
    full_at_sar: float = Field(gt=0)


class _Competitor(_Frozen):
    penalty: float = Field(ge=0, le=100)


class ScorecardFile(_Frozen):
    version: str
    weights: dict[Component, float]
    fit: _Points
    reach: _Reach
    trust: _Trust
    overlap: _Overlap
    revenue: _Revenue
    competitor: _Competitor
    types: dict[PartnerType, TypeProfile]

    @model_validator(mode="after")
    def _complete(self) -> ScorecardFile:
        if set(self.weights) != set(COMPONENTS):
            raise ValueError(f"weights must name exactly {COMPONENTS}")
        if abs(sum(self.weights.values()) - 1.0) > 1e-9:
            raise ValueError("scorecard weights must sum to 1")
        if set(self.types) != set(PartnerType):
            raise ValueError("every partner type needs a profile")
        return self


class Bound(_Frozen):
    default: float
    min: float
    max: float

    @model_validator(mode="after")
    def _ordered(self) -> Bound:
        if not self.min <= self.default <= self.max:
            raise ValueError("a bound needs min <= default <= max")
        return self


class _Payment(_Frozen):
    kind: PaymentKind
    days: int = Field(ge=0, le=120)


class OfferModelSpec(_Frozen):
    name_ar: str
    name_en: str
    rate_pct: Bound
    duration_months: Bound
    payment: _Payment
    attribution_days: int = Field(ge=0)
    basis_ar: str
    basis_en: str


class OffersFile(_Frozen):
    version: str
    models: dict[OfferModel, OfferModelSpec]
    payment_timing_ar: dict[PaymentKind, str]
    clauses_ar: tuple[str, ...] = Field(min_length=1)


class _ProfileFile(_Frozen):
    version: str
    profile: PartnerProfile


class _BriefTexts(_Frozen):
    objective: _TextModel
    agenda: tuple[str, ...]
    questions: tuple[str, ...]
    risk_competitor: str
    risk_low_trust: str
    risk_unreachable: str
    risk_none: str
    next_step: _TextModel


class MessagesFile(_Frozen):
    version: str
    components: dict[Component, str]
    services_ar: dict[str, str]
    places_ar: dict[str, str]
    reasons: dict[str, _TextModel]
    assumptions: dict[str, str]
    competitor: dict[Literal["shared", "declared"], _TextModel]
    offer: dict[str, _TextModel]
    commission: dict[str, _TextModel]
    brief: _BriefTexts
    refusals: dict[str, _TextModel]
    channels_ar: dict[str, str]
    weekdays_ar: tuple[str, str, str, str, str, str, str]
    slot_ar: str
    card: dict[str, str]


@dataclass(frozen=True)
class Catalog:
    scorecard: ScorecardFile
    offers: OffersFile
    profile: PartnerProfile
    messages: MessagesFile
    digest: str

    def text(self, group: Literal["reasons", "offer", "commission", "refusals"], key: str, **params: object) -> Text:
        raw = getattr(self.messages, group)[key]
        return Text(raw.ar, raw.en).format(**params)

    def service_ar(self, tag: str) -> str:
        return self.messages.services_ar.get(tag, tag)

    def type_profile(self, partner_type: PartnerType) -> TypeProfile:
        return self.scorecard.types[partner_type]


def _read(name: str) -> tuple[bytes, object]:
    raw = (DATA_DIR / name).read_bytes()
    return raw, yaml.safe_load(raw)


@lru_cache(maxsize=1)
def load_catalog() -> Catalog:
    digest = hashlib.sha256()
    parsed: dict[str, object] = {}
    for name in ("scorecard.yaml", "offers.yaml", "profile.yaml", "messages.yaml"):
        raw, data = _read(name)
        digest.update(name.encode() + b"\0" + raw)
        parsed[name] = data
    return Catalog(
        scorecard=ScorecardFile.model_validate(parsed["scorecard.yaml"]),
        offers=OffersFile.model_validate(parsed["offers.yaml"]),
        profile=_ProfileFile.model_validate(parsed["profile.yaml"]).profile,
        messages=MessagesFile.model_validate(parsed["messages.yaml"]),
        digest=digest.hexdigest()[:16],
    )
