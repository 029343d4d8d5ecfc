"""The CLI's output layer: the only place that writes to the terminal."""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.console import Console

from tools.errors import GatewayError


def stdout() -> Console:
    return Console()


def print_json(data: Any) -> None:
    # console.out neither wraps nor marks up, so long Arabic strings stay valid JSON.
    Console().out(json.dumps(data, ensure_ascii=False, indent=2, default=str), highlight=False)


def fail(error: GatewayError, *, code: int = 1) -> typer.Exit:
    """Print the Arabic message (and the stable code) on stderr; return the Exit to raise."""
    Console(stderr=True).print(f"{error.message_ar}\n[{error.code}] {error.message_en}", markup=False,
                               highlight=False)
    return typer.Exit(code=code)
