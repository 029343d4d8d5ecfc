"""Helpers of the memory tests: a fixed clock, example builders and a fake embeddings endpoint."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2

from tools.memory import ApprovedExample

T0 = datetime(2026, 11, 15, 9, 0, tzinfo=UTC)  # a Sunday, 12:00 in Riyadh


class StepClock:
    """Each call is one minute after the previous one: stored_at orders examples deterministically."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> datetime:
        self.calls += 1
        return T0 + timedelta(minutes=self.calls)


def example(approval_id: str, body: str, *, tenant: str = "t-a", segment: str = "real_estate",
            channel: str = "email", language: str = "ar", profile: str = "", edited: bool = False,
            contact_id: str | None = None, minutes: int = 0) -> ApprovedExample:
    return ApprovedExample(tenant=tenant, approval_id=approval_id, contact_id=contact_id or f"lead-{approval_id}",
                           segment=segment, channel=channel, language=language,  # type: ignore[arg-type]
                           action="gmail.draft" if channel == "email" else "whatsapp.draft", profile=profile,
                           subject="⟦company_name⟧" if channel == "email" else None, body=body, edited=edited,
                           stored_at=T0 + timedelta(minutes=minutes))


class FakeEmbeddings:
    """A fake OpenAI-compatible /v1/embeddings: records requests, answers with vectors of the text's letters."""

    def __init__(self, *, status: int = 200, dims: int = 8) -> None:
        self.requests: list[httpx2.Request] = []
        self.status = status
        self.dims = dims

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        if self.status != 200:
            return httpx2.Response(self.status, json={"error": {"message": "down", "type": "server_error"}})
        body = json.loads(request.content)
        data = [{"object": "embedding", "index": i, "embedding": self.vector(text)}
                for i, text in reversed(list(enumerate(body["input"])))]  # out of order on purpose
        return httpx2.Response(200, json={"object": "list", "data": data, "model": body["model"],
                                          "usage": {"prompt_tokens": 1, "total_tokens": 1}})

    def vector(self, text: str) -> list[float]:
        counts = [0.0] * self.dims
        for ch in text:
            counts[ord(ch) % self.dims] += 1.0
        return counts if any(counts) else [1.0] + [0.0] * (self.dims - 1)

    def client(self) -> Any:
        return httpx2.Client(transport=httpx2.MockTransport(self))
