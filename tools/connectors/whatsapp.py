"""``whatsapp.send`` and ``whatsapp.draft``: a WhatsApp Cloud API message, opt-in and governed.

Both build the exact request body of the Cloud API's ``POST /{phone-number-id}/messages`` (a
text message, or a pre-approved template with body parameters) and leave it in the outbox in an
envelope ``{"delivery": ..., "live": ..., "message": {...}}``:

- ``whatsapp.draft`` writes ``delivery: "draft"`` and has no transport at all.
- ``whatsapp.send`` posts the message through :class:`WhatsAppCloudAdapter` only when it was
  built with one (credentials configured) *and* the permit is live; the file then says
  ``delivery: "live"``. Otherwise it says ``delivery: "outbox"`` and ``live`` records whether
  the permit asked for a live send, so an operator can see a live request that had no
  credentials to go out with.

Opt-in, quiet hours, approvals and the live flag are the gateway's checks, not repeated here;
what this module guarantees is that nothing leaves without a live permit and an adapter, and
that one ledger id sends at most once: the outbox file is written before the send, and a run
that finds it already there sends nothing.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import phonenumbers
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator, model_validator

from tools.connectors.arguments import ConnectorArgs, parse_args
from tools.connectors.base import Connector, ConnectorContext, Delivery, require, write_outbox
from tools.errors import ConnectorError

if TYPE_CHECKING:  # the caller who builds the adapter imports httpx; the outbox-only path never does
    import httpx

__all__ = [
    "GRAPH_API_BASE",
    "CloudMessage",
    "WhatsAppArgs",
    "WhatsAppCloudAdapter",
    "WhatsAppDraftConnector",
    "WhatsAppOutbox",
    "WhatsAppSendConnector",
    "build_message",
    "whatsapp_number",
]

GRAPH_API_BASE = "https://graph.facebook.com/v21.0"
MAX_TEXT_CHARS = 4096
_MOBILE_TYPES = frozenset({phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE})


def whatsapp_number(raw: str) -> str:
    """E.164 digits without ``+`` (``966501234567``) from ``+966…``, ``00966…`` or ``05…`` forms."""
    try:
        number = phonenumbers.parse(raw, "SA")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or number.extension or not phonenumbers.is_valid_number(number):
        raise ConnectorError(
            "رقم الجوال غير صالح؛ نرجو كتابته بصيغة مثل 0501234567 أو +966501234567.",
            "Invalid phone number.",
            code="phone_invalid",
        )
    if phonenumbers.number_type(number) not in _MOBILE_TYPES:
        raise ConnectorError(
            "هذا الرقم ليس رقم جوال، ولا يمكن مراسلته عبر واتساب.",
            "The number is not a mobile number.",
            code="phone_not_mobile",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164).removeprefix("+")


class TemplateArgs(ConnectorArgs):
    name: str = Field(pattern=r"^[a-z0-9_]{1,512}$", description="Name of a template approved in WhatsApp Manager.")
    language: str = Field(default="ar", pattern=r"^[a-z]{2,3}(_[A-Z]{2})?$", description="Template language code.")
    params: list[str] = Field(default_factory=list, description="Body parameters {{1}}, {{2}}, … in order.")

    @field_validator("params")
    @classmethod
    def _non_empty(cls, value: list[str]) -> list[str]:
        if any(not param.strip() for param in value):
            raise ConnectorError(
                "قيم متغيرات القالب يجب ألا تكون فارغة.", "Template parameters may not be empty.",
                code="template_param_empty",
            )
        return value


class WhatsAppArgs(ConnectorArgs):
    """Arguments of ``whatsapp.send`` and ``whatsapp.draft``: ``to`` and either ``body`` or ``template``."""

    to: str = Field(description="Recipient's mobile number in any common Saudi or international form.")
    body: str | None = Field(default=None, description="Text message, at most 4096 characters.")
    template: TemplateArgs | None = Field(default=None, description="A pre-approved template message.")

    @field_validator("to")
    @classmethod
    def _number(cls, value: str) -> str:
        return whatsapp_number(value)

    @model_validator(mode="after")
    def _text_or_template(self) -> WhatsAppArgs:
        if (self.body is None) == (self.template is None):
            raise ConnectorError(
                "نرجو تحديد نص الرسالة أو قالب معتمد، وليس كليهما.",
                "Give exactly one of body and template.",
                code="whatsapp_content_ambiguous",
            )
        if self.body is not None and not self.body.strip():
            raise ConnectorError("نص الرسالة فارغ.", "The message body is empty.", code="whatsapp_body_empty")
        if self.body is not None and len(self.body) > MAX_TEXT_CHARS:
            raise ConnectorError(
                f"نص الرسالة أطول من الحد المسموح في واتساب ({MAX_TEXT_CHARS} حرفاً)؛ نرجو اختصاره.",
                f"WhatsApp text is limited to {MAX_TEXT_CHARS} characters.",
                code="whatsapp_body_too_long",
            )
        return self


class _Text(BaseModel):
    preview_url: bool = False
    body: str


class _Language(BaseModel):
    code: str


class _Parameter(BaseModel):
    type: Literal["text"] = "text"
    text: str


class _Component(BaseModel):
    type: Literal["body"] = "body"
    parameters: list[_Parameter]


class _Template(BaseModel):
    name: str
    language: _Language
    components: list[_Component] | None = None


class CloudMessage(BaseModel):
    """The Cloud API request body, field for field (dump with ``exclude_none=True``)."""

    model_config = ConfigDict(frozen=True)

    messaging_product: Literal["whatsapp"] = "whatsapp"
    recipient_type: Literal["individual"] = "individual"
    to: str = Field(description="E.164 digits without '+'.")
    type: Literal["text", "template"]
    text: _Text | None = None
    template: _Template | None = None


class WhatsAppOutbox(BaseModel):
    """The outbox file: how the message was delivered, and the message itself."""

    delivery: Literal["outbox", "live", "draft"] = Field(description="Where the message went.")
    live: bool = Field(description="Whether the permit asked for a live send.")
    message: CloudMessage

    def to_json(self) -> bytes:
        return self.model_dump_json(indent=2, exclude_none=True).encode("utf-8") + b"\n"


def build_message(args: WhatsAppArgs) -> CloudMessage:
    if args.template is None:
        return CloudMessage(to=args.to, type="text", text=_Text(body=args.body or ""))
    components = None
    if args.template.params:
        parameters = [_Parameter(text=param) for param in args.template.params]
        components = [_Component(parameters=parameters)]
    template = _Template(
        name=args.template.name, language=_Language(code=args.template.language), components=components
    )
    return CloudMessage(to=args.to, type="template", template=template)


class _MessageSent(BaseModel):
    class _Id(BaseModel):
        id: str = Field(min_length=1)

    messages: list[_Id] = Field(min_length=1)


class WhatsAppCloudAdapter:
    """Posts one message to the WhatsApp Cloud API through an injected ``httpx.Client``."""

    name: ClassVar[str] = "whatsapp_cloud"

    def __init__(self, client: httpx.Client, access_token: SecretStr, phone_number_id: str) -> None:
        if not access_token.get_secret_value().strip() or not re.fullmatch(r"[0-9]+", phone_number_id):
            raise ConnectorError(
                "إعدادات واتساب غير مكتملة (رمز الوصول أو معرّف رقم الإرسال).",
                "WhatsApp access token or phone number id is missing or malformed.",
                code="whatsapp_not_configured",
            )
        self._client = client
        self._token = access_token
        self.url = f"{GRAPH_API_BASE}/{phone_number_id}/messages"

    def send(self, message: CloudMessage) -> str:
        """Send and return WhatsApp's message id (``wamid…``)."""
        import httpx

        headers = {"Authorization": f"Bearer {self._token.get_secret_value()}"}
        try:
            response = self._client.post(self.url, json=message.model_dump(exclude_none=True), headers=headers)
            response.raise_for_status()
            return _MessageSent.model_validate(response.json()).messages[0].id
        except (httpx.HTTPError, ValueError, ValidationError) as exc:
            # Status only: error bodies can echo the recipient's number.
            status = exc.response.status_code if isinstance(exc, httpx.HTTPStatusError) else None
            raise ConnectorError(
                "تعذّر إرسال رسالة واتساب، ولن يُعاد إرسالها تلقائياً؛ نرجو مراجعة صندوق الصادر.",
                f"WhatsApp Cloud API request failed (status {status}).",
                code="whatsapp_api_failed",
            ) from exc


def _detail(message: CloudMessage, delivery: str) -> dict[str, Any]:
    # The type and size of the message, never its recipient or text.
    detail: dict[str, Any] = {"type": message.type, "delivery": delivery}
    if message.text is not None:
        detail["chars"] = len(message.text.body)
    if message.template is not None:
        detail["template"] = message.template.name
    return detail


def _parse(args: dict[str, Any]) -> CloudMessage:
    require(args, "to")
    return build_message(parse_args(WhatsAppArgs, args))


class WhatsAppSendConnector(Connector):
    """``whatsapp.send``: the outbox by default; live through the adapter only with a live permit."""

    action: ClassVar[str] = "whatsapp.send"
    extension: ClassVar[str] = "json"
    # A live send cannot be taken back or de-duplicated by WhatsApp, so crash recovery must not
    # re-run it on its own; the outbox guard below already makes a re-run send nothing.
    idempotent: ClassVar[bool] = False

    def __init__(self, adapter: WhatsAppCloudAdapter | None = None) -> None:
        self._adapter = adapter

    def _deliver(
        self, args: dict[str, Any], *, ledger_id: str, live: bool, ctx: ConnectorContext
    ) -> Delivery:
        message = _parse(args)
        adapter = self._adapter if live else None
        envelope = WhatsAppOutbox(delivery="live" if adapter else "outbox", live=live, message=message)
        path = self.outbox_file(ctx, ledger_id)
        replayed = path.exists()
        # Written before the send: if the process dies mid-send, the file stops a second send.
        write_outbox(path, envelope.to_json())
        if replayed:
            # Report what the first run recorded, not what this run would have done.
            envelope = WhatsAppOutbox.model_validate_json(path.read_bytes())
        detail = {**_detail(envelope.message, envelope.delivery), "replayed": replayed}
        if adapter is None or replayed:
            return Delivery(outbox_path=str(path), transport="outbox", detail=detail)
        message_id = adapter.send(message)
        return Delivery(
            outbox_path=str(path), transport=adapter.name, detail={**detail, "provider_message_id": message_id}
        )


class WhatsAppDraftConnector(Connector):
    """``whatsapp.draft``: the same message as a draft for review; it has no transport."""

    action: ClassVar[str] = "whatsapp.draft"
    extension: ClassVar[str] = "json"
    idempotent: ClassVar[bool] = True

    def _deliver(
        self, args: dict[str, Any], *, ledger_id: str, live: bool, ctx: ConnectorContext
    ) -> Delivery:
        message = _parse(args)
        envelope = WhatsAppOutbox(delivery="draft", live=False, message=message)
        path = write_outbox(self.outbox_file(ctx, ledger_id), envelope.to_json())
        return Delivery(outbox_path=str(path), transport="outbox", detail=_detail(message, "draft"))
