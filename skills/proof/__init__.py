"""Proof: the revenue work unit ledger read back as proof packs and evidence packs.

    ledger.py ........... units joined to the audit events that prove them (read-only, per tenant)
    builder.py .......... ProofPackBuilder: sections from the ledger, recorded via proof.pack_build
    estimate.py ......... the revenue impact estimate (assumptions in data/assumptions.yaml)
    advice.py ........... next action and upgrade path (rules in data/advice.yaml)
    render.py, pdf.py ... JSON, Markdown, RTL HTML (templates/), PDF with shaped Arabic
    evidence.py ......... evidence pack export (zip + signed SHA-256 manifest)
    evidence_verify.py .. evidence pack verification
    demo.py ............. the demo tenant's week, replayed deterministically through the gateway

Every word shown to a person is in data/texts.yaml (catalog.py loads and validates the data files).
"""
