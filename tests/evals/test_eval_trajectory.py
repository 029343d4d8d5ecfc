"""Trajectory matching in its four modes, with wildcards and repeated steps."""

from __future__ import annotations

from evals.graders.trajectory import Step, match_trajectory

RANK = Step(skill="targeting_analyst", action="targeting.rank", mode="suggest_only")
EMAIL = Step(skill="saudi_copywriter", action="gmail.draft", mode="approval_required")
WA = Step(skill="saudi_copywriter", action="whatsapp.draft", mode="approval_required")
SEND = Step(skill="eval_operator", action="whatsapp.send", mode="blocked")


def test_strict_needs_the_same_steps_in_the_same_order():
    assert match_trajectory([RANK, EMAIL, WA], [RANK, EMAIL, WA], "strict").passed
    swapped = match_trajectory([RANK, EMAIL, WA], [RANK, WA, EMAIL], "strict")
    assert not swapped.passed and swapped.first_divergence == 1
    longer = match_trajectory([RANK, EMAIL], [RANK, EMAIL, SEND], "strict")
    assert not longer.passed and longer.unexpected == (SEND.label(),)


def test_unordered_accepts_any_order_but_not_a_different_multiset():
    assert match_trajectory([RANK, EMAIL, WA], [WA, RANK, EMAIL], "unordered").passed
    assert not match_trajectory([RANK, EMAIL, EMAIL], [RANK, EMAIL], "unordered").passed
    extra = match_trajectory([RANK, EMAIL], [RANK, EMAIL, SEND], "unordered")
    assert not extra.passed and extra.unexpected == (SEND.label(),)


def test_subset_allows_skipping_reference_steps_but_nothing_beyond_them():
    assert match_trajectory([RANK, EMAIL, WA, EMAIL], [RANK, EMAIL], "subset").passed
    beyond = match_trajectory([RANK, EMAIL], [RANK, EMAIL, EMAIL], "subset")
    assert not beyond.passed, "each actual step needs its own reference step"
    assert not match_trajectory([RANK, EMAIL], [RANK, SEND], "subset").passed


def test_superset_needs_every_reference_step_and_allows_more():
    assert match_trajectory([EMAIL], [RANK, EMAIL, SEND], "superset").passed
    missing = match_trajectory([EMAIL, WA], [RANK, EMAIL], "superset")
    assert not missing.passed and missing.missing == (WA.label(),)


def test_a_field_left_out_is_a_wildcard_and_matching_does_not_depend_on_order():
    any_draft = Step(skill="saudi_copywriter")
    # Greedy matching would give the wildcard the gmail step first and then fail on the specific one.
    assert match_trajectory([any_draft, EMAIL], [EMAIL, WA], "unordered").passed
    assert not match_trajectory([Step(mode="executed")], [EMAIL], "superset").passed
