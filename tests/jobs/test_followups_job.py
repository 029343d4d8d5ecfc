"""The follow-ups job: each due follow-up becomes one draft waiting for approval (never sent), however many
workers run the job at once; what is not due, or no longer needed, is left alone."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from api.keys import key_store_for
from dealix.jobs.history import JobHistory
from dealix.jobs.runner import JobEnvironment
from dealix.jobs.tasks import followups
from dealix.settings import Settings
from graphs.overlay import autopilot_overlay
from skills.growth.followup_drafts import draft_due_followups
from skills.growth.models import FollowupSuggestion
from skills.growth.repository import GrowthRepository
from skills.growth.service import growth_db_path
from skills.targeting.factory import build_service, targeting_db_path
from skills.targeting.repository import TargetingRepository
from tools.models import Role

TENANT = "acme"
NOW = datetime(2026, 12, 8, 7, 30, tzinfo=UTC)  # Tuesday 10:30 Riyadh
PLAN = f"{TENANT}:daily_plan-0001"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    settings = Settings(data_dir=tmp_path / "data", secret_key="k" * 32)
    key_store_for(settings).create(user_id="ceo@acme", tenant=TENANT, role=Role.ceo, now=NOW)  # acme is a tenant
    rows = ["اسم الشركة,الاسم,المسمى الوظيفي,الجوال,البريد الإلكتروني,المدينة,المصدر,ملاحظات"]
    rows += [f"شركة رقم {n} للتقنية,عميل {n},مدير المبيعات,05500020{n:02d},c{n}@client{n}.example.sa,الرياض,"
             "crm_export," for n in range(10)]
    leads = tmp_path / "leads.csv"
    leads.write_text("\n".join(rows) + "\n", encoding="utf-8")
    build_service(settings, tenant=TENANT, clock=lambda: NOW - timedelta(days=3)).import_file(leads)
    return settings


def _leads(settings: Settings) -> list[str]:
    repository = TargetingRepository(targeting_db_path(settings))
    try:
        return [lead.lead_id for lead in repository.leads(TENANT)]
    finally:
        repository.close()


def _plan(settings: Settings, lead_ids: list[str], *, due_at: datetime, channel: str = "email") -> None:
    growth = GrowthRepository(growth_db_path(settings))
    try:
        for lead_id in lead_ids:
            growth.add_followup(TENANT, PLAN, FollowupSuggestion(
                lead_id=lead_id, company_name="شركة", channel=channel, step=1, status="scheduled",
                due_at=due_at, due_hijri="17/06/1448", unanswered=1, reason_ar="متابعة", reason_en="follow up"))
    finally:
        growth.close()


def _env(settings: Settings, name: str) -> JobEnvironment:
    return JobEnvironment(settings=settings, history=JobHistory(settings.data_dir / "jobs.db"), identity=name,
                          clock=lambda: NOW)


def test_each_due_followup_becomes_one_pending_draft_approval_and_nothing_is_sent(settings: Settings) -> None:
    leads = _leads(settings)
    _plan(settings, leads[:3], due_at=NOW - timedelta(minutes=30))
    _plan(settings, leads[3:5], due_at=NOW + timedelta(days=1))  # not due yet
    env = _env(settings, "w1")
    summary = followups(env)
    assert summary["due"] == 3 and summary["drafted"] == 3
    pending = env.gateway().pending_approvals(TENANT)
    assert sorted(a.contact_id or "" for a in pending) == sorted(leads[:3])
    for approval in pending:
        assert approval.action_request.action == "gmail.draft"
        assert "أتابع معكم رسالتنا السابقة" in approval.action_request.args["body"]
        assert approval.action_request.args["subject"] == "متابعة لرسالتنا السابقة"
    with env.gateway().store.read() as conn:
        assert conn.execute("SELECT COUNT(*) FROM side_effects").fetchone()[0] == 0  # nothing executed
    assert followups(_env(settings, "w2"))["due"] == 0  # drafted once: a later pass finds nothing due


def test_two_workers_at_once_draft_each_followup_once(settings: Settings) -> None:
    leads = _leads(settings)
    _plan(settings, leads[:8], due_at=NOW - timedelta(minutes=5))
    results: list[dict[str, object]] = []
    start = threading.Barrier(2)

    def work(name: str) -> None:
        env = _env(settings, name)
        start.wait()
        results.append(followups(env))

    threads = [threading.Thread(target=work, args=(name,)) for name in ("w1", "w2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert sum(int(str(r["drafted"])) for r in results) == 8
    env = _env(settings, "check")
    approvals = env.gateway().pending_approvals(TENANT)
    assert len(approvals) == 8 and len({a.contact_id for a in approvals}) == 8


def test_a_worker_that_died_after_claiming_is_taken_over_after_the_lease_and_asks_the_same_approval(
        settings: Settings) -> None:
    [lead] = _leads(settings)[:1]
    _plan(settings, [lead], due_at=NOW - timedelta(minutes=5))
    growth = GrowthRepository(growth_db_path(settings))
    targeting = TargetingRepository(targeting_db_path(settings))
    env = _env(settings, "w1")
    try:
        assert growth.claim_followup(TENANT, PLAN, lead, NOW, lease=timedelta(minutes=15))  # then it died
        assert followups(env)["due"] == 0  # held by a worker that may still be alive
        later = NOW + timedelta(minutes=16)
        reviewed = env.gateway().with_overlay(autopilot_overlay(TENANT))  # as the job runs it: drafts wait
        run = draft_due_followups(TENANT, growth=growth, targeting=targeting, gateway=reviewed,
                                  sender=_sender(), now=later)
        assert run.drafted == 1
        again = draft_due_followups(TENANT, growth=growth, targeting=targeting, gateway=reviewed,
                                    sender=_sender(), now=later + timedelta(hours=1))
        assert again.due == 0
        assert [d["status"] for d in growth.followup_drafts(TENANT)] == ["drafted"]
    finally:
        growth.close()
        targeting.close()


def test_a_lead_that_replied_is_not_followed_up(settings: Settings) -> None:
    leads = _leads(settings)[:2]
    _plan(settings, leads, due_at=NOW - timedelta(minutes=5))
    targeting = TargetingRepository(targeting_db_path(settings))
    try:
        targeting.record_touch(TENANT, leads[0], "email", NOW - timedelta(days=2))
        targeting.record_touch(TENANT, leads[0], "email", NOW - timedelta(days=1), replied=True)
    finally:
        targeting.close()
    env = _env(settings, "w1")
    summary = followups(env)
    assert summary["drafted"] == 1 and summary["skipped"] == {"replied": 1}
    assert [a.contact_id for a in env.gateway().pending_approvals(TENANT)] == [leads[1]]


def _sender():  # type: ignore[no-untyped-def]
    from agents.brief import default_sender_profile

    return default_sender_profile()
