"""The autopilot's review-first overlay, merged with a tenant's own: the stricter mode always wins."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import yaml
from pydantic import BaseModel, ConfigDict

from tools.models import MODE_STRICTNESS, Mode
from tools.policy import DefaultMode, TenantOverlay


class _OverlayFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str
    modes: dict[str, DefaultMode]


@lru_cache(maxsize=1)
def _default_modes() -> dict[str, DefaultMode]:
    raw = resources.files("graphs").joinpath("data/autopilot_overlay.yaml").read_bytes()
    return dict(_OverlayFile.model_validate(yaml.safe_load(raw)).modes)


def autopilot_overlay(tenant: str, tenant_overlay: TenantOverlay | None = None) -> TenantOverlay:
    """The review-first default plus the tenant's overlay; per action, the stricter of the two."""
    modes: dict[str, DefaultMode] = dict(_default_modes())
    for action, mode in (tenant_overlay.modes if tenant_overlay else {}).items():
        current = modes.get(action)
        if current is None or MODE_STRICTNESS[Mode(mode)] > MODE_STRICTNESS[Mode(current)]:
            modes[action] = mode
    return TenantOverlay(tenant=tenant, modes=modes)
