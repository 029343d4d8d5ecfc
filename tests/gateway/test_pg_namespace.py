"""Workers starting together on a fresh data dir agree on its PostgreSQL namespace, and none reads it half written
(one used to read ``database.id`` empty between another's create and write: «does not hold a namespace id»)."""

from __future__ import annotations

import multiprocessing
from pathlib import Path
from typing import Any

from tools.pgdb import namespace


def _read(data_dir: str, barrier: Any, results: Any) -> None:
    barrier.wait()
    try:
        results.put(namespace(Path(data_dir)))
    except Exception as error:  # the failure is the finding
        results.put(repr(error))


def test_processes_creating_one_namespace_together_all_read_the_same_id(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("fork")
    for round_ in range(20):
        barrier, results = ctx.Barrier(4), ctx.Queue()
        data_dir = str(tmp_path / f"data-{round_}")
        workers = [ctx.Process(target=_read, args=(data_dir, barrier, results)) for _ in range(4)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=60)
        seen = {results.get(timeout=5) for _ in workers}
        assert len(seen) == 1 and len(next(iter(seen))) == 12, seen
        assert [p.name for p in Path(data_dir).iterdir()] == ["database.id"]  # no draft left behind
