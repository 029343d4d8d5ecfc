"""The eval suites, in report order. Each is built on demand: importing this package runs nothing."""

from __future__ import annotations

from typing import Any

from evals.suites.base import Suite, Trial


def all_suites() -> list[Suite[Any]]:
    from evals.suites.autopilot import AutopilotSuite
    from evals.suites.cards import CardsSuite
    from evals.suites.drafts import DraftsSuite
    from evals.suites.injection import InjectionSuite
    from evals.suites.negotiation import NegotiationSuite
    from evals.suites.operator_chat import OperatorSuite
    from evals.suites.policy import PolicySuite
    from evals.suites.triage import TriageSuite

    return [PolicySuite(), OperatorSuite(), InjectionSuite(), AutopilotSuite(), NegotiationSuite(), TriageSuite(),
            DraftsSuite(), CardsSuite()]


__all__ = ["Suite", "Trial", "all_suites"]
