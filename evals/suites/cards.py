"""Suite 5, card and WhatsApp invariants: every card the factory makes keeps the contract and the
platform's limits, replies map back to the right decision, and sending stays behind the gateway.

Cards come from the production paths: a real gateway approval (``CardFactory.from_approval``), a
real blocked decision (``from_decision``) or a domain card (``domain_card``) with the texts a
case gives (long, mixed-script, emoji, hostile). The checks are the eval's own, not the model's
validators re-run: at most 3 buttons with Arabic labels of at most 20 UTF-16 units, Arabic title,
why-now and recommended action, a proof impact, an external action approval-first or blocked, a
blocked card with its Arabic reason; the WhatsApp rendering within 3 buttons, 20-unit titles,
256-unit reply ids, a 1024-unit body, 60-unit header and footer, a numbered option per button;
"1", the button's label, its reply id and the usual words ("موافق", "ارفض") mapping back to that
button; and the card's ``whatsapp.send`` blocked without an opt-in, waiting for approval with one,
never executed. ``kind: invalid`` cases must be refused by the model itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from evals.graders.safety import is_arabic_reason
from evals.models import CaseModel, CaseOutcome, CaseResult, Check
from evals.observe import observe, stable_text
from evals.sandbox import EVAL_TENANT, ContactFixture, Sandbox, fixed_clock, open_sandbox
from evals.suites.base import Suite, Trial, pass_rate
from tools.canonical import canonical_json, sha256_hex
from tools.models import Mode, ToolCall

_ARABIC_MIN = 2


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class ReplyExpect(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str
    decision: str | None = Field(description="The decision it must map to; None: it must not match.")


class CardCase(CaseModel):
    kind: Literal["approval", "blocked", "domain", "invalid"]
    action: str | None = None
    args: dict[str, Any] = Field(default_factory=dict)
    skill: str = "saudi_copywriter"
    contact: ContactFixture = Field(default_factory=ContactFixture)
    company_name: str | None = None
    card_type: str = "negotiation"
    title_ar: str | None = None
    why_now_ar: str | None = None
    recommended_action_ar: str | None = None
    blocked_reason_ar: str | None = None
    preview_ar: str | None = None
    buttons: tuple[str, ...] | None = None
    invalid: dict[str, Any] | None = Field(default=None, description="Fields that make a valid card invalid.")
    refusal: str | None = Field(default=None, description="Words the model's refusal must contain (the rule).")
    replies: tuple[ReplyExpect, ...] = ()


def card_checks(card: Any) -> list[Check]:
    from skills.cards.models import has_arabic

    ctx = card.context
    labels = [b.label_ar for b in card.buttons]
    external = ctx.is_external
    mode = card.action_mode
    return [
        Check(name="buttons_at_most_3", passed=1 <= len(card.buttons) <= 3, detail=f"{len(card.buttons)} button(s)"),
        Check(name="button_labels", passed=all(has_arabic(x) and utf16(x) <= 20 for x in labels),
              detail=", ".join(labels)),
        Check(name="arabic_texts", passed=all(has_arabic(t) for t in (card.title_ar, card.why_now_ar,
                                                                      card.recommended_action_ar)),
              detail="title, why-now and action are Arabic"),
        Check(name="proof_impact", passed=card.proof_impact is not None, detail=str(card.proof_impact)),
        Check(name="external_approval_first",
              passed=not external or mode == Mode.blocked or (mode == Mode.approval_required and bool(ctx.approval_id)),
              detail=f"external={external}, mode={mode.value}"),
        Check(name="blocked_reason_ar",
              passed=mode != Mode.blocked or is_arabic_reason(ctx.blocked_reason_ar or "", min_letters=_ARABIC_MIN),
              detail="blocked with an Arabic reason" if mode == Mode.blocked else "not blocked"),
        Check(name="never_approved_execute", passed=mode != Mode.approved_execute, detail=mode.value),
    ]


def whatsapp_checks(card: Any, rendering: Any) -> list[Check]:
    interactive = rendering.interactive
    buttons = interactive.action.buttons
    numbered = all(f"{o.number}" in rendering.text for o in rendering.options)
    return [
        Check(name="wa.buttons", passed=1 <= len(buttons) <= 3 and len(buttons) == min(3, len(card.buttons)),
              detail=f"{len(buttons)} reply button(s)"),
        Check(name="wa.button_titles", passed=all(utf16(b.reply.title) <= 20 for b in buttons),
              detail=", ".join(f"{utf16(b.reply.title)}" for b in buttons)),
        Check(name="wa.reply_ids", passed=all(utf16(b.reply.id) <= 256 for b in buttons)
              and len({b.reply.id for b in buttons}) == len(buttons), detail="unique, <= 256"),
        Check(name="wa.body", passed=0 < utf16(interactive.body.text) <= 1024,
              detail=f"{utf16(interactive.body.text)} units"),
        Check(name="wa.header_footer", passed=utf16(interactive.header.text) <= 60
              and utf16(interactive.footer.text) <= 60,
              detail=f"header {utf16(interactive.header.text)}, footer {utf16(interactive.footer.text)}"),
        Check(name="wa.text_brief", passed=0 < utf16(rendering.text) <= 4096 and numbered,
              detail=f"{utf16(rendering.text)} units, numbered options {'present' if numbered else 'missing'}"),
    ]


def reply_checks(card: Any, rendering: Any, extra: Sequence[ReplyExpect]) -> list[Check]:
    from skills.cards.replies import parse_reply

    wrong: list[str] = []
    for option in rendering.options:
        button = card.button(option.button_id)
        for text in (str(option.number), option.reply_id, button.label_ar):
            match = parse_reply(card, text)
            if match.button_id != option.button_id:
                wrong.append(f"{text!r} -> {match.button_id}")
    for expect in extra:
        match = parse_reply(card, expect.text)
        got = match.decision if match.matched else None
        if got != expect.decision:
            wrong.append(f"{expect.text!r} -> {got} (expected {expect.decision})")
        if not match.matched and not is_arabic_reason(match.message_ar or "", min_letters=_ARABIC_MIN):
            wrong.append(f"{expect.text!r}: no Arabic hint on a miss")
    return [Check(name="replies_map_back", passed=not wrong, detail="; ".join(wrong) or "every reply maps back")]


def send_check(sandbox: Sandbox, card: Any, rendering: Any, contact: ContactFixture) -> Check:
    from skills.cards.whatsapp import send_call

    call = send_call(sandbox.tenant, rendering, to=contact.phone, contact_id=contact.contact_id)
    mode = sandbox.gateway.invoke(call).decision.mode
    want = Mode.approval_required if contact.whatsapp_opt_in else Mode.blocked
    ran = observe(sandbox).executed("whatsapp.send")
    return Check(name="send_behind_gateway", passed=mode == want and not ran,
                 detail=f"whatsapp.send {mode.value} (expected {want.value}), executed {len(ran)}")


class CardsSuite(Suite[CardCase]):
    name: ClassVar[str] = "cards"
    title: ClassVar[str] = "Card and WhatsApp invariants"
    case_model = CardCase
    dimensions = ("kind", "card_type")
    model_backed = False

    def unavailable(self) -> str | None:
        try:
            import skills.cards.factory
            import skills.cards.replies
            import skills.cards.whatsapp  # noqa: F401
        except ImportError as exc:
            return f"the cards module is not in this checkout ({exc.name})"
        return None

    def run_case(self, case: CardCase, trial: Trial) -> CaseOutcome:
        from skills.cards.factory import CardFactory
        from skills.cards.models import CardType
        from skills.cards.whatsapp import render_card

        sandbox = open_sandbox(trial.workdir, trial.env, contacts=[case.contact])
        factory = CardFactory(EVAL_TENANT, policy=sandbox.gateway.policy, clock=fixed_clock)
        labels = {"kind": case.kind, "card_type": case.card_type if case.kind in ("domain", "invalid") else case.kind}
        if case.kind == "invalid":
            return self._invalid(case, factory, labels)
        if case.kind in ("approval", "blocked"):
            assert case.action is not None
            call = ToolCall(tenant=sandbox.tenant, skill=case.skill, action=case.action, args=case.args,
                            thread_id="eval-cards", tool_call_id=case.id, contact_id=case.contact.contact_id)
            result = sandbox.gateway.invoke(call)
            if case.kind == "approval":
                if result.approval is None:
                    return CaseOutcome(passed=False, labels=labels, checks=(Check(
                        name="approval_requested", passed=False, detail=f"mode {result.decision.mode.value}"),))
                card = factory.from_approval(result.approval, company_name=case.company_name)
            else:
                built = factory.from_decision(result.decision, call)
                if built is None:
                    return CaseOutcome(passed=False, labels=labels, checks=(Check(
                        name="blocked", passed=False, detail=f"mode {result.decision.mode.value}"),))
                card = built
        else:
            card = factory.domain_card(CardType(case.card_type), ref=case.id, title_ar=case.title_ar or "",
                                       why_now_ar=case.why_now_ar or "",
                                       recommended_action_ar=case.recommended_action_ar or "",
                                       blocked_reason_ar=case.blocked_reason_ar, buttons=case.buttons,
                                       preview_ar=case.preview_ar, company_name=case.company_name)
        rendering = render_card(card)
        checks = [*card_checks(card), *whatsapp_checks(card, rendering), *reply_checks(card, rendering, case.replies),
                  send_check(sandbox, card, rendering, case.contact)]
        return CaseOutcome(passed=all(c.passed for c in checks), checks=tuple(checks), labels=labels,
                           fingerprint=sha256_hex(stable_text(canonical_json([card.model_dump(mode="json"),
                                                                              rendering.model_dump(mode="json")]))))

    @staticmethod
    def _invalid(case: CardCase, factory: Any, labels: dict[str, str]) -> CaseOutcome:
        from skills.cards.models import Card, CardType

        base = factory.domain_card(CardType(case.card_type), ref=case.id, title_ar="بطاقة صالحة",
                                   why_now_ar="سبب صالح الآن", recommended_action_ar="إجراء مقترح صالح")
        data = base.model_dump(mode="json")
        for path, value in (case.invalid or {}).items():
            target = data
            *parents, leaf = path.split(".")
            for key in parents:
                target = target[key]
            target[leaf] = value
        try:
            Card.model_validate(data)
        except ValidationError as exc:
            messages = " | ".join(e["msg"] for e in exc.errors())
            check = Check(name="model_refuses", passed=case.refusal is None or case.refusal in messages,
                          detail=messages[:200])
        else:
            check = Check(name="model_refuses", passed=False, detail="an invalid card was accepted")
        return CaseOutcome(passed=check.passed, checks=(check,), labels=labels,
                           fingerprint=sha256_hex(canonical_json([check.passed, check.detail])))

    def metrics(self, results: Sequence[CaseResult]) -> dict[str, float]:
        return {"invariant_rate": pass_rate(results), "cases": float(len(results))}
