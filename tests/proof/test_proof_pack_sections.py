"""Proof pack sections computed from a seeded ledger: every figure here could be wrong."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from proof_support import OTHER, TENANT, Rig, email_draft, event, payload, seed_week
from pydantic import ValidationError

from skills.proof.builder import ProofPackBuilder
from skills.proof.catalog import Assumptions, load_assumptions, load_texts
from skills.proof.errors import PeriodInvalid
from skills.proof.models import ProofPack
from skills.proof.period import Period, checked_period, default_period, hijri_ar, moment_ar, period_from
from skills.proof.render import render_markdown
from tools.models import RWUType
from tools.saudi_time import RIYADH

SUNDAY = date(2026, 11, 22)
ASSUMPTIONS = yaml.safe_load((Path(__file__).resolve().parents[2] / "skills/proof/data/assumptions.yaml")
                             .read_text(encoding="utf-8"))["assumptions"]


def _build(rig: Rig, period: Period | None = None, *, record: bool = True,
           assumptions: Assumptions | None = None) -> ProofPack:
    return ProofPackBuilder(rig.gateway, clock=rig.clock, assumptions=assumptions).build(
        TENANT, period or Period(start=SUNDAY, end=SUNDAY), actor="u-ceo", record=record)


@pytest.fixture
def week(rig: Rig) -> ProofPack:
    seed_week(rig)
    return _build(rig)


def _ends(key: str) -> tuple[float, float, float]:
    a = ASSUMPTIONS[key]
    return a["low"], a["value"], a["high"]


def _r(x: float) -> float:
    return float(round(x, -1))


def test_what_was_created_counts_each_unit_type_of_the_period_only(week: ProofPack) -> None:
    counts = {line.type: line.count for line in week.created}
    assert counts == {
        RWUType.opportunity_created: 3, RWUType.target_ranked: 1, RWUType.draft_created: 3,
        RWUType.meeting_drafted: 1, RWUType.followup_created: 1, RWUType.payment_link_drafted: 2,
        RWUType.approval_collected: 1,
    }
    assert week.created_total == 12
    details = {line.type: line.detail_ar for line in week.created}
    assert details[RWUType.target_ranked] == load_texts().label("ranked_leads", count=40)
    assert "25,000" in (details[RWUType.payment_link_drafted] or "")  # 2 x 10,000 + 5,000, before VAT


def test_every_created_figure_traces_to_audit_events_of_the_tenant(rig: Rig, week: ProofPack) -> None:
    for line in week.created:
        assert line.audit_events
        for event_id in line.audit_events:
            assert event(rig.settings, event_id)["tenant"] == TENANT


def test_what_was_protected_separates_opt_outs_from_missing_opt_ins_and_ranks_reasons(week: ProofPack) -> None:
    p = week.protected
    assert (p.risks_blocked, p.contacts_protected, p.opt_outs_honoured, p.deal_risks_detected) == (3, 3, 1, 1)
    assert p.total == 7
    assert [(line.reason_code, line.count) for line in p.lines] == [
        ("linkedin_blocked", 2), ("no_opt_in", 2), ("live_email_blocked", 1), ("opt_out", 1)]
    assert p.lines[0].label_ar == load_texts().protection["linkedin_blocked"]


def test_what_needs_approval_lists_only_live_requests_of_the_tenant_earliest_expiry_first(week: ProofPack) -> None:
    a = week.awaiting_approval
    assert a.count == 2 and a.more == 0
    assert [i.action for i in a.items] == ["calendar.insert", "crm.update"]   # the Thursday one has expired
    assert a.items[0].expires_at < a.items[1].expires_at
    assert a.items[0].label_ar == "إضافة موعد إلى التقويم"
    assert "مدير المبيعات" in a.items[0].approver_roles_ar
    assert "بتوقيت الرياض" in a.items[0].expires_ar


def test_revenue_estimate_counts_each_contact_once_at_its_furthest_stage(week: ProofPack) -> None:
    estimate = week.revenue_estimate
    lines = {line.stage: line for line in estimate.lines}
    assert set(lines) == {RWUType.payment_link_drafted, RWUType.meeting_drafted, RWUType.followup_created,
                          RWUType.draft_created}
    # c-3 (invoice 20,000) and an invoice without a contact (5,000); c-3's draft is not counted again.
    invoice = lines[RWUType.payment_link_drafted]
    assert (invoice.count, invoice.base_sar) == (2, 25000.0)
    collect = _ends("invoice_collection_rate")
    assert (invoice.low_sar, invoice.likely_sar, invoice.high_sar) == tuple(_r(25000 * c) for c in collect)
    # c-2 drafted and got a meeting: counted once, as a meeting.
    meet = lines[RWUType.meeting_drafted]
    expected_meeting = [_r(m * d) for m, d in zip(_ends("meeting_to_deal_rate"), _ends("avg_deal_value_sar"),
                                                   strict=True)]
    assert meet.count == 1 and [meet.low_sar, meet.likely_sar, meet.high_sar] == expected_meeting
    assert lines[RWUType.followup_created].count == 1                      # c-4
    draft = lines[RWUType.draft_created]
    assert draft.count == 1                                               # only c-1 stopped at a draft
    chain = [_ends(k) for k in ("reply_rate", "reply_to_meeting_rate", "meeting_to_deal_rate", "avg_deal_value_sar")]
    likely = 1.0
    for _, value, _ in chain:
        likely *= value
    assert draft.likely_sar == _r(likely)
    assert estimate.likely_sar == _r(sum(line.likely_sar for line in estimate.lines))
    assert estimate.low_sar <= estimate.likely_sar <= estimate.high_sar
    assert {a.key for a in estimate.assumptions} == set(ASSUMPTIONS)


def test_the_estimate_says_it_is_an_estimate_and_promises_nothing(week: ProofPack) -> None:
    from agents.guard import load_guard_rules

    estimate = week.revenue_estimate
    assert estimate.is_estimate is True and estimate.currency == "SAR"
    assert "تقديرية" in estimate.disclaimer_ar and "ليست وعداً" in estimate.disclaimer_ar
    assert "not a promise" in estimate.disclaimer_en
    for a in estimate.assumptions:
        assert a.source_ar and a.display_ar
    text = render_markdown(week)
    assert estimate.disclaimer_ar in text
    for pattern in load_guard_rules().guarantee_patterns:
        assert not re.search(pattern, text, re.IGNORECASE), pattern


def test_next_action_and_upgrade_path_follow_the_ledger(week: ProofPack) -> None:
    assert week.next_action.rule_id == "review_pending_approvals"
    assert "(2)" in week.next_action.title_ar
    assert week.awaiting_approval.items[0].expires_ar in week.next_action.detail_ar
    assert [s.rule_id for s in week.upgrade_path] == ["connect_gmail", "whatsapp_opt_in", "team_roles"]


def test_an_empty_period_recommends_importing_leads_and_estimates_nothing(rig: Rig) -> None:
    pack = _build(rig)
    assert pack.created == [] and pack.created_total == 0 and pack.protected.total == 0
    assert pack.revenue_estimate.lines == [] and pack.revenue_estimate.likely_sar == 0
    assert pack.revenue_estimate.assumptions  # still shown, so a reader sees what would be used
    assert pack.next_action.rule_id == "import_leads"
    assert "dealix targeting import" in (pack.next_action.command or "")


def test_building_a_pack_records_it_through_the_gateway(rig: Rig, week: ProofPack) -> None:
    assert week.audit_event is not None
    recorded = event(rig.settings, week.audit_event)
    assert (recorded["kind"], recorded["action"], recorded["actor"]) == ("decision", "proof.pack_build", "u-ceo")
    body = payload(recorded)
    assert body["thread_id"] == week.pack_id
    assert body["args"] == {"period_start": "2026-11-22", "period_end": "2026-11-22"}
    digest = body["tool_call_id"].split(":", 1)[1]
    assert digest == __import__("hashlib").sha256(
        week.model_copy(update={"audit_event": None}).model_dump_json().encode()).hexdigest()
    again = _build(rig)  # the first pack's own unit is now in the period
    assert {line.type: line.count for line in again.created}[RWUType.proof_generated] == 1


def test_an_unrecorded_pack_leaves_no_trace(rig: Rig) -> None:
    pack = ProofPackBuilder(rig.gateway, clock=rig.clock).build(TENANT, record=False)
    assert pack.audit_event is None
    assert rig.gateway.audit.events(tenant=TENANT) == []


def test_another_tenants_ledger_never_reaches_the_pack(rig: Rig, week: ProofPack) -> None:
    other = ProofPackBuilder(rig.gateway, clock=rig.clock).build(OTHER, Period(start=SUNDAY, end=SUNDAY))
    assert {line.type: line.count for line in other.created} == {
        RWUType.opportunity_created: 2, RWUType.target_ranked: 1, RWUType.draft_created: 1}
    assert other.awaiting_approval.count == 1 and other.protected.risks_blocked == 1
    assert {i.approval_id for i in other.awaiting_approval.items}.isdisjoint(
        {i.approval_id for i in week.awaiting_approval.items})


def test_a_tampered_audit_chain_shows_in_the_pack_and_becomes_the_next_action(rig: Rig) -> None:
    seed_week(rig)
    with rig.gateway.store.transaction() as conn:
        conn.execute("UPDATE audit_events SET actor = 'intruder' WHERE seq ="
                     " (SELECT MIN(seq) FROM audit_events WHERE action = 'linkedin.scrape')")
    pack = _build(rig, record=False)
    assert pack.audit.chain_ok is False and pack.audit.problem == "edited"
    assert pack.next_action.rule_id == "check_audit_chain"
    assert "غير سليم" in pack.audit.summary_ar


def test_the_period_is_whole_riyadh_days(rig: Rig) -> None:
    # 23:50 Saturday in Riyadh is Saturday; 00:10 Sunday in Riyadh is still Saturday in UTC.
    saturday_late = datetime(2026, 11, 21, 23, 50, tzinfo=RIYADH)
    sunday_early = datetime(2026, 11, 22, 0, 10, tzinfo=RIYADH)
    for moment, contact in ((saturday_late, "c-sat"), (sunday_early, "c-sun")):
        rig.clock.now = moment
        rig.invoke("saudi_copywriter", "gmail.draft", contact=contact, args=email_draft(f"{contact}@example.sa"))
    rig.clock.now = datetime(2026, 11, 22, 12, 0, tzinfo=RIYADH)

    sunday = _build(rig, Period(start=SUNDAY, end=SUNDAY), record=False)
    saturday = _build(rig, Period(start=SUNDAY - timedelta(days=1), end=SUNDAY - timedelta(days=1)), record=False)
    assert [line.count for line in sunday.created] == [1]
    assert [line.count for line in saturday.created] == [1]
    assert sunday.period.start_ar == "22 نوفمبر 2026 (12 جمادى الآخرة 1448 هـ)"


def test_default_period_is_the_last_seven_riyadh_days() -> None:
    # 22:30 UTC on Saturday is already Sunday in Riyadh.
    period = default_period(datetime(2026, 11, 21, 22, 30, tzinfo=RIYADH).astimezone(RIYADH).replace(hour=1))
    assert (period.start, period.end) == (date(2026, 11, 15), date(2026, 11, 21))
    utc_late = datetime.fromisoformat("2026-11-21T22:30:00+00:00")
    assert default_period(utc_late).end == SUNDAY
    assert period_from(None, SUNDAY, utc_late).start == SUNDAY - timedelta(days=6)


@pytest.mark.parametrize(("start", "end"), [(SUNDAY, SUNDAY - timedelta(days=1)),
                                            (SUNDAY - timedelta(days=500), SUNDAY)])
def test_unusable_periods_are_refused_in_arabic(start: date, end: date) -> None:
    with pytest.raises(PeriodInvalid) as caught:
        checked_period(start, end)
    assert re.search(r"[\u0621-\u064A]", caught.value.message_ar)


def test_hijri_dates_follow_umm_al_qura_and_stay_beside_gregorian() -> None:
    assert hijri_ar(SUNDAY) == "12 جمادى الآخرة 1448 هـ"
    assert hijri_ar(date(1800, 1, 1)) is None  # outside the calendar's table: Gregorian only
    assert moment_ar(datetime.fromisoformat("2026-11-22T07:00:00+00:00")).endswith("10:00 بتوقيت الرياض")


def test_assumptions_that_contradict_themselves_are_refused(tmp_path: Path) -> None:
    base = yaml.safe_load((Path(__file__).resolve().parents[2] / "skills/proof/data/assumptions.yaml").read_text())
    broken = [
        {**base, "assumptions": {**base["assumptions"], "reply_rate": {**base["assumptions"]["reply_rate"],
                                                                       "low": 0.5}}},
        {**base, "assumptions": {**base["assumptions"], "reply_rate": {**base["assumptions"]["reply_rate"],
                                                                       "high": 1.5}}},
        {**base, "stages": {**base["stages"], "draft_created": ["no_such_assumption"]}},
    ]
    for data in broken:
        with pytest.raises(ValidationError):
            Assumptions.model_validate(data)


def test_a_tenants_own_assumptions_change_the_estimate(rig: Rig, tmp_path: Path) -> None:
    seed_week(rig)
    base = yaml.safe_load((Path(__file__).resolve().parents[2] / "skills/proof/data/assumptions.yaml").read_text())
    deal = base["assumptions"]["avg_deal_value_sar"]
    base["assumptions"]["avg_deal_value_sar"] = {**deal, "low": 20000, "value": 30000, "high": 60000}
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(base, allow_unicode=True), encoding="utf-8")

    default = {line.stage: line for line in _build(rig, record=False).revenue_estimate.lines}
    mine = {line.stage: line for line in _build(rig, record=False, assumptions=load_assumptions(path))
            .revenue_estimate.lines}
    assert mine[RWUType.meeting_drafted].likely_sar == 2 * default[RWUType.meeting_drafted].likely_sar
    assert mine[RWUType.payment_link_drafted].likely_sar == default[RWUType.payment_link_drafted].likely_sar
