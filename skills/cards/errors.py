"""Errors of the cards domain; each carries a stable code and an Arabic message.

    GatewayError (tools.errors)
    ├── NotFound ............. a card of another tenant, or none: ``card_not_found``
    ├── RoleNotAllowed ....... the caller's role may not decide this card: ``role_not_allowed``
    └── CardError ............ a decision the card cannot take
        ├── ButtonNotOnCard .. the button or decision is not one of the card's
        └── EditNeedsArgs .... an edit without the edited arguments

The API maps them to HTTP in one place (404, 403, 409 for a button the card does not offer, 422);
the CLI prints ``message_ar``.
"""

from __future__ import annotations

from tools.errors import GatewayError, NotFound, RoleNotAllowed


class CardError(GatewayError):
    code = "card_error"


class ButtonNotOnCard(CardError):
    code = "button_not_on_card"

    def __init__(self) -> None:
        super().__init__("هذا الخيار ليس من خيارات البطاقة؛ لم يتغير شيء.",
                         "That button or decision is not on this card.")


class EditNeedsArgs(CardError):
    code = "edit_without_args"

    def __init__(self) -> None:
        super().__init__("التعديل يحتاج المعطيات الجديدة؛ عدّل من لوحة Dealix ثم اعتمد.",
                         "An edit needs the edited arguments (or action).")


def card_not_found() -> NotFound:
    return NotFound("لا توجد بطاقة بهذا المعرّف لدى منشأتك.", "No such card for this tenant.",
                    code="card_not_found")


def role_may_not_decide(role: str) -> RoleNotAllowed:
    return RoleNotAllowed("دورك لا يخوّلك اتخاذ قرار في هذه البطاقة؛ تحتاج قراراً من دور مخوّل.",
                          f"Role {role} may not decide this card.")


__all__ = ["ButtonNotOnCard", "CardError", "EditNeedsArgs", "card_not_found", "role_may_not_decide"]
