"""A card for WhatsApp: an Arabic text brief with numbered options, and a Cloud API interactive
message with reply buttons, both inside the platform's limits.

WhatsApp Cloud API, interactive ``button`` messages: at most 3 reply buttons, a button title of at
most 20 characters and a reply id of at most 256; body text at most 1024; header text and footer
at most 60. Text is cut at a word boundary with an ellipsis, never inside a letter and its marks
(:func:`skills.cards.arabic.fit`); lengths are counted as WhatsApp does, in UTF-16 units.

This module only renders. Sending a rendering is a ``whatsapp.send`` tool call like any other:
:func:`send_call` builds it, and the gateway decides (recorded opt-in, an approval, the live flag).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from skills.cards.arabic import fit
from skills.cards.models import Card, CardStatus
from skills.cards.texts import CardTexts, load_texts
from tools.models import ToolCall

MAX_BUTTONS = 3
BUTTON_TITLE_MAX = 20
BUTTON_ID_MAX = 256
BODY_MAX = 1024
HEADER_MAX = 60
FOOTER_MAX = 60
TEXT_MAX = 4096  # a plain text message
SEND_SKILL = "execution_governor"

# Budgets of the body's parts; their sum with labels and breaks stays under BODY_MAX, and the
# preview of what would be sent takes whatever is left.
_TITLE_MAX, _WHY_MAX, _ACTION_MAX, _REASON_MAX, _PREVIEW_MIN = 100, 260, 220, 240, 40


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class TextObject(_Frozen):
    text: str


class Header(_Frozen):
    type: Literal["text"] = "text"
    text: str


class Reply(_Frozen):
    id: str = Field(max_length=BUTTON_ID_MAX)
    title: str


class ReplyButton(_Frozen):
    type: Literal["reply"] = "reply"
    reply: Reply


class Action(_Frozen):
    buttons: list[ReplyButton] = Field(min_length=1, max_length=MAX_BUTTONS)


class Interactive(_Frozen):
    """The ``interactive`` object of a Cloud API message (``type: button``)."""

    type: Literal["button"] = "button"
    header: Header
    body: TextObject
    footer: TextObject
    action: Action


class WhatsAppOption(_Frozen):
    number: int = Field(ge=1, le=MAX_BUTTONS)
    button_id: str
    reply_id: str = Field(description="The reply button's id: '{card_id}:{button_id}'.")
    title: str


class WhatsAppCard(_Frozen):
    """Both renderings of one card."""

    card_id: str
    text: str = Field(description="The Arabic text brief with numbered options (a plain text message).")
    interactive: Interactive = Field(description="Cloud API interactive message with reply buttons.")
    options: list[WhatsAppOption]

    def message(self, to: str) -> dict[str, object]:
        """The full Cloud API request body for ``to`` (what a send would post; this does not send)."""
        return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "type": "interactive",
                "interactive": self.interactive.model_dump()}


def reply_id(card: Card, button_id: str) -> str:
    return f"{card.card_id}:{button_id}"


def render_card(card: Card, texts: CardTexts | None = None) -> WhatsAppCard:
    texts = texts or load_texts()
    wa = texts.data.whatsapp
    ellipsis = wa.ellipsis
    labels = texts.data.labels
    header = fit(texts.render("header", type_label=labels.type[card.type], risk_label=labels.risk[card.risk_level]),
                 HEADER_MAX, ellipsis=ellipsis, single_line=True)
    footer = fit(texts.render("footer"), FOOTER_MAX, ellipsis=ellipsis, single_line=True)
    options = [WhatsAppOption(number=i, button_id=b.button_id, reply_id=reply_id(card, b.button_id),
                              title=fit(b.label_ar, BUTTON_TITLE_MAX, ellipsis=ellipsis, single_line=True))
               for i, b in enumerate(card.buttons[:MAX_BUTTONS], start=1)]
    body = _body(card, texts)
    if card.status != CardStatus.open:
        body = fit(texts.render("not_open", status=labels.status[card.status.value]) + "\n\n" + body, BODY_MAX,
                   ellipsis=ellipsis)
    lines = [texts.render("option_line", number=o.number, label=o.title) for o in options]
    text = "\n\n".join([f"*{header}*", body, texts.render("options_intro") + "\n" + "\n".join(lines), footer])
    interactive = Interactive(
        header=Header(text=header), body=TextObject(text=body), footer=TextObject(text=footer),
        action=Action(buttons=[ReplyButton(reply=Reply(id=o.reply_id, title=o.title)) for o in options]),
    )
    return WhatsAppCard(card_id=card.card_id, text=fit(text, TEXT_MAX, ellipsis=ellipsis), interactive=interactive,
                        options=options)


def _body(card: Card, texts: CardTexts) -> str:
    wa = texts.data.whatsapp
    cut = wa.ellipsis
    parts = [
        "*" + fit(card.title_ar, _TITLE_MAX, ellipsis=cut, single_line=True) + "*",
        fit(f"{wa.why_now_label}: {card.why_now_ar}", _WHY_MAX, ellipsis=cut),
        fit(f"{wa.action_label}: {card.recommended_action_ar}", _ACTION_MAX, ellipsis=cut),
    ]
    if card.context.blocked_reason_ar:
        parts.append(fit(card.context.blocked_reason_ar, _REASON_MAX, ellipsis=cut))
    body = "\n\n".join(parts)
    preview = card.context.preview_ar
    room = BODY_MAX - len(body.encode("utf-16-le")) // 2 - 2
    if preview and room >= _PREVIEW_MIN:
        body += "\n\n" + fit(preview, room, ellipsis=cut)
    return fit(body, BODY_MAX, ellipsis=cut)


def send_call(tenant: str, rendering: WhatsAppCard, *, to: str, contact_id: str, thread_id: str = "cards") -> ToolCall:
    """The ``whatsapp.send`` tool call that would deliver a card's text brief. The gateway decides it:
    without a recorded opt-in it is blocked, with one it waits for an approval, and it runs only with
    the live flag on."""
    return ToolCall(tenant=tenant, skill=SEND_SKILL, action="whatsapp.send", args={"to": to, "body": rendering.text},
                    thread_id=thread_id, tool_call_id=f"card:{rendering.card_id}", contact_id=contact_id)
