"""Governance surfaces: the approval centre with SLAs, the contradiction engine, the Saudi compliance
matrix and the executive room. Domain logic only; the API, CLI and console are thin adapters."""
