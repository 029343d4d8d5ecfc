"""Vector memory: approved drafts and operator edits, similar leads, proof search.

qdrant-client in local mode on disk by default, a Qdrant server when ``DEALIX_QDRANT_URL`` is
set, with the same code; an offline Arabic/English hashing embedder by default, any
OpenAI-compatible embeddings endpoint by settings. Every operation is scoped to one tenant.
"""

from tools.memory.embedders import Embedder, HashingEmbedder, OpenAIEmbedder
from tools.memory.errors import EmbeddingError, MemoryUnavailable
from tools.memory.examples import GENERAL_SEGMENT, ApprovedExample, ExampleHit, ExampleMemory
from tools.memory.factory import Memory, build_embedder, memory_path, open_memory, open_vector_store
from tools.memory.leads import LeadMemory, LeadProfile, SimilarLead
from tools.memory.proof import ProofDoc, ProofHit, ProofMemory
from tools.memory.store import Hit, Record, VectorStore

__all__ = [
    "GENERAL_SEGMENT",
    "ApprovedExample",
    "Embedder",
    "EmbeddingError",
    "ExampleHit",
    "ExampleMemory",
    "HashingEmbedder",
    "Hit",
    "LeadMemory",
    "LeadProfile",
    "Memory",
    "MemoryUnavailable",
    "OpenAIEmbedder",
    "ProofDoc",
    "ProofHit",
    "ProofMemory",
    "Record",
    "SimilarLead",
    "VectorStore",
    "build_embedder",
    "memory_path",
    "open_memory",
    "open_vector_store",
]
