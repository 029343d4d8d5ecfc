"""Builds the proof package's services from settings. Nothing is opened until a function is called."""

from __future__ import annotations

from pathlib import Path

from dealix.settings import Settings, get_settings
from dealix.wiring import build_gateway
from skills.proof.builder import ProofPackBuilder
from skills.proof.catalog import load_assumptions
from tools.gateway import Gateway
from tools.saudi_time import Clock, system_clock

DEFAULT_TENANT = "default"


def proof_gateway(settings: Settings | None = None, *, clock: Clock = system_clock) -> Gateway:
    """The deployment's gateway: the proof ledger lives in its store."""
    return build_gateway(settings or get_settings(), clock=clock)


def proof_builder(settings: Settings | None = None, *, clock: Clock = system_clock,
                  assumptions: Path | None = None, gateway: Gateway | None = None) -> ProofPackBuilder:
    return ProofPackBuilder(gateway or proof_gateway(settings, clock=clock), clock=clock,
                            assumptions=load_assumptions(assumptions))
