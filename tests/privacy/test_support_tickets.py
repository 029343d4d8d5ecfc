"""Customer Ops tickets are part of access and erasure: found by the contact's address, kept as a
service record without the person's name, address or words."""

from __future__ import annotations

from privacy_support import SARA, SARA_IDENTIFIERS, TENANT, World, files_holding

from dealix.privacy.service import PrivacyDesk
from skills.support.factory import build_service
from skills.support.intake import from_email


def test_a_ticket_from_the_contacts_email_is_exported_then_erased(world: World) -> None:
    support = build_service(world.settings, tenant=TENANT)
    ticket = support.create(from_email("لم تصلني فاتورة الشهر الماضي، أرجو إرسالها على رقمي 0551230001",
                                       customer_email=SARA["email"], customer_name=SARA["contact_name"]))
    other = support.create(from_email("أحتاج تدريباً للفريق الجديد", customer_email="someone@else.example.sa"))

    export = PrivacyDesk(world.settings, tenant=TENANT).export(world.contact_id)
    assert [t["ticket_id"] for t in export.support] == [ticket.ticket_id]

    report = PrivacyDesk(world.settings, tenant=TENANT).erase(world.contact_id, delete_threads=True)
    assert report.complete and report.counts["support_tickets"] == 1
    kept = support.get(ticket.ticket_id)  # still a valid ticket: category, priority and SLA history stay
    assert kept.customer_email is None and kept.customer_name is None and "0551230001" not in kept.body
    assert kept.classification == ticket.classification
    assert support.get(other.ticket_id).customer_email == "someone@else.example.sa"
    assert files_holding(world.settings.data_dir, SARA_IDENTIFIERS) == {}
