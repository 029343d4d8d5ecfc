"""Schemas of ``/api/v1/health`` and ``/api/v1/ready``."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Health(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "ok", "version": "0.1.0"}]})

    status: Literal["ok"] = "ok"
    version: str


class Check(BaseModel):
    name: str = Field(description="What was checked: store, api_keys, checkpoints, policy, threads.")
    ok: bool
    detail: str = Field(default="", description="Why not, in English (no secrets, no personal data).")


class Readiness(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "ready": True, "policy_version": "2026.11.1", "checks": [{"name": "store", "ok": True, "detail": ""}]}]})

    ready: bool
    policy_version: str | None = None
    checks: list[Check]
