"""The audit chain detects edit, deletion, reordering and truncation, and names the first bad event."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from typing import Any

import pytest
from gw_support import KEY, Rig, call
from typer.testing import CliRunner

from tools.audit import verify_chain
from tools.store import Database


def _fill(rig: Rig, n: int = 6) -> None:
    for i in range(n):
        rig.gateway.invoke(call("gmail.draft", skill="saudi_copywriter", args={"to": "a@example.com", "i": i},
                                tool_call=str(i)))


@contextmanager
def _raw(rig: Rig) -> Iterator[Any]:
    """A second connection that bypasses the gateway: to the SQLite file, or (DEALIX_DATABASE_URL set) to
    the store's PostgreSQL schema, in one transaction."""
    if rig.store.backend == "postgres":
        db = Database(rig.store.path, schema="")
        try:
            with db.transaction() as conn:
                yield conn
        finally:
            db.close()
        return
    with closing(sqlite3.connect(rig.store.path, isolation_level=None)) as lite:
        yield lite


def _verify(rig: Rig):  # type: ignore[no-untyped-def]
    return rig.gateway.audit.verify()


def test_an_untouched_chain_verifies(rig: Rig) -> None:
    _fill(rig)
    report = _verify(rig)
    assert report.ok and report.events_checked > 6


def test_editing_a_payload_is_detected_at_that_event(rig: Rig) -> None:
    _fill(rig)
    with _raw(rig) as conn:
        conn.execute("UPDATE audit_events SET payload = replace(payload, 'draft_only', 'blocked') WHERE seq = 4")
    report = _verify(rig)
    assert not report.ok and report.first_bad_seq == 4 and report.problem == "edited"


def test_editing_a_field_outside_the_payload_is_detected(rig: Rig) -> None:
    _fill(rig)
    with _raw(rig) as conn:
        conn.execute("UPDATE audit_events SET actor = 'someone-else' WHERE seq = 2")
    assert _verify(rig).first_bad_seq == 2


def test_rehashing_an_edited_event_breaks_the_link_to_the_next(rig: Rig) -> None:
    _fill(rig)
    with _raw(rig) as conn:
        conn.execute("UPDATE audit_events SET hash = ? WHERE seq = 3", ("f" * 64,))
    report = _verify(rig)
    assert not report.ok and report.first_bad_seq == 3


def test_deleting_an_event_is_detected_at_the_gap(rig: Rig) -> None:
    _fill(rig)
    with _raw(rig) as conn:
        conn.execute("DELETE FROM audit_events WHERE seq = 5")
    report = _verify(rig)
    assert not report.ok and report.first_bad_seq == 6 and report.problem == "deleted_or_reordered"


def test_reordering_events_is_detected(rig: Rig) -> None:
    _fill(rig)
    with _raw(rig) as conn:
        conn.execute("UPDATE audit_events SET seq = -1 WHERE seq = 3")
        conn.execute("UPDATE audit_events SET seq = 3 WHERE seq = 4")
        conn.execute("UPDATE audit_events SET seq = 4 WHERE seq = -1")
    report = _verify(rig)
    assert not report.ok and report.first_bad_seq == 3


def test_truncating_the_tail_is_detected_by_the_signed_head(rig: Rig) -> None:
    _fill(rig)
    with _raw(rig) as conn:
        last = conn.execute("SELECT MAX(seq) FROM audit_events").fetchone()[0]
        conn.execute("DELETE FROM audit_events WHERE seq > ?", (last - 2,))
    report = _verify(rig)
    assert not report.ok and report.problem == "truncated" and report.first_bad_seq == last - 1


def test_moving_the_head_to_hide_truncation_needs_the_key(rig: Rig) -> None:
    _fill(rig)
    with _raw(rig) as conn:
        conn.execute("DELETE FROM audit_events WHERE seq > 3")
        row = conn.execute("SELECT hash FROM audit_events WHERE seq = 3").fetchone()
        conn.execute("UPDATE audit_head SET seq = 3, hash = ?", (row[0],))
    assert _verify(rig).problem == "head_forged"


def test_deleting_the_head_is_detected(rig: Rig) -> None:
    _fill(rig)
    with _raw(rig) as conn:
        conn.execute("DELETE FROM audit_head")
    assert _verify(rig).problem == "head_missing"


def test_events_appended_behind_the_gateway_are_detected(rig: Rig) -> None:
    _fill(rig)
    with _raw(rig) as conn:
        last = conn.execute("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1").fetchone()
        conn.execute("INSERT INTO audit_events (seq, event_id, ts, tenant, kind, actor, action, payload,"
                     " prev_hash, hash) VALUES (?, 'evt_x', '2026-01-01', 't1', 'k', 'a', NULL, '{}', ?, ?)",
                     (last[0] + 1, last[1], "0" * 64))
    assert not _verify(rig).ok


def test_the_audit_payload_holds_no_raw_pii(rig: Rig) -> None:
    rig.gateway.invoke(call("gmail.draft", skill="saudi_copywriter", args={
        "to": "khalid@example.sa", "body": "اتصل على ٠٥٥٠٠٠١٢٣٤ أو +966 55 000 1234، الهوية 1023456789",
        "iban": "SA03 8000 0000 6080 1016 7519"}))
    with _raw(rig) as conn:
        dump = "\n".join(row[0] for row in conn.execute("SELECT payload FROM audit_events"))
    for secret in ("khalid@example.sa", "٠٥٥٠٠٠١٢٣٤", "0550001234", "55 000 1234", "1023456789", "6080 1016"):
        assert secret not in dump


@pytest.mark.parametrize("tamper", ["UPDATE audit_events SET kind = 'x' WHERE seq = 2", "DELETE FROM audit_head"])
def test_cli_verify_exits_non_zero_and_names_the_event(rig: Rig, tamper: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from dealix.cli.main import app
    from dealix.settings import get_settings

    _fill(rig, 3)
    (rig.store.path.parent / "secret.key").write_text(KEY.decode())
    monkeypatch.setenv("DEALIX_DATA_DIR", str(rig.store.path.parent))
    get_settings.cache_clear()
    runner = CliRunner()
    ok = runner.invoke(app, ["audit", "verify", "--db", str(rig.store.path)])
    assert ok.exit_code == 0, ok.output
    with _raw(rig) as conn:
        conn.execute(tamper)
    bad = runner.invoke(app, ["audit", "verify", "--db", str(rig.store.path), "--json"])
    assert bad.exit_code == 1
    assert '"ok": false' in bad.output
    get_settings.cache_clear()


def test_verify_chain_on_an_empty_store_is_ok(rig: Rig) -> None:
    with rig.store.read() as conn:
        assert verify_chain(conn, key=b"k").ok
