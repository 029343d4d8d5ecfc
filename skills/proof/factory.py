"""Builds the proof package's services from settings. Nothing is opened until a function is called."""

from __future__ import annotations

from pathlib import Path

from skills.proof.builder import ProofPackBuilder
from skills.proof.catalog import load_assumptions
from tools.gateway import Gateway
from tools.saudi_time import Clock, system_clock

DEFAULT_TENANT = "default"


def proof_builder(gateway: Gateway, *, clock: Clock = system_clock,
                  assumptions: Path | None = None) -> ProofPackBuilder:
    """The proof pack over the shell's gateway: the proof ledger lives in its store."""
    return ProofPackBuilder(gateway, clock=clock, assumptions=load_assumptions(assumptions))
