"""Slot templates: a lead's facts out of an approved text, another lead's facts in."""

from __future__ import annotations

from tools.memory.slots import fill, leftovers, slots_in, to_template, without_slots

VALUES = {"company_name": "شركة الرمال", "city": "الرياض", "sector": "عقار", "sender_company": "Dealix",
          "sender_signature": "فريق Dealix", "greeting_name": ""}


def test_whole_words_and_a_proclitic_become_slots() -> None:
    text = "نخدم شركة الرمال بالرياض وفي الرياض. مع التحية، فريق Dealix"
    assert to_template(text, VALUES) == "نخدم ⟦company_name⟧ ب⟦city⟧ وفي ⟦city⟧. مع التحية، ⟦sender_signature⟧"


def test_a_value_inside_a_longer_word_is_left_alone() -> None:
    assert to_template("قطاع العقارات", VALUES) == "قطاع العقارات"
    assert to_template("DealixPro", VALUES) == "DealixPro"


def test_the_article_stays_outside_the_slot_and_is_not_doubled_on_fill() -> None:
    template = to_template("قطاع العقار", VALUES)
    assert template == "قطاع ال⟦sector⟧"
    assert fill(template, {"sector": "العقارات"}) == "قطاع العقارات"
    assert fill(template, {"sector": "تقنية"}) == "قطاع التقنية"


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


LATIN = {"company_name": "Test Tech Co", "city": "الرياض", "contact_name": "Sara Al-Harbi"}


def test_a_company_after_lam_with_tatweel_becomes_a_slot() -> None:
    # The leak of issue 22: «لـ» was not a known prefix, so the name stayed in the learned subject.
    assert to_template("فكرة قصيرة لـTest Tech Co", LATIN) == "فكرة قصيرة لـ⟦company_name⟧"
    assert to_template("فكرة قصيرة لـ⁨Test Tech Co⁩", LATIN) == "فكرة قصيرة لـ⟦company_name⟧"
    assert to_template("فكرة لـشركة الرمال", {"company_name": "شركة الرمال"}) == "فكرة لـ⟦company_name⟧"


def test_spelling_variants_of_a_value_become_slots() -> None:
    text = "Dear sara al harbi, test-tech co. وللرياض ولشركه الرمال"
    values = {**LATIN, "company_ar": "شركة الرمال"}
    assert to_template(text, values) == "Dear ⟦contact_name⟧, ⟦company_name⟧. ول⟦city⟧ ول⟦company_ar⟧"


def test_fill_never_glues_a_proclitic_to_a_latin_name_and_writes_lam_alif_lam() -> None:
    assert fill("فكرة لـ⟦company_name⟧", {"company_name": "⁨Al Noor⁩"}) == "فكرة لشركة ⁨Al Noor⁩"
    assert fill("مرحباً ب⟦contact_name⟧", {"contact_name": "Sara"}) == "مرحباً في Sara"
    assert fill("نعمل ل⟦city⟧", {"city": "الرياض"}) == "نعمل للرياض"


def test_leftovers_names_the_distinctive_words_no_slot_caught() -> None:
    template = to_template("شكراً لفريق Test Tech على وقتكم في الرياض", LATIN)
    assert leftovers(template, ["Test Tech Co", "Sara Al-Harbi", "الرياض"]) == ["test", "tech"]
    assert leftovers("شركة ⟦company_name⟧ مع التحية", ["شركة الرمال", "+966501234567"]) == []
    assert leftovers("اتصلوا على 050 123 4567", ["+966501234567"]) == ["+966501234567"]
