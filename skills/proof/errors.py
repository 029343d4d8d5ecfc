"""Errors of the proof package; each carries a stable code and an Arabic message.

    ProofError (a GatewayError)
    ├── PeriodInvalid       a period that cannot be used (reversed, too long, bad date)
    ├── PackRefused         the gateway refused to record the pack (e.g. rate limit)
    └── EvidenceError       an evidence pack that cannot be exported or read
"""

from __future__ import annotations

from tools.errors import GatewayError


class ProofError(GatewayError):
    code = "proof_error"


class PeriodInvalid(ProofError):
    code = "period_invalid"


class PackRefused(ProofError):
    code = "proof_pack_refused"


class EvidenceError(ProofError):
    code = "evidence_invalid"
