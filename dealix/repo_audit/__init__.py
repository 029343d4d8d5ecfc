"""The repository architecture audit: ``dealix audit-repo`` and ``scripts/repo_architecture_audit.py``.

Checks the tree against ``data/architecture.yaml`` (modules, tests, routers, docs, surfaces) and
``data/rules.yaml`` (forbidden patterns, secrets), and scores it; see :mod:`dealix.repo_audit.scores`.
"""

from dealix.repo_audit.models import AuditReport, Finding, Scores
from dealix.repo_audit.runner import audit_repo, render_text

__all__ = ["AuditReport", "Finding", "Scores", "audit_repo", "render_text"]
