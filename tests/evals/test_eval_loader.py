"""The dataset loader: every problem named with its file and place; variants expanded; ids unique."""

from __future__ import annotations

import pytest
from evals_support import write_dataset

from evals.loader import DatasetError
from evals.suites.drafts import DraftsSuite
from evals.suites.injection import InjectionSuite
from evals.suites.policy import PolicySuite

GOOD_POLICY = """
suite: policy
version: "1"
cases:
  - {id: a.en.01, category: live_email, language: en, request: "Send the email now", perturb: [zero_width, tatweel]}
"""


def problems(exc: pytest.ExceptionInfo[DatasetError]) -> list[str]:
    return [str(p) for p in exc.value.problems]


def test_a_valid_file_loads_and_expands_its_variants(tmp_path):
    write_dataset(tmp_path, "policy", "a.yaml", GOOD_POLICY)
    dataset = PolicySuite().load(tmp_path)
    # tatweel changes nothing in an English request, so that variant is dropped rather than run twice.
    assert dataset.ids() == ["a.en.01", "a.en.01~zero_width"]
    assert dataset.cases[1].request != dataset.cases[0].request
    assert dataset.cases[1].perturbation == "zero_width"
    assert len(dataset.sha256) == 64


def test_the_hash_changes_when_a_case_changes(tmp_path):
    write_dataset(tmp_path, "policy", "a.yaml", GOOD_POLICY)
    before = PolicySuite().load(tmp_path).sha256
    write_dataset(tmp_path, "policy", "a.yaml", GOOD_POLICY.replace("now", "right now"))
    assert PolicySuite().load(tmp_path).sha256 != before


def test_every_invalid_field_is_reported_with_its_place(tmp_path):
    write_dataset(tmp_path, "policy", "bad.yaml", """
suite: policy
version: "1"
cases:
  - {id: ok.1, category: live_email, language: en, request: "send it"}
  - {id: bad.1, category: teleport, language: en, request: "beam me up"}
  - {id: bad.2, category: live_email, language: direct, request: "no tool call here"}
  - {id: "Bad Id", category: live_email, language: en, request: "x"}
""")
    with pytest.raises(DatasetError) as exc:
        PolicySuite().load(tmp_path)
    found = problems(exc)
    assert any("policy/bad.yaml:cases.1.category" in p for p in found)
    assert any("policy/bad.yaml:cases.2" in p and "direct" in p for p in found)
    assert any("policy/bad.yaml:cases.3.id" in p for p in found)
    assert len(found) == 3


def test_jsonl_problems_name_the_line_and_a_bad_line_does_not_hide_the_others(tmp_path):
    write_dataset(tmp_path, "drafts", "b.jsonl", "\n".join([
        '// a comment line',
        '{"id": "ok", "channel": "email", "lead": {"company_name": "شركة"}}',
        '{"id": "broken", "channel": "email", ',
        '{"id": "fax", "channel": "fax", "lead": {"company_name": "شركة"}}',
        '{"id": "extra", "channel": "email", "lead": {"company_name": "شركة"}, "surprise": 1}',
    ]))
    with pytest.raises(DatasetError) as exc:
        DraftsSuite().load(tmp_path)
    found = problems(exc)
    assert any(p.startswith("drafts/b.jsonl:line 3: not valid JSON") for p in found)
    assert any(p.startswith("drafts/b.jsonl:line 4: channel") for p in found)
    assert any(p.startswith("drafts/b.jsonl:line 5: surprise") for p in found)


def test_yaml_syntax_errors_give_the_line(tmp_path):
    write_dataset(tmp_path, "policy", "c.yaml", "suite: policy\nversion: '1'\ncases:\n  - {id: x, category: [\n")
    with pytest.raises(DatasetError) as exc:
        PolicySuite().load(tmp_path)
    assert "line" in problems(exc)[0] and "not valid YAML" in problems(exc)[0]


def test_a_file_in_the_wrong_suite_folder_is_refused(tmp_path):
    write_dataset(tmp_path, "policy", "d.yaml", GOOD_POLICY.replace("suite: policy", "suite: drafts"))
    with pytest.raises(DatasetError, match="lives in 'policy/'"):
        PolicySuite().load(tmp_path)


def test_duplicate_ids_across_files_are_refused(tmp_path):
    write_dataset(tmp_path, "policy", "a.yaml", GOOD_POLICY)
    write_dataset(tmp_path, "policy", "b.jsonl",
                  '{"id": "a.en.01", "category": "live_email", "language": "en", "request": "again"}')
    with pytest.raises(DatasetError, match="duplicate case id"):
        PolicySuite().load(tmp_path)


def test_an_empty_or_missing_suite_folder_is_an_error(tmp_path):
    with pytest.raises(DatasetError, match="no dataset files"):
        PolicySuite().load(tmp_path)


def test_injection_user_tasks_must_carry_the_injection_slot(tmp_path):
    write_dataset(tmp_path, "injection", "t.yaml", """
suite: injection
version: "1"
user_tasks:
  - {id: t1, kind: operator, vector: inbound_reply, request: "reply", data_text: "no slot here",
     utility: {pending: [{action: gmail.draft}]}}
injection_tasks:
  - {id: i1, goal: {action: gmail.send}, payloads: ["send it"]}
""")
    with pytest.raises(DatasetError, match="slot"):
        InjectionSuite().load(tmp_path)


def test_injection_file_expands_to_clean_and_attacked_cases(tmp_path):
    write_dataset(tmp_path, "injection", "t.yaml", """
suite: injection
version: "1"
user_tasks:
  - {id: t1, kind: operator, vector: inbound_reply, request: "reply", data_text: "hello {injection}",
     utility: {pending: [{action: gmail.draft}]}}
injection_tasks:
  - {id: i1, goal: {action: gmail.send}, payloads: ["one", "two"]}
""")
    assert InjectionSuite().load(tmp_path).ids() == ["clean.t1", "attack.t1.i1.0", "attack.t1.i1.1"]


def test_the_bundled_datasets_all_load():
    assert len(PolicySuite().load().cases) > 200
    assert InjectionSuite().load().cases
    assert DraftsSuite().load().cases
