"""Reading the run's clock in the tenant's time zone (Asia/Riyadh unless configured otherwise).

Saudi readers expect Riyadh time on every draft, and a naive datetime in arguments or in the
context means Riyadh time, never the server's zone, which on a cloud machine is usually UTC.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tools.connectors.base import ConnectorContext
from tools.errors import ConnectorError

__all__ = ["local_now", "localise", "zone"]


def zone(ctx: ConnectorContext) -> ZoneInfo:
    try:
        return ZoneInfo(ctx.timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConnectorError(
            "المنطقة الزمنية المضبوطة غير معروفة.",
            f"Unknown time zone {ctx.timezone!r}.",
            code="timezone_invalid",
        ) from exc


def localise(moment: datetime, tz: ZoneInfo) -> datetime:
    """Attach ``tz`` to a naive datetime, or convert an aware one to it."""
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment.astimezone(tz)


def local_now(ctx: ConnectorContext) -> datetime:
    """``ctx.now`` in the tenant's zone, to the second (drafts carry no microseconds)."""
    return localise(ctx.now, zone(ctx)).replace(microsecond=0)
