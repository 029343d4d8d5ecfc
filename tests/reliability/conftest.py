"""Fixtures of the reliability tests: nothing here calls a model; children are spawned or forked per test."""

from __future__ import annotations

from pydantic_ai import models

models.ALLOW_MODEL_REQUESTS = False
