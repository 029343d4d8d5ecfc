"""Builds the vector memory from settings. Nothing is opened until an operation needs it.

    DEALIX_QDRANT_URL unset ....... qdrant-client local mode in ``data_dir/qdrant`` (on disk)
    DEALIX_QDRANT_URL set ......... that Qdrant server (with DEALIX_QDRANT_API_KEY), same code
    DEALIX_EMBEDDINGS=hashing ..... the offline n-gram hashing embedder (default)
    DEALIX_EMBEDDINGS=openai:MODEL  the OpenAI-compatible endpoint of DEALIX_OPENAI_BASE_URL
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tools.memory.embedders import Embedder, HashingEmbedder, OpenAIEmbedder
from tools.memory.errors import EmbeddingError
from tools.memory.examples import ExampleMemory
from tools.memory.leads import LeadMemory
from tools.memory.proof import ProofMemory
from tools.memory.store import VectorStore
from tools.pii import PiiMasker
from tools.saudi_time import Clock, system_clock

if TYPE_CHECKING:
    from tools.settings import Settings


def memory_path(settings: Settings) -> Path:
    return settings.data_dir / "qdrant"


def build_embedder(settings: Settings, *, http_client: Any = None) -> Embedder:
    """The configured embedder. ``http_client`` (an ``httpx2.Client``) lets tests swap the transport."""
    name = settings.embeddings.strip()
    if name == "hashing":
        return HashingEmbedder()
    if name.startswith("openai:") and name.removeprefix("openai:"):
        if settings.openai_api_key is None:
            raise EmbeddingError("التمثيل عبر خدمة خارجية يحتاج مفتاح الوصول DEALIX_OPENAI_API_KEY.",
                                 "DEALIX_EMBEDDINGS=openai:MODEL needs DEALIX_OPENAI_API_KEY.",
                                 code="embeddings_config_invalid")
        import openai

        client = openai.OpenAI(api_key=settings.openai_api_key.get_secret_value(),
                               base_url=settings.openai_base_url, http_client=http_client, max_retries=1)
        return OpenAIEmbedder(client, name.removeprefix("openai:"))
    raise EmbeddingError("قيمة DEALIX_EMBEDDINGS غير معروفة؛ استخدم hashing أو openai:اسم_النموذج.",
                         f"Unknown DEALIX_EMBEDDINGS {name!r}: use 'hashing' or 'openai:MODEL'.",
                         code="embeddings_config_invalid")


def open_vector_store(settings: Settings, *, embedder: Embedder | None = None) -> VectorStore:
    embedder = embedder or build_embedder(settings)
    if settings.qdrant_url:
        key = settings.qdrant_api_key.get_secret_value() if settings.qdrant_api_key else None
        return VectorStore(embedder, url=settings.qdrant_url, api_key=key)
    return VectorStore(embedder, path=memory_path(settings))


@dataclass(frozen=True)
class Memory:
    """The three collections over one store."""

    store: VectorStore
    examples: ExampleMemory
    leads: LeadMemory
    proof: ProofMemory


def open_memory(settings: Settings, *, masker: PiiMasker, clock: Clock = system_clock,
                embedder: Embedder | None = None, store: VectorStore | None = None) -> Memory:
    store = store or open_vector_store(settings, embedder=embedder)
    return Memory(store=store, examples=ExampleMemory(store, clock=clock), leads=LeadMemory(store),
                  proof=ProofMemory(store, masker))
