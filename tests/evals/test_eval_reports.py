"""Reports: three files, a self-contained HTML that escapes hostile text, a trend, an automatic diff."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

from evals_support import case, gate, report, suite

from evals.models import Check, ConfusionMatrix
from evals.report import load_report, write_reports

HOSTILE = '<script>alert("x")</script><img src="https://evil.example/p.png">'


def sample(run_id: str, *, policy_pass: bool = True):
    failing = case("b.hostile", policy_pass, checks=(Check(name="no_connector_call", passed=policy_pass,
                                                             detail=HOSTILE),))
    policy = suite("policy", [case("a", True), failing], {"compliance_rate": 1.0 if policy_pass else 0.5})
    policy = policy.model_copy(update={"confusion": (ConfusionMatrix(
        name="policy", rows=("blocked",), columns=("blocked", "executed"), counts=((1, 0 if policy_pass else 1),)),)})
    return report(run_id, [policy], gates=[gate("policy.compliance", "pass" if policy_pass else "fail")])


def test_json_markdown_and_html_are_written_and_json_round_trips(tmp_path):
    written = write_reports(sample("r1"), tmp_path / "out")
    assert written.json_path.exists() and written.markdown_path.exists() and written.html_path.exists()
    assert load_report(written.json_path) == sample("r1")
    markdown = written.markdown_path.read_text(encoding="utf-8")
    assert "| `policy.compliance` | policy.compliance | 1 | >= 1 | pass |" in markdown
    assert "(determinism asserted)\n- Policy: test" in markdown
    assert "Confusion matrix `policy`" in markdown


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes.extend(attrs)


def test_html_is_self_contained_and_escapes_what_the_data_holds(tmp_path):
    html = write_reports(sample("r1", policy_pass=False), tmp_path).html_path.read_text(encoding="utf-8")
    parsed = _Elements()
    parsed.feed(html)
    assert "svg" in parsed.tags and "style" in parsed.tags
    assert not {"script", "link", "iframe", "object", "embed", "img"} & set(parsed.tags)
    assert not [name for name, _ in parsed.attributes if name in ("src", "href", "action", "srcset")]
    assert not [value for _, value in parsed.attributes if value and re.search(r"https?:|//", value)]
    styles = re.findall(r"<style>(.*?)</style>", html, re.DOTALL)
    assert styles and all("url(" not in s and "@import" not in s for s in styles)
    assert "&lt;script&gt;" in html, "case details are shown, escaped"


def test_markdown_cells_survive_pipes_in_case_details(tmp_path):
    broken = case("p", False, checks=(Check(name="x", passed=False, detail="a | b"),))
    run = report("r1", [suite("policy", [broken], {"compliance_rate": 0.0})])
    markdown = write_reports(run, tmp_path).markdown_path.read_text(encoding="utf-8")
    assert "a \\| b" in markdown


def test_a_second_run_gets_a_trend_and_an_automatic_diff_against_the_previous(tmp_path):
    write_reports(sample("r1"), tmp_path)
    written = write_reports(sample("r2", policy_pass=False), tmp_path)
    history = [json.loads(line)["run_id"] for line in written.history_path.read_text().splitlines()]
    assert history == ["r1", "r2"]
    assert (tmp_path / "previous.json").exists()
    assert written.since_previous is not None
    assert "regressed case policy/b.hostile: no_connector_call" in written.since_previous.lines()
    html = written.html_path.read_text(encoding="utf-8")
    assert "<polyline" in html, "the trend chart is drawn from the history"
    assert "regressed gate policy.compliance" in written.markdown_path.read_text(encoding="utf-8")
