"""The one loader of the Targeting OS's data files (``data/*.yaml``), typed and hashed.

Synonyms, cities, sources, sectors, committee titles, signal keywords, messages and the
targeting policy are data, not code. :func:`load_catalog` reads them once, validates each file
against its model and records a digest of all of them, so a ranking can say which data it used.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from skills.targeting.models import CommitteeRole, EvidenceStrength, FieldName, SignalKind, SourceVerdict

DATA_DIR = Path(__file__).parent / "data"
# Formatted messages, keyed by the template itself and the parameters: a 100k ranking formats the
# same few hundred sentences (one source reason, city, role or signal) about a million times.
_FORMATTED: dict[tuple[object, ...], Text] = {}
_FORMATTED_MAX = 1 << 15
MessageGroup = Literal["import", "dedupe", "contact", "channel", "rank", "risk"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


@dataclass(frozen=True, slots=True)
class Text:
    """One sentence in Arabic and English, with ``{placeholders}``.

    A dataclass, not a model: pydantic validates it when the catalog loads, and formatting one per
    lead and reason stays cheap.
    """

    ar: str
    en: str

    def format(self, **params: object) -> Text:
        return Text(ar=self.ar.format(**params), en=self.en.format(**params))


class HeadersFile(_Frozen):
    fields: dict[FieldName, list[str]]
    consent_values: dict[Literal["opt_out", "whatsapp_opt_in", "opt_in", "refused"], list[str]]
    consent_scopes: dict[Literal["whatsapp", "email"], list[str]] = Field(
        description="Words in a consent column's header that say which channel it speaks of.")


class NotesFile(_Frozen):
    max_quote_chars: int = Field(ge=20, le=300)
    opt_out: list[str]
    instruction: list[str]


class City(_Frozen):
    name_ar: str
    name_en: str
    region: str
    aliases: list[str] = Field(default_factory=list)


class CitiesFile(_Frozen):
    cities: dict[str, City]


class SourceRule(_Frozen):
    verdict: SourceVerdict
    relationship: int = Field(ge=0, le=100)
    aliases: list[str] = Field(default_factory=list)
    reason_ar: str
    reason_en: str


class SourcesFile(_Frozen):
    sources: dict[str, SourceRule]
    blocked_words: list[str]
    unknown: SourceRule
    missing: SourceRule


class CompaniesFile(_Frozen):
    legal_words: dict[Literal["ar", "en"], list[str]]
    free_email_domains: list[str]


class Sector(_Frozen):
    name_ar: str
    keywords: list[str]


class SizeBand(_Frozen):
    band: str
    min: int = Field(ge=1)
    name_ar: str


class SectorsFile(_Frozen):
    sectors: dict[str, Sector]
    size_bands: list[SizeBand]


class CommitteeRule(_Frozen):
    role: CommitteeRole
    keywords: list[str]


class CommitteeFile(_Frozen):
    rules: list[CommitteeRule]


class SignalRule(_Frozen):
    weight: int = Field(ge=0, le=100)
    name_ar: str
    keywords: list[str]


class SignalsFile(_Frozen):
    signals: dict[SignalKind, SignalRule]


class MessagesFile(_Frozen):
    import_: dict[str, Text] = Field(alias="import")
    dedupe: dict[str, Text]
    contact: dict[str, Text]
    channel: dict[str, Text]
    rank: dict[str, Text]
    risk: dict[str, Text]
    names: dict[str, dict[str, str]]


class Weights(_Frozen):
    fit: float
    why_now: float
    contactability: float
    relationship: float


class FitPolicy(_Frozen):
    target_sectors: list[str]
    target_cities: list[str]
    target_size_bands: list[str]
    points: dict[Literal["sector", "city", "size", "role", "completeness"], int]
    role_points: dict[CommitteeRole, int]


class WhyNowPolicy(_Frozen):
    extra_signal_share: float = Field(ge=0, le=1)


class ReputationPolicy(_Frozen):
    contact_max_per_week: int = Field(ge=0)
    company_max_per_week: int = Field(ge=0)
    cooldown_after_unanswered: int = Field(ge=1)
    cooldown_days: int = Field(ge=0)


class SelectionPolicy(_Frozen):
    pool_size: int = Field(ge=1)
    top: int = Field(ge=1)
    max_per_company: int = Field(ge=1)


class DedupePolicy(_Frozen):
    name_match: float
    name_conflict: float
    company_match: float
    same_name_city: float
    max_block: int = Field(ge=2)


class ConsentEvidencePolicy(_Frozen):
    strong: list[str] = Field(description="Source ids whose consent column is strong evidence.")
    none: list[str] = Field(description="Source ids whose consent column proves nothing.")

    def strength(self, source_id: str) -> EvidenceStrength:
        if source_id in self.strong:
            return "strong"
        return "none" if source_id in self.none else "weak"


class PolicyFile(_Frozen):
    version: str
    weights: Weights
    contactability_score: dict[Literal["safe", "needs_review", "unknown", "blocked"], int]
    fit: FitPolicy
    why_now: WhyNowPolicy
    reputation: ReputationPolicy
    consent_evidence: ConsentEvidencePolicy
    selection: SelectionPolicy
    dedupe: DedupePolicy


class Catalog(_Frozen):
    headers: HeadersFile
    cities: CitiesFile
    sources: SourcesFile
    companies: CompaniesFile
    sectors: SectorsFile
    committee: CommitteeFile
    signals: SignalsFile
    notes: NotesFile
    messages: MessagesFile
    policy: PolicyFile
    digest: str = Field(description="sha256 over every data file, in name order.")

    def message(self, group: MessageGroup, key: str, **params: object) -> Text:
        table: dict[str, Text] = getattr(self.messages, "import_" if group == "import" else group)
        template = table[key]
        if not params:
            return template
        # The type is part of the key: 1, 1.0 and True are equal but are formatted differently.
        cache_key = (template, *[(name, type(value), value) for name, value in params.items()])
        try:
            return _FORMATTED[cache_key]
        except KeyError:
            pass
        except TypeError:  # an unhashable parameter: format it every time
            return template.format(**params)
        if len(_FORMATTED) >= _FORMATTED_MAX:
            _FORMATTED.clear()
        text = _FORMATTED[cache_key] = template.format(**params)
        return text

    def name_ar(self, kind: str, key: str) -> str:
        return self.messages.names[kind].get(key, key)


_FILES: dict[str, type[_Frozen]] = {
    "headers": HeadersFile,
    "cities": CitiesFile,
    "sources": SourcesFile,
    "companies": CompaniesFile,
    "sectors": SectorsFile,
    "committee": CommitteeFile,
    "signals": SignalsFile,
    "notes": NotesFile,
    "messages": MessagesFile,
    "policy": PolicyFile,
}


def read_catalog(data_dir: Path = DATA_DIR) -> Catalog:
    """Read and validate every data file in ``data_dir`` (tests point it at a copy)."""
    digest = hashlib.sha256()
    parts: dict[str, _Frozen] = {}
    for name in sorted(_FILES):
        raw = (data_dir / f"{name}.yaml").read_bytes()
        digest.update(name.encode() + b"\0" + raw)
        parts[name] = _FILES[name].model_validate(yaml.safe_load(raw))
    return Catalog.model_validate({**parts, "digest": digest.hexdigest()})


@lru_cache(maxsize=1)
def load_catalog() -> Catalog:
    """The bundled catalog, read on first use and cached."""
    return read_catalog()
