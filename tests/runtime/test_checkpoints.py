"""Checkpointers: SQLite by default, encrypted with a key, PostgreSQL by URL; tenant-namespaced threads."""

from __future__ import annotations

import os
import sqlite3

import pytest
from runtime_support import TENANT

from dealix.settings import Settings
from dealix.wiring import autopilot_context
from graphs.checkpoint import new_thread_id, open_checkpointer, tenant_of, thread_config
from graphs.runtime import decide, start_autopilot
from tools.errors import NotFound
from tools.models import Caller, Role


def _blobs(path) -> bytes:
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT checkpoint FROM checkpoints").fetchall()
        rows += conn.execute("SELECT value FROM writes").fetchall()
    return b"".join(bytes(r[0]) for r in rows if r[0] is not None)


def test_thread_ids_are_namespaced_by_tenant():
    thread = new_thread_id("acme")
    assert tenant_of(thread) == "acme"
    assert thread_config(thread, tenant="acme")["configurable"]["thread_id"] == thread
    with pytest.raises(NotFound):
        thread_config(thread, tenant="other")


@pytest.mark.sqlite_only
def test_checkpoints_are_encrypted_by_default(settings, make_ctx, leads_file):
    """On main a default install (no DEALIX_CHECKPOINT_KEY) kept leads' data in clear in checkpoints.db."""
    assert settings.checkpoint_key is None
    with open_checkpointer(settings) as checkpointer:
        start_autopilot(make_ctx(), checkpointer, leads_file, top_n=1)
    blobs = _blobs(settings.data_dir / "checkpoints.db")
    assert blobs and "شركة النخبة".encode() not in blobs and b"gmail" not in blobs


@pytest.mark.sqlite_only
def test_checkpoints_are_encrypted_when_a_key_is_set_and_resume_across_processes(tmp_path, leads_file):
    settings = Settings(data_dir=tmp_path / "enc", secret_key="k" * 32, checkpoint_key="a-long-checkpoint-key-1")
    with open_checkpointer(settings) as checkpointer:
        started = start_autopilot(autopilot_context(settings, TENANT), checkpointer, leads_file, top_n=1)

    blobs = _blobs(settings.data_dir / "checkpoints.db")
    assert blobs and "شركة النخبة".encode() not in blobs and b"gmail" not in blobs

    fresh = Settings(data_dir=tmp_path / "enc", secret_key="k" * 32, checkpoint_key="a-long-checkpoint-key-1")
    caller = Caller(user_id="u", tenant=TENANT, role=Role.ceo)
    with open_checkpointer(fresh) as checkpointer:
        result = decide(autopilot_context(fresh, TENANT, caller=caller), checkpointer, started.pending[0].approval_id,
                        "approve")
    assert result.outcome is not None and result.outcome.status == "executed"


def test_the_wrong_checkpoint_key_cannot_read_a_thread(tmp_path, leads_file):
    from cryptography.exceptions import InvalidTag

    from graphs.autopilot import build_autopilot_graph

    settings = Settings(data_dir=tmp_path / "enc", secret_key="k" * 32, checkpoint_key="a-long-checkpoint-key-1")
    with open_checkpointer(settings) as checkpointer:
        started = start_autopilot(autopilot_context(settings, TENANT), checkpointer, leads_file, top_n=1)
    other_key = Settings(checkpoint_key="another-key-entirely").checkpoint_key
    wrong = settings.model_copy(update={"checkpoint_key": other_key})
    with open_checkpointer(wrong) as checkpointer, pytest.raises(InvalidTag):
        build_autopilot_graph(checkpointer).get_state(thread_config(started.thread_id, tenant=TENANT))


@pytest.mark.postgres
def test_the_postgres_checkpointer_resumes_a_thread_from_a_new_connection(tmp_path, leads_file):
    url = os.environ.get("DEALIX_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("DEALIX_TEST_POSTGRES_URL is not set")
    settings = Settings(data_dir=tmp_path / "pg", secret_key="k" * 32, database_url=url)
    assert settings.uses_postgres
    with open_checkpointer(settings) as checkpointer:
        started = start_autopilot(autopilot_context(settings, TENANT), checkpointer, leads_file, top_n=2)
    assert not (settings.data_dir / "checkpoints.db").exists()

    caller = Caller(user_id="u", tenant=TENANT, role=Role.sales_manager)
    with open_checkpointer(settings) as checkpointer:
        ctx = autopilot_context(settings, TENANT, caller=caller)
        first = decide(ctx, checkpointer, started.pending[0].approval_id, "approve")
        again = decide(ctx, checkpointer, started.pending[0].approval_id, "approve")
    assert first.outcome is not None and first.outcome.status == "executed"
    assert again.already_decided
    assert len(first.pending) == 1
    from tools.pgdb import drop_schemas

    assert drop_schemas(url, settings.data_dir)  # the checkpoints lived in this data dir's own schema
