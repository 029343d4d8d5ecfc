"""``gmail.draft``: an email draft as an RFC 5322 ``.eml``, optionally also placed in Gmail Drafts.

Offline (the default) the connector only writes the message it would create to the outbox. When
it is built with a :class:`GmailDraftsAdapter` (that is, when a Gmail access token is configured)
it also creates the same message as a draft in the user's Gmail, where a person reviews it and
presses send. There is no send path here on purpose: ``gmail.send`` is blocked by policy, and
this module does not even know the send endpoint.

Creating a draft is not an external effect on the recipient, so the adapter is used whenever it
is configured, whatever the permit's live flag. The gateway re-runs this connector under the same
ledger id only after a crash or a failed upload; such a re-run first looks the draft up by its
Message-ID (derived from the ledger id) and creates it only when Gmail does not have it yet, so
a retry completes the draft instead of duplicating it.
"""

from __future__ import annotations

import base64
import hashlib
import re
import unicodedata
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from pydantic import BaseModel, Field, SecretStr, field_validator

from tools.connectors.addresses import NO_SENDER, Sender, email_address
from tools.connectors.arguments import ConnectorArgs, parse_args
from tools.connectors.base import Connector, ConnectorContext, Delivery, require, write_outbox
from tools.connectors.clock import local_now
from tools.errors import ConnectorError

if TYPE_CHECKING:  # the caller who builds the adapter imports httpx; the outbox-only path never does
    import httpx

__all__ = ["GMAIL_DRAFTS_URL", "GmailDraftArgs", "GmailDraftConnector", "GmailDraftsAdapter", "build_draft"]

GMAIL_DRAFTS_URL = "https://gmail.googleapis.com/gmail/v1/users/me/drafts"

# The fallback right-hand side of a Message-ID when no sender is known: a reserved name
# (RFC 2606) that can never collide with a real domain's ids.
_MESSAGE_ID_DOMAIN = "dealix.invalid"
_DOT_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")


class GmailDraftArgs(ConnectorArgs):
    """Arguments of ``gmail.draft``. Addresses are plain ``name@domain`` (no display names)."""

    to: list[str] = Field(min_length=1, description="One recipient address or a list of them.")
    subject: str = Field(min_length=1, description="Subject line; Arabic is fine.")
    body: str = Field(min_length=1, description="Plain-text body.")
    html: str | None = Field(default=None, description="Optional HTML alternative of the body.")
    cc: list[str] = Field(default_factory=list, description="Optional copy recipients.")
    reply_to: str | None = Field(default=None, description="Optional Reply-To address.")
    from_address: str | None = Field(
        default=None, description="Sender address; when absent the tenant's configured sender identity."
    )

    @field_validator("to", "cc", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("to", "cc")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        return [email_address(item) for item in value]

    @field_validator("reply_to", "from_address")
    @classmethod
    def _address(cls, value: str | None) -> str | None:
        return None if value is None else email_address(value)

    @field_validator("subject")
    @classmethod
    def _header_safe(cls, value: str) -> str:
        if any(_breaks_header(ch) for ch in value):
            raise ConnectorError(
                "عنوان الرسالة يحتوي على أسطر جديدة أو رموز تحكم غير مسموحة؛ نرجو كتابته في سطر واحد.",
                "Header values may not contain CR, LF or other control characters.",
                code="header_injection",
            )
        return value


def _breaks_header(ch: str) -> bool:
    # CR and LF end a header line; the other controls and the Unicode line/paragraph separators
    # are refused too, since some mail tools treat them as line breaks. A tab is legal folding.
    return ch != "\t" and unicodedata.category(ch) in {"Cc", "Zl", "Zp"}


def build_draft(args: GmailDraftArgs, *, ledger_id: str, ctx: ConnectorContext,
                sender: Sender = NO_SENDER) -> EmailMessage:
    """The draft as a message object; ``as_bytes()`` gives the ``.eml`` (CRLF line endings).

    ``From:`` is the call's ``from_address`` if it gives one, else the tenant's sender identity:
    RFC 5322 requires it, and a mail client opens a draft without one as a message from nobody."""
    message = EmailMessage(policy=SMTP)
    from_address = args.from_address or sender.address
    message["From"] = formataddr((sender.name if from_address == sender.address else None, from_address))
    message["To"] = ", ".join(args.to)
    if args.cc:
        message["Cc"] = ", ".join(args.cc)
    if args.reply_to is not None:
        message["Reply-To"] = args.reply_to
    message["Subject"] = args.subject
    message["Date"] = format_datetime(local_now(ctx))
    message["Message-ID"] = message_id(ledger_id, from_address)
    message["X-Dealix-Draft"] = "true"
    message.set_content(args.body)
    if args.html is not None:
        message.add_alternative(args.html, subtype="html")
        # The email package draws a random boundary; one derived from the content keeps a re-run
        # byte-identical, and a body cannot contain the hash of itself.
        seed = "\0".join((ledger_id, args.body, args.html)).encode()
        message.set_boundary("=_dealix_" + hashlib.sha256(seed).hexdigest()[:40])
    return message


def message_id(ledger_id: str, from_address: str | None) -> str:
    """A stable Message-ID for a ledger id, so a re-run produces the very same message."""
    # A ledger id that is not a valid msg-id part (spaces, Arabic) is hashed rather than mangled.
    digest = hashlib.sha256(ledger_id.encode()).hexdigest()[:32]
    left = ledger_id if _DOT_ATOM.fullmatch(ledger_id) else digest
    right = from_address.rpartition("@")[2] if from_address else _MESSAGE_ID_DOMAIN
    return f"<dealix-draft.{left}@{right}>"


class _Draft(BaseModel):
    id: str = Field(min_length=1)


class _DraftList(BaseModel):
    drafts: list[_Draft] = Field(default_factory=list)


ReplyT = TypeVar("ReplyT", bound=BaseModel)


class GmailDraftsAdapter:
    """Creates and finds drafts through the Gmail API (``users.drafts``). It cannot send.

    The ``httpx.Client`` is injected so that its transport, timeouts and proxies are the
    caller's choice, and tests swap the transport for ``httpx.MockTransport``. The token needs
    only the ``gmail.compose`` scope.
    """

    name: ClassVar[str] = "gmail_api"

    def __init__(self, client: httpx.Client, access_token: SecretStr) -> None:
        if not access_token.get_secret_value().strip():
            raise ConnectorError(
                "رمز الوصول إلى Gmail غير مضبوط.",
                "The Gmail access token is empty.",
                code="gmail_not_configured",
            )
        self._client = client
        self._token = access_token

    def create_draft(self, raw_message: bytes) -> str:
        """Upload ``raw_message`` as a new draft and return the Gmail draft id."""
        payload = {"message": {"raw": base64.urlsafe_b64encode(raw_message).decode("ascii")}}
        return self._call("POST", _Draft, json=payload).id

    def find_draft(self, message_id: str) -> str | None:
        """The id of a draft whose Message-ID header is ``message_id``, if Gmail has one."""
        query = {"q": f"rfc822msgid:{message_id.strip('<>')}", "maxResults": 1}
        found = self._call("GET", _DraftList, params=query).drafts
        return found[0].id if found else None

    def _call(self, method: str, schema: type[ReplyT], **kwargs: Any) -> ReplyT:
        import httpx

        headers = {"Authorization": f"Bearer {self._token.get_secret_value()}"}
        try:
            response = self._client.request(method, GMAIL_DRAFTS_URL, headers=headers, **kwargs)
            response.raise_for_status()
            return schema.model_validate(response.json())
        except (httpx.HTTPError, ValueError) as exc:  # ValueError covers bad JSON and ValidationError
            # The response body is left out on purpose: it may echo the message back.
            status = exc.response.status_code if isinstance(exc, httpx.HTTPStatusError) else None
            raise ConnectorError(
                "تعذّر إنشاء المسودة في Gmail؛ بقيت نسخة منها في صندوق الصادر لدى Dealix ويمكن إعادة المحاولة.",
                f"Gmail drafts request failed (status {status}).",
                code="gmail_api_failed",
            ) from exc


class GmailDraftConnector(Connector):
    """``gmail.draft``: write the ``.eml``; with an adapter, also create it as a Gmail draft."""

    action: ClassVar[str] = "gmail.draft"
    extension: ClassVar[str] = "eml"
    idempotent: ClassVar[bool] = True

    def __init__(self, adapter: GmailDraftsAdapter | None = None, sender: Sender = NO_SENDER) -> None:
        self._adapter = adapter
        self._sender = sender

    def _deliver(
        self, args: dict[str, Any], *, ledger_id: str, live: bool, ctx: ConnectorContext
    ) -> Delivery:
        require(args, "to", "subject", "body")
        draft = parse_args(GmailDraftArgs, args)
        message = build_draft(draft, ledger_id=ledger_id, ctx=ctx, sender=self._sender)
        path = self.outbox_file(ctx, ledger_id)
        replayed = path.exists()
        write_outbox(path, message.as_bytes())
        detail: dict[str, Any] = {
            "message_id": message["Message-ID"],
            "recipients": len(draft.to),
            "cc": len(draft.cc),
            "html": draft.html is not None,
            "replayed": replayed,
        }
        if self._adapter is None:
            return Delivery(outbox_path=str(path), transport="outbox", detail=detail)
        draft_id = self._adapter.find_draft(detail["message_id"]) if replayed else None
        if draft_id is None:
            # Upload the bytes on disk, not a fresh rendering: the outbox is the record of what left.
            draft_id = self._adapter.create_draft(path.read_bytes())
        return Delivery(
            outbox_path=str(path), transport=self._adapter.name, detail={**detail, "gmail_draft_id": draft_id}
        )
