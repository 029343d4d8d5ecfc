"""The run history kept beside the reports (``history.jsonl``): one summary line per run, for trends."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from evals.models import RunReport

MAX_ENTRIES = 200


class HistoryEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    run_id: str
    started_at: datetime
    model: str
    gates_passed: bool
    pass_rates: dict[str, float]
    metrics: dict[str, dict[str, float]]


def entry_for(report: RunReport) -> HistoryEntry:
    ran = [s for s in report.suites if s.status == "ran"]
    return HistoryEntry(run_id=report.run_id, started_at=report.started_at, model=report.model,
                        gates_passed=report.gates_passed, pass_rates={s.suite: s.pass_rate for s in ran},
                        metrics={s.suite: dict(s.metrics) for s in ran})


def read_history(path: Path) -> list[HistoryEntry]:
    """Entries in order; a damaged line is skipped rather than losing the whole history."""
    if not path.exists():
        return []
    entries: list[HistoryEntry] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        try:
            entries.append(HistoryEntry.model_validate_json(line))
        except ValidationError:
            continue
    return entries


def append_history(path: Path, report: RunReport) -> list[HistoryEntry]:
    entries = [e for e in read_history(path) if e.run_id != report.run_id]
    entries.append(entry_for(report))
    entries = entries[-MAX_ENTRIES:]
    path.write_text("".join(e.model_dump_json() + "\n" for e in entries), encoding="utf-8")
    return entries
