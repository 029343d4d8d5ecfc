"""``dealix audit``: verify the hash chain; show recent events."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dealix.cli.output import print_json, stdout
from dealix.settings import Settings, get_settings
from tools.audit import verify_chain
from tools.store import Store, store_exists

audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)

_PROBLEM_AR = {
    "edited": "عُدِّل محتوى هذا الحدث بعد تسجيله",
    "deleted_or_reordered": "حُذفت أحداث قبله أو تغيّر ترتيبها",
    "chain_broken": "انقطعت السلسلة عند هذا الحدث",
    "truncated": "حُذفت أحداث من آخر السجل",
    "head_missing": "رأس السلسلة الموقَّع مفقود",
    "head_forged": "توقيع رأس السلسلة غير صحيح",
    "unexpected_events": "أضيفت أحداث بعد الرأس الموقَّع من خارج البوابة",
    "unreadable": "تعذّرت قراءة محتوى الحدث",
}


def _key_for(db: Path, settings: Settings) -> bytes:
    """The key that signed this database's head: its own data dir's, else the configured one."""
    beside = db.parent / "secret.key"
    if settings.secret_key is None and beside.exists():
        return beside.read_text().strip().encode()
    return settings.signing_key()


@audit_app.command("verify")
def verify(
    db: Annotated[Path | None, typer.Option("--db", help="SQLite file; default: the data dir's.")] = None,
    json_out: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Walk the whole chain. Exit 0 when intact; 1 and the first bad event when not."""
    settings = get_settings()
    path = db or settings.sqlite_path
    if not store_exists(path):
        stdout().print(f"لا توجد قاعدة بيانات في {path}", markup=False)
        raise typer.Exit(code=2)
    store = Store(path)
    try:
        with store.read() as conn:
            report = verify_chain(conn, key=_key_for(path, settings))
    finally:
        store.close()
    if json_out:
        print_json(report.model_dump(mode="json"))
    elif report.ok:
        stdout().print(f"[green]سجل التدقيق سليم[/] · audit chain intact: {report.events_checked} events")
    else:
        problem = _PROBLEM_AR.get(report.problem or "", report.problem)
        stdout().print(f"[red]سجل التدقيق غير سليم[/]: {problem}")
        stdout().print(f"first bad event: seq={report.first_bad_seq} id={report.first_bad_event_id} "
                       f"({report.problem}: {report.detail})", markup=False)
    raise typer.Exit(code=0 if report.ok else 1)
