from __future__ import annotations

import base64
import email
import inspect
import json
from dataclasses import replace
from datetime import timedelta
from email.message import EmailMessage
from email.policy import default

import httpx
import pytest
from pydantic import SecretStr

from tools.connectors import gmail
from tools.connectors.gmail import GMAIL_DRAFTS_URL, GmailDraftConnector, GmailDraftsAdapter
from tools.errors import ConnectorError

ACTION = "gmail.draft"
SUBJECT = "عرض خدمات التسويق لشركتكم الموقرة"
BODY = "السلام عليكم ورحمة الله،\nيسعدنا تقديم عرضنا لكم.\nمع خالص التحية"


def args(**extra):
    return {"to": "buyer@client.sa", "subject": SUBJECT, "body": BODY, **extra}


def parse(path) -> EmailMessage:
    return email.message_from_bytes(path.read_bytes(), policy=default)


def text_of(part) -> str:
    # MIME text travels with CRLF line breaks and a final newline; compare the text itself.
    return part.get_content().replace("\r\n", "\n").removesuffix("\n")


def run(connector, args_, ctx, permit, **kw):
    return connector.run(permit(ACTION, args_, **kw), args_, ctx)


def test_arabic_subject_and_body_round_trip(ctx, permit):
    delivery = run(GmailDraftConnector(), args(), ctx, permit)

    message = parse(ctx.outbox_dir / "gmail.draft-L1.eml")
    assert delivery.outbox_path == str(ctx.outbox_dir / "gmail.draft-L1.eml")
    assert message["Subject"] == SUBJECT
    assert text_of(message.get_body(("plain",))) == BODY
    assert message["To"] == "buyer@client.sa"


def test_html_alternative_round_trips(ctx, permit):
    html = '<p dir="rtl" lang="ar">السلام عليكم</p>'
    run(GmailDraftConnector(), args(html=html), ctx, permit)

    message = parse(ctx.outbox_dir / "gmail.draft-L1.eml")
    assert message.get_content_type() == "multipart/alternative"
    assert text_of(message.get_body(("html",))) == html
    assert text_of(message.get_body(("plain",))) == BODY


def test_draft_headers_mark_the_draft_and_derive_the_message_id_from_the_ledger(ctx, permit):
    a = args(cc=["a@client.sa", "b@client.sa"], reply_to="sales@dealix.sa", from_address="rep@agency.sa")
    run(GmailDraftConnector(), a, ctx, permit, ledger_id="LED-42")

    message = parse(ctx.outbox_dir / "gmail.draft-LED-42.eml")
    assert message["X-Dealix-Draft"] == "true"
    assert message["Message-ID"] == "<dealix-draft.LED-42@agency.sa>"
    assert message["From"] == "rep@agency.sa"
    assert message["Cc"] == "a@client.sa, b@client.sa"
    assert message["Reply-To"] == "sales@dealix.sa"
    assert message["Date"] == "Sun, 15 Nov 2026 10:30:00 +0300"


def test_file_uses_crlf_line_endings(ctx, permit):
    run(GmailDraftConnector(), args(), ctx, permit)
    raw = (ctx.outbox_dir / "gmail.draft-L1.eml").read_bytes()
    assert b"\r\n" in raw
    assert b"\n" not in raw.replace(b"\r\n", b"")


def test_ledger_id_unfit_for_a_message_id_is_hashed(ctx, permit):
    run(GmailDraftConnector(), args(), ctx, permit, ledger_id="دفتر 1")
    (path,) = ctx.outbox_dir.iterdir()
    message_id = parse(path)["Message-ID"]
    assert message_id.startswith("<dealix-draft.")
    assert message_id.endswith("@dealix.invalid>")
    assert " " not in message_id


def test_same_ledger_id_twice_gives_one_identical_file(ctx, permit):
    connector = GmailDraftConnector()
    first = run(connector, args(html="<p>x</p>"), ctx, permit)
    content = (ctx.outbox_dir / "gmail.draft-L1.eml").read_bytes()
    later = replace(ctx, now=ctx.now + timedelta(hours=1))
    second = run(connector, args(html="<p>x</p>"), later, permit)

    assert list(ctx.outbox_dir.iterdir()) == [ctx.outbox_dir / "gmail.draft-L1.eml"]
    assert (ctx.outbox_dir / "gmail.draft-L1.eml").read_bytes() == content
    assert first.outbox_path == second.outbox_path
    assert second.detail["replayed"] is True


def test_rendering_is_deterministic_even_with_html(ctx, permit, tmp_path):
    run(GmailDraftConnector(), args(html="<p>x</p>"), ctx, permit)
    other = replace(ctx, outbox_dir=tmp_path / "other")
    run(GmailDraftConnector(), args(html="<p>x</p>"), other, permit)
    mine, theirs = ctx.outbox_dir / "gmail.draft-L1.eml", other.outbox_dir / "gmail.draft-L1.eml"
    assert mine.read_bytes() == theirs.read_bytes()


@pytest.mark.parametrize(
    "field, value",
    [
        ("subject", "عرض\r\nBcc: victim@evil.sa"),
        ("subject", "عرض\nX-Injected: 1"),
        ("subject", "عرض\u2028سطر"),
    ],
)
def test_header_injection_in_subject_is_refused(ctx, permit, field, value):
    with pytest.raises(ConnectorError) as caught:
        run(GmailDraftConnector(), args(**{field: value}), ctx, permit)
    assert caught.value.code == "header_injection"
    assert "سطر واحد" in caught.value.message_ar
    assert not ctx.outbox_dir.exists()


@pytest.mark.parametrize("field", ["to", "cc", "reply_to", "from_address"])
def test_header_injection_through_an_address_is_refused(ctx, permit, field):
    with pytest.raises(ConnectorError) as caught:
        run(GmailDraftConnector(), args(**{field: "a@client.sa\r\nBcc: victim@evil.sa"}), ctx, permit)
    assert caught.value.code == "email_invalid"


@pytest.mark.parametrize(
    "address", ["no-at-sign", "a@localhost", "a..b@client.sa", "a@-client.sa", "a b@client.sa", "Ahmed <a@client.sa>",
                "a@client.123", "x" * 65 + "@client.sa"],
)
def test_invalid_addresses_are_refused_in_arabic(ctx, permit, address):
    with pytest.raises(ConnectorError) as caught:
        run(GmailDraftConnector(), args(to=address), ctx, permit)
    assert caught.value.code == "email_invalid"
    assert "البريد الإلكتروني" in caught.value.message_ar


def test_internationalised_domain_is_written_in_ascii(ctx, permit):
    run(GmailDraftConnector(), args(to=["info@شركة.السعودية"]), ctx, permit)
    assert parse(ctx.outbox_dir / "gmail.draft-L1.eml")["To"].startswith("info@xn--")


def test_missing_arguments_are_named_in_arabic(ctx, permit):
    incomplete = {"to": "buyer@client.sa"}
    with pytest.raises(ConnectorError) as caught:
        run(GmailDraftConnector(), incomplete, ctx, permit)
    assert caught.value.code == "arguments_missing"
    assert caught.value.message_ar.startswith("معطيات ناقصة")
    assert "subject" in caught.value.message_ar and "body" in caught.value.message_ar


def test_unknown_argument_is_refused_not_ignored(ctx, permit):
    with pytest.raises(ConnectorError) as caught:
        run(GmailDraftConnector(), args(bcc="hidden@evil.sa"), ctx, permit)
    assert caught.value.code == "arguments_invalid"
    assert "bcc" in caught.value.message_ar


# --- the Gmail API adapter -------------------------------------------------------------------


class Recorder:
    """A fake Gmail drafts endpoint: POST creates, GET lists what was created."""

    def __init__(self, *statuses: int) -> None:
        self.requests: list[httpx.Request] = []
        self.statuses = list(statuses)
        self.drafts: list[dict] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        status = self.statuses.pop(0) if self.statuses else 200
        if status != 200:
            return httpx.Response(status, json={"error": {"message": "echo of buyer@client.sa"}})
        if request.method == "GET":
            return httpx.Response(200, json={"drafts": self.drafts} if self.drafts else {"resultSizeEstimate": 0})
        draft = {"id": f"r-{len(self.drafts) + 1}", "message": {"id": "m-1"}}
        self.drafts.append(draft)
        return httpx.Response(200, json=draft)


def adapter_with(recorder: Recorder) -> GmailDraftsAdapter:
    client = httpx.Client(transport=httpx.MockTransport(recorder))
    return GmailDraftsAdapter(client, SecretStr("ya29.test-token"))


def test_adapter_creates_the_draft_with_the_exact_request(ctx, permit):
    recorder = Recorder()
    delivery = run(GmailDraftConnector(adapter_with(recorder)), args(), ctx, permit)

    (request,) = recorder.requests
    assert request.method == "POST"
    assert str(request.url) == GMAIL_DRAFTS_URL == "https://gmail.googleapis.com/gmail/v1/users/me/drafts"
    assert request.headers["Authorization"] == "Bearer ya29.test-token"
    assert request.headers["Content-Type"] == "application/json"
    payload = json.loads(request.content)
    assert list(payload) == ["message"] and list(payload["message"]) == ["raw"]
    raw = payload["message"]["raw"]
    assert "+" not in raw and "/" not in raw  # base64url
    assert base64.urlsafe_b64decode(raw) == (ctx.outbox_dir / "gmail.draft-L1.eml").read_bytes()
    assert delivery.transport == "gmail_api"
    assert delivery.detail["gmail_draft_id"] == "r-1"


def test_a_rerun_finds_the_existing_draft_instead_of_creating_another(ctx, permit):
    recorder = Recorder()
    connector = GmailDraftConnector(adapter_with(recorder))
    run(connector, args(), ctx, permit)
    second = run(connector, args(), ctx, permit)

    assert [r.method for r in recorder.requests] == ["POST", "GET"]
    lookup = recorder.requests[1]
    assert lookup.url.params["q"] == "rfc822msgid:dealix-draft.L1@dealix.invalid"
    assert len(recorder.drafts) == 1
    assert second.detail["gmail_draft_id"] == "r-1"
    assert second.detail["replayed"] is True


def test_a_retry_after_a_failed_upload_creates_the_draft_from_the_same_file(ctx, permit):
    recorder = Recorder(503)
    connector = GmailDraftConnector(adapter_with(recorder))
    with pytest.raises(ConnectorError):
        run(connector, args(), ctx, permit)
    content = (ctx.outbox_dir / "gmail.draft-L1.eml").read_bytes()

    retry = run(connector, args(), ctx, permit)
    assert [r.method for r in recorder.requests] == ["POST", "GET", "POST"]
    assert base64.urlsafe_b64decode(json.loads(recorder.requests[2].content)["message"]["raw"]) == content
    assert retry.transport == "gmail_api"
    assert len(recorder.drafts) == 1


def test_adapter_failure_is_an_arabic_connector_error_and_the_outbox_keeps_the_draft(ctx, permit):
    recorder = Recorder(401)
    with pytest.raises(ConnectorError) as caught:
        run(GmailDraftConnector(adapter_with(recorder)), args(), ctx, permit)
    assert caught.value.code == "gmail_api_failed"
    assert "buyer@client.sa" not in caught.value.message_en
    assert (ctx.outbox_dir / "gmail.draft-L1.eml").exists()


def test_without_an_adapter_the_draft_stays_in_the_outbox(ctx, permit):
    delivery = run(GmailDraftConnector(), args(), ctx, permit, live=True)
    assert delivery.transport == "outbox"


def test_adapter_refuses_an_empty_token():
    with pytest.raises(ConnectorError):
        GmailDraftsAdapter(httpx.Client(), SecretStr("  "))


def test_the_module_knows_no_send_endpoint():
    source = inspect.getsource(gmail)
    assert "/send" not in source and "messages.send" not in source
    assert not hasattr(GmailDraftsAdapter, "send")
