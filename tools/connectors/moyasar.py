"""``moyasar.invoice_draft``: a VAT invoice draft in SAR, with the ZATCA QR code, and nothing charged.

Amounts are exact: ``decimal.Decimal`` throughout, each line and the VAT rounded half-up to the
halala, and every amount also given in halalas (integers), the unit Moyasar's API speaks. VAT is
15% of the invoice subtotal, computed once on the subtotal rather than summed from rounded line
VATs, so the invoice's VAT always equals its rounded subtotal times 15%.

The draft also carries the exact body that Moyasar's ``POST /v1/invoices`` would take, so that a
person can create the payment link after review. This module never calls Moyasar: there is no
charge path and no payment link (``moyasar.charge`` is blocked by policy).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tools.connectors.arguments import ConnectorArgs, parse_args
from tools.connectors.base import Connector, ConnectorContext, Delivery, require, write_outbox
from tools.connectors.clock import local_now
from tools.connectors.zatca import decode_zatca_tlv, encode_zatca_tlv
from tools.errors import ConnectorError

__all__ = [
    "VAT_RATE",
    "InvoiceDraft",
    "InvoiceDraftArgs",
    "MoyasarInvoiceDraftConnector",
    "build_invoice",
    "decode_zatca_tlv",
    "encode_zatca_tlv",
]

VAT_RATE = Decimal("0.15")
_HALALA = Decimal("0.01")
_VAT_NUMBER = re.compile(r"3[0-9]{13}3")
# Eastern Arabic and Persian digits, as Saudi users often type them, folded to ASCII.
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_MAX_SAR = Decimal("1000000000")
_NOTE_AR = "هذه مسودة فاتورة للمراجعة فقط؛ لم يُنشأ رابط دفع ولم يُحصَّل أي مبلغ."


class InvoiceLineArgs(ConnectorArgs):
    description: str = Field(min_length=1, description="What is sold; Arabic is fine.")
    quantity: Decimal = Field(gt=0, le=_MAX_SAR, description="A number or a decimal string.")
    unit_price: Decimal = Field(ge=0, le=_MAX_SAR, description="SAR before VAT; a number or a decimal string.")


class InvoiceDraftArgs(ConnectorArgs):
    seller_name: str = Field(min_length=1, description="The seller's registered name, as on the VAT certificate.")
    vat_number: str = Field(description="The seller's 15-digit VAT registration number (starts and ends with 3).")
    buyer_name: str = Field(min_length=1)
    items: list[InvoiceLineArgs] = Field(min_length=1)
    description: str | None = Field(default=None, description="Invoice description; defaults to the items.")

    @field_validator("vat_number")
    @classmethod
    def _vat_number(cls, value: str) -> str:
        digits = re.sub(r"[\s-]", "", value.translate(_DIGITS))
        if not _VAT_NUMBER.fullmatch(digits):
            raise ConnectorError(
                "الرقم الضريبي غير صالح: يجب أن يتكون من 15 رقماً يبدأ بالرقم 3 وينتهي به.",
                "The VAT number must be 15 digits starting and ending with 3.",
                code="vat_number_invalid",
            )
        return digits

    @field_validator("seller_name")
    @classmethod
    def _fits_the_qr(cls, value: str) -> str:
        if len(value.encode("utf-8")) > 255:
            raise ConnectorError(
                "اسم البائع أطول مما يتسع له رمز الفاتورة (255 بايت، والحرف العربي بايتان)؛ نرجو اختصاره.",
                "The seller name exceeds the 255 UTF-8 bytes the ZATCA QR allows.",
                code="zatca_field_length",
            )
        return value


class Party(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str = Field(description="Registered or trading name.")
    vat_number: str | None = Field(default=None, description="VAT registration number, when registered.")


class InvoiceLine(BaseModel):
    model_config = ConfigDict(frozen=True)

    description: str = Field(description="What is sold.")
    quantity: str = Field(description="Quantity as a plain decimal string.")
    unit_price: str = Field(description="SAR per unit before VAT.")
    line_total: str = Field(description="quantity × unit_price in SAR, rounded half-up to the halala.")
    line_total_halalas: int = Field(description="line_total in halalas.")


class MoyasarInvoiceRequest(BaseModel):
    """The body of Moyasar's ``POST /v1/invoices`` for this invoice; recorded, never sent from here."""

    model_config = ConfigDict(frozen=True)

    amount: int = Field(description="Total including VAT, in halalas.")
    currency: Literal["SAR"] = Field(default="SAR", description="ISO 4217 currency.")
    description: str = Field(description="What the buyer sees on the payment page.")
    metadata: dict[str, str] = Field(description="Ids that tie the invoice back to the Dealix ledger.")


class InvoiceDraft(BaseModel):
    """The outbox file of ``moyasar.invoice_draft``."""

    model_config = ConfigDict(frozen=True)

    invoice_id: str = Field(description="Draft id derived from the ledger id.")
    status: Literal["draft"] = Field(default="draft", description="Always a draft: nothing is charged.")
    currency: Literal["SAR"] = Field(default="SAR", description="ISO 4217 currency.")
    issued_at: str = Field(description="Issue time, ISO 8601 with the Riyadh offset.")
    seller: Party = Field(description="The seller, with its VAT number.")
    buyer: Party = Field(description="The buyer.")
    lines: list[InvoiceLine] = Field(description="Invoice lines, in the order given.")
    subtotal: str = Field(description="Sum of line totals before VAT, SAR.")
    subtotal_halalas: int = Field(description="subtotal in halalas.")
    vat_rate: str = Field(default=str(VAT_RATE), description="VAT rate applied to the subtotal.")
    vat: str = Field(description="VAT total, SAR, rounded half-up to the halala.")
    vat_halalas: int = Field(description="vat in halalas.")
    total: str = Field(description="subtotal + vat, SAR.")
    total_halalas: int = Field(description="total in halalas.")
    zatca_qr: str = Field(description="Base64 TLV of the ZATCA simplified-invoice QR code (phase 1).")
    moyasar: MoyasarInvoiceRequest = Field(description="The Moyasar invoice request a person may create later.")
    payment_link: None = Field(default=None, description="No payment link exists for a draft.")
    note_ar: str = Field(default=_NOTE_AR, description="Arabic note for the reviewer.")


def build_invoice(args: InvoiceDraftArgs, *, ledger_id: str, ctx: ConnectorContext) -> InvoiceDraft:
    lines = [_line(item) for item in args.items]
    subtotal = sum((Decimal(line.line_total) for line in lines), start=Decimal("0.00"))
    vat = _to_halala(subtotal * VAT_RATE)
    total = subtotal + vat
    if total <= 0:
        raise ConnectorError(
            "إجمالي الفاتورة يجب أن يكون أكبر من صفر.", "The invoice total must be positive.", code="invoice_empty"
        )
    issued_at = local_now(ctx).isoformat()
    description = args.description or "، ".join(item.description for item in args.items)
    return InvoiceDraft(
        invoice_id=f"draft-{ledger_id}",
        issued_at=issued_at,
        seller=Party(name=args.seller_name, vat_number=args.vat_number),
        buyer=Party(name=args.buyer_name),
        lines=lines,
        subtotal=str(subtotal),
        subtotal_halalas=_halalas(subtotal),
        vat=str(vat),
        vat_halalas=_halalas(vat),
        total=str(total),
        total_halalas=_halalas(total),
        zatca_qr=encode_zatca_tlv(
            seller_name=args.seller_name,
            vat_number=args.vat_number,
            timestamp=zatca_timestamp(local_now(ctx)),
            invoice_total=str(total),
            vat_total=str(vat),
        ),
        moyasar=MoyasarInvoiceRequest(
            amount=_halalas(total),
            description=description,
            metadata={"dealix_ledger_id": ledger_id, "dealix_tenant": ctx.tenant},
        ),
    )


def zatca_timestamp(moment: datetime) -> str:
    """The QR's tag 3 as ZATCA's examples and readers write it: ISO 8601 in UTC, ``Z``, whole seconds."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _line(item: InvoiceLineArgs) -> InvoiceLine:
    line_total = _to_halala(item.quantity * item.unit_price)
    return InvoiceLine(
        description=item.description,
        quantity=_plain(item.quantity),
        unit_price=_price(item.unit_price),
        line_total=str(line_total),
        line_total_halalas=_halalas(line_total),
    )


def _to_halala(amount: Decimal) -> Decimal:
    return amount.quantize(_HALALA, rounding=ROUND_HALF_UP)


def _halalas(amount: Decimal) -> int:
    return int(amount * 100)


def _price(amount: Decimal) -> str:
    # Two decimals, as SAR prices are written, unless the price was given more precisely
    # (0.125 SAR per message): then the precision the seller chose is kept.
    exponent = amount.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        return _plain(amount)
    return str(_to_halala(amount))


def _plain(number: Decimal) -> str:
    return format(number.normalize(), "f")


class MoyasarInvoiceDraftConnector(Connector):
    """``moyasar.invoice_draft``: the invoice draft as JSON; never a charge, never a payment link."""

    action: ClassVar[str] = "moyasar.invoice_draft"
    extension: ClassVar[str] = "json"
    idempotent: ClassVar[bool] = True

    def _deliver(
        self, args: dict[str, Any], *, ledger_id: str, live: bool, ctx: ConnectorContext
    ) -> Delivery:
        require(args, "seller_name", "vat_number", "buyer_name", "items")
        invoice = build_invoice(parse_args(InvoiceDraftArgs, args), ledger_id=ledger_id, ctx=ctx)
        content = invoice.model_dump_json(indent=2).encode("utf-8") + b"\n"
        path = write_outbox(self.outbox_file(ctx, ledger_id), content)
        return Delivery(
            outbox_path=str(path),
            transport="outbox",
            detail={
                "invoice_id": invoice.invoice_id,
                "status": invoice.status,
                "lines": len(invoice.lines),
                "subtotal_halalas": invoice.subtotal_halalas,
                "vat_halalas": invoice.vat_halalas,
                "total_halalas": invoice.total_halalas,
                "currency": invoice.currency,
            },
        )
