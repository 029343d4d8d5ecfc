"""The run-scoped dependencies of the graphs, passed as ``context=``, never kept in state or globals.

They are declared beside the nodes that read them (``skills``), so nodes never import graphs.
"""

from __future__ import annotations

from skills.approval import GovernedContext
from skills.nodes import AutopilotContext

__all__ = ["AutopilotContext", "GovernedContext"]
