"""What every connector shares: the gateway-only permit, the outbox and the delivery record.

A connector does nothing without an :class:`ExecutionPermit`, and only the gateway can mint one
(it holds the seal). A permit names one action, one argument digest and one ledger id, and is
spent on first use, so handing a connector to an agent, or calling it twice, executes nothing.

Each execution leaves exactly what it would deliver in ``outbox/`` as one file named
``{action}-{ledger_id}.{ext}``; writing is atomic and idempotent (the same ledger id gives the
same file, never a second one), which is what makes crash recovery safe.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from tools.canonical import args_digest
from tools.errors import ConnectorError


class _Seal:
    """Private capability: only ``tools.gateway`` imports it. Tests that unit-test a connector
    import it explicitly, which makes every path around the gateway visible in review."""

    __slots__ = ()


_GATEWAY_SEAL = _Seal()


class ExecutionPermit:
    """A one-shot capability to run one connector for one exact set of arguments."""

    __slots__ = ("_spent", "action", "args_digest", "ledger_id", "live")

    def __init__(self, *, action: str, args_digest: str, ledger_id: str, live: bool, seal: object) -> None:
        if seal is not _GATEWAY_SEAL:
            raise ConnectorError(
                "لا يمكن الوصول إلى أدوات التنفيذ إلا عبر بوابة الإجراءات.",
                "Connectors are reachable only through the gateway.",
                code="connector_without_permit",
            )
        self.action = action
        self.args_digest = args_digest
        self.ledger_id = ledger_id
        self.live = live
        self._spent = False

    def spend(self, action: str, args: dict[str, Any]) -> None:
        if self._spent:
            raise ConnectorError("استُخدم تصريح التنفيذ من قبل.", "Permit already spent.", code="permit_spent")
        if action != self.action or args_digest(args) != self.args_digest:
            raise ConnectorError(
                "تصريح التنفيذ لا يطابق هذا الإجراء أو معطياته.",
                "Permit does not match.",
                code="permit_mismatch",
            )
        self._spent = True


@dataclass(frozen=True, slots=True)
class ConnectorContext:
    """Run-scoped facts a connector may need; never secrets it did not ask for."""

    tenant: str
    outbox_dir: Path
    now: datetime
    timezone: str = "Asia/Riyadh"


class Delivery(BaseModel):
    """What a connector delivered: the outbox file and a small, PII-free summary."""

    model_config = ConfigDict(frozen=True)

    outbox_path: str
    transport: str = Field(default="outbox", description="'outbox' offline; the adapter name when live.")
    detail: dict[str, Any] = Field(default_factory=dict)


class Connector(ABC):
    """Base of every connector. Subclasses set ``action`` and implement ``_deliver``."""

    action: ClassVar[str]
    extension: ClassVar[str]
    #: True when delivering twice with the same ledger id has the effect of delivering once
    #: (every outbox connector). Crash recovery re-runs only idempotent connectors.
    idempotent: ClassVar[bool] = True

    def run(self, permit: ExecutionPermit, args: dict[str, Any], ctx: ConnectorContext) -> Delivery:
        permit.spend(self.action, args)
        return self._deliver(args, ledger_id=permit.ledger_id, live=permit.live, ctx=ctx)

    @abstractmethod
    def _deliver(
        self, args: dict[str, Any], *, ledger_id: str, live: bool, ctx: ConnectorContext
    ) -> Delivery:
        """Produce the delivery. Validate ``args`` and raise ``ConnectorError`` with Arabic text."""

    def outbox_file(self, ctx: ConnectorContext, ledger_id: str) -> Path:
        return ctx.outbox_dir / f"{self.action}-{ledger_id}.{self.extension}"


def write_outbox(path: Path, content: bytes) -> Path:
    """Write atomically; an existing file for the same ledger id is kept (idempotent).

    The temporary file is named after the file it becomes: a write killed before its rename leaves
    ``.tmp-<name>``, and the recovery that finishes the same effect writes over it and renames it, so a
    crash leaves no stray file in the outbox (the ledger's lease keeps one writer per effect at a time)."""
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".tmp-{path.name}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # as mkstemp did, also over a file a killed write left: drafts hold personal data
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def require(args: dict[str, Any], *names: str) -> None:
    """Raise a clear, Arabic-first error when required arguments are missing or empty."""
    missing = [name for name in names if args.get(name) in (None, "", [], {})]
    if missing:
        raise ConnectorError(
            "معطيات ناقصة لتنفيذ الإجراء: " + "، ".join(missing),
            "Missing required arguments: " + ", ".join(missing),
            code="arguments_missing",
        )
