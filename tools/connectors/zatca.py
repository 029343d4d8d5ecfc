"""The ZATCA simplified tax invoice QR code (e-invoicing phase 1, "generation").

The QR payload is five TLV records, base64-encoded:

    tag 1  seller name            tag 4  invoice total including VAT
    tag 2  seller VAT number      tag 5  VAT total
    tag 3  invoice timestamp

Each record is one byte of tag, one byte of length and the value's UTF-8 bytes. The length
counts bytes, not characters: an Arabic letter is two bytes in UTF-8, so a 130-letter Arabic
seller name does not fit the one-byte length even though it looks short.
"""

from __future__ import annotations

import base64
import binascii
from enum import IntEnum

from tools.errors import ConnectorError

__all__ = ["ZatcaTag", "decode_zatca_tlv", "encode_zatca_tlv"]

_MAX_VALUE_BYTES = 255


class ZatcaTag(IntEnum):
    seller_name = 1
    vat_number = 2
    timestamp = 3
    invoice_total = 4
    vat_total = 5


def encode_zatca_tlv(*, seller_name: str, vat_number: str, timestamp: str, invoice_total: str,
                     vat_total: str) -> str:
    """The base64 QR payload for the five phase-1 fields, in tag order."""
    values = {
        ZatcaTag.seller_name: seller_name,
        ZatcaTag.vat_number: vat_number,
        ZatcaTag.timestamp: timestamp,
        ZatcaTag.invoice_total: invoice_total,
        ZatcaTag.vat_total: vat_total,
    }
    payload = bytearray()
    for tag, text in values.items():
        value = text.encode("utf-8")
        if not value or len(value) > _MAX_VALUE_BYTES:
            raise ConnectorError(
                f"لا يمكن إدراج الحقل رقم {int(tag)} في رمز الفاتورة: يجب ألا يكون فارغاً وألا يتجاوز "
                f"{_MAX_VALUE_BYTES} بايت (الحرف العربي بايتان)؛ نرجو اختصاره.",
                f"ZATCA TLV field {int(tag)} must be 1..{_MAX_VALUE_BYTES} UTF-8 bytes, got {len(value)}.",
                code="zatca_field_length",
            )
        payload += bytes((tag, len(value))) + value
    return base64.b64encode(bytes(payload)).decode("ascii")


def decode_zatca_tlv(encoded: str) -> dict[int, str]:
    """Read a QR payload back into ``{tag: text}``; refuses anything malformed."""
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise _malformed("not base64") from exc
    fields: dict[int, str] = {}
    offset = 0
    while offset < len(data):
        if offset + 2 > len(data):
            raise _malformed("truncated record header")
        tag, length = data[offset], data[offset + 1]
        value = data[offset + 2 : offset + 2 + length]
        if len(value) != length:
            raise _malformed(f"tag {tag} is truncated")
        if tag in fields:
            raise _malformed(f"tag {tag} repeated")
        try:
            fields[tag] = value.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _malformed(f"tag {tag} is not UTF-8") from exc
        offset += 2 + length
    return fields


def _malformed(reason: str) -> ConnectorError:
    return ConnectorError(
        "رمز الفاتورة (QR) غير صالح ولا يمكن قراءته.", f"Malformed ZATCA TLV: {reason}.", code="zatca_tlv_invalid"
    )
