"""Errors of the negotiation engine.

    GatewayError (tools.errors)          every error carries a stable ``code`` and ``message_ar``
    ├── NegotiationError                 base of this package
    └── ArgumentsError                   invalid input (the API answers 422)
        └── UtteranceError (also a NegotiationError): empty, too long, or no words

The API maps them in one place (``api.errors``: an ``ArgumentsError`` is a 422 with the Arabic
message); the CLI prints ``message_ar`` and exits non-zero.
"""

from __future__ import annotations

from tools.errors import ArgumentsError, GatewayError


class NegotiationError(GatewayError):
    code = "negotiation_error"


class UtteranceError(NegotiationError, ArgumentsError):
    code = "text_invalid"
