"""Internal records built without re-validation equal what validation builds."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ConfigDict, Field

from skills.targeting.models import ChannelVerdict, Lead, Phone
from skills.targeting.records import LeadReader, trusted
from skills.targeting.sources import classify_source


def _lead(i: int, **changes: object) -> Lead:
    values: dict[str, object] = dict(
        lead_id=f"ld_{i:020d}", tenant="t1", import_id="imp_1", row_number=i + 2, company_name="شركة النور للتجارة",
        company_key="النور للتجاره", contact_name="أحمد الحربي", contact_key="احمد الحربي", contact_skeleton="hmd hrb",
        title="المدير العام", phone=Phone(raw="0550001001", e164="+966550001001", kind="mobile"),
        email=f"a{i}@alnoor.example.sa", email_domain="alnoor.example.sa", city_raw="الرياض", city_id="riyadh",
        source=classify_source("crm_export"), notes="طرحوا منافسة", employees=120, consent_mark="none",
        extras={"Branch": "Olaya", "ID": str(i)},
    )
    values.update(changes)
    return Lead.model_validate(values)


def test_leads_read_back_equal_validated_leads_field_for_field() -> None:
    leads = [_lead(1), _lead(2, phone=None, email_domain=None, extras={}), _lead(3, source=classify_source("x y z")),
             _lead(4, consent_mark="opt_out", notes=None, employees=None, cr_number="1010101010", website="x.sa")]
    stored = [lead.model_dump_json() for lead in leads] * 700  # more than one decoding chunk
    expected = [Lead.model_validate_json(text) for text in stored]
    read = LeadReader().read(list(stored))
    assert read == expected
    assert [x.model_dump_json() for x in read] == stored
    assert all(x.model_fields_set == y.model_fields_set for x, y in zip(read, expected, strict=True))


def test_leads_read_back_share_what_repeats() -> None:
    read = LeadReader().read([_lead(1).model_dump_json(), _lead(2).model_dump_json()])
    assert read[0].source is read[1].source
    assert read[0].phone is not read[1].phone  # built per lead: a phone is one person's


def test_a_lead_stored_without_newer_fields_gets_their_defaults() -> None:
    stored = _lead(1).model_dump_json().replace(',"consent_mark":"none"', "")
    assert '"consent_mark"' not in stored
    lead = LeadReader()(stored)
    assert lead.consent_mark == "none" and "consent_mark" not in lead.model_fields_set


def test_a_trusted_record_copies_like_a_validated_one() -> None:
    verdict = trusted(ChannelVerdict, channel="email", status="safe", reason_ar="آمن", reason_en="ok", not_before=None)
    assert verdict == ChannelVerdict(channel="email", status="safe", reason_ar="آمن", reason_en="ok")
    changed = verdict.model_copy(update={"status": "blocked"})
    assert changed.status == "blocked" and verdict.status == "safe"
    with pytest.raises(ValueError, match="frozen"):
        verdict.status = "blocked"  # type: ignore[misc]


def test_trusted_keeps_the_models_field_order() -> None:
    verdict = trusted(ChannelVerdict, not_before=None, reason_en="ok", reason_ar="آمن", status="safe", channel="email")
    assert list(verdict.model_dump()) == list(ChannelVerdict.model_fields)


def test_trusted_refuses_a_model_it_would_build_wrong() -> None:
    class Aliased(BaseModel):
        model_config = ConfigDict(frozen=True)
        value: int = Field(alias="v")

    with pytest.raises(TypeError, match="Aliased"):
        trusted(Aliased, value=1)
