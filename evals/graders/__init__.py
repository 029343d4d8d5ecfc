"""Graders: pure functions from what a case produced (and its gateway records) to named checks."""
