"""The copywriter's memory of approved drafts, bound to one tenant: recall before writing, learn after approval.

    recall(brief) ─▶ the closest approved examples of this tenant, segment, channel and language
    learn(...)    ─▶ an approved (or edited-then-approved) draft, turned into a slot template and kept

Memory only ever improves a draft: when the store is unavailable, recall returns nothing and
learn reports False, and the draft, the approval and the execution go on unchanged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from agents.copywriter import LeadBrief, SenderProfile, template_variables
from agents.example_text import ExampleText
from tools.memory.errors import EmbeddingError, MemoryUnavailable
from tools.memory.examples import ApprovedExample, ExampleMemory
from tools.memory.factory import open_vector_store
from tools.memory.slots import to_template
from tools.pii import PiiMasker
from tools.settings import Settings

log = logging.getLogger("dealix.memory")

# The segment of a lead from its sector and company name (``skills.targeting.segments.segment_of``: the
# Targeting OS's sector id, so «العقارية» and "Real estate" are one segment); passed in by whoever builds
# the examples, since the sector catalogue lives in a layer above this one.
Segmenter = Callable[[str | None, str | None], str]


def profile_of(brief: LeadBrief) -> str:
    """Who a draft is for, without names or contact details: title, sector, city."""
    return " | ".join(v for v in (brief.title, brief.sector, brief.city) if v.strip())


@dataclass(frozen=True)
class CopyExamples:
    memory: ExampleMemory
    tenant: str
    masker: PiiMasker
    segment_of: Segmenter
    limit: int = 3

    def recall(self, brief: LeadBrief) -> list[ExampleText]:
        try:
            hits = self.memory.closest(tenant=self.tenant, segment=self.segment_of(brief.sector, brief.company_name),
                                       channel=brief.channel, language=brief.language, query=profile_of(brief),
                                       limit=self.limit)
        except (MemoryUnavailable, EmbeddingError) as exc:
            log.warning("memory recall skipped: %s", exc.code)
            return []
        return [ExampleText(approval_id=h.example.approval_id, subject=h.example.subject, body=h.example.body,
                            edited=h.example.edited) for h in hits]

    def learn(self, brief: LeadBrief, sender: SenderProfile, *, approval_id: str, action: str, subject: str | None,
              body: str, original_body: str | None) -> bool:
        """Keep an approved draft as an example; False when it was not kept (and why is logged)."""
        values = template_variables(brief, sender)
        body_t = to_template(body, values)
        subject_t = to_template(subject, values) if subject else None
        original_t = to_template(original_body, values) if original_body else None
        texts = [t for t in (body_t, subject_t, original_t) if t]
        if any(self.masker.mask_text(t) != t for t in texts):
            # A phone, an email or an id is still in the text: it would reach other leads' drafts.
            log.info("approved draft %s not kept as an example: contact details in its text", approval_id)
            return False
        example = ApprovedExample(
            tenant=self.tenant, approval_id=approval_id, contact_id=brief.lead_id,
            segment=self.segment_of(brief.sector, brief.company_name), channel=brief.channel, language=brief.language,
            action=action, profile=profile_of(brief), subject=subject_t, body=body_t,
            edited=original_t is not None and original_t != body_t,
            original_body=original_t if original_t is not None and original_t != body_t else None,
            stored_at=self.memory.now())
        try:
            self.memory.remember(example)
        except (MemoryUnavailable, EmbeddingError) as exc:
            log.warning("memory learn skipped for %s: %s", approval_id, exc.code)
            return False
        return True


def build_copy_examples(settings: Settings, tenant: str, masker: PiiMasker, *, segment_of: Segmenter) -> CopyExamples:
    """The tenant's approved-draft memory from settings (local Qdrant on disk unless a URL is set)."""
    return CopyExamples(memory=ExampleMemory(open_vector_store(settings)), tenant=tenant, masker=masker,
                        segment_of=segment_of)
