"""Slot templates: a lead's facts out of an approved text, another lead's facts in."""

from __future__ import annotations

from tools.memory.slots import fill, slots_in, to_template, without_slots

VALUES = {"company_name": "شركة الرمال", "city": "الرياض", "sector": "عقار", "sender_company": "Dealix",
          "sender_signature": "فريق Dealix", "greeting_name": ""}


def test_whole_words_and_a_proclitic_become_slots() -> None:
    text = "نخدم شركة الرمال بالرياض وفي الرياض. مع التحية، فريق Dealix"
    assert to_template(text, VALUES) == "نخدم ⟦company_name⟧ ب⟦city⟧ وفي ⟦city⟧. مع التحية، ⟦sender_signature⟧"


def test_a_value_inside_a_longer_word_is_left_alone() -> None:
    assert to_template("قطاع العقار والعقارات", VALUES) == "قطاع العقار والعقارات"
    assert to_template("DealixPro", VALUES) == "DealixPro"


def test_fill_puts_the_new_facts_in_and_refuses_a_missing_one() -> None:
    template = "مرحباً ⟦greeting_name⟧ من ⟦company_name⟧"
    assert fill(template, {"greeting_name": "نورة", "company_name": "دار الأفق"}) == "مرحباً نورة من دار الأفق"
    assert fill(template, {"greeting_name": "", "company_name": "دار الأفق"}) is None
    assert fill(template, {"company_name": "دار الأفق"}) is None
    assert slots_in(template) == {"greeting_name", "company_name"}


def test_fill_is_plain_replacement() -> None:
    assert fill("{{ 7*7 }} ⟦city⟧", {"city": "{% raw %}"}) == "{{ 7*7 }} {% raw %}"


def test_without_slots_keeps_only_the_words() -> None:
    assert without_slots("مرحباً ⟦greeting_name⟧،  نحن   هنا") == "مرحباً ، نحن هنا"
