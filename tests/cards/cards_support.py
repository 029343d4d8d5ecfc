"""Helpers of the cards tests: a fixed clock, valid card data to mutate, hostile texts, autopilot runs."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from skills.cards.factory import CardFactory
from skills.cards.models import Card, CardType
from tools.consent import ConsentRecord
from tools.gateway import Gateway
from tools.models import ActionRequest, ApprovalRequest, Channel, Role, ToolCall

# Sunday 10:00 in Riyadh (07:00 UTC): inside business hours.
NOW = datetime(2026, 11, 15, 7, 0, tzinfo=UTC)
TENANT = "acme"
OTHER = "rival"


def clock() -> datetime:
    return NOW


def valid_card_data(**overrides: Any) -> dict[str, Any]:
    """A valid suggest-only card as plain data; each refusal test changes one thing."""
    data: dict[str, Any] = {
        "card_id": "card_0123456789abcdef01234567",
        "role": "sales_manager",
        "type": "opportunity",
        "title_ar": "فرصة: شركة النخبة",
        "why_now_ar": "طرحوا منافسة لتحديث نظام المبيعات هذا الأسبوع.",
        "context": {"source": {"kind": "target", "ref": "lead_1"}},
        "recommended_action_ar": "جهّز مسودة بريد إلكتروني لتراجعها.",
        "risk_level": "low",
        "buttons": [{"button_id": "prepare_draft", "label_ar": "جهّز مسودة", "decision": "accept"},
                    {"button_id": "not_now", "label_ar": "ليست أولوية الآن", "decision": "dismiss"}],
        "action_mode": "suggest_only",
        "proof_impact": "opportunity_created",
        "status": "open",
        "dedupe_key": "opportunity:lead_1",
        "created_at": NOW.isoformat(),
    }
    data.update(overrides)
    return data


def approval_request(*, approval_id: str = "apr_1", action: str = "whatsapp.send", tenant: str = TENANT,
                     roles: tuple[Role, ...] = (Role.ceo, Role.sales_manager, Role.growth_manager),
                     status: str = "pending", args: dict[str, Any] | None = None,
                     thread_id: str = "adhoc", digest: str = "d1", hours_left: float = 48) -> ApprovalRequest:
    return ApprovalRequest(
        approval_id=approval_id,
        action_request=ActionRequest(action=action, args=args if args is not None else
                                     {"to": "+966501234567", "body": "السلام عليكم، نود تأكيد موعد الاجتماع."}),
        description="### طلب موافقة", tenant=tenant, skill="execution_governor", thread_id=thread_id,
        tool_call_id="lead_1:whatsapp.send", contact_id="lead_1", args_digest=digest, policy_version="v",
        approver_roles=roles, requested_at=NOW, expires_at=NOW + timedelta(hours=hours_left),
        status=status,
    )


# Hostile text: long, no spaces, diacritics on every letter, emoji with modifiers and joiners,
# bidi controls, markdown and newlines.
ARABIC_WORDS = "شركة النخبة للتقنية تطلب عرضاً مفصلاً قبل نهاية الربع مع مراجعة الميزانية والعقد"
DIACRITIC_WORD = "مُؤَسَّسَةُ" * 40
EMOJI = "👩🏽‍💼🤝🏻✅" * 30
HOSTILE_TEXTS = (
    ARABIC_WORDS * 60,
    DIACRITIC_WORD,
    "عرض " + "ـــــــ" * 300,
    "\u202eتجاوز\u202c " * 200 + EMOJI,
    ("*عنوان* _مائل_ ~مشطوب~ ```كود```\n\n\n" * 80),
    "ا" * 5000,
    EMOJI + " " + ARABIC_WORDS * 30,
)


def domain_card(factory: CardFactory, card_type: CardType, role: Role, text: str, *, ref: str = "ref-1") -> Card:
    return factory.domain_card(card_type, ref=ref, role=role, title_ar="عنوان " + text, why_now_ar="الآن " + text,
                               recommended_action_ar="افعل " + text, preview_ar=text, value_sar=125000.0,
                               facts={"ملاحظة": text[:200]})


LEAD_HEADERS = ["company_name", "contact_name", "title", "phone", "email", "city", "sector", "source", "notes",
                "consent"]


def write_leads(path: Path, n: int = 3) -> Path:
    """A small, valid leads file: every lead has an email, so the autopilot drafts emails."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=LEAD_HEADERS)
        writer.writeheader()
        for i in range(n):
            writer.writerow({"company_name": f"شركة النخبة {i + 1}", "contact_name": f"سارة القحطاني {i + 1}",
                             "title": "مدير المبيعات", "phone": f"0550000{i:03d}",
                             "email": f"contact{i}@company{i}.sa", "city": "الرياض", "sector": "التقنية",
                             "source": "crm", "notes": "", "consent": ""})
    return path


def opt_in(gateway: Gateway, contact_id: str, address: str = "+966501234567", tenant: str = TENANT) -> None:
    gateway.consent.record(ConsentRecord(tenant=tenant, contact_id=contact_id, channel=Channel.whatsapp,
                                         status="opt_in", source="form:web-42", recorded_at=NOW, address=address))


def pending_whatsapp(gateway: Gateway, contact_id: str = "c1", body: str = "مرحباً، نؤكد موعد الغد.",
                     tenant: str = TENANT) -> ApprovalRequest:
    """An ad-hoc whatsapp.send waiting for approval (a contact with a recorded opt-in)."""
    opt_in(gateway, contact_id, tenant=tenant)
    result = gateway.decide(ToolCall(tenant=tenant, skill="execution_governor", action="whatsapp.send",
                                     args={"to": "+966501234567", "body": body}, contact_id=contact_id,
                                     tool_call_id=f"{contact_id}:whatsapp.send"))
    assert result.approval is not None, result.decision.reason_code
    return result.approval


def blocked_attempt(gateway: Gateway, *, tenant: str = TENANT, action: str = "linkedin.scrape",
                    contact_id: str = "c9") -> None:
    gateway.invoke(ToolCall(tenant=tenant, skill="targeting_analyst", action=action, args={"q": "x"},
                            contact_id=contact_id))


def count_events(gateway: Gateway, kind: str, tenant: str = TENANT) -> int:
    return sum(1 for e in gateway.audit.events(tenant=tenant, limit=100_000) if e.kind == kind)
