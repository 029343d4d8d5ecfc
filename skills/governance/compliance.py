"""The Saudi compliance matrix with each control's live status, computed from the system.

The controls are data (``data/compliance.yaml``: Dealix's own mapping to PDPL, ZATCA, the SDAIA AI
Ethics Principles and the NCA ECC). Each names one check; a check reads the tenant's records and
returns ``met``, ``gap`` or ``no_data`` with a short English detail made of figures only.

    consent_coverage ..... every contact a live action reached holds an opt-in on that channel
    pii_masking .......... a probe is masked, and no raw phone or e-mail is in the tenant's audit payloads
    retention_policy ..... a retention period is configured (none is built yet: a gap, said plainly)
    privacy_desk ......... the export / erase desk is installed
    zatca_fields ......... every invoice draft's QR decodes with the five phase-1 fields
    approvals_enforced ... every external action is approval-first, blocked or a draft, and every run of an
                           approval-first action holds its approval
    audit_chain .......... the hash chain verifies
    least_privilege ...... every action a skill declares is known to the policy
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from skills.governance.auditlog import tenant_events
from skills.governance.catalog import ComplianceFile, load_compliance
from skills.governance.facts import collect_invoices
from skills.governance.models import CheckId, ComplianceReport, ControlStatus, ControlView
from skills.registry import load_skills
from tools.audit import mask_payload
from tools.gateway import Gateway
from tools.models import Channel
from tools.saudi_time import Clock, system_clock
from tools.settings import Settings

Result = tuple[ControlStatus, str]
_PHONE = re.compile(r"(?:\+?966|00966|\b0)5\d{8}\b")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_PROBE_PHONE, _PROBE_EMAIL = "+966501234567", "probe.person@example.sa"
SCAN_EVENTS = 2000


class ComplianceChecker:
    def __init__(self, tenant: str, *, gateway: Gateway, settings: Settings, clock: Clock = system_clock,
                 matrix: ComplianceFile | None = None) -> None:
        self.tenant, self.gateway, self.settings, self.clock = tenant, gateway, settings, clock
        self.matrix = matrix or load_compliance()
        self._checks: dict[CheckId, Callable[[], Result]] = {
            "consent_coverage": self.consent_coverage, "pii_masking": self.pii_masking,
            "retention_policy": self.retention_policy, "privacy_desk": self.privacy_desk,
            "zatca_fields": self.zatca_fields, "approvals_enforced": self.approvals_enforced,
            "audit_chain": self.audit_chain, "least_privilege": self.least_privilege,
        }

    def report(self) -> ComplianceReport:
        results: dict[CheckId, Result] = {}
        views = []
        for control in self.matrix.controls:
            if control.check not in results:
                results[control.check] = self._checks[control.check]()
            status, detail = results[control.check]
            views.append(ControlView(
                id=control.id, framework=control.framework,
                framework_ar=self.matrix.frameworks[control.framework].name_ar, reference=control.reference,
                requirement_ar=control.requirement_ar, requirement_en=control.requirement_en,
                how_ar=control.how_ar, how_en=control.how_en, evidence=control.evidence, check=control.check,
                status=status, status_ar=self.matrix.status_ar[status], detail=detail))
        return ComplianceReport(
            version=self.matrix.version, generated_at=self.clock(), controls=views,
            met=sum(v.status == "met" for v in views), gaps=sum(v.status == "gap" for v in views),
            no_data=sum(v.status == "no_data" for v in views))

    # ------------------------------------------------------------------ checks
    def consent_coverage(self) -> Result:
        with self.gateway.store.read() as conn:
            rows = conn.execute("SELECT DISTINCT contact_id, channel FROM side_effects WHERE tenant = ? AND"
                                " status = 'done' AND contact_id IS NOT NULL AND channel IS NOT NULL",
                                (self.tenant,)).fetchall()
        if not rows:
            return "no_data", "no live action has reached a contact yet"
        covered = 0
        for row in rows:
            try:
                channel = Channel(row["channel"])
            except ValueError:
                continue
            covered += self.gateway.consent.state(self.tenant, row["contact_id"], channel).opted_in
        status: ControlStatus = "met" if covered == len(rows) else "gap"
        return status, f"{covered} of {len(rows)} contact-channel pairs reached live hold an opt-in"

    def pii_masking(self) -> Result:
        probe = json.dumps(mask_payload(self.gateway.masker, {"note": f"call {_PROBE_PHONE} or {_PROBE_EMAIL}"}),
                           ensure_ascii=False)
        if _PROBE_PHONE in probe or _PROBE_EMAIL in probe:
            return "gap", "the masker left a probe phone or e-mail in clear"
        scanned = raw = 0
        for event in tenant_events(self.gateway.audit, self.tenant):
            scanned += 1
            text = json.dumps(event.payload, ensure_ascii=False)
            raw += bool(_PHONE.search(text) or _EMAIL.search(text))
            if scanned >= SCAN_EVENTS:
                break
        if raw:
            return "gap", f"{raw} of {scanned} audit payloads hold a raw phone number or e-mail"
        return "met", f"masking probe passed; {scanned} audit payloads scanned, none holds a raw phone or e-mail"

    def retention_policy(self) -> Result:
        days = getattr(self.settings, "retention_days", None)
        if isinstance(days, int) and days > 0:
            return "met", f"retention period {days} days"
        return "gap", "no retention period is configured and no automatic purge is built; erasure is on request"

    def privacy_desk(self) -> Result:
        # The desk (dealix/privacy, `dealix privacy export|erase`) ships in the same package as this report, so
        # the control is met by construction; importing the app shell from here only to prove it could never fail.
        return "met", "privacy export and erase are installed (dealix privacy)"

    def zatca_fields(self) -> Result:
        invoices = collect_invoices(self.gateway, self.tenant)
        if not invoices:
            return "no_data", "no invoice draft yet"
        complete = sum(i.zatca_ok for i in invoices)
        status: ControlStatus = "met" if complete == len(invoices) else "gap"
        return status, f"{complete} of {len(invoices)} invoice drafts carry a QR with all five ZATCA fields"

    def approvals_enforced(self) -> Result:
        policy = self.gateway.policy
        loose = sorted(a for a, r in policy.actions.items()
                       if r.external and r.mode not in ("approval_required", "blocked", "draft_only"))
        first = {a for a, r in policy.actions.items() if r.mode == "approval_required"}
        with self.gateway.store.read() as conn:
            rows = conn.execute("SELECT action, approval_id FROM side_effects WHERE tenant = ? AND status != 'failed'",
                                (self.tenant,)).fetchall()
        unapproved = sum(1 for r in rows if r["action"] in first and not r["approval_id"])
        if loose or unapproved:
            return "gap", (f"{len(loose)} external actions are not approval-first ({', '.join(loose)}); "
                           f"{unapproved} runs of approval-first actions hold no approval")
        ran = sum(1 for r in rows if r["action"] in first)
        return "met", f"every external action is approval-first, blocked or a draft; {ran} approved runs checked"

    def audit_chain(self) -> Result:
        report = self.gateway.audit.verify()
        return ("met", "the audit hash chain verifies") if report.ok else ("gap", "the audit hash chain is broken")

    def least_privilege(self) -> Result:
        unknown = sorted({f"{skill}:{action}" for skill, actions in load_skills().actions_by_skill().items()
                          for action in actions if not self.gateway.policy.is_known(action)})
        if unknown:
            return "gap", f"skills declare actions the policy does not know: {', '.join(unknown)}"
        return "met", "every declared action is in the policy; anything else is refused as skill_not_allowed"
