"""Triage of the commonest Arabic tickets (issue 22): encoding complaints, outages and dialect billing."""

from __future__ import annotations

from skills.support.catalog import load_catalog
from skills.support.classify import classify


def test_an_excel_file_showing_symbols_instead_of_arabic_names_is_a_data_encoding_ticket() -> None:
    result = classify("ملف الإكسل طلع رموز غريبة بدل الأسماء العربية")
    assert result.category == "data_encoding"
    assert classify("The exported file shows garbled characters instead of the Arabic names.").category == \
        "data_encoding"


def test_a_system_down_since_morning_marked_urgent_is_urgent() -> None:
    result = classify("النظام واقف من الصبح… عاجل")
    assert (result.category, result.priority) == ("technical", "urgent")


def test_an_outage_without_an_urgency_word_is_still_high() -> None:
    assert classify("النظام طايح عندنا كلنا من ساعتين").priority == "high"


def test_dialect_billing_complaints_are_billing() -> None:
    for body in ("ليش سحبتوا من حسابي مبلغ زيادة هالشهر؟", "انسحب الاشتراك من البطاقة دبل، رجعوا لي الفلوس"):
        assert classify(body).category == "billing", body


def test_the_encoding_reply_says_what_to_do_in_arabic() -> None:
    reply = load_catalog().messages.replies["data_encoding"]
    assert "UTF-8" in reply.next_ar and "ترميز" in reply.ar
