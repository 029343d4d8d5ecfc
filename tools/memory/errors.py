"""Errors of the vector memory.

    GatewayError (tools.errors)
    ├── MemoryUnavailable     the vector store cannot be opened or reached (locked local folder, server down)
    └── EmbeddingError        the configured embeddings endpoint failed or answered something unusable

Callers that only *read* memory to improve a draft treat both as "no examples"; erasure treats
them as a failure it must report.
"""

from __future__ import annotations

from tools.errors import GatewayError


class MemoryUnavailable(GatewayError):
    code = "memory_unavailable"


class EmbeddingError(GatewayError):
    code = "embedding_failed"
