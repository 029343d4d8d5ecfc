"""One revenue loop: every path picks leads through the Targeting OS and answers approvals one way.

Each test names a failure measured on main at e281671 (issue 17) and fails there.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from runtime_support import TENANT
from typer.testing import CliRunner

from dealix.cli.runtime import approvals_app
from dealix.settings import Settings
from dealix.wiring import autopilot_context, build_gateway
from graphs.checkpoint import open_checkpointer
from graphs.growth import build_plan_context, plan_view, start_daily_plan
from graphs.inbox import decide_approval
from graphs.runtime import build_context, start_autopilot
from skills.growth.repository import GrowthRepository
from skills.growth.service import growth_db_path
from skills.targeting.factory import build_service
from tools.models import Caller, Role, ToolCall

HEADERS = "اسم الشركة,الاسم,المسمى الوظيفي,الجوال,البريد الإلكتروني,المدينة,المصدر,ملاحظات"
GOOD = "شركة النخبة,سارة القحطاني,المديرة التنفيذية,0501234567,sara@nokhba.example.sa,الرياض,crm,"
MIXED = [
    HEADERS,
    GOOD,
    "مؤسسة لينكد,Unknown,Head of Sales,0502223333,lead@scraped.example.sa,الرياض,LinkedIn scrape,",
    "متجر القائمة,خالد,المالك,0503334444,k@list.example.sa,جدة,purchased list,",
    '"=HYPERLINK(""http://evil.example"",""click"")",فهد,المدير العام,0504445555,fahad@formula.example.sa,الرياض,crm,',
    "مكتب الأفق,ريم الشهري,مديرة التسويق,0505556666,reem@ofuq.example.sa,جدة,inbound,طلبوا عرضاً تجريبياً",
]
MANAGER = Caller(user_id="u-manager", tenant=TENANT, role=Role.sales_manager)


def _write(path: Path, lines: list[str], encoding: str, *, sep: str = ",") -> Path:
    path.write_bytes(("\r\n".join(line.replace(",", sep) if sep != "," else line for line in lines) + "\r\n")
                     .encode(encoding))
    return path


def _recipients(result: Any) -> list[str]:
    return sorted(str(a.action_request.args["to"]) for a in result.pending)


def test_the_autopilot_reads_a_windows_1256_export_through_the_targeting_os(settings: Settings, tmp_path: Path
                                                                            ) -> None:
    leads = _write(tmp_path / "export.csv", MIXED, "cp1256")
    with open_checkpointer(settings) as checkpointer:
        result = start_autopilot(autopilot_context(settings, TENANT), checkpointer, leads, 10)

    assert result.imported is not None and result.imported.encoding == "cp1256"
    # The scraped prospect and the purchased list get nothing; the lead named by a formula is kept as inert
    # data in the lead list but gets no draft, so the formula reaches no subject.
    assert _recipients(result) == ["reem@ofuq.example.sa", "sara@nokhba.example.sa"]
    assert result.imported.rejected == 0
    for approval in result.pending:
        args = approval.action_request.args
        assert "Unknown" not in args["body"] and "=HYPERLINK" not in f"{args.get('subject')} {args['body']}"


def test_the_autopilot_reads_a_utf16_export_with_tabs(settings: Settings, tmp_path: Path) -> None:
    leads = _write(tmp_path / "export.txt", [HEADERS, GOOD], "utf-16", sep="\t")
    with open_checkpointer(settings) as checkpointer:
        result = start_autopilot(autopilot_context(settings, TENANT), checkpointer, leads, 5)
    assert result.imported is not None and result.imported.rows_read == 1
    assert _recipients(result) == ["sara@nokhba.example.sa"]


def test_the_autopilot_and_the_daily_plan_choose_the_same_leads_from_one_file(settings: Settings, tmp_path: Path
                                                                              ) -> None:
    from skills.targeting.factory import SAMPLE_FILE

    targeting = build_service(settings, tenant=TENANT)
    targeting.import_file(SAMPLE_FILE)
    growth = GrowthRepository(growth_db_path(settings))
    with open_checkpointer(settings) as checkpointer:
        autopilot = start_autopilot(autopilot_context(settings, TENANT, targeting=targeting), checkpointer, None, 10)
        plan_ctx = build_plan_context(settings, TENANT, gateway=build_gateway(settings), targeting=targeting,
                                      growth=growth)
        plan = start_daily_plan(plan_ctx, checkpointer)
        from graphs.autopilot import build_autopilot_graph

        config = {"configurable": {"thread_id": autopilot.thread_id}}
        chosen_by_autopilot = [t.lead_id for t in build_autopilot_graph(checkpointer).get_state(config).values[
            "targets"]]
    chosen_by_plan = [s.lead_id for s in plan.steps if s.draft_channel is not None]
    assert chosen_by_autopilot == chosen_by_plan and len(chosen_by_plan) >= 3
    growth.close()


def test_approvals_decide_answers_a_daily_plan_approval(settings: Settings, monkeypatch: Any) -> None:
    """Before: the CLI resumed a plan's approval with the autopilot's graph and could not read PlanStep."""
    from skills.targeting.factory import SAMPLE_FILE

    monkeypatch.setenv("DEALIX_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("DEALIX_SECRET_KEY", "k" * 32)
    from dealix.settings import get_settings

    get_settings.cache_clear()
    targeting = build_service(settings, tenant=TENANT)
    targeting.import_file(SAMPLE_FILE)
    growth = GrowthRepository(growth_db_path(settings))
    with open_checkpointer(settings) as checkpointer:
        plan_ctx = build_plan_context(settings, TENANT, gateway=build_gateway(settings), targeting=targeting,
                                      growth=growth)
        view = start_daily_plan(plan_ctx, checkpointer)
    first = view.pending[0]
    result = CliRunner().invoke(approvals_app, ["decide", first.approval_id, "approve", "--as", "sales_manager",
                                                "--tenant", TENANT, "--json"])
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["outcome"] == "executed"
    with open_checkpointer(settings) as checkpointer:
        after = plan_view(plan_ctx, checkpointer, view.thread_id)
    assert [o.status for o in after.outcomes if o.lead_id == first.contact_id] == ["executed"]
    growth.close()


def test_an_approval_outside_any_graph_thread_is_decided_not_a_traceback(settings: Settings) -> None:
    """Before: an approval whose thread id was not tenant-namespaced crashed `approvals decide`."""
    gateway = build_gateway(settings)
    requested = gateway.invoke(ToolCall(tenant=TENANT, skill="execution_governor", action="calendar.insert",
                                        args={"title": "اجتماع", "start": "2026-12-13T10:00:00+03:00"},
                                        thread_id="studio-run-7", tool_call_id="c1"))
    assert requested.approval is not None
    with open_checkpointer(settings) as checkpointer:
        answer = decide_approval(settings=settings, gateway=gateway, checkpointer=checkpointer, caller=MANAGER,
                                 approval_id=requested.approval.approval_id, verdict="reject", reason="ليس الآن")
    assert answer.outcome == "rejected" and answer.status == "rejected"


def test_a_dozen_approvals_answered_at_once_each_run_once_and_the_thread_agrees_with_the_ledger(
        settings: Settings, tmp_path: Path) -> None:
    """Before: after concurrent approvals the plan said not_executed for drafts the ledger had done."""
    rows = [HEADERS] + [
        f"شركة رقم {i},عميل {i},مدير المبيعات,05{55000000 + i * 7919:08d},c{i}@co{i}.example.sa,الرياض,crm,"
        for i in range(12)]
    leads = _write(tmp_path / "leads.csv", rows, "utf-8")
    with open_checkpointer(settings) as checkpointer:
        started = start_autopilot(autopilot_context(settings, TENANT), checkpointer, leads, 12)
    assert len(started.pending) >= 8
    gateway = build_gateway(settings)
    errors: list[BaseException] = []

    def approve(approval_id: str) -> None:
        try:
            with open_checkpointer(settings) as checkpointer:
                decide_approval(settings=settings, gateway=gateway, checkpointer=checkpointer, caller=MANAGER,
                                approval_id=approval_id, verdict="approve")
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    workers = [threading.Thread(target=approve, args=(a.approval_id,)) for a in started.pending]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    with gateway.store.read() as conn:
        done = conn.execute("SELECT COUNT(*) FROM side_effects WHERE status = 'done'").fetchone()[0]
    assert done == len(started.pending) == len(list(settings.outbox_dir.glob("*.eml")))
    with open_checkpointer(settings) as checkpointer:
        from graphs.autopilot import build_autopilot_graph

        values = build_autopilot_graph(checkpointer).get_state(
            {"configurable": {"thread_id": started.thread_id}}).values
    assert sorted(o.status for o in values["outcomes"].values()) == ["executed"] * len(started.pending)


def test_an_autopilot_run_does_not_leave_its_review_first_overlay_on_the_shared_gateway(settings: Settings) -> None:
    """Before: build_context set the review-first overlay on the gateway it was handed, so every later
    caller of that shared gateway (the chat, the API) met the autopilot's modes for the tenant."""
    gateway = build_gateway(settings)
    call = ToolCall(tenant=TENANT, skill="execution_governor", action="calendar.draft",
                    args={"title": "اجتماع تعريفي", "start": "2026-12-13T10:00:00+03:00"},
                    thread_id=f"{TENANT}:t-1", tool_call_id="c1")
    before = gateway.dry_run(call).decision.mode
    ctx = build_context(settings, TENANT, gateway=gateway)
    assert ctx.gateway.dry_run(call).decision.mode == "approval_required"  # the run's own view is review-first
    assert gateway.dry_run(call).decision.mode == before != "approval_required"
    assert ctx.gateway.store is gateway.store  # one store, one audit chain


def test_a_second_run_on_the_same_day_passes_over_the_person_written_to_and_picks_the_next(
        settings: Settings, tmp_path: Path) -> None:
    """Before: the selection picked the person drafted to an hour earlier again, and the gateway could only
    refuse them (touched_today): a second «top 1» run that day drafted nothing."""
    leads = _write(tmp_path / "leads.csv", [HEADERS, GOOD, MIXED[-1]], "utf-8")
    reached: list[str] = []
    with open_checkpointer(settings) as checkpointer:
        for _ in range(2):
            started = start_autopilot(autopilot_context(settings, TENANT), checkpointer, leads, 1)
            assert len(started.pending) == 1, started.outcomes
            reached += _recipients(started)
            answer = decide_approval(settings=settings, gateway=build_gateway(settings), checkpointer=checkpointer,
                                     caller=MANAGER, approval_id=started.pending[0].approval_id, verdict="approve")
            assert answer.outcome == "executed"
        third = start_autopilot(autopilot_context(settings, TENANT), checkpointer, None, 1)
    assert sorted(reached) == ["reem@ofuq.example.sa", "sara@nokhba.example.sa"]
    assert third.pending == []  # both written to today: nobody is drafted twice, nothing is refused either
    assert not [o for o in third.outcomes if o.reason_code == "touched_today"]


def test_the_autopilots_drafts_open_with_the_why_now_the_targeting_os_read(settings: Settings, tmp_path: Path
                                                                           ) -> None:
    """Before: the autopilot built the copywriter's brief without the lead's signals, so every draft was the
    general introduction (the drafts eval, which builds briefs itself, still scored 1.0). A tender in the
    notes, a form the lead filled in and a referral now each open their own draft; the notes' words are
    never quoted into it."""
    tender_note = "أعلنوا عن مناقصة لتوريد أنظمة إدارة علاقات العملاء"
    rows = [HEADERS,
            "مجموعة البناء الحديث,خالد الدوسري,مدير المشتريات,0504567890,khaled@binaa.example.sa,الرياض,crm,"
            + tender_note,
            "شركة النخبة,سارة القحطاني,المديرة التنفيذية,0501234567,sara@nokhba.example.sa,الرياض,website form,",
            "مؤسسة الرواد,فهد العتيبي,المدير العام,0507778888,fahad@rowad.example.sa,جدة,crm,"]
    leads = _write(tmp_path / "leads.csv", rows, "cp1256")
    with open_checkpointer(settings) as checkpointer:
        result = start_autopilot(autopilot_context(settings, TENANT), checkpointer, leads, 5)
    drafts = {str(a.action_request.args["to"]): a.action_request.args for a in result.pending}
    assert "مناقصة" in drafts["khaled@binaa.example.sa"]["subject"] or "المنافسة" in drafts[
        "khaled@binaa.example.sa"]["subject"]
    assert "طلب" in drafts["sara@nokhba.example.sa"]["subject"]  # she asked: the reply to her request
    general = drafts["fahad@rowad.example.sa"]
    assert general["subject"] not in (drafts["khaled@binaa.example.sa"]["subject"],
                                      drafts["sara@nokhba.example.sa"]["subject"])
    assert all(tender_note not in str(d["body"]) for d in drafts.values())
