"""Builds a :class:`NegotiationCoach` from settings, or a throw-away offline one for the demo.

Nothing is opened until a function here is called.
"""

from __future__ import annotations

import os

from agents.call_records import ModelCallRecorder, ModelCallStore
from agents.tracing import build_tracing
from skills.negotiation.coach import NegotiationCoach
from skills.negotiation.negotiator import build_negotiator
from tools.gateway import Gateway
from tools.pii import PiiMasker
from tools.saudi_time import BusinessHours, Clock, system_clock
from tools.settings import Settings

DEFAULT_TENANT = "default"
DEMO_TENANT = "demo"


def build_coach(settings: Settings, *, tenant: str = DEFAULT_TENANT, gateway: Gateway,
                clock: Clock = system_clock) -> NegotiationCoach:
    """The tenant's coach: the configured model route, and the shell's gateway that records refusals and
    suggestions (its store also keeps the model-call records)."""
    masker = gateway.masker
    recorder = ModelCallRecorder(ModelCallStore(gateway.store), tenant, clock=clock)
    negotiator = build_negotiator(settings, masker, tracing=build_tracing(settings, masker), recorder=recorder)
    return NegotiationCoach(negotiator=negotiator, tenant=tenant, gateway=gateway,
                            clock=clock, hours=BusinessHours(timezone=settings.timezone))


def demo_coach(*, clock: Clock = system_clock) -> NegotiationCoach:
    """Offline, no gateway, nothing written anywhere: the same rules and guard as the real coach."""
    masker = PiiMasker(os.urandom(32))  # a throw-away key: the demo keeps nothing
    negotiator = build_negotiator(Settings(model="offline"), masker)
    return NegotiationCoach(negotiator=negotiator, tenant=DEMO_TENANT, gateway=None, clock=clock)
