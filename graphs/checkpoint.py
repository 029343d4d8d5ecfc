"""Checkpointers for the graphs, chosen by settings, and tenant-namespaced thread ids.

- SQLite file ``{data_dir}/checkpoints.db`` by default (one machine, several processes);
- PostgreSQL when ``DEALIX_DATABASE_URL`` is a ``postgresql://`` URL (several API workers), in the
  data dir's schema ``dx_<namespace>_checkpoints`` (see :mod:`tools.pgdb`);
- always encrypted with AES-GCM: checkpoints carry leads' names, phones and emails. The key is
  ``DEALIX_CHECKPOINT_KEY`` when set, else derived from the signing key
  (:meth:`dealix.settings.Settings.checkpoint_secret`), which can live outside the data dir
  (``DEALIX_SECRET_KEY_FILE``); it is stretched with SHA-256. Checkpoints written in clear by an
  older version stay readable, and are written encrypted from their next step on.

Only the models named in :data:`graphs.state.STATE_TYPES` are revived from a checkpoint.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal, get_args

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.serde.base import CipherProtocol, SerializerProtocol
from langgraph.checkpoint.serde.encrypted import EncryptedSerializer
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

from graphs.state import STATE_TYPES
from tools.errors import NotFound
from tools.settings import Settings
from tools.store import enable_wal

_NONCE = 12


class AesGcmCipher(CipherProtocol):
    """AES-256-GCM: a fresh random nonce per checkpoint blob, authenticated on read."""

    name = "aesgcm"

    def __init__(self, secret: bytes) -> None:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        self._aead = AESGCM(hashlib.sha256(b"dealix-checkpoints\0" + secret).digest())

    def encrypt(self, plaintext: bytes) -> tuple[str, bytes]:
        nonce = os.urandom(_NONCE)
        return self.name, nonce + self._aead.encrypt(nonce, plaintext, None)

    def decrypt(self, ciphername: str, ciphertext: bytes) -> bytes:
        if ciphername != self.name:
            raise ValueError(f"unsupported checkpoint cipher {ciphername!r}")
        return self._aead.decrypt(ciphertext[:_NONCE], ciphertext[_NONCE:], None)


def build_serializer(settings: Settings) -> SerializerProtocol:
    serde = JsonPlusSerializer(allowed_msgpack_modules=list(STATE_TYPES))
    return EncryptedSerializer(AesGcmCipher(settings.checkpoint_secret()), serde)


@contextmanager
def open_checkpointer(settings: Settings) -> Iterator[BaseCheckpointSaver[str]]:
    """The configured checkpointer, set up and ready; closed when the block ends."""
    serde = build_serializer(settings)
    if settings.uses_postgres:
        from graphs.pg_saver import shared_postgres_saver  # one connection per process and data dir

        with shared_postgres_saver(settings, serde, settings.checkpoint_secret()) as saver:
            yield saver
        return
    from langgraph.checkpoint.sqlite import SqliteSaver

    settings.ensure_data_dir()
    lite = sqlite3.connect(settings.data_dir / "checkpoints.db", check_same_thread=False, timeout=30.0)
    try:
        enable_wal(lite)
        sqlite_saver = SqliteSaver(lite, serde=serde)
        sqlite_saver.setup()
        yield sqlite_saver
    finally:
        lite.close()


GraphKind = Literal["autopilot", "daily_plan", "negotiation", "partners", "support"]
GRAPH_KINDS: tuple[GraphKind, ...] = get_args(GraphKind)
# The daily plan's threads were named ``{tenant}:growth-{uuid}`` before every graph recorded its kind.
_KIND_ALIASES: dict[str, GraphKind] = {"growth": "daily_plan"}


def new_thread_id(tenant: str, kind: GraphKind | None = None) -> str:
    """A fresh thread id namespaced by tenant, recording the graph that runs it: ``{tenant}:{kind}-{uuid}``.

    The kind is what the one resume entry point routes an approval by (:mod:`graphs.inbox`);
    ``kind=None`` is for threads no approval can wait on (the operator's conversations)."""
    if not tenant or ":" in tenant:
        raise ValueError("a tenant id is non-empty and has no ':'")
    return f"{tenant}:{kind}-{uuid.uuid4().hex}" if kind else f"{tenant}:{uuid.uuid4().hex}"


def kind_of(thread_id: str) -> GraphKind | None:
    """The graph a thread id recorded at creation; None for a thread no graph of ours named."""
    _, sep, rest = thread_id.partition(":")
    name, dash, _ = rest.partition("-")
    if not sep or not dash:
        return None
    if name in _KIND_ALIASES:
        return _KIND_ALIASES[name]
    return next((kind for kind in GRAPH_KINDS if kind == name), None)


def tenant_of(thread_id: str) -> str:
    tenant, sep, rest = thread_id.partition(":")
    if not sep or not tenant or not rest:
        raise ValueError(f"not a tenant-namespaced thread id: {thread_id!r}")
    return tenant


def thread_config(thread_id: str, *, tenant: str) -> RunnableConfig:
    """The run config for a thread; refuses a thread of another tenant as if it did not exist."""
    if tenant_of(thread_id) != tenant:
        raise NotFound("لا يوجد مسار عمل بهذا المعرّف لدى منشأتك.", "No such thread for this tenant.",
                       code="thread_not_found")
    return {"configurable": {"thread_id": thread_id}}
