"""Errors of the governed tool layer.

    GatewayError                      base: every error here carries a stable ``code`` and ``message_ar``
    ├── PolicyError                   the policy file or a tenant overlay is invalid
    ├── ApprovalError                 approving or executing with an approval failed closed
    │   └── RoleNotAllowed            the caller's role may not approve this action
    ├── NotFound                      an approval, contact or event that does not exist (for this tenant)
    ├── ConnectorError                a connector failed, or was reached without a gateway permit
    └── ArgumentsError                tool arguments that cannot be canonicalised (not JSON-like)

The API maps these to HTTP in one place; the CLI prints ``message_ar`` and exits non-zero.
"""

from __future__ import annotations


class GatewayError(Exception):
    code: str = "gateway_error"

    def __init__(self, message_ar: str, message_en: str = "", *, code: str | None = None) -> None:
        super().__init__(message_en or message_ar)
        self.message_ar = message_ar
        self.message_en = message_en or message_ar
        if code is not None:
            self.code = code


class PolicyError(GatewayError):
    code = "policy_invalid"


class ApprovalError(GatewayError):
    code = "approval_invalid"


class RoleNotAllowed(ApprovalError):
    code = "role_not_allowed"


class NotFound(GatewayError):
    code = "not_found"


class ConnectorError(GatewayError):
    code = "connector_error"


class ArgumentsError(GatewayError):
    code = "arguments_invalid"
