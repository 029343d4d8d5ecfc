"""The offline operator's reading of a request: text in, the tool calls it asks for out.

Pure and deterministic: the lexicon (``evals/data/operator_lexicon.yaml``) decides which intents
a text carries, and each intent becomes one planned tool call with arguments filled from the
text itself (a phone number or e-mail address written in it) or else from the first contact in
the context. The operator obeys the request *and* every instruction found in the data it is
shown, on purpose (see the lexicon's header): it is the worst-case agent the governed layer must
contain.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from evals.sandbox import ContactFixture
from evals.textnorm import contains_term, fold, fold_term

ToolName = Literal["request_action", "draft_message"]
Address = Literal["phone", "email"]
Source = Literal["request", "data"]

_PHONE = re.compile(r"(?:\+|00)?9665\d{8}|(?<!\d)05\d{8}(?!\d)")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


class Intent(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    category: str = Field(description="The kind of request this intent stands for (policy category or task).")
    tool: ToolName
    action: str | None = Field(default=None, description="The action for request_action.")
    address: Address | None = Field(default=None, description="Which address fills args.to.")
    all: tuple[tuple[str, ...], ...] = Field(min_length=1)
    none: tuple[tuple[str, ...], ...] = ()
    override: tuple[str, ...] = Field(default=(), description="Terms that cancel the `none` groups.")
    without_approval: tuple[str, ...] = Field(default=(), description="Terms that ask to skip the approval.")
    args: dict[str, Any] = Field(default_factory=dict)
    body_key: str | None = None
    suppresses: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _tool_fields(self) -> Intent:
        if self.tool == "request_action" and not self.action:
            raise ValueError(f"intent {self.id}: request_action needs an action")
        if self.tool == "draft_message" and not self.body_key:
            raise ValueError(f"intent {self.id}: draft_message needs a body_key")
        return self


class Lexicon(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str
    terms: dict[str, tuple[str, ...]]
    intents: tuple[Intent, ...]
    texts: dict[str, str]

    @model_validator(mode="after")
    def _texts_exist(self) -> Lexicon:
        keys = {i.body_key for i in self.intents if i.body_key}
        keys |= {v for i in self.intents for k, v in i.args.items() if k.endswith("_key")}
        missing = sorted(k for k in keys if k not in self.texts)
        if missing:
            raise ValueError(f"lexicon texts missing: {missing}")
        return self


@lru_cache(maxsize=1)
def load_lexicon() -> Lexicon:
    raw = resources.files("evals").joinpath("data/operator_lexicon.yaml").read_bytes()
    return Lexicon.model_validate(yaml.safe_load(raw))


class DataItem(BaseModel):
    """Untrusted data shown to the operator with its request."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["lead_note", "inbound_reply", "support_ticket", "partner_profile"]
    ref: str = Field(default="", description="Id of the record (ticket id, partner id, lead id).")
    text: str


class OperatorRequest(BaseModel):
    """What the operator is given: the request, the contacts in view, and any data."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    request: str
    contacts: tuple[ContactFixture, ...] = ()
    data: tuple[DataItem, ...] = ()


class PlannedCall(BaseModel):
    model_config = ConfigDict(frozen=True)

    intent: str
    category: str
    source: Source
    tool: ToolName
    args: dict[str, Any]


def _hit(folded: str, terms: tuple[str, ...]) -> bool:
    return any(contains_term(folded, fold_term(t)) for t in terms)


def matches(intent: Intent, folded: str) -> bool:
    if not all(_hit(folded, group) for group in intent.all):
        return False
    if intent.none and not (intent.override and _hit(folded, intent.override)):
        return not any(_hit(folded, group) for group in intent.none)
    return True


def _addresses(text: str) -> tuple[list[str], list[str]]:
    plain = fold(text).replace(" ", "")
    phones = [_e164(p) for p in _PHONE.findall(plain)]
    return phones, _EMAIL.findall(fold(text))


def _e164(number: str) -> str:
    digits = number.lstrip("+")
    if digits.startswith("00"):
        digits = digits[2:]
    if digits.startswith("05"):
        digits = "966" + digits[1:]
    return "+" + digits


def _recipient(intent: Intent, text: str, contacts: tuple[ContactFixture, ...]) -> tuple[str | None, str | None]:
    """(address, contact id): an address written in the instruction wins over the contact in view."""
    phones, emails = _addresses(text)
    written = (phones if intent.address == "phone" else emails) if intent.address else []
    if written:
        owner = next((c for c in contacts if written[0] in (c.phone, c.email)), None)
        return written[0], owner.contact_id if owner else None
    if not contacts:
        return None, None
    person = contacts[0]
    address = person.phone if intent.address == "phone" else person.email if intent.address == "email" else None
    return address, person.contact_id


def _fill(template: str, person: ContactFixture | None) -> str:
    return template.replace("{name}", person.name if person else "")


def plan_segment(text: str, source: Source, request: OperatorRequest, lexicon: Lexicon,
                 ref: str = "") -> list[PlannedCall]:
    folded = fold(text)
    fired = [i for i in lexicon.intents if matches(i, folded)]
    suppressed = {s for i in fired for s in i.suppresses}
    calls: list[PlannedCall] = []
    for intent in fired:
        if intent.id in suppressed:
            continue
        address, contact_id = _recipient(intent, text, request.contacts)
        person = next((c for c in request.contacts if c.contact_id == contact_id), None)
        args: dict[str, Any] = {}
        for key, value in intent.args.items():
            if key.endswith("_key"):
                args[key.removesuffix("_key")] = _fill(lexicon.texts[value], person)
            else:
                args[key] = value
        if ref and intent.category in ("support", "partner"):
            args["ref"] = ref
        if intent.tool == "request_action":
            if address:
                args["to"] = address
            payload: dict[str, Any] = {"action": intent.action, "args": args, "contact_id": contact_id}
            if intent.without_approval and _hit(folded, intent.without_approval):
                payload["without_approval"] = True
        else:
            assert intent.body_key is not None
            channel = "whatsapp" if intent.address == "phone" else "email"
            to = address or (person.email if person else "")
            payload = {"channel": channel, "to": to, "body": _fill(lexicon.texts[intent.body_key], person),
                       "subject": lexicon.texts.get("reply_subject"), "contact_id": contact_id}
        calls.append(PlannedCall(intent=intent.id, category=intent.category, source=source, tool=intent.tool,
                                 args=payload))
    return calls


def plan(request: OperatorRequest, lexicon: Lexicon | None = None) -> list[PlannedCall]:
    """Every call the request and its data ask for, request first, duplicates dropped."""
    lexicon = lexicon or load_lexicon()
    calls = plan_segment(request.request, "request", request, lexicon)
    for item in request.data:
        calls.extend(plan_segment(item.text, "data", request, lexicon, ref=item.ref))
    unique: list[PlannedCall] = []
    seen: set[str] = set()
    for call in calls:
        key = f"{call.tool}|{sorted(call.args.items())!r}"
        if key not in seen:
            seen.add(key)
            unique.append(call)
    return unique
