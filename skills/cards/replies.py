"""A WhatsApp reply back to a card decision: "1", "١", "موافق", "ارفض", "approve", a button id.

Matching is exact after normalisation (Arabic-Indic digits, diacritics, alef forms, punctuation):
a whole reply is one option or nothing. "غير موافق" is not "موافق", and a reply id of another card
matches nothing here. When no option matches, the answer says so explicitly (with the Arabic hint
to send one of the option numbers); it never guesses.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from skills.cards.arabic import normalize_reply
from skills.cards.models import ButtonDecision, Card, CardButton
from skills.cards.texts import CardTexts, load_texts
from skills.cards.whatsapp import MAX_BUTTONS, reply_id

MatchKind = Literal["reply_id", "number", "word", "label", "no_match"]

# A word for one decision may stand for its sibling on cards that do not carry the first.
_SIBLINGS: dict[str, tuple[ButtonDecision, ...]] = {
    "approve": ("accept",), "accept": ("approve",), "reject": ("dismiss",), "dismiss": ("reject",),
}


class ReplyMatch(BaseModel):
    model_config = ConfigDict(frozen=True)

    matched: bool
    kind: MatchKind
    button_id: str | None = None
    decision: ButtonDecision | None = None
    message_ar: str | None = Field(default=None, description="Set when nothing matched: what to send instead.")


def parse_reply(card: Card, reply: str, texts: CardTexts | None = None) -> ReplyMatch:
    texts = texts or load_texts()
    buttons = card.buttons[:MAX_BUTTONS]
    raw = reply.strip()
    for button in buttons:
        if raw in (reply_id(card, button.button_id), button.button_id):
            return _hit("reply_id", button)
    folded = normalize_reply(raw)
    if folded.isdigit():
        number = int(folded)
        if 1 <= number <= len(buttons):
            return _hit("number", buttons[number - 1])
        return _miss(card, texts)
    for button in buttons:
        if folded and folded == normalize_reply(button.label_ar):
            return _hit("label", button)
    decision = texts.reply_words.get(folded)
    if decision is not None:
        for candidate in (decision, *_SIBLINGS.get(decision, ())):
            found = card.button_for(candidate)
            if found is not None:
                return _hit("word", found)
    return _miss(card, texts)


def _hit(kind: MatchKind, button: CardButton) -> ReplyMatch:
    return ReplyMatch(matched=True, kind=kind, button_id=button.button_id, decision=button.decision)


def _miss(card: Card, texts: CardTexts) -> ReplyMatch:
    numbers = "، ".join(str(i) for i in range(1, min(len(card.buttons), MAX_BUTTONS) + 1))
    return ReplyMatch(matched=False, kind="no_match", message_ar=texts.render("no_match", numbers=numbers))
