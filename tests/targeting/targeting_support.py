"""Types shared by the Targeting OS tests (a uniquely named module: ``conftest`` is not importable
reliably when several test folders each have one)."""

from __future__ import annotations

from collections.abc import Callable

from skills.targeting.service import TargetingService

ServiceFactory = Callable[..., TargetingService]
