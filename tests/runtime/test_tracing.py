"""Tracing: off and network-free with no keys; with keys, nothing raw leaves (in-process exporter)."""

from __future__ import annotations

import json
import subprocess
import sys

from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from runtime_support import TENANT, write_leads

from dealix.settings import Settings
from dealix.wiring import autopilot_context
from graphs.checkpoint import open_checkpointer
from graphs.runtime import start_autopilot
from tools.pii import PiiMasker

PII = {
    "phones": ["0501234567", "+966501234567", "00966501234567", "966 50 123 4567", "٠٥٠١٢٣٤٥٦٧"],
    "email": "sara.q@nokhba.sa",
    "name": "سارة القحطاني",
    "iqama": "2123456789",
    "iban": "SA0380000000608010167519",
}


def test_no_keys_means_no_client_and_no_langfuse_import(tmp_path):
    code = (
        "import sys, logging\n"
        "from dealix.settings import Settings\n"
        "from agents.tracing import build_tracing\n"
        "from tools.pii import PiiMasker\n"
        f"t = build_tracing(Settings(data_dir={str(tmp_path)!r}), PiiMasker(b'k'))\n"
        "print(t.enabled, 'langfuse' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.split() == ["False", "False"]
    assert out.stderr == ""


def test_with_keys_every_exported_span_is_masked(tmp_path):
    rows = [{"company_name": "شركة النخبة", "contact_name": PII["name"], "title": "المديرة التنفيذية",
             "phone": PII["phones"][0], "email": PII["email"], "city": "الرياض", "sector": "التسويق",
             "source": "crm", "notes": f"iqama {PII['iqama']} iban {PII['iban']} alt {PII['phones'][3]}",
             "consent": ""}]
    leads = write_leads(tmp_path / "leads.csv", rows)
    settings = Settings(data_dir=tmp_path / "data", secret_key="k" * 32, langfuse_public_key="pk-lf-test",
                        langfuse_secret_key="sk-lf-test", langfuse_host="http://127.0.0.1:9")
    exporter = InMemorySpanExporter()
    ctx = autopilot_context(settings, TENANT, span_exporter=exporter)
    assert ctx.tracing.enabled

    with open_checkpointer(settings) as checkpointer:
        start_autopilot(ctx, checkpointer, leads, top_n=1)
    # Also trace a payload carrying every kind of PII, in every phone spelling.
    with ctx.tracing.observe("probe", input={"note": json.dumps(PII, ensure_ascii=False)}, names=[PII["name"]]) as o:
        o.update(output={"text": " ".join(PII["phones"]) + f" {PII['email']} {PII['iqama']} {PII['iban']}"})
    ctx.tracing.flush()

    spans = exporter.get_finished_spans()
    assert spans, "something was exported"
    exported = json.dumps([dict(s.attributes or {}) for s in spans], ensure_ascii=False)
    assert "saudi_copywriter" in {s.name for s in spans}
    for value in [*PII["phones"], PII["email"], PII["name"], PII["iqama"], PII["iban"], "501234567"]:
        assert value not in exported, value
    masker = PiiMasker(settings.signing_key())
    assert masker.tag("EMAIL", PII["email"]) in exported or "[EMAIL:" in exported
