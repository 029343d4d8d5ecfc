"""The vector store: one wrapper over qdrant-client, the same code for local mode and a server.

    VectorStore(embedder, path=data_dir/"qdrant")     qdrant-client local mode on disk (the default)
    VectorStore(embedder, url="https://…", api_key=…) a Qdrant server or cluster
    VectorStore(embedder, in_memory=True)             tests

Tenant isolation is structural: every read, write and delete takes the tenant as an argument and
filters on it; the wrapper writes the ``tenant`` payload field itself, so a caller's payload cannot
claim another tenant, and no method searches across tenants.

Local mode keeps a lock file on its folder, and only one client may hold it (in any process).
The wrapper therefore opens the local folder for each operation and closes it again, waiting a
moment when another process holds it; several API workers need a Qdrant server
(docs/operations.md). Opening loads the whole collection (tens of milliseconds, growing with it),
so work that writes many times in a row holds the folder: ``hold()`` opens it at its first use and
closes it when the block ends (operations from any thread, one at a time), and ``session()`` holds
it, and its lock, for one thread. A folder that does not exist yet is never opened for a read
(nothing was ever stored).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from tools.memory.embedders import Embedder
from tools.memory.errors import MemoryUnavailable

if TYPE_CHECKING:  # qdrant-client takes over a second to import: only when memory is used
    from qdrant_client import models
    from qdrant_client.client_base import QdrantBase

RESERVED = frozenset({"tenant", "key", "text"})
_NAMESPACE = uuid.UUID("5b0a7c1e-9d2f-4c61-8f3e-2a7d9e4b6c10")
_FOLDERS: dict[str, _Folder] = {}
_FOLDERS_GUARD = threading.Lock()
# Payload fields the memory filters on: indexed on a server (local mode scans every point anyway).
INDEXED_FIELDS = ("tenant", "segment", "channel", "language", "contact_id")


class Record(BaseModel):
    """One thing to remember: a stable key (per tenant and collection), the text embedded, its payload."""

    model_config = ConfigDict(frozen=True)

    key: str = Field(min_length=1, description="Stable id inside the tenant and collection, e.g. an approval id.")
    text: str = Field(description="What is embedded and kept (already masked by the caller).")
    payload: dict[str, Any] = Field(default_factory=dict, description="Filterable fields; no 'tenant', 'key', 'text'.")


class Hit(BaseModel):
    model_config = ConfigDict(frozen=True)

    key: str
    score: float = Field(description="Cosine similarity, -1..1 (higher is closer).")
    text: str
    payload: dict[str, Any]


class _Folder:
    """A local folder as this process uses it: one operation at a time, and the client a hold keeps open.

    Per folder, not per store object: two stores of one folder in one process would otherwise lock
    each other out of it (the folder's lock file admits one open client, in any process)."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.held: QdrantBase | None = None
        self.holds = 0


def _folder(path: Path) -> _Folder:
    with _FOLDERS_GUARD:
        return _FOLDERS.setdefault(str(path.resolve()), _Folder())



class VectorStore:
    def __init__(self, embedder: Embedder, *, path: Path | None = None, url: str | None = None,
                 api_key: str | None = None, in_memory: bool = False, lock_wait_seconds: float = 5.0) -> None:
        if sum((path is not None, url is not None, in_memory)) != 1:
            raise ValueError("give exactly one of path, url or in_memory")
        self.embedder = embedder
        self._path = path
        self._url = url
        self._api_key = api_key
        self._in_memory = in_memory
        self._lock_wait = lock_wait_seconds
        self._shared: QdrantBase | None = None  # server / in-memory client, or the local one of a session
        self._known: set[str] = set()

    @property
    def mode(self) -> str:
        return "server" if self._url else ("memory" if self._in_memory else "local")

    def collection_name(self, kind: str) -> str:
        return f"dealix_{kind}__{self.embedder.signature}"

    # ------------------------------------------------------------------ writing
    def upsert(self, kind: str, tenant: str, records: Sequence[Record]) -> int:
        """Store (or replace) records under their keys; returns how many were written."""
        if not records:
            return 0
        _require_tenant(tenant)
        for record in records:
            if RESERVED & record.payload.keys():
                raise ValueError(f"payload keys {sorted(RESERVED & record.payload.keys())} are set by the store")
        from qdrant_client import models

        vectors = self.embedder.embed([r.text for r in records])
        points = [
            models.PointStruct(id=point_id(tenant, kind, r.key), vector=vector,
                               payload={**r.payload, "tenant": tenant, "key": r.key, "text": r.text})
            for r, vector in zip(records, vectors, strict=True)
        ]
        with self._client() as client:
            name = self._ensure(client, kind, len(vectors[0]))
            client.upsert(name, points=points, wait=True)
        return len(points)

    def delete(self, kind: str, tenant: str, where: Mapping[str, str]) -> int:
        """Delete the tenant's points matching ``where`` (at least one field); returns how many."""
        if not where:
            raise ValueError("a delete needs at least one field besides the tenant")
        _check(tenant, where)
        if not self._may_exist():
            return 0
        flt = _filter(tenant, where)
        with self._client() as client:
            name = self.collection_name(kind)
            if not client.collection_exists(name):
                return 0
            count = client.count(name, count_filter=flt, exact=True).count
            if count:
                from qdrant_client import models

                client.delete(name, points_selector=models.FilterSelector(filter=flt), wait=True)
            return count

    # ------------------------------------------------------------------ reading
    def search(self, kind: str, tenant: str, text: str, *, where: Mapping[str, str] | None = None,
               limit: int = 3) -> list[Hit]:
        """The tenant's closest records to ``text``, filtered by ``where`` (exact matches)."""
        _check(tenant, where or {})
        if not self._may_exist():
            return []
        flt = _filter(tenant, where or {})
        vector = self.embedder.embed([text])[0]
        with self._client() as client:
            name = self.collection_name(kind)
            if not client.collection_exists(name):
                return []
            found = client.query_points(name, query=vector, query_filter=flt, limit=limit, with_payload=True).points
        return [_hit(p.payload or {}, p.score) for p in found]

    def scan(self, kind: str, tenant: str, where: Mapping[str, str]) -> list[Hit]:
        """Every record of the tenant matching ``where`` (no ranking; score 0)."""
        _check(tenant, where)
        if not self._may_exist():
            return []
        flt = _filter(tenant, where)
        out: list[Hit] = []
        with self._client() as client:
            name = self.collection_name(kind)
            if not client.collection_exists(name):
                return []
            offset: Any = None
            while True:
                points, offset = client.scroll(name, scroll_filter=flt, limit=256,
                                               offset=offset, with_payload=True, with_vectors=False)
                out.extend(_hit(p.payload or {}, 0.0) for p in points)
                if offset is None:
                    break
        return sorted(out, key=lambda h: h.key)

    # ------------------------------------------------------------------ lifecycle
    @contextmanager
    def session(self) -> Iterator[VectorStore]:
        """Keep the local folder open for several operations (holding its lock meanwhile)."""
        if self._path is None or self._shared is not None:
            yield self
            return
        folder = _folder(self._path)
        with folder.lock:
            owned = folder.held is None  # inside a hold, the held client is the folder's open one
            client = self._open_local() if owned else folder.held
            assert client is not None
            self._shared = client
            try:
                yield self
            finally:
                self._shared = None
                if owned:
                    client.close()

    @contextmanager
    def hold(self) -> Iterator[None]:
        """Keep the local folder open from its first use in the block to the block's end.

        Many writes in a row (a resume that approves twenty drafts learns twenty examples) then pay
        one open instead of one each. Every store of the folder in this process uses the held client,
        one operation at a time, from any thread; no other process can open the folder while it is
        held. Holds that overlap share one open, closed when the last ends.
        """
        if self._path is None:
            yield
            return
        folder = _folder(self._path)
        with folder.lock:
            folder.holds += 1
        try:
            yield
        finally:
            with folder.lock:  # after the operation in progress
                folder.holds -= 1
                if folder.holds == 0 and folder.held is not None:
                    folder.held.close()
                    folder.held = None

    def close(self) -> None:
        if self._shared is not None and self._path is None:
            self._shared.close()
            self._shared = None

    @contextmanager
    def _client(self) -> Iterator[QdrantBase]:
        from qdrant_client import QdrantClient

        if self._shared is not None:
            yield self._shared
            return
        if self._path is None:
            self._shared = (QdrantClient(location=":memory:") if self._in_memory
                            else QdrantClient(url=self._url, api_key=self._api_key))
            yield self._shared
            return
        folder = _folder(self._path)
        with folder.lock:
            if folder.holds:
                if folder.held is None:
                    # Used from any thread of this process, one at a time (under the folder's lock).
                    folder.held = self._open_local(any_thread=True)
                yield folder.held
                return
            client = self._open_local()
            try:
                yield client
            finally:
                client.close()

    def _open_local(self, *, any_thread: bool = False) -> QdrantBase:
        # QdrantLocal is what QdrantClient(path=...) wraps; the wrapper adds only the inference
        # helpers this store does not use, and building them cost ~50 ms an open.
        from qdrant_client.local.qdrant_local import QdrantLocal

        assert self._path is not None
        deadline = time.monotonic() + self._lock_wait
        while True:
            try:
                return QdrantLocal(str(self._path), force_disable_check_same_thread=any_thread)
            except RuntimeError as exc:  # another process holds the folder's lock
                if "already accessed" not in str(exc) or time.monotonic() >= deadline:
                    raise MemoryUnavailable(
                        "ذاكرة المسودات مشغولة بعملية أخرى حالياً؛ للتشغيل المتزامن استخدم خادم Qdrant.",
                        f"The local vector store {self._path} is held by another process; "
                        "set DEALIX_QDRANT_URL for concurrent access.") from exc
                time.sleep(0.05)

    def _may_exist(self) -> bool:
        return self._path is None or self._path.exists()

    def _ensure(self, client: QdrantBase, kind: str, size: int) -> str:
        from qdrant_client import models

        name = self.collection_name(kind)
        if name in self._known and self._path is None:
            return name
        if not client.collection_exists(name):
            client.create_collection(name, vectors_config=models.VectorParams(size=size,
                                                                              distance=models.Distance.COSINE))
            if self._url is not None:
                for field in INDEXED_FIELDS:
                    client.create_payload_index(name, field_name=field,
                                                field_schema=models.PayloadSchemaType.KEYWORD)
        self._known.add(name)
        return name


def point_id(tenant: str, kind: str, key: str) -> str:
    """Qdrant wants UUIDs or integers: a stable UUID per (tenant, collection, key)."""
    return str(uuid.uuid5(_NAMESPACE, f"{tenant}\x1f{kind}\x1f{key}"))


def _require_tenant(tenant: str) -> None:
    if not tenant or not tenant.strip():
        raise ValueError("every memory operation names its tenant")


def _check(tenant: str, where: Mapping[str, str]) -> None:
    _require_tenant(tenant)
    if "tenant" in where:
        raise ValueError("the tenant is the method's argument, not a filter field")


def _filter(tenant: str, where: Mapping[str, str]) -> models.Filter:
    from qdrant_client import models

    _check(tenant, where)
    conditions: list[models.Condition] = [models.FieldCondition(key="tenant", match=models.MatchValue(value=tenant))]
    for key, value in sorted(where.items()):
        conditions.append(models.FieldCondition(key=key, match=models.MatchValue(value=value)))
    return models.Filter(must=conditions)


def _hit(payload: Mapping[str, Any], score: float) -> Hit:
    rest = {k: v for k, v in payload.items() if k not in RESERVED}
    return Hit(key=str(payload.get("key", "")), score=float(score), text=str(payload.get("text", "")), payload=rest)
