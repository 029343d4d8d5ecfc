"""An outbox write that dies before its rename leaves nothing behind once the effect is finished."""

from __future__ import annotations

from pathlib import Path

from tools.connectors.base import write_outbox


def test_a_write_killed_before_its_rename_is_finished_by_the_recovery_with_no_stray_file(tmp_path: Path) -> None:
    """Seen in CI: kill -9 between the temporary file and the rename left `.tmp-XXXX.eml` beside the draft
    the recovery then wrote (a random temporary name each time)."""
    path = tmp_path / "outbox" / "gmail.draft-L1.eml"
    path.parent.mkdir()
    (path.parent / ".tmp-gmail.draft-L1.eml").write_bytes(b"half a dra")  # what the killed write left
    write_outbox(path, b"the whole draft")
    assert sorted(p.name for p in path.parent.iterdir()) == ["gmail.draft-L1.eml"]
    assert path.read_bytes() == b"the whole draft"
    assert (path.stat().st_mode & 0o777) == 0o600  # drafts hold personal data
    assert write_outbox(path, b"another text") == path and path.read_bytes() == b"the whole draft"  # idempotent
