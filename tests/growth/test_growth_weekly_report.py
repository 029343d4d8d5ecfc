"""The weekly learning report picks from seeded data (where a naive pick would be wrong) and renders safely."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from growth_support import MONDAY_10, OTHER, TENANT, WEEK_START, Seeder, outcome

from skills.growth.catalog import load_growth_catalog
from skills.growth.models import ExperimentCreate, OutcomeRecord, Recommendation, ResultRecord, Variant, WeeklyReport
from skills.growth.render import md_escape, render_html, render_markdown
from skills.growth.repository import GrowthRepository
from skills.growth.service import GrowthService
from tools.gateway import Gateway

WEEK = date(2026, 11, 18)


def _seeded_week() -> list[OutcomeRecord]:
    records: list[OutcomeRecord] = []

    def lead(name: str, segment: str, channel: str, message: str, *events: str) -> None:
        records.extend(outcome(name, e, segment=segment, channel=channel, message=message) for e in events)

    for i in range(1, 6):  # technology by email: 2 of 5 answered (40%)
        lead(f"t{i}", "technology", "email", "outreach.email.ar", "drafted", "approved",
             *(["replied"] if i <= 2 else []))
    for i in range(1, 5):  # construction by email: 3 of 4 answered (75%) — the best segment
        lead(f"c{i}", "construction", "email", "outreach.email.ar", "drafted", "approved",
             *(["meeting_booked"] if i == 3 else ["replied"] if i <= 2 else []))
    for i in range(1, 3):  # healthcare: 2 of 2 (100%) but too few leads to rank
        lead(f"h{i}", "healthcare", "email", "outreach.email.ar", "approved", "replied")
    for i in range(1, 6):  # trading by WhatsApp: nobody answered (0 of 5) — the channel to stop
        lead(f"w{i}", "trading", "whatsapp", "outreach.whatsapp.ar", "drafted", "approved",
             *(["no_reply"] if i <= 3 else []))
    objections = [("c1", "price"), ("c2", "price"), ("h1", "trust"), ("h2", "trust"), ("t1", "timing")]
    records += [outcome(name, "objection", objection=kind) for name, kind in objections]
    return records


def _service(repo: GrowthRepository, gateway: Gateway, tenant: str = TENANT) -> GrowthService:
    return GrowthService(repo, gateway, tenant=tenant, clock=lambda: MONDAY_10)


def test_the_report_picks_best_and_worst_from_the_data(growth: GrowthService) -> None:
    growth.record_outcomes(_seeded_week())
    report = growth.weekly_report(WEEK)

    assert report.week_start == date(2026, 11, 15) and report.week_end == date(2026, 11, 21)
    assert report.best_segment is not None and report.best_segment.key == "construction"  # not healthcare (n=2)
    assert (report.best_segment.n, report.best_segment.positives) == (4, 3)
    assert report.best_segment.metric == "reply"
    assert report.best_channel is not None and report.best_channel.key == "email"
    assert (report.best_channel.n, report.best_channel.positives) == (11, 7)
    assert report.worst_channel is not None and report.worst_channel.key == "whatsapp"
    assert report.worst_channel.positives == 0 and report.worst_channel.n == 5
    assert report.best_message is not None and report.best_message.key == "outreach.email.ar"
    assert "البناء" in report.best_segment.label_ar or "مقاولات" in report.best_segment.label_ar


def test_objections_come_from_outcomes_and_from_negotiation_records_in_the_ledger(growth: GrowthService,
                                                                                 gateway: Gateway) -> None:
    growth.record_outcomes(_seeded_week())
    # what the negotiation coach records for each reply it builds (skills/negotiation/coach.py)
    for deal in ("deal_1", "deal_2"):
        Seeder(gateway).decision("deal.risk_flag", skill="negotiation_coach",
                                 args={"deal_id": deal, "objection": "trust", "confidence": 0.9,
                                       "reply_status": "ready", "refused": [], "plan_steps": 3})
    Seeder(gateway).decision("deal.risk_flag", mode="blocked", skill="negotiation_coach",
                             args={"objection": "trust"})  # a refused record is not an objection heard
    Seeder(gateway).decision("gmail.draft", mode="draft_only", skill="saudi_copywriter",
                             args={"objection": "timing"})  # not a negotiation record: ignored
    report = growth.weekly_report(WEEK)
    assert [(o.objection, o.count) for o in report.top_objections] == [("trust", 4), ("price", 2), ("timing", 1)]
    assert report.top_objections[0].label_ar == load_growth_catalog().messages.objections["trust"]
    assert report.service_improvement.kind == "objection:trust"


def test_recommendations_follow_the_rules_and_cite_the_figures(growth: GrowthService) -> None:
    growth.record_outcomes(_seeded_week())
    growth.experiments.create(ExperimentCreate(
        experiment_id="subject_len", name_ar="طول سطر الموضوع", kind="message", metric="reply",
        variants=(Variant(variant_id="a", label_ar="الحالي"), Variant(variant_id="b", label_ar="أقصر"))))
    growth.experiments.record("subject_len", [ResultRecord(contact_id=f"ld_{i}", success=i % 2 == 0)
                                              for i in range(12)])
    report = growth.weekly_report(WEEK)
    improvements = load_growth_catalog().messages.improvements
    assert report.service_improvement.text_ar == improvements.objection["price"].ar  # price: 2, first by name
    assert report.next_experiment.kind == "continue:subject_len"
    assert "طول سطر الموضوع" in report.next_experiment.text_ar and "30" in report.next_experiment.text_ar
    assert report.stop is not None and report.stop.kind == "channel:whatsapp"
    assert "واتساب" in report.stop.text_ar and "0" in report.stop.text_ar and "5" in report.stop.text_ar


def test_without_experiments_the_next_one_tests_the_best_channel_against_the_worst(growth: GrowthService) -> None:
    growth.record_outcomes(_seeded_week())
    report = growth.weekly_report(WEEK)
    assert report.next_experiment.kind == "channel"
    assert "البريد الإلكتروني" in report.next_experiment.text_ar and "واتساب" in report.next_experiment.text_ar


def test_a_week_without_answers_ranks_by_approvals_and_flags_a_rejected_message(growth: GrowthService) -> None:
    records = []
    for message, decisions in (("msg_a", ("approved", "approved", "approved", "edited")),
                               ("msg_b", ("approved", "rejected", "rejected"))):
        for i, decision in enumerate(decisions):
            records += [outcome(f"{message}_{i}", e, segment="retail", channel="email", message=message)
                        for e in ("drafted", decision)]
    growth.record_outcomes(records)
    report = growth.weekly_report(WEEK)
    assert report.best_message is not None and report.best_message.key == "msg_a"
    assert report.best_message.metric == "approval" and report.best_message.positives == 3
    assert report.worst_channel is None  # one channel: nothing to compare
    assert report.service_improvement.kind == "message_edits" and "msg_b" in report.service_improvement.text_ar
    assert report.stop is not None and report.stop.kind == "message:msg_b"


def test_outcomes_of_other_weeks_and_other_tenants_are_left_out(growth: GrowthService,
                                                                growth_repo: GrowthRepository,
                                                                gateway: Gateway) -> None:
    growth.record_outcomes(_seeded_week())
    before = WEEK_START - timedelta(minutes=1)
    growth.record_outcomes([outcome(f"old{i}", e, segment="trading", channel="whatsapp", at=before)
                            for i in range(5) for e in ("approved", "replied")])
    _service(growth_repo, gateway, OTHER).record_outcomes(
        [outcome(f"x{i}", e, segment="trading", channel="whatsapp") for i in range(9) for e in ("approved", "replied")])
    report = growth.weekly_report(WEEK)
    assert report.worst_channel is not None and report.worst_channel.key == "whatsapp"
    assert report.worst_channel.positives == 0
    assert report.outcomes_counted == len(_seeded_week())


def test_a_repeated_outcome_is_stored_once(growth: GrowthService) -> None:
    records = _seeded_week()
    assert growth.record_outcomes(records) == len(records)
    assert growth.record_outcomes(records) == 0


def test_an_empty_week_says_so_instead_of_guessing(growth: GrowthService) -> None:
    report = growth.weekly_report(WEEK)
    assert report.best_segment is None and report.best_channel is None and report.worst_channel is None
    assert report.top_objections == () and report.stop is None
    assert report.service_improvement.kind == "default" and report.next_experiment.kind == "default"
    assert all(s.value is None for s in report.scores.scores)
    markdown = render_markdown(report)
    assert "لا توجد بيانات كافية" in markdown and "لا توجد بيانات" in markdown


def _hostile(report: WeeklyReport) -> WeeklyReport:
    evil = "<script>alert('x')</script> & <img src=x onerror=alert(1)> | **bold** [link](http://e.x)"
    return report.model_copy(update={"next_experiment": Recommendation(kind="x", text_ar=evil, text_en=evil)})


def test_html_is_rtl_arabic_and_escapes_everything(growth: GrowthService) -> None:
    growth.record_outcomes(_seeded_week())
    html = render_html(_hostile(growth.weekly_report(WEEK)))
    assert '<html dir="rtl" lang="ar">' in html
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;" in html and "&amp;" in html
    for name in ("الاستقطاب", "التنفيذ", "الإثبات", "الأمان", "الإيراد", "نجاح العملاء", "الشركاء", "التعلّم"):
        assert name in html
    assert html.index("تقرير التعلّم الأسبوعي") < html.index("Weekly learning report")  # Arabic first


def test_markdown_escapes_markup_and_keeps_the_table_intact(growth: GrowthService) -> None:
    growth.record_outcomes(_seeded_week())
    markdown = render_markdown(_hostile(growth.weekly_report(WEEK)))
    assert "<script>" not in markdown and "\\<script\\>" in markdown and "\\*\\*bold\\*\\*" in markdown
    table = [line for line in markdown.splitlines() if line.startswith("| ")]
    assert len(table) == 2 + 8 and all(line.count(" | ") - line.count("\\|") == 3 for line in table)
    assert md_escape("a|b") == "a\\|b"


def test_the_report_states_the_week_in_gregorian_and_hijri(growth: GrowthService) -> None:
    report = growth.weekly_report(WEEK)
    assert "2026-11-15" in report.week_label_ar and "هـ" in report.week_label_ar
    assert report.generated_at == MONDAY_10 and isinstance(report.generated_at, datetime)
