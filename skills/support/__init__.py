"""Customer Ops: support tickets from email, WhatsApp or the API; classification in Arabic (MSA
and Saudi dialect) and English; priority; SLA timers on Saudi business time with holidays; breach
warnings and escalation; reply drafts through the gateway; CSAT; churn-risk signals.

The customer_success_operator skill node (``skills.support.nodes``), the API
(``api/routers/support.py``) and the CLI (``dealix support``) all go through
:class:`SupportService`. Nothing runs at import.
"""

from skills.support.models import Classification, Ticket
from skills.support.service import SupportService

__all__ = ["Classification", "SupportService", "Ticket"]
