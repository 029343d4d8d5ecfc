"""The connectors of the governed tool layer: offline by default, real in shape.

Each connector turns one action's arguments into exactly what it would deliver (an ``.eml``, an
``.ics``, a CSV, a JSON request body) and leaves it in the outbox. The few that can reach a real
service (Gmail drafts, WhatsApp Cloud) do so only through an adapter handed to them here, which
the application builds from settings when credentials exist; and only the gateway, holding the
seal, can mint the permit that runs any connector at all.
"""

from __future__ import annotations

from pathlib import Path

from tools.connectors.addresses import NO_SENDER, Sender
from tools.connectors.base import Connector, ConnectorContext, Delivery, ExecutionPermit
from tools.connectors.calendar import CalendarDraftConnector, CalendarInsertConnector
from tools.connectors.crm import CrmExportConnector, CrmImportConnector, CrmUpdateConnector
from tools.connectors.gmail import GmailDraftConnector, GmailDraftsAdapter
from tools.connectors.moyasar import MoyasarInvoiceDraftConnector
from tools.connectors.sheets import SheetsExportConnector
from tools.connectors.whatsapp import WhatsAppCloudAdapter, WhatsAppDraftConnector, WhatsAppSendConnector

__all__ = [
    "CalendarDraftConnector",
    "CalendarInsertConnector",
    "Connector",
    "ConnectorContext",
    "CrmExportConnector",
    "CrmImportConnector",
    "CrmUpdateConnector",
    "Delivery",
    "ExecutionPermit",
    "GmailDraftConnector",
    "GmailDraftsAdapter",
    "MoyasarInvoiceDraftConnector",
    "Sender",
    "SheetsExportConnector",
    "WhatsAppCloudAdapter",
    "WhatsAppDraftConnector",
    "WhatsAppSendConnector",
    "default_connectors",
]


def default_connectors(
    *,
    gmail: GmailDraftsAdapter | None = None,
    whatsapp: WhatsAppCloudAdapter | None = None,
    import_root: Path | None = None,
    sender: Sender = NO_SENDER,
) -> dict[str, Connector]:
    """Action id -> connector. With no arguments every connector is outbox-only.

    ``gmail`` and ``whatsapp`` are adapters built from configured credentials; ``import_root``
    confines ``crm.import`` to one folder; ``sender`` is the ``From:`` of email drafts and the
    ``ORGANIZER`` of invitations (the tenant's configured sender identity).
    """
    connectors: list[Connector] = [
        GmailDraftConnector(gmail, sender),
        CalendarDraftConnector(sender),
        CalendarInsertConnector(sender),
        SheetsExportConnector(),
        MoyasarInvoiceDraftConnector(),
        WhatsAppSendConnector(whatsapp),
        WhatsAppDraftConnector(),
        CrmExportConnector(),
        CrmUpdateConnector(),
        CrmImportConnector(import_root),
    ]
    return {connector.action: connector for connector in connectors}
