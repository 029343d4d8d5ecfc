"""``dealix proof``: build a proof pack (JSON, Markdown, RTL HTML or PDF) for a tenant and period."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Literal

import typer

from dealix.cli.output import fail, stdout
from dealix.settings import get_settings
from dealix.wiring import build_gateway
from skills.proof.demo import demo_snapshot
from skills.proof.errors import PeriodInvalid, ProofError
from skills.proof.factory import DEFAULT_TENANT, proof_builder
from skills.proof.models import ProofPack
from skills.proof.period import Period, period_from
from skills.proof.render import render
from tools.saudi_time import Clock, system_clock

proof_app = typer.Typer(help="Proof packs: what Dealix created, protected and left for your decision.",
                        no_args_is_help=True)

FormatOpt = Annotated[Literal["json", "md", "html", "pdf"], typer.Option("--format", "-f", help="Output format.")]
OutOpt = Annotated[Path | None, typer.Option("--out", "-o", dir_okay=False, help="Write to this file.")]
FromOpt = Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD (Asia/Riyadh).")]
ToOpt = Annotated[str | None, typer.Option("--to", help="Last day, included, YYYY-MM-DD (Asia/Riyadh).")]
TenantOpt = Annotated[str, typer.Option("--tenant", help="Tenant whose ledger to use.")]
DemoOpt = Annotated[bool, typer.Option("--demo", help="The seeded demo tenant's week instead of your ledger.")]


def parse_day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError as exc:
        raise PeriodInvalid(f"تاريخ غير صالح في {option}: استخدموا الصيغة YYYY-MM-DD، مثل 2026-11-22.",
                            f"Invalid date for {option}: use YYYY-MM-DD.") from exc


def period_option(start: str | None, end: str | None, clock: Clock = system_clock) -> Period:
    return period_from(parse_day(start, "--from"), parse_day(end, "--to"), clock())


def emit(data: bytes, out: Path | None, *, saved_ar: str) -> None:
    """Write ``data`` to ``out`` (atomically), or print it when it is text and no file was given."""
    if out is None:
        stdout().out(data.decode("utf-8"), highlight=False, end="")
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(out)
    stdout().print(f"{saved_ar}: {out}", markup=False, highlight=False)


@proof_app.command("pack")
def pack(
    fmt: FormatOpt = "json",
    out: OutOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    tenant: TenantOpt = DEFAULT_TENANT,
    demo: DemoOpt = False,
    assumptions: Annotated[Path | None, typer.Option("--assumptions", exists=True, dir_okay=False,
                                                     help="Your own assumptions file (format of the bundled one).")]
    = None,
) -> None:
    """Build the proof pack (default: the last seven days) and record it in the audit log."""
    if fmt == "pdf" and out is None:
        raise fail(ProofError("ملف PDF لا يُطبع في الطرفية؛ حدّدوا مكان حفظه بالخيار --out.",
                              "A PDF needs --out FILE.", code="out_required"))
    try:
        built = _demo_pack() if demo else _tenant_pack(tenant, start, end, assumptions)
        data = render(built, fmt)
    except ProofError as error:
        raise fail(error) from error
    emit(data, out, saved_ar="حُفظت حزمة الإثبات")


def _demo_pack() -> ProofPack:
    return demo_snapshot().pack


def _tenant_pack(tenant: str, start: str | None, end: str | None, assumptions: Path | None) -> ProofPack:
    period = period_option(start, end)
    builder = proof_builder(build_gateway(get_settings()), assumptions=assumptions)
    try:
        return builder.build(tenant, period, actor="cli")
    finally:
        builder.gateway.store.close()
