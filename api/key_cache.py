"""Verified API keys kept in memory, so a request with a known key costs no HMAC and no database read.

An entry is found by a keyed BLAKE2b digest of the presented key (a random 32-byte key per
process): the plain key is never kept, and the digest is useless outside this process. Only keys
that verified are kept (a flood of wrong keys cannot fill the cache, and each wrong key still pays
the store's constant-time check); a dict lookup by a secret-keyed digest reveals nothing through
its timing.

Every entry is tagged with the key store's data version (:class:`tools.data_version.DataVersion`),
read before the store is; any commit to the key store — a revocation, a new key, from this
process or the CLI in another — changes it and empties the cache, so a revoked key is refused on
the very next request. On PostgreSQL the version is the store's change signal (:mod:`tools.pg_signal`):
the same for this process's writes, and another process's revocation counts from when its
notification arrives. While there is no version (the listener is not connected, an in-memory
store) nothing is cached: every request verifies against the store.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from functools import lru_cache

from api.keys import ApiKeyStore, KeyRecord
from tools.data_version import DataVersion

MAX_ENTRIES = 4096


class VerifiedKeys:
    def __init__(self, store: ApiKeyStore, *, version: DataVersion | None = None,
                 max_entries: int = MAX_ENTRIES) -> None:
        self.store = store
        self.version = version if version is not None else DataVersion.of(store)
        self.max_entries = max_entries
        self._salt = secrets.token_bytes(32)
        self._entries: dict[bytes, KeyRecord] = {}
        self._at: int | None = None
        self._lock = threading.Lock()

    def _digest(self, key: str) -> bytes:
        return hashlib.blake2b(key.encode(), key=self._salt, digest_size=32).digest()

    def cached(self, key: str) -> KeyRecord | None:
        """The record of a key verified before, if the store has not changed since; never reads the store."""
        version = self.version.current()
        if version is None:
            return None
        digest = self._digest(key)
        with self._lock:
            return self._entries.get(digest) if version == self._at else None

    def verify(self, key: str) -> KeyRecord | None:
        """What ``ApiKeyStore.verify`` answers for ``key``, from memory when the store has not changed."""
        version = self.version.current()
        if version is None:
            return self.store.verify(key)
        digest = self._digest(key)
        with self._lock:
            if version != self._at:
                self._entries.clear()
                self._at = version
            record = self._entries.get(digest)
        if record is not None:
            return record
        record = self.store.verify(key)
        if record is not None:
            with self._lock:
                if self._at == version:  # not emptied meanwhile by a newer version
                    if len(self._entries) >= self.max_entries:
                        self._entries.clear()
                    self._entries[digest] = record
        return record

    def __len__(self) -> int:
        return len(self._entries)


@lru_cache(maxsize=8)
def verified_keys(store: ApiKeyStore) -> VerifiedKeys:
    """The cache in front of one key store (one per store object in a process)."""
    return VerifiedKeys(store)
