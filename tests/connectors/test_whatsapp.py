from __future__ import annotations

import json

import httpx
import pytest
from pydantic import SecretStr

from tools.connectors.whatsapp import (
    WhatsAppCloudAdapter,
    WhatsAppDraftConnector,
    WhatsAppSendConnector,
    whatsapp_number,
)
from tools.errors import ConnectorError

BODY = "السلام عليكم أستاذ أحمد، نذكّركم بموعدنا يوم الأحد الساعة العاشرة صباحاً."


def text_args(**extra):
    return {"to": "0501234567", "body": BODY, **extra}


def run(connector, args, ctx, permit, **kw):
    return connector.run(permit(connector.action, args, **kw), args, ctx)


def outbox(ctx, name="whatsapp.send-L1.json") -> dict:
    return json.loads((ctx.outbox_dir / name).read_text(encoding="utf-8"))


class Recorder:
    def __init__(self, status: int = 200) -> None:
        self.requests: list[httpx.Request] = []
        self.status = status

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        body = {"messaging_product": "whatsapp", "contacts": [{"input": "966501234567", "wa_id": "966501234567"}],
                "messages": [{"id": "wamid.HBgM123"}]}
        return httpx.Response(self.status, json=body if self.status == 200 else {"error": {"code": 131047}})


def adapter_with(recorder: Recorder) -> WhatsAppCloudAdapter:
    client = httpx.Client(transport=httpx.MockTransport(recorder))
    return WhatsAppCloudAdapter(client, SecretStr("EAAG-test-token"), "106540352242922")


@pytest.mark.parametrize(
    "raw", ["+966501234567", "+966 50 123 4567", "00966501234567", "0501234567", "050-123-4567", "٠٥٠١٢٣٤٥٦٧"]
)
def test_saudi_mobile_numbers_normalise_to_e164_digits(raw):
    assert whatsapp_number(raw) == "966501234567"


@pytest.mark.parametrize("raw", ["12345", "0501234", "+9665012345678", "phone", ""])
def test_invalid_numbers_are_refused_in_arabic(raw):
    with pytest.raises(ConnectorError) as caught:
        whatsapp_number(raw)
    assert caught.value.code == "phone_invalid"
    assert "رقم الجوال" in caught.value.message_ar


def test_a_landline_is_refused():
    with pytest.raises(ConnectorError) as caught:
        whatsapp_number("0112345678")
    assert caught.value.code == "phone_not_mobile"


def test_text_message_is_the_cloud_api_body_wrapped_in_an_outbox_envelope(ctx, permit):
    delivery = run(WhatsAppSendConnector(), text_args(to="+966 50 123 4567"), ctx, permit)

    assert outbox(ctx) == {
        "delivery": "outbox",
        "live": False,
        "message": {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "966501234567",
            "type": "text",
            "text": {"preview_url": False, "body": BODY},
        },
    }
    assert delivery.transport == "outbox"
    assert delivery.detail == {"type": "text", "delivery": "outbox", "chars": len(BODY), "replayed": False}


def test_template_message_carries_language_and_body_parameters(ctx, permit):
    args = {"to": "0501234567", "template": {"name": "meeting_reminder", "language": "ar", "params": ["أحمد", "الأحد"]}}
    run(WhatsAppSendConnector(), args, ctx, permit)
    assert outbox(ctx)["message"] == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "966501234567",
        "type": "template",
        "template": {
            "name": "meeting_reminder",
            "language": {"code": "ar"},
            "components": [
                {"type": "body", "parameters": [{"type": "text", "text": "أحمد"}, {"type": "text", "text": "الأحد"}]}
            ],
        },
    }


def test_template_without_parameters_has_no_components(ctx, permit):
    run(WhatsAppSendConnector(), {"to": "0501234567", "template": {"name": "hello_world", "language": "en_US"}},
        ctx, permit)
    assert outbox(ctx)["message"]["template"] == {"name": "hello_world", "language": {"code": "en_US"}}


@pytest.mark.parametrize(
    "args, code",
    [
        ({"to": "0501234567", "body": "x" * 4097}, "whatsapp_body_too_long"),
        ({"to": "0501234567", "body": "   "}, "whatsapp_body_empty"),
        ({"to": "0501234567"}, "whatsapp_content_ambiguous"),
        ({"to": "0501234567", "body": "x", "template": {"name": "t"}}, "whatsapp_content_ambiguous"),
        ({"to": "0501234567", "template": {"name": "Bad Name"}}, "arguments_invalid"),
        ({"to": "0501234567", "template": {"name": "t", "params": [""]}}, "template_param_empty"),
        ({"to": "0112345678", "body": "x"}, "phone_not_mobile"),
    ],
)
def test_bad_messages_are_refused(ctx, permit, args, code):
    with pytest.raises(ConnectorError) as caught:
        run(WhatsAppSendConnector(), args, ctx, permit)
    assert caught.value.code == code
    assert not ctx.outbox_dir.exists()


def test_body_of_exactly_4096_characters_is_accepted(ctx, permit):
    run(WhatsAppSendConnector(), text_args(body="ب" * 4096), ctx, permit)
    assert len(outbox(ctx)["message"]["text"]["body"]) == 4096


def test_missing_recipient_is_named_in_arabic(ctx, permit):
    with pytest.raises(ConnectorError) as caught:
        run(WhatsAppSendConnector(), {"body": BODY}, ctx, permit)
    assert caught.value.code == "arguments_missing"
    assert "to" in caught.value.message_ar


def test_adapter_is_never_used_without_a_live_permit(ctx, permit):
    recorder = Recorder()
    delivery = run(WhatsAppSendConnector(adapter_with(recorder)), text_args(), ctx, permit, live=False)
    assert recorder.requests == []
    assert delivery.transport == "outbox"
    assert outbox(ctx)["delivery"] == "outbox"


def test_live_permit_without_credentials_stays_in_the_outbox_and_says_so(ctx, permit):
    delivery = run(WhatsAppSendConnector(), text_args(), ctx, permit, live=True)
    assert delivery.transport == "outbox"
    assert outbox(ctx)["delivery"] == "outbox"
    assert outbox(ctx)["live"] is True


def test_live_send_posts_the_exact_request(ctx, permit):
    recorder = Recorder()
    delivery = run(WhatsAppSendConnector(adapter_with(recorder)), text_args(), ctx, permit, live=True)

    (request,) = recorder.requests
    assert request.method == "POST"
    assert str(request.url) == "https://graph.facebook.com/v21.0/106540352242922/messages"
    assert request.headers["Authorization"] == "Bearer EAAG-test-token"
    assert json.loads(request.content) == outbox(ctx)["message"]
    assert outbox(ctx)["delivery"] == "live" and outbox(ctx)["live"] is True
    assert delivery.transport == "whatsapp_cloud"
    assert delivery.detail["provider_message_id"] == "wamid.HBgM123"
    assert "966501234567" not in repr(delivery.detail)


def test_a_ledger_id_sends_at_most_once(ctx, permit):
    recorder = Recorder()
    connector = WhatsAppSendConnector(adapter_with(recorder))
    run(connector, text_args(), ctx, permit, live=True)
    again = run(connector, text_args(), ctx, permit, live=True)
    assert len(recorder.requests) == 1
    assert again.transport == "outbox"
    assert again.detail["replayed"] is True and again.detail["delivery"] == "live"
    assert WhatsAppSendConnector.idempotent is False


def test_failed_live_send_is_an_arabic_error_without_the_number(ctx, permit):
    recorder = Recorder(status=400)
    with pytest.raises(ConnectorError) as caught:
        run(WhatsAppSendConnector(adapter_with(recorder)), text_args(), ctx, permit, live=True)
    assert caught.value.code == "whatsapp_api_failed"
    assert "966501234567" not in caught.value.message_en + caught.value.message_ar


@pytest.mark.parametrize("token, phone_id", [("", "106540352242922"), ("tok", "../me"), ("tok", "")])
def test_adapter_refuses_incomplete_configuration(token, phone_id):
    with pytest.raises(ConnectorError) as caught:
        WhatsAppCloudAdapter(httpx.Client(), SecretStr(token), phone_id)
    assert caught.value.code == "whatsapp_not_configured"


def test_draft_has_no_transport_even_with_a_live_permit(ctx, permit):
    delivery = run(WhatsAppDraftConnector(), text_args(), ctx, permit, live=True)
    draft = outbox(ctx, "whatsapp.draft-L1.json")
    assert draft["delivery"] == "draft" and draft["live"] is False
    assert draft["message"]["text"] == {"preview_url": False, "body": BODY}
    assert delivery.transport == "outbox"


def test_same_ledger_id_twice_gives_one_identical_file(ctx, permit):
    connector = WhatsAppDraftConnector()
    run(connector, text_args(), ctx, permit)
    content = (ctx.outbox_dir / "whatsapp.draft-L1.json").read_bytes()
    run(connector, text_args(), ctx, permit)
    assert list(ctx.outbox_dir.iterdir()) == [ctx.outbox_dir / "whatsapp.draft-L1.json"]
    assert (ctx.outbox_dir / "whatsapp.draft-L1.json").read_bytes() == content
