"""Text to vectors: an offline hashing embedder (Arabic and English, no model download) and any
OpenAI-compatible embeddings endpoint, behind one small protocol.

The offline embedder folds spelling first with the shared normaliser the Targeting OS also uses
(:func:`tools.textkeys.match_key`: Arabic-Indic digits, diacritics, tatweel, alef and
hamza forms, taa marbuta, alef maqsura, Latin case), then hashes word unigrams and character
n-grams (2-4, words padded with spaces) into a fixed number of signed buckets, with sub-linear
term weights, and L2-normalises. Character n-grams are what make it useful for Arabic, whose
words carry prefixes (ال، و، ب) and suffixes (ـة، ـات) that whole-word matching misses. It is
deterministic (blake2b, not Python's salted ``hash``), so the same text always gives the same
vector in every process.

``signature`` names the vector space: vectors from different embedders never share a collection.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from tools.memory.errors import EmbeddingError
from tools.textkeys import match_key

if TYPE_CHECKING:  # only for types: the openai package is imported when the endpoint is used
    import openai

_SLUG = re.compile(r"[^a-z0-9]+")


class Embedder(Protocol):
    """Anything that turns texts into vectors of one fixed size."""

    @property
    def signature(self) -> str:
        """A short slug naming the vector space (model and size)."""
        ...

    def dimensions(self) -> int:
        """The vector size."""
        ...

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """One vector per text, in order."""
        ...


class HashingEmbedder:
    """Character n-gram hashing over normalised text. Offline, deterministic, Arabic-aware."""

    def __init__(self, dimensions: int = 1024, *, ngram_min: int = 2, ngram_max: int = 4) -> None:
        if dimensions < 64:
            raise ValueError("a hashing embedder needs at least 64 dimensions")
        self._dims = dimensions
        self._ngrams = range(ngram_min, ngram_max + 1)

    @property
    def signature(self) -> str:
        return f"hash{self._ngrams.start}{self._ngrams.stop - 1}_{self._dims}_v1"

    def dimensions(self) -> int:
        return self._dims

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        return [self._vector(text) for text in texts]

    def features(self, text: str) -> Counter[str]:
        """The weighted features of one text (exposed for tests and debugging)."""
        found: Counter[str] = Counter()
        for word in match_key(text).split():
            found["w:" + word] += 1
            padded = f" {word} "
            for n in self._ngrams:
                for i in range(len(padded) - n + 1):
                    found[f"c{n}:" + padded[i:i + n]] += 1
        return found

    def _vector(self, text: str) -> list[float]:
        vector = [0.0] * self._dims
        for feature, count in self.features(text).items():
            digest = int.from_bytes(hashlib.blake2b(feature.encode(), digest_size=8).digest(), "big")
            sign = 1.0 if digest >> 63 else -1.0
            weight = (1.0 + math.log(count)) * (1.5 if feature.startswith("w:") else 1.0)
            vector[digest % self._dims] += sign * weight
        norm = math.sqrt(sum(v * v for v in vector))
        if norm == 0.0:
            # Nothing to hash (empty or punctuation only): a fixed unit vector, so cosine stays defined.
            vector[0] = 1.0
            return vector
        return [v / norm for v in vector]


class OpenAIEmbedder:
    """Any OpenAI-compatible ``/v1/embeddings`` endpoint (OpenAI, Azure, vLLM, Ollama).

    Only text that is already masked reaches it: the memory collections store and embed
    delexicalised, PII-masked text (see :mod:`tools.memory.examples`).
    """

    def __init__(self, client: openai.OpenAI, model: str, *, batch_size: int = 64) -> None:
        if not model:
            raise ValueError("an embeddings model name is required")
        self._client = client
        self._model = model
        self._batch = batch_size
        self._dims: int | None = None

    @property
    def signature(self) -> str:
        return "oa_" + _SLUG.sub("_", self._model.lower()).strip("_")

    def dimensions(self) -> int:
        if self._dims is None:
            self.embed(["dimension probe"])
        assert self._dims is not None
        return self._dims

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        import openai

        vectors: list[list[float]] = []
        for start in range(0, len(texts), self._batch):
            batch = list(texts[start:start + self._batch])
            try:
                response = self._client.embeddings.create(model=self._model, input=batch)
            except openai.OpenAIError as exc:
                raise EmbeddingError("تعذّر الوصول إلى خدمة التمثيل النصي المضبوطة؛ لم يُحفظ شيء في الذاكرة.",
                                     f"The embeddings endpoint failed: {type(exc).__name__}") from exc
            rows = sorted(response.data, key=lambda item: item.index)
            if len(rows) != len(batch):
                raise EmbeddingError("أعادت خدمة التمثيل عدداً غير متوقع من النتائج.",
                                     f"Expected {len(batch)} embeddings, got {len(rows)}.")
            for row in rows:
                vector = [float(v) for v in row.embedding]
                if self._dims is None:
                    self._dims = len(vector)
                if len(vector) != self._dims or not vector:
                    raise EmbeddingError("أعادت خدمة التمثيل متجهات بأحجام مختلفة.",
                                         "The endpoint returned vectors of different sizes.")
                vectors.append(vector)
        return vectors
