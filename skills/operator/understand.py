"""Reading a chat request into the intents it holds, each with its slots, before anything runs.

    request ─▶ fold (spelling tricks) ─▶ clauses ─▶ per clause:
                 asks for a forbidden act? ── mentions it only (a question, content to publish by hand)
                 │                              └─▶ served: policy_explain | content_draft
                 └─▶ Step(kind="refuse", action=<the gateway action>) ── sent to the gateway as that act
               else the first intent whose cue matches ─▶ Step(kind="serve", intent=...)
               else (a reason, a name, an amount) ─▶ joins the clause before it
    slots ...... action, channel, target, amount, date, number, top N, period, consent claim

Nothing here acts: the plan goes to the handlers, and every refusal to the gateway. The lexicon is
data (``data/understanding.yaml``); the same text always gives the same plan.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from skills.operator.classifier import classify, detect_lang, period_of, top_n_of
from skills.operator.fold import Aliases, fold, fold_letters
from skills.operator.intents import ConsentClaim, Lang, Slots
from tools.saudi_time import RIYADH

StepKind = Literal["serve", "refuse"]

SERVED_INTENTS = ("approval_decide", "pending_approvals", "status_today", "targeting_rank", "draft_lead",
                  "inbound_reply", "negotiation_respond", "negotiation_draft", "invoice_draft", "meeting_draft",
                  "crm_update", "sheets_export", "deal_add", "consent_opt_in", "consent_opt_out", "proof_pack",
                  "blocked_report", "sla_breaches", "partners", "support", "policy_explain", "content_draft", "help")


class _Rule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    action: str
    reason_codes: tuple[str, ...]
    patterns: tuple[str, ...]
    unless: tuple[str, ...] = ()


class _IntentCue(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    intent: str
    cues: tuple[str, ...]


class _Mention(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    content: tuple[str, ...]
    explain: tuple[str, ...]


class _Split(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    separators: tuple[str, ...]
    tails: tuple[str, ...]
    quotes: tuple[str, ...]
    arabic_and_verbs: tuple[str, ...]


class _Claims(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    denied: tuple[str, ...]
    verbal: tuple[str, ...]


class Lexicon(BaseModel):
    """``data/understanding.yaml`` as loaded (patterns still with their {term} placeholders)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str
    aliases: dict[str, tuple[str, ...]]
    terms: dict[str, tuple[str, ...]]
    acts: tuple[_Rule, ...]
    mention: _Mention
    split: _Split
    intents: tuple[_IntentCue, ...]
    ordinals: dict[str, int]
    claims: _Claims


class Act(BaseModel):
    """A forbidden act the chat knows: its gateway action and the refusals that are its own."""

    model_config = ConfigDict(frozen=True)

    id: str
    action: str
    reason_codes: tuple[str, ...]


class Step(BaseModel):
    """One thing a message asks for: served by an intent, or refused as a gateway action."""

    model_config = ConfigDict(frozen=True)

    kind: StepKind
    intent: str = Field(description="The intent served, or 'refusal'.")
    act: str | None = Field(default=None, description="The forbidden act's id, for a refusal.")
    action: str | None = Field(default=None, description="The gateway action a refusal is sent as.")
    text: str = Field(description="The clause, folded.")
    slots: Slots = Field(default_factory=Slots)


class Understanding(BaseModel):
    model_config = ConfigDict(frozen=True)

    text: str
    lang: Lang
    steps: tuple[Step, ...]

    @property
    def refusals(self) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if s.kind == "refuse")

    @property
    def served(self) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if s.kind == "serve")


# ------------------------------------------------------------------------------ loading
@lru_cache(maxsize=1)
def load_lexicon() -> Lexicon:
    raw = resources.files("skills.operator").joinpath("data/understanding.yaml").read_bytes()
    return Lexicon.model_validate(yaml.safe_load(raw))


def _term(term: str) -> str:
    body = fold_letters(term) if not any(c in term for c in "\\(?[") else term
    if body[:1].isascii() and body[:1].isalpha():
        return r"\b" + body
    if body[:1] and not body[:1].isascii():
        return r"(?<!\w)[وفبلك]?(?:ال)?" + body
    return body


class _Compiled:
    def __init__(self, lexicon: Lexicon) -> None:
        self.aliases = Aliases(lexicon.aliases)
        terms = {name: "(?:" + "|".join(_term(t) for t in values) + ")" for name, values in lexicon.terms.items()}

        def rx(pattern: str) -> re.Pattern[str]:
            return re.compile(re.sub(r"\{(\w+)\}", lambda m: terms[m.group(1)], pattern))

        self.acts = [(rule, [rx(p) for p in rule.patterns], [rx(p) for p in rule.unless]) for rule in lexicon.acts]
        self.content = [rx(p) for p in lexicon.mention.content]
        self.explain = [rx(p) for p in lexicon.mention.explain]
        self.intents = [(cue.intent, [rx(p) for p in cue.cues]) for cue in lexicon.intents]
        verbs = "|".join(re.escape(v) for v in lexicon.split.arabic_and_verbs)
        self.splitter = re.compile("|".join([*lexicon.split.separators, rf"(?<=\s)(?=و(?:{verbs}))"]))
        self.tails = [re.compile(p) for p in lexicon.split.tails]
        self.quotes = re.compile("|".join(lexicon.split.quotes))
        self.ordinals = lexicon.ordinals
        self.denied = [rx(p) for p in lexicon.claims.denied]
        self.verbal = [rx(p) for p in lexicon.claims.verbal]
        self.purchased = rx("{purchased}")
        self.bulk = rx("{bulk}")


@lru_cache(maxsize=1)
def _compiled() -> _Compiled:
    return _Compiled(load_lexicon())


def acts() -> tuple[Act, ...]:
    """Every forbidden act the chat recognises (the console's skill may ask the gateway about these)."""
    return tuple(Act(id=r.id, action=r.action, reason_codes=r.reason_codes) for r in load_lexicon().acts)


def acts_named(text: str) -> list[str]:
    """The gateway actions a text names, asked for or only mentioned ("why can't we scrape LinkedIn?")."""
    norm = _compiled().quotes.sub(f" {QUOTED} ", folded(text))
    found = [rule.action for clause in _clauses(norm) if (rule := _act_of(clause)) is not None]
    return list(dict.fromkeys(found))


def folded(text: str) -> str:
    return fold(text, _compiled().aliases)


# ------------------------------------------------------------------------------ reading
def _any(patterns: list[re.Pattern[str]], text: str) -> bool:
    return any(p.search(text) for p in patterns)


def _act_of(clause: str) -> _Rule | None:
    for rule, patterns, unless in _compiled().acts:
        if _any(patterns, clause) and not _any(unless, clause):
            return rule
    return None


def _intent_of(clause: str) -> str | None:
    for intent, cues in _compiled().intents:
        if _any(cues, clause):
            return intent
    return None


def _clauses(norm: str) -> list[str]:
    parts = [p.strip(" ,.:-") for p in _compiled().splitter.split(norm)]
    return [p for p in parts if p and p.strip()]


_CHANNELS = (("whatsapp", "whatsapp"), ("linkedin", "linkedin"), ("email", "email"), ("calendar", "calendar"),
             ("socialnet", "social"), ("sheet", "sheet"), ("crm", "crm"))
_AMOUNT = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s*(k\b|الف|الاف|آلاف)?\s*(sar\b|ريال|ر\.س|riyals?\b|rs\b)?")
_WEEKDAYS = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6,
             "الاثنين": 0, "الثلاثاء": 1, "الاربعاء": 2, "الخميس": 3, "الجمعه": 4, "السبت": 5, "الاحد": 6}
_HOUR = re.compile(r"(?:\bat |الساعه )(\d{1,2})(?::(\d{2}))?")
_TARGET_AFTER = re.compile(r"\b(?:for|to|with|about)\s+(?:the\s+)?([A-Z][\w-]+(?:\s+(?:Al[- ])?[A-Z][\w-]+){0,3})")
_AR_NAME_AFTER = re.compile(r"(?:(?<!\w)(?:الي|الى|إلى|مع|لصفقه|لصفقة|صفقه|صفقة|لـ|ل)\s*)"
                            r"((?:ال)?[\u0621-\u064a]{2,}(?:\s+[\u0621-\u064a]{3,})?)")
_AR_STOP = frozenset({"العميل", "العملاء", "عميل", "الاستاذ", "الأستاذ", "كل", "لكل", "جميع", "القائمة", "هم", "لهم",
                      "له", "لها", "مسودة", "موعد", "اجتماع", "التوقعات", "الفرص", "نظام", "الطلب", "بطاقة", "بطاقته"})


def _amount(norm: str) -> Decimal | None:
    best: Decimal | None = None
    for match in _AMOUNT.finditer(norm):
        digits, thousands, currency = match.groups()
        if not (thousands or currency) and len(digits.replace(",", "")) < 4:
            continue
        try:
            value = Decimal(digits.replace(",", ""))
        except InvalidOperation:
            continue
        value = value * 1000 if thousands else value
        best = value if best is None else max(best, value)
    return best


def _when(norm: str, today: date | None) -> datetime | None:
    if today is None:
        return None
    day: date | None = None
    if re.search(r"\btomorrow\b|بكره|بكرا|غدا", norm):
        day = today + timedelta(days=1)
    for name, weekday in _WEEKDAYS.items():
        if re.search(r"(?<!\w)(?:يوم )?" + name + r"(?!\w)", norm) or re.search(r"\b" + name + r"\b", norm):
            ahead = (weekday - today.weekday()) % 7 or 7
            day = today + timedelta(days=ahead)
            break
    if day is None and re.search(r"next week|الاسبوع القادم|الاسبوع الجاي", norm):
        day = today + timedelta(days=7)
    hour = _HOUR.search(norm)
    if day is None and hour is None:
        return None
    day = day or today + timedelta(days=1)
    h = int(hour.group(1)) if hour else 10
    h = h + 12 if 1 <= h <= 6 else h  # "at 3" in a working day means the afternoon
    minute = int(hour.group(2) or 0) if hour else 0
    return datetime.combine(day, time(min(h, 23), min(minute, 59)), tzinfo=RIYADH)


def _target(original: str) -> str | None:
    match = _TARGET_AFTER.search(original)
    if match:
        name = re.sub(r"['’]s$", "", match.group(1))
        if name.lower() not in {"whatsapp", "linkedin", "google", "crm", "sar", "i", "the"}:
            return name
    for match in _AR_NAME_AFTER.finditer(re.sub(r"[\u064b-\u0652\u0640]", "", original)):
        words = [w for w in match.group(1).split() if w not in _AR_STOP]
        if words and words[0] not in _AR_STOP:
            return " ".join(words[:2])
    return None


def _channel(norm: str) -> str | None:
    for token, channel in _CHANNELS:
        if re.search(rf"\b{token}\b", norm):
            return channel
    return None


def _claim(norm: str) -> ConsentClaim | None:
    if _any(_compiled().denied, norm):
        return "denied"
    if _any(_compiled().verbal, norm):
        return "verbal"
    return None


def _decision(norm: str) -> tuple[Literal["approve", "reject"] | None, int | None, str | None]:
    match = re.search(r"(?:\b(approve|reject|accept|decline)\b|(وافق علي|اعتمد|ارفض|رفض))\s*"
                      r"(?:the |number |no\.? ?|# ?|رقم |(?:ال)?طلب (?:رقم )?|(?:ال)?موافقه (?:رقم )?)?"
                      r"(\d+\b|[a-z]+|ال\w+)", norm)
    if match is None:
        return None, None, None
    word = match.group(1) or match.group(2)
    verdict: Literal["approve", "reject"] = "reject" if word in ("reject", "decline", "ارفض", "رفض") else "approve"
    raw = match.group(3)
    number = int(raw) if raw.isdigit() else _compiled().ordinals.get(raw)
    rest = norm[match.end():].strip(" ,.:-")
    rest = re.sub(r"^(?:one\b|,)\s*", "", rest).strip(" ,.:-")
    rest = re.sub(r"^(?:because|لان|لأن|بسبب|reason:?)\s*", "", rest).strip()
    return verdict, number, rest or None


def _slots(clause: str, original: str, today: date | None, intent: str) -> Slots:
    verdict, number, reason = _decision(clause) if intent == "approval_decide" else (None, None, None)
    return Slots(channel=_channel(clause), target=_target(original), amount_sar=_amount(clause),
                 when=_when(clause, today), number=number, top_n=top_n_of(clause), period=period_of(clause),
                 verdict=verdict, reason=reason, consent_claim=_claim(clause),
                 bulk=bool(_compiled().bulk.search(clause)), purchased_list=bool(_compiled().purchased.search(clause)))


QUOTED = "quoted"
"""What a quoted passage becomes before the request is read: someone else's words are data, not asks."""


def understand(text: str, *, today: date | None = None) -> Understanding:
    """The plan for one request: what to refuse (as which gateway action) and what to serve, in order."""
    norm = _compiled().quotes.sub(f" {QUOTED} ", folded(text))
    lang = detect_lang(text)
    raw: list[tuple[str, str | None, _Rule | None]] = []  # (clause, intent, act)
    for clause in _clauses(norm):
        if raw and _any(_compiled().tails, clause):
            previous, p_intent, p_act = raw[-1]
            raw[-1] = (f"{previous}, {clause}", p_intent, p_act)
            continue
        act = _act_of(clause)
        intent: str | None
        if act is not None and (_any(_compiled().content, clause) or _any(_compiled().explain, clause)):
            intent, act = ("content_draft" if _any(_compiled().content, clause) else "policy_explain"), None
        else:
            intent = None if act is not None else _intent_of(clause)
        if act is None and intent is None and raw:
            previous, p_intent, p_act = raw[-1]
            merged = f"{previous}, {clause}"
            # A tail without its own request (a reason, a name, an amount) belongs to the one before it.
            raw[-1] = (merged, p_intent or (None if p_act else _intent_of(merged)), p_act)
            continue
        raw.append((clause, intent, act))
    steps: list[Step] = []
    whole_claim = _claim(norm)
    for clause, intent, act in raw:
        if act is not None:
            slots = _slots(clause, text, today, "refusal")
            if slots.consent_claim is None and whole_claim is not None:
                slots = slots.model_copy(update={"consent_claim": whole_claim})
            steps.append(Step(kind="refuse", intent="refusal", act=act.id, action=act.action, text=clause,
                              slots=slots))
            continue
        if intent == "consent_opt_in" and _claim(clause) == "denied":
            intent = None  # "he has not opted in" is no opt-in to record
        if intent is None:
            fallback = classify(clause)
            if fallback.intent in SERVED_INTENTS and fallback.intent != "help":
                intent = fallback.intent
        if intent is None:
            continue
        if any(s.kind == "serve" and s.intent == intent for s in steps):
            continue  # the same ask twice in one message is served once
        steps.append(Step(kind="serve", intent=intent, text=clause, slots=_slots(clause, text, today, intent)))
    return Understanding(text=text, lang=lang, steps=tuple(steps))
