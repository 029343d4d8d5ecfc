"""The offline hashing embedder and the OpenAI-compatible one (against a fake transport, no network)."""

from __future__ import annotations

import json
import math

import pytest
from memory_support import FakeEmbeddings

from dealix.settings import Settings
from tools.memory import EmbeddingError, HashingEmbedder, OpenAIEmbedder, build_embedder


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True)) / (math.hypot(*a) * math.hypot(*b))


def test_hashing_is_deterministic_across_instances_and_unit_length() -> None:
    one, two = HashingEmbedder(), HashingEmbedder()
    text = "المدير المالي في شركة العقار الذهبي بالرياض"
    first, second = one.embed([text])[0], two.embed([text])[0]
    assert first == second
    assert len(first) == one.dimensions() == 1024
    assert math.isclose(math.hypot(*first), 1.0, rel_tol=1e-9)


@pytest.mark.parametrize("variant", [
    "المُدِيرة الماليّة",        # diacritics and shadda
    "المديره الماليه",          # taa marbuta written as haa
    "المديـــرة المالـيـة",      # tatweel
    "المديرة المالية ٢٠٢٦",      # Arabic-Indic digits beside the words
])
def test_arabic_spelling_variants_land_closer_than_a_different_title(variant: str) -> None:
    embed = HashingEmbedder().embed
    reference, other = embed(["المديرة المالية 2026"])[0], embed(["مسؤول التسويق"])[0]
    vector = embed([variant])[0]
    assert cosine(vector, reference) > 0.5
    assert cosine(vector, reference) > cosine(vector, other) + 0.3


def test_english_case_and_punctuation_fold() -> None:
    embed = HashingEmbedder().embed
    a, b = embed(["Chief Financial Officer, Jeddah"])[0], embed(["chief financial officer jeddah"])[0]
    assert cosine(a, b) > 0.99


def test_empty_text_still_gets_a_unit_vector() -> None:
    vector = HashingEmbedder(dimensions=64).embed(["", "!!!"])
    assert all(math.isclose(math.hypot(*v), 1.0) for v in vector)


def test_too_few_dimensions_are_refused() -> None:
    with pytest.raises(ValueError):
        HashingEmbedder(dimensions=8)


def test_openai_embedder_posts_to_the_configured_base_url_in_batches_and_keeps_order() -> None:
    fake = FakeEmbeddings()
    settings = Settings(embeddings="openai:text-embedding-3-small", openai_api_key="sk-test-value-0001",
                        openai_base_url="http://embeddings.internal/v1")
    embedder = build_embedder(settings, http_client=fake.client())
    assert isinstance(embedder, OpenAIEmbedder)
    texts = [f"نص رقم {i}" for i in range(70)]
    vectors = embedder.embed(texts)
    assert vectors == [fake.vector(t) for t in texts]  # the fake answers out of order; order is restored
    assert [len(json.loads(r.content)["input"]) for r in fake.requests] == [64, 6]
    first = fake.requests[0]
    assert str(first.url) == "http://embeddings.internal/v1/embeddings"
    assert first.headers["authorization"] == "Bearer sk-test-value-0001"
    assert json.loads(first.content)["model"] == "text-embedding-3-small"
    assert embedder.dimensions() == fake.dims
    assert embedder.signature == "oa_text_embedding_3_small"


def test_openai_embedder_failure_is_an_embedding_error_with_arabic_message() -> None:
    fake = FakeEmbeddings(status=500)
    settings = Settings(embeddings="openai:m", openai_api_key="sk-test-value-0001", openai_base_url="http://x/v1")
    embedder = build_embedder(settings, http_client=fake.client())
    with pytest.raises(EmbeddingError) as caught:
        embedder.embed(["نص"])
    assert "تعذّر" in caught.value.message_ar


@pytest.mark.parametrize("value", ["openai:", "sentence-transformers", "openai"])
def test_unknown_embeddings_setting_is_refused(value: str) -> None:
    with pytest.raises(EmbeddingError) as caught:
        build_embedder(Settings(embeddings=value, openai_api_key="sk-test-value-0001"))
    assert caught.value.code == "embeddings_config_invalid"


def test_openai_embeddings_need_a_key() -> None:
    with pytest.raises(EmbeddingError):
        build_embedder(Settings(embeddings="openai:m"))


def test_qdrant_api_key_placeholder_is_refused() -> None:
    with pytest.raises(ValueError):
        Settings(qdrant_api_key="changeme")
