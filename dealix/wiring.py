"""Builds the governed tool layer from settings: the one place that knows every concrete part.

Nothing here runs at import; call :func:`build_gateway` (or :func:`open_store`) when you need one.
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from dealix.settings import Settings, get_settings
from skills.registry import load_skills
from tools.connectors import default_connectors
from tools.connectors.addresses import NO_SENDER, Sender
from tools.consent import ConsentRegistry
from tools.gateway import Gateway, GatewayConfig, LiveFlags
from tools.pii import PiiMasker
from tools.policy import TenantOverlay, load_policy
from tools.recipients import RecipientDirectory
from tools.saudi_time import BusinessHours, Clock, system_clock
from tools.store import Store

if TYPE_CHECKING:
    from skills.nodes import AutopilotContext
    from skills.targeting.recipients import TargetingRecipients


def open_store(settings: Settings | None = None) -> Store:
    settings = settings or get_settings()
    settings.ensure_data_dir()
    return Store(settings.sqlite_path)


def build_masker(settings: Settings | None = None) -> PiiMasker:
    settings = settings or get_settings()
    return PiiMasker(settings.signing_key())


def log_masker(settings: Settings | None = None) -> PiiMasker:
    """The masker for logs; it never creates a data dir just to log (a fresh key then)."""
    settings = settings or get_settings()
    if settings.secret_key is not None or (settings.secret_key_file or settings.data_dir / "secret.key").exists():
        return PiiMasker(settings.signing_key())
    return PiiMasker(os.urandom(32))


def sender_of(settings: Settings) -> Sender:
    """The tenant's sender identity (From of drafts, ORGANIZER of invitations) from settings."""
    if settings.sender_email is None:
        return NO_SENDER
    return Sender(settings.sender_email, settings.sender_name)


def build_gateway(
    settings: Settings | None = None,
    *,
    store: Store | None = None,
    clock: Clock = system_clock,
    overlays: dict[str, TenantOverlay] | None = None,
    extra_skills: dict[str, frozenset[str]] | None = None,
    recipients: RecipientDirectory | None = None,
    lead_directory: bool = True,
) -> Gateway:
    """A gateway over the bundled (or configured) policy, the skill registry and the offline connectors.

    Outreach is checked against ``recipients``, by default the Targeting OS's leads
    (:func:`build_recipients`): contactability, the lead's own contact points and today's touches are
    inputs of every outreach decision on every path. ``lead_directory=False`` judges outreach on
    consent alone (a gateway for a tenant with no leads, or a test of the consent rules by themselves).
    """
    settings = settings or get_settings()
    settings.ensure_data_dir()
    key = settings.signing_key()
    store = store or open_store(settings)
    if recipients is None and lead_directory:
        recipients = build_recipients(settings, store=store)
    return Gateway(
        store=store,
        policy=load_policy(settings.policy_file),
        skills={**load_skills().actions_by_skill(), **(extra_skills or {})},
        connectors=default_connectors(import_root=settings.data_dir / "imports", sender=sender_of(settings)),
        key=key,
        config=GatewayConfig(
            outbox_dir=settings.outbox_dir,
            approval_ttl=timedelta(hours=settings.approval_ttl_hours),
            live=LiveFlags(whatsapp=settings.live_whatsapp, calendar=settings.live_calendar),
            timezone=settings.timezone,
            locks_dir=settings.data_dir / "locks",
        ),
        overlays=overlays,
        clock=clock,
        masker=PiiMasker(key),
        recipients=recipients,
    )


def build_recipients(settings: Settings | None = None, *, store: Store | None = None) -> TargetingRecipients:
    """The Targeting OS as the gateway's lead directory: the leads database and the consent registry of
    ``store`` (pass the gateway's own store, so both read the same consent)."""
    from skills.targeting.factory import targeting_db_path  # the Targeting OS loads when a gateway needs it
    from skills.targeting.recipients import TargetingRecipients
    from skills.targeting.repository import TargetingRepository

    settings = settings or get_settings()
    settings.ensure_data_dir()
    return TargetingRecipients(TargetingRepository(targeting_db_path(settings)),
                               ConsentRegistry(store or open_store(settings), key=settings.signing_key()),
                               hours=BusinessHours(timezone=settings.timezone))


def autopilot_context(settings: Settings, tenant: str, *, gateway: Gateway | None = None,
                      **kwargs: Any) -> AutopilotContext:
    """An autopilot run's context on ``gateway``: the shell's own, or one built over ``settings`` here."""
    from graphs.runtime import build_context

    return build_context(settings, tenant, gateway=gateway or build_gateway(settings), **kwargs)
