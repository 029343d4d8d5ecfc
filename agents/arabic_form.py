"""A lead's facts written the way a Saudi business reader expects (``agents/data/copy_lexicon.yaml``).

    greeting_name ... the Arabic name where the data gives one; else honorific + family name
                      («د. الحربي», «أ. ⁨Al-Mansoori⁩»); never "Unknown" or a placeholder
    city_display .... the Arabic city name in Arabic copy (الرياض, never "Riyadh"); empty when unknown
    company_display . the Arabic name when there is one; a Latin name inside bidi isolates
    role_of ......... the role a job title names (ceo, cfo, sales ...), which picks the angle and the ask

A Latin run inside Arabic text is wrapped in FSI … PDI (U+2068, U+2069), so a right-to-left
console or phone never shows "Al Noor Technology Co." as ".Al Noor Technology Co".
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

import yaml
from pydantic import BaseModel, ConfigDict

from agents.brief import Language, LeadBrief, Role, Situation

FSI, PDI = "\u2068", "\u2069"
_LATIN = re.compile(r"[A-Za-z]")
_ARABIC = re.compile(r"[\u0621-\u064A]")
_SPLIT = re.compile(r"[\s]+")
_KEY_ARTICLE = re.compile(r"^(?:al|el| al-|el-)\s*|^(?:al|el)(?=[a-z]{4,})")


class CopyLexicon(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str
    cities: dict[str, str]
    family_names: dict[str, str]
    first_names: dict[str, str]
    doctor_markers: tuple[str, ...]
    engineer_markers: tuple[str, ...]
    honorifics: tuple[str, ...]
    placeholder_names: tuple[str, ...]
    roles: dict[Role, tuple[str, ...]]
    situation_words: dict[Situation, tuple[str, ...]]


@lru_cache(maxsize=1)
def load_lexicon() -> CopyLexicon:
    raw = resources.files("agents").joinpath("data/copy_lexicon.yaml").read_bytes()
    return CopyLexicon.model_validate(yaml.safe_load(raw))


def has_latin(text: str) -> bool:
    return _LATIN.search(text) is not None


def has_arabic(text: str) -> bool:
    return _ARABIC.search(text) is not None


def isolate(text: str) -> str:
    """``text`` wrapped in FSI … PDI when it has Latin letters (for Arabic copy); as is otherwise."""
    text = text.strip()
    if not text or not has_latin(text) or (text.startswith(FSI) and text.endswith(PDI)):
        return text
    return f"{FSI}{text}{PDI}"


def _key(word: str) -> str:
    """A Latin word's lexicon key: lower case, no hyphen or dot, no leading article ("Al-Harbi" -> "harbi")."""
    folded = word.lower().replace("-", " ").replace(".", "").replace("'", "").strip()
    return _KEY_ARTICLE.sub("", folded).replace(" ", "")


def is_placeholder(name: str) -> bool:
    folded = name.strip().lower()
    return not folded or folded in load_lexicon().placeholder_names or not any(ch.isalpha() for ch in folded)


def _honorific(name: str, title: str) -> tuple[str, str, str]:
    """(name without its honorific, Arabic honorific, English honorific) from the name and the title."""
    lexicon = load_lexicon()
    words = [w for w in _SPLIT.split(name.strip()) if w]
    title_words = {w.lower() for w in _SPLIT.split(title.strip()) if w}
    doctor = any(w.lower() in lexicon.doctor_markers for w in words) or bool(title_words & set(lexicon.doctor_markers))
    engineer = any(w.lower() in lexicon.engineer_markers for w in words)
    markers = {*lexicon.doctor_markers, *lexicon.engineer_markers, *lexicon.honorifics}
    bare = " ".join(w for w in words if w.lower() not in markers)
    if doctor:
        return bare, "د.", "Dr."
    if engineer:
        return bare, "م.", "Eng."
    return bare, "أ.", ""


def _latin_parts(bare: str) -> tuple[str, str]:
    """(first name, family name) of a Latin name; the family name keeps its article ("Al Harbi")."""
    words = [w for w in _SPLIT.split(bare) if w]
    if len(words) <= 1:
        return (words[0] if words else ""), ""
    if len(words) >= 3 and words[-2].lower().rstrip("-") in ("al", "el", "bin", "ibn", "abu", "bu"):
        return words[0], f"{words[-2]} {words[-1]}"
    return words[0], words[-1]


def greeting_name(brief: LeadBrief, language: Language | None = None) -> str:
    """How the contact is addressed; empty when the data names no one (the greeting is then general)."""
    language = language or brief.language
    lexicon = load_lexicon()
    arabic_name = brief.contact_name_ar.strip() or (brief.contact_name.strip()
                                                    if has_arabic(brief.contact_name) else "")
    if language == "en":
        source = brief.contact_name.strip() if has_latin(brief.contact_name) else arabic_name
        if is_placeholder(source):
            return ""
        bare, _, honorific_en = _honorific(source, brief.title)
        return f"{honorific_en} {bare}".strip() if bare else ""
    if arabic_name and not is_placeholder(arabic_name):
        bare, honorific, _ = _honorific(arabic_name, brief.title)
        return f"{honorific} {bare}" if bare else ""
    if is_placeholder(brief.contact_name):
        return ""
    bare, honorific, _ = _honorific(brief.contact_name, brief.title)
    first, family = _latin_parts(bare)
    family_ar = lexicon.family_names.get(_key(family)) if family else None
    first_ar = lexicon.first_names.get(_key(first)) if first else None
    if family_ar and first_ar:
        return f"{honorific} {first_ar} {family_ar}"
    if family_ar:
        return f"{honorific} {family_ar}"
    if family:
        return f"{honorific} {isolate(family)}"
    return f"{honorific} {first_ar}" if first_ar else f"{honorific} {isolate(first)}" if first else ""


def city_display(brief: LeadBrief, language: Language | None = None) -> str:
    """The city as the draft's language writes it; empty when it cannot be written correctly."""
    language = language or brief.language
    city = brief.city.strip()
    if language == "en":
        return city if has_latin(city) else ""
    if brief.city_ar.strip():
        return brief.city_ar.strip()
    if has_arabic(city):
        return city
    folded = re.sub(r"[\s\-]+", " ", city.lower()).strip()
    cities = load_lexicon().cities
    return cities.get(folded) or cities.get(_KEY_ARTICLE.sub("", folded).strip()) or ""


def company_display(brief: LeadBrief, language: Language | None = None) -> str:
    """The company as the draft's language writes it: Arabic name first in Arabic copy, Latin runs isolated."""
    language = language or brief.language
    if language == "ar":
        return isolate(brief.company_name_ar.strip() or brief.company_name.strip())
    name = brief.company_name.strip() if has_latin(brief.company_name) else (brief.company_name_ar.strip()
                                                                            or brief.company_name.strip())
    return name


def role_of(title: str) -> Role:
    """The role a job title names; 'other' when none matches. The first role listed wins a tie."""
    folded = f" {title.strip().lower()} "
    for role, markers in load_lexicon().roles.items():
        for marker in markers:
            if has_latin(marker):
                if re.search(rf"(?<![a-z]){re.escape(marker.strip())}(?![a-z])", folded):
                    return role
            elif marker in folded:
                return role
    return "other"
