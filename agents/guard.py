"""The output guard: every generated text passes it before it can become a draft.

Checks, each with a stable code and an Arabic explanation for the reviewer:

    arabic_missing     asked for Arabic, but the text is not mostly Arabic
    guarantee_claim    promises an outcome ("نضمن لك", "guaranteed results")
    discount_first     leads with a price cut ("خصم 30%")
    placeholder        an unfilled placeholder ({{name}}, [الاسم], XXX)
    too_long           over the channel's length limit (body or subject)
    unsupported_fact   a number or link that is not in the lead's data
    other_pii          a phone, email, id, IBAN or name that belongs to someone else

The rules are data (``agents/data/guard.yaml``). A failing draft is retried by the agent and,
if it still fails, goes to review; it is never executed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from tools.pii import PiiMasker

GuardCode = Literal[
    "arabic_missing", "guarantee_claim", "discount_first", "placeholder", "too_long", "unsupported_fact",
    "other_pii",
]
Channel = Literal["email", "whatsapp"]
Language = Literal["ar", "en"]

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_ARABIC = re.compile(r"[\u0621-\u064A\u0671-\u06D3]")
_LETTER = re.compile(r"[^\W\d_]")
_TAG = re.compile(r"\[(PHONE|EMAIL|ID|IBAN|NUMBER|NAME):[0-9a-f]{8}\]")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_LINK = re.compile(r"(?:https?://|www\.)\S+|\b[a-z0-9-]+\.(?:com|sa|net|org|io)(?:\.sa)?\b", re.IGNORECASE)

_MESSAGES_AR: dict[GuardCode, str] = {
    "arabic_missing": "المسودة مطلوبة بالعربية لكن نصها ليس عربياً في معظمه.",
    "guarantee_claim": "المسودة تَعِد بنتائج مضمونة، وهذا غير مسموح.",
    "discount_first": "المسودة تبدأ بخصم أو عرض سعري، والتسعير يُناقش لاحقاً ضمن الحدود المعتمدة.",
    "placeholder": "في المسودة حقل لم يُملأ.",
    "too_long": "المسودة أطول من الحد المسموح لهذه القناة.",
    "unsupported_fact": "في المسودة رقم أو رابط غير موجود في بيانات الجهة.",
    "other_pii": "في المسودة بيانات شخصية تخص جهة اتصال أخرى.",
}


class _Limit(BaseModel):
    body: int = Field(gt=0)
    subject: int = Field(ge=0)


class GuardRules(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str
    guarantee_patterns: tuple[str, ...]
    discount_patterns: tuple[str, ...]
    placeholder_patterns: tuple[str, ...]
    limits: dict[Channel, _Limit]
    arabic_min_share: float = Field(ge=0, le=1)


@lru_cache(maxsize=1)
def load_guard_rules() -> GuardRules:
    raw = resources.files("agents").joinpath("data/guard.yaml").read_bytes()
    return GuardRules.model_validate(yaml.safe_load(raw))


@lru_cache(maxsize=1)
def _compiled() -> dict[str, tuple[re.Pattern[str], ...]]:
    rules = load_guard_rules()
    return {
        name: tuple(re.compile(p, re.IGNORECASE) for p in getattr(rules, f"{name}_patterns"))
        for name in ("guarantee", "discount", "placeholder")
    }


class GuardProblem(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: GuardCode = Field(description="Stable machine code of the failed check.")
    message_ar: str = Field(description="Why, in Arabic, for the reviewer.")
    detail: str = Field(description="What matched, with personal data masked.")


class GuardReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    ok: bool = Field(description="True when every check passed.")
    problems: tuple[GuardProblem, ...] = Field(default=(), description="Every failed check.")
    rules_version: str = Field(description="Version of the guard rules file that was applied.")

    def summary(self) -> str:
        return "; ".join(f"{p.code}: {p.detail}" for p in self.problems)


class DraftFacts(BaseModel):
    """What a draft may draw on: this lead's data and the sender's profile, and who it must not name."""

    model_config = ConfigDict(frozen=True)

    allowed_values: tuple[str, ...] = Field(description="Every value of this lead and the sender profile.")
    own_contacts: tuple[str, ...] = Field(default=(), description="This contact's own phones and emails.")
    other_names: tuple[str, ...] = Field(default=(), description="Names of other contacts in the same batch.")
    other_contacts: tuple[str, ...] = Field(default=(), description="Phones and emails of other contacts.")


def check_text(*, body: str, subject: str | None, channel: Channel, language: Language, facts: DraftFacts,
               masker: PiiMasker) -> GuardReport:
    """Run every check; the report lists all problems, not only the first."""
    rules = load_guard_rules()
    patterns = _compiled()
    text = f"{subject or ''}\n{body}".translate(_DIGITS)
    problems: list[GuardProblem] = []

    def add(code: GuardCode, detail: str) -> None:
        problems.append(GuardProblem(code=code, message_ar=_MESSAGES_AR[code], detail=masker.mask_text(detail)))

    if language == "ar" and _arabic_share(body) < rules.arabic_min_share:
        add("arabic_missing", f"arabic share {_arabic_share(body):.2f}")
    for code, name in (("guarantee_claim", "guarantee"), ("discount_first", "discount"),
                       ("placeholder", "placeholder")):
        hit = _first_match(patterns[name], text)
        if hit is not None:
            add(code, hit)  # type: ignore[arg-type]
    limit = rules.limits[channel]
    if len(body) > limit.body:
        add("too_long", f"body {len(body)} > {limit.body}")
    if subject is not None and len(subject) > limit.subject:
        add("too_long", f"subject {len(subject)} > {limit.subject}")

    masked = masker.with_names(facts.other_names).mask_text(text)
    allowed_tags = _tags(masker, facts.own_contacts)
    foreign = [m.group(0) for m in _TAG.finditer(masked) if m.group(0) not in allowed_tags]
    if foreign:
        add("other_pii", ", ".join(sorted(set(foreign))))
    else:
        leaked = [value for value in facts.other_contacts if value and value in text]
        if leaked:
            add("other_pii", f"{len(leaked)} value(s) of other contacts")

    allowed_text = " ".join(facts.allowed_values).translate(_DIGITS)
    allowed_numbers = set(_NUMBER.findall(allowed_text))
    unsupported = [n for n in _NUMBER.findall(_TAG.sub(" ", masked)) if n not in allowed_numbers]
    links = [link for link in _LINK.findall(text) if link.lower() not in allowed_text.lower()]
    if unsupported or links:
        add("unsupported_fact", ", ".join([*unsupported, *links]))
    return GuardReport(ok=not problems, problems=tuple(problems), rules_version=rules.version)


def _arabic_share(text: str) -> float:
    letters = _LETTER.findall(text)
    if not letters:
        return 0.0
    return sum(1 for ch in letters if _ARABIC.match(ch)) / len(letters)


def _first_match(patterns: Iterable[re.Pattern[str]], text: str) -> str | None:
    for pattern in patterns:
        match = pattern.search(text)
        if match is not None:
            return match.group(0)
    return None


def _tags(masker: PiiMasker, values: Iterable[str]) -> set[str]:
    return {m.group(0) for value in values if value for m in _TAG.finditer(masker.mask_text(value))}
