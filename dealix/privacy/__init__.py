"""PDPL data subject rights over every Dealix store: access (export) and erasure, both audited.

``dealix privacy export --contact ID`` and ``dealix privacy erase --contact ID`` are the command
line; :class:`dealix.privacy.service.PrivacyDesk` is the code behind them.
"""
