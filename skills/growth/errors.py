"""Errors of the growth loop.

    GrowthError (a GatewayError: stable ``code``, ``message_ar``, ``message_en``, ``status``)
    ├── ExperimentNotFound     no such experiment for this tenant (404)
    ├── ExperimentExists       the id is taken (409)
    ├── ExperimentClosed       results for a concluded experiment (409)
    ├── ExperimentRoleNotAllowed  the caller's role may not start or conclude experiments (403)
    ├── ContactIdInvalid       a phone number or an email where a lead id belongs (422)
    ├── PlanNotFound           no such daily plan for this tenant, or none yet (404)
    └── DecisionInvalid        an approval no plan waits on, or no caller (409 / 401)

The API maps these to HTTP in one place; the CLI prints ``message_ar`` and exits non-zero.
Messages come from ``data/messages.yaml`` (``errors``).
"""

from __future__ import annotations

from skills.growth.catalog import load_growth_catalog
from tools.errors import GatewayError


class GrowthError(GatewayError):
    code = "growth_error"
    status = 400

    def __init__(self, key: str | None = None) -> None:
        text = load_growth_catalog().messages.errors[key or self.code]
        super().__init__(text.ar, text.en, code=key or self.code)


class ExperimentNotFound(GrowthError):
    code = "experiment_not_found"
    status = 404


class ExperimentExists(GrowthError):
    code = "experiment_exists"
    status = 409


class ExperimentClosed(GrowthError):
    code = "experiment_closed"
    status = 409


class ExperimentRoleNotAllowed(GrowthError):
    code = "experiment_role_not_allowed"
    status = 403


class ContactIdInvalid(GrowthError):
    code = "contact_id_invalid"
    status = 422


class PlanNotFound(GrowthError):
    code = "plan_not_found"
    status = 404


class DecisionInvalid(GrowthError):
    code = "approval_not_in_plan"
    status = 409


__all__ = ["ContactIdInvalid", "DecisionInvalid", "ExperimentClosed", "ExperimentExists", "ExperimentNotFound",
           "ExperimentRoleNotAllowed", "GrowthError", "PlanNotFound"]
