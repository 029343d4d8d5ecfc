from __future__ import annotations

import base64
import inspect
import json

import pytest

from tools.connectors import moyasar
from tools.connectors.moyasar import MoyasarInvoiceDraftConnector
from tools.connectors.zatca import decode_zatca_tlv, encode_zatca_tlv
from tools.errors import ConnectorError

SELLER = "مؤسسة النخبة للتسويق"
VAT_NUMBER = "310122393500003"


def args(**extra):
    base = {
        "seller_name": SELLER,
        "vat_number": VAT_NUMBER,
        "buyer_name": "شركة الأفق التجارية",
        "items": [
            {"description": "باقة إدارة الحملات الشهرية", "quantity": 3, "unit_price": "99.99"},
            {"description": "رسائل تنبيه", "quantity": "1.5", "unit_price": 0.1},
        ],
    }
    base.update(extra)
    return base


def run(args_, ctx, permit, **kw):
    connector = MoyasarInvoiceDraftConnector()
    return connector.run(permit("moyasar.invoice_draft", args_, **kw), args_, ctx)


def invoice(ctx) -> dict:
    return json.loads((ctx.outbox_dir / "moyasar.invoice_draft-L1.json").read_text(encoding="utf-8"))


# --- ZATCA TLV -------------------------------------------------------------------------------

SALLA = dict(seller_name="Salla", vat_number="1234567891", timestamp="2021-07-12T14:25:09Z",
             invoice_total="100.00", vat_total="15.00")


def test_tlv_matches_the_published_vector():
    # The vector published with Salla's open-source ZATCA library (salla/zatca README).
    assert encode_zatca_tlv(**SALLA) == (
        "AQVTYWxsYQIKMTIzNDU2Nzg5MQMUMjAyMS0wNy0xMlQxNDoyNTowOVoEBjEwMC4wMAUFMTUuMDA="
    )


def test_tlv_matches_the_published_arabic_vector():
    assert encode_zatca_tlv(**{**SALLA, "seller_name": "سلة"}) == (
        "AQbYs9mE2KkCCjEyMzQ1Njc4OTEDFDIwMjEtMDctMTJUMTQ6MjU6MDlaBAYxMDAuMDAFBTE1LjAw"
    )


def test_tlv_bytes_count_arabic_length_in_bytes_not_characters():
    encoded = encode_zatca_tlv(seller_name="مؤسسة", vat_number=VAT_NUMBER, timestamp="2026-11-15T10:30:00+03:00",
                               invoice_total="115.00", vat_total="15.00")
    name = "مؤسسة".encode()
    assert len("مؤسسة") == 5 and len(name) == 10
    assert base64.b64decode(encoded) == (
        b"\x01\x0a" + name
        + b"\x02\x0f" + VAT_NUMBER.encode()
        + b"\x03\x19" + b"2026-11-15T10:30:00+03:00"
        + b"\x04\x06" + b"115.00"
        + b"\x05\x05" + b"15.00"
    )


def test_tlv_round_trips_an_arabic_seller_name():
    values = {**SALLA, "seller_name": SELLER}
    assert decode_zatca_tlv(encode_zatca_tlv(**values)) == {
        1: SELLER, 2: "1234567891", 3: "2021-07-12T14:25:09Z", 4: "100.00", 5: "15.00"
    }


def test_tlv_refuses_a_value_over_255_bytes_even_when_it_is_few_characters():
    assert encode_zatca_tlv(**{**SALLA, "seller_name": "ب" * 127})  # 254 bytes fits
    with pytest.raises(ConnectorError) as caught:
        encode_zatca_tlv(**{**SALLA, "seller_name": "ب" * 128})  # 128 characters, 256 bytes
    assert caught.value.code == "zatca_field_length"
    assert "255" in caught.value.message_ar


@pytest.mark.parametrize(
    "payload",
    ["not base64!", base64.b64encode(b"\x01\x05Sal").decode(), base64.b64encode(b"\x01").decode(),
     base64.b64encode(b"\x01\x01a\x01\x01b").decode(), base64.b64encode(b"\x01\x02\xff\xfe").decode()],
)
def test_malformed_tlv_is_refused(payload):
    with pytest.raises(ConnectorError) as caught:
        decode_zatca_tlv(payload)
    assert caught.value.code == "zatca_tlv_invalid"


# --- the invoice draft ------------------------------------------------------------------------


def test_amounts_are_exact_and_rounded_half_up_to_the_halala(ctx, permit):
    delivery = run(args(), ctx, permit)
    draft = invoice(ctx)

    assert [line["line_total"] for line in draft["lines"]] == ["299.97", "0.15"]
    assert [line["line_total_halalas"] for line in draft["lines"]] == [29997, 15]
    assert draft["lines"][1]["quantity"] == "1.5"
    assert draft["lines"][1]["unit_price"] == "0.10"
    assert (draft["subtotal"], draft["vat"], draft["total"]) == ("300.12", "45.02", "345.14")
    assert (draft["subtotal_halalas"], draft["vat_halalas"], draft["total_halalas"]) == (30012, 4502, 34514)
    assert draft["vat_rate"] == "0.15"
    assert draft["currency"] == "SAR"
    assert delivery.detail["total_halalas"] == 34514


def test_half_cases_round_up_not_to_even(ctx, permit):
    # 0.125 -> 0.13 (banker's rounding would give 0.12); VAT on 1.50 is 0.225 -> 0.23.
    items = [{"description": "أ", "quantity": 1, "unit_price": "0.125"},
             {"description": "ب", "quantity": 1, "unit_price": "1.37"}]
    run(args(items=items), ctx, permit)
    draft = invoice(ctx)
    assert draft["lines"][0]["line_total"] == "0.13"
    assert draft["lines"][0]["unit_price"] == "0.125"
    assert (draft["subtotal"], draft["vat"], draft["total"]) == ("1.50", "0.23", "1.73")


def test_draft_is_a_draft_with_no_payment_link(ctx, permit):
    run(args(), ctx, permit)
    draft = invoice(ctx)
    assert draft["status"] == "draft"
    assert draft["payment_link"] is None
    assert "مسودة" in draft["note_ar"] and "لم يُحصَّل" in draft["note_ar"]
    assert draft["issued_at"] == "2026-11-15T10:30:00+03:00"
    assert draft["invoice_id"] == "draft-L1"
    assert draft["seller"] == {"name": SELLER, "vat_number": VAT_NUMBER}


def test_moyasar_request_body_carries_the_total_in_halalas(ctx, permit):
    run(args(), ctx, permit)
    body = invoice(ctx)["moyasar"]
    assert body["amount"] == 34514
    assert body["currency"] == "SAR"
    assert body["description"] == "باقة إدارة الحملات الشهرية، رسائل تنبيه"
    assert body["metadata"] == {"dealix_ledger_id": "L1", "dealix_tenant": "acme"}


def test_qr_code_holds_the_invoice_facts(ctx, permit):
    run(args(), ctx, permit)
    assert decode_zatca_tlv(invoice(ctx)["zatca_qr"]) == {
        1: SELLER, 2: VAT_NUMBER, 3: "2026-11-15T07:30:00Z", 4: "345.14", 5: "45.02"  # UTC, as ZATCA writes it
    }


@pytest.mark.parametrize("vat_number", ["٣١٠١٢٢٣٩٣٥٠٠٠٠٣", "310 1223 9350 0003"])
def test_vat_number_in_arabic_digits_or_spaced_is_normalised(ctx, permit, vat_number):
    run(args(vat_number=vat_number), ctx, permit)
    assert invoice(ctx)["seller"]["vat_number"] == VAT_NUMBER


@pytest.mark.parametrize("vat_number", ["31012239350000", "210122393500003", "310122393500001", "3101223935000031",
                                        "3A0122393500003"])
def test_invalid_vat_numbers_are_refused_in_arabic(ctx, permit, vat_number):
    with pytest.raises(ConnectorError) as caught:
        run(args(vat_number=vat_number), ctx, permit)
    assert caught.value.code == "vat_number_invalid"
    assert "15 رقماً" in caught.value.message_ar


def test_seller_name_too_long_for_the_qr_is_refused(ctx, permit):
    with pytest.raises(ConnectorError) as caught:
        run(args(seller_name="م" * 128), ctx, permit)
    assert caught.value.code == "zatca_field_length"


@pytest.mark.parametrize(
    "item",
    [
        {"description": "x", "quantity": 0, "unit_price": "10"},
        {"description": "x", "quantity": 1, "unit_price": "-10"},
        {"description": "x", "quantity": True, "unit_price": "10"},
        {"description": "x", "quantity": 1, "unit_price": "NaN"},
        {"description": "x", "quantity": 1, "unit_price": "عشرة"},
        {"description": "x", "quantity": 1},
    ],
)
def test_bad_line_items_are_refused(ctx, permit, item):
    with pytest.raises(ConnectorError) as caught:
        run(args(items=[item]), ctx, permit)
    assert caught.value.code == "arguments_invalid"
    assert "items.0" in caught.value.message_ar


def test_an_invoice_of_nothing_is_refused(ctx, permit):
    with pytest.raises(ConnectorError) as caught:
        run(args(items=[{"description": "هدية", "quantity": 1, "unit_price": 0}]), ctx, permit)
    assert caught.value.code == "invoice_empty"


def test_missing_arguments_are_named_in_arabic(ctx, permit):
    with pytest.raises(ConnectorError) as caught:
        run({"seller_name": SELLER}, ctx, permit)
    assert caught.value.code == "arguments_missing"
    assert "vat_number" in caught.value.message_ar


def test_same_ledger_id_twice_gives_one_identical_file(ctx, permit):
    run(args(), ctx, permit)
    content = (ctx.outbox_dir / "moyasar.invoice_draft-L1.json").read_bytes()
    run(args(), ctx, permit)
    assert list(ctx.outbox_dir.iterdir()) == [ctx.outbox_dir / "moyasar.invoice_draft-L1.json"]
    assert (ctx.outbox_dir / "moyasar.invoice_draft-L1.json").read_bytes() == content


def test_the_module_has_no_way_to_reach_moyasar():
    source = inspect.getsource(moyasar)
    assert "api.moyasar.com" not in source and "httpx" not in source
