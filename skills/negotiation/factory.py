"""Builds a :class:`NegotiationCoach` from settings, or a throw-away offline one for the demo.

Nothing is opened until a function here is called.
"""

from __future__ import annotations

import os

from agents.call_records import ModelCallRecorder, ModelCallStore
from agents.negotiator import build_negotiator
from agents.tracing import build_tracing
from dealix.settings import Settings, get_settings
from dealix.wiring import build_gateway, build_masker
from skills.negotiation.coach import NegotiationCoach
from tools.gateway import Gateway
from tools.pii import PiiMasker
from tools.saudi_time import BusinessHours, Clock, system_clock

DEFAULT_TENANT = "default"
DEMO_TENANT = "demo"


def build_coach(settings: Settings | None = None, *, tenant: str = DEFAULT_TENANT, gateway: Gateway | None = None,
                clock: Clock = system_clock) -> NegotiationCoach:
    """The tenant's coach: the configured model route, and a gateway that records refusals and suggestions
    (its store also keeps the model-call records)."""
    settings = settings or get_settings()
    masker = build_masker(settings)
    gateway = gateway or build_gateway(settings)
    recorder = ModelCallRecorder(ModelCallStore(gateway.store), tenant, clock=clock)
    negotiator = build_negotiator(settings, masker, tracing=build_tracing(settings, masker), recorder=recorder)
    return NegotiationCoach(negotiator=negotiator, tenant=tenant, gateway=gateway,
                            clock=clock, hours=BusinessHours(timezone=settings.timezone))


def demo_coach(*, clock: Clock = system_clock) -> NegotiationCoach:
    """Offline, no gateway, nothing written anywhere: the same rules and guard as the real coach."""
    masker = PiiMasker(os.urandom(32))  # a throw-away key: the demo keeps nothing
    negotiator = build_negotiator(Settings(model="offline"), masker)
    return NegotiationCoach(negotiator=negotiator, tenant=DEMO_TENANT, gateway=None, clock=clock)
