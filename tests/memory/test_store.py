"""The vector store wrapper: tenant isolation, filters, local mode on disk, the folder lock."""

from __future__ import annotations

from pathlib import Path

import pytest
from qdrant_client import QdrantClient

from dealix.settings import Settings
from tools.memory import HashingEmbedder, MemoryUnavailable, Record, VectorStore, memory_path, open_vector_store


def _records(*pairs: tuple[str, str], **payload: str) -> list[Record]:
    return [Record(key=key, text=text, payload=dict(payload, contact_id=key)) for key, text in pairs]


def test_a_tenant_never_reads_another_tenants_points(store: VectorStore) -> None:
    store.upsert("k", "tenant-a", _records(("a1", "سر المستأجر الأول: عقار الرياض")))
    store.upsert("k", "tenant-b", _records(("b1", "نص آخر تماماً")))
    found = store.search("k", "tenant-b", "سر المستأجر الأول: عقار الرياض", limit=10)
    assert [h.key for h in found] == ["b1"]
    assert store.scan("k", "tenant-b", {"contact_id": "a1"}) == []
    assert store.search("k", "tenant-c", "عقار", limit=10) == []


def test_the_same_key_in_two_tenants_is_two_points(store: VectorStore) -> None:
    store.upsert("k", "tenant-a", _records(("same", "نص أ")))
    store.upsert("k", "tenant-b", _records(("same", "نص ب")))
    assert store.scan("k", "tenant-a", {"contact_id": "same"})[0].text == "نص أ"
    assert store.scan("k", "tenant-b", {"contact_id": "same"})[0].text == "نص ب"


def test_a_payload_cannot_claim_a_tenant_or_reserved_field(store: VectorStore) -> None:
    for field in ("tenant", "key", "text"):
        with pytest.raises(ValueError):
            store.upsert("k", "tenant-a", [Record(key="x", text="t", payload={field: "tenant-b"})])
    with pytest.raises(ValueError):
        store.search("k", "tenant-a", "t", where={"tenant": "tenant-b"})


@pytest.mark.parametrize("tenant", ["", "   "])
def test_every_operation_names_a_tenant(store: VectorStore, tenant: str) -> None:
    with pytest.raises(ValueError):
        store.search("k", tenant, "x")
    with pytest.raises(ValueError):
        store.upsert("k", tenant, _records(("a", "b")))


def test_delete_removes_only_the_matching_points_of_that_tenant(store: VectorStore) -> None:
    store.upsert("k", "tenant-a", _records(("c1", "one"), ("c2", "two")))
    store.upsert("k", "tenant-b", _records(("c1", "one")))
    assert store.delete("k", "tenant-a", {"contact_id": "c1"}) == 1
    assert [h.key for h in store.scan("k", "tenant-a", {"contact_id": "c2"})] == ["c2"]
    assert store.scan("k", "tenant-a", {"contact_id": "c1"}) == []
    assert [h.key for h in store.scan("k", "tenant-b", {"contact_id": "c1"})] == ["c1"]
    with pytest.raises(ValueError):
        store.delete("k", "tenant-a", {})  # never "everything of a tenant" by accident


def test_upsert_under_the_same_key_replaces(store: VectorStore) -> None:
    store.upsert("k", "t", _records(("x", "old text")))
    store.upsert("k", "t", _records(("x", "new text")))
    hits = store.search("k", "t", "new text", limit=5)
    assert [(h.key, h.text) for h in hits] == [("x", "new text")]


def test_local_mode_persists_on_disk_under_the_data_dir(settings: Settings) -> None:
    first = open_vector_store(settings)
    assert first.mode == "local"
    assert first.search("k", "t", "anything") == []  # nothing stored: the folder is not even created
    assert not memory_path(settings).exists()
    first.upsert("k", "t", _records(("p1", "ذاكرة على القرص")))
    second = open_vector_store(settings)  # a new store, as a new process would build it
    assert [h.key for h in second.search("k", "t", "ذاكرة على القرص")] == ["p1"]
    assert memory_path(settings).is_dir()


def test_a_qdrant_url_selects_server_mode_with_the_same_code(settings: Settings) -> None:
    server = open_vector_store(settings.model_copy(update={"qdrant_url": "http://127.0.0.1:6333"}))
    assert server.mode == "server"
    assert server.collection_name("approved_drafts") == open_vector_store(settings).collection_name("approved_drafts")


def test_a_folder_held_by_another_client_is_reported_not_hung(tmp_path: Path) -> None:
    path = tmp_path / "qdrant"
    holder = QdrantClient(path=str(path))  # another process (or stray client) holding the lock
    try:
        vectors = VectorStore(HashingEmbedder(), path=path, lock_wait_seconds=0.2)
        with pytest.raises(MemoryUnavailable) as caught:
            vectors.upsert("k", "t", _records(("a", "b")))
        assert "Qdrant" in caught.value.message_ar
    finally:
        holder.close()
    vectors.upsert("k", "t", _records(("a", "b")))  # released: works again
    assert len(vectors.scan("k", "t", {"contact_id": "a"})) == 1


def test_a_session_keeps_one_client_for_several_operations(tmp_path: Path) -> None:
    vectors = VectorStore(HashingEmbedder(), path=tmp_path / "q")
    with vectors.session():
        vectors.upsert("k", "t", _records(("a", "نص")))
        assert len(vectors.search("k", "t", "نص")) == 1
    outside = QdrantClient(path=str(tmp_path / "q"))  # released after the session: no lock error
    try:
        assert outside.get_collections().collections
    finally:
        outside.close()


def test_a_hold_opens_the_folder_once_for_writes_from_many_threads_and_releases_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A resume that approves twenty drafts learns twenty examples: each write used to open the folder
    (loading the whole collection) and close it again."""
    import threading

    from qdrant_client.local import qdrant_local

    opens: list[str] = []
    real = qdrant_local.QdrantLocal.__init__

    def counting(self: object, location: str, *args: object, **kwargs: object) -> None:
        opens.append(location)
        real(self, location, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(qdrant_local.QdrantLocal, "__init__", counting)
    writer = VectorStore(HashingEmbedder(), path=tmp_path / "q")
    reader = VectorStore(HashingEmbedder(), path=tmp_path / "q")  # another store of the same folder
    with writer.hold():
        threads = [threading.Thread(target=writer.upsert, args=("k", "t", _records((f"a{i}", f"نص {i}"))))
                   for i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert all(len(reader.scan("k", "t", {"contact_id": f"a{i}"})) == 1 for i in range(8))
        with reader.session():  # a session inside the hold uses the held client, not a second open
            assert len(reader.search("k", "t", "نص 3", limit=8)) == 8
    assert len(opens) == 1, "one open for the whole hold"
    outside = QdrantClient(path=str(tmp_path / "q"))  # released when the hold ended: no lock error
    try:
        assert outside.count(writer.collection_name("k")).count == 8
    finally:
        outside.close()


def test_vectors_of_different_embedders_never_share_a_collection() -> None:
    small, large = VectorStore(HashingEmbedder(64), in_memory=True), VectorStore(HashingEmbedder(128), in_memory=True)
    assert small.collection_name("k") != large.collection_name("k")
