"""Schemas of ``/api/v1/governance``: the governance domain's own typed results (``skills.governance.models``)."""

from __future__ import annotations

from skills.governance.models import (
    ApprovalCentre,
    ComplianceReport,
    ConnectorReport,
    ContradictionReport,
    ExecutiveRoom,
    ForecastReport,
    SweepReport,
)

__all__ = ["ApprovalCentre", "ComplianceReport", "ConnectorReport", "ContradictionReport", "ExecutiveRoom",
           "ForecastReport", "SweepReport"]
