"""The agent eval suite: typed datasets, sandboxed runs, graders, pass^k, reports and gates.

    evals/datasets/<suite>/*.yaml|*.jsonl ──loader──▶ cases ──runner (a sandbox per case, n trials)──▶
    suite graders (read the ledger, outbox, audit log, approvals) ──▶ RunReport ──▶ gates (thresholds.yaml)
                                                                    └──▶ report.json / .md / .html, Langfuse

Run it with ``dealix eval`` or ``make eval``; see docs/evals.md. Nothing runs at import.
"""
