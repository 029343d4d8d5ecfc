"""Tracing with Langfuse when keys are configured; nothing at all when they are not.

Everything that leaves is masked twice: the runtime masks each observation's input and output
with the PII masker (contact names of the batch included) before Langfuse sees it, and the
Langfuse client is built with ``mask`` (SDK data) and ``mask_otel_spans`` (every string attribute
of every exported span), both backed by the same masker. With no keys no client is built, so
there is no network attempt and no log noise.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from tools.pii import PiiMasker

if TYPE_CHECKING:
    from tools.settings import Settings


class Observation:
    """A handle on one traced step; a no-op when tracing is off."""

    def __init__(self, span: Any = None, masker: PiiMasker | None = None) -> None:
        self._span = span
        self._masker = masker

    def update(self, *, output: Any) -> None:
        if self._span is not None and self._masker is not None:
            self._span.update(output=self._masker.mask(output))


class Tracing:
    """The run's tracer. ``Tracing.disabled()`` does nothing and imports nothing."""

    def __init__(self, client: Any = None, masker: PiiMasker | None = None) -> None:
        self._client = client
        self._masker = masker

    @classmethod
    def disabled(cls) -> Tracing:
        return cls()

    @property
    def enabled(self) -> bool:
        return self._client is not None

    @contextmanager
    def observe(self, name: str, *, input: Any, names: Iterable[str] = ()) -> Iterator[Observation]:
        if self._client is None or self._masker is None:
            yield Observation()
            return
        masker = self._masker.with_names([n for n in names if n])
        with self._client.start_as_current_observation(name=name, as_type="span",
                                                       input=masker.mask(input)) as span:
            yield Observation(span, masker)

    def flush(self) -> None:
        if self._client is not None:
            self._client.flush()


def _mask_spans(masker: PiiMasker) -> Any:
    from langfuse.types import MaskOtelSpansResult, OtelSpanPatch

    def mask_otel_spans(*, params: Any) -> Any:
        patches = {}
        for identifier, span in params.spans.items():
            changed: dict[str, Any] = {}
            for key, value in span.attributes.items():
                if isinstance(value, str):
                    masked = masker.mask_text(value)
                    if masked != value:
                        changed[key] = masked
                elif isinstance(value, tuple | list) and value and all(isinstance(v, str) for v in value):
                    masked_seq = [masker.mask_text(v) for v in value]
                    if masked_seq != list(value):
                        changed[key] = masked_seq
            if changed:
                patches[identifier] = OtelSpanPatch(set_attributes=changed)
        return MaskOtelSpansResult(span_patches=patches)

    return mask_otel_spans


def build_tracing(settings: Settings, masker: PiiMasker, *, span_exporter: Any = None) -> Tracing:
    """Langfuse when both keys are set, else the disabled tracer (no client, no import of langfuse)."""
    if settings.langfuse_public_key is None or settings.langfuse_secret_key is None:
        return Tracing.disabled()
    from langfuse import Langfuse
    from opentelemetry.sdk.trace import TracerProvider

    client = Langfuse(
        public_key=settings.langfuse_public_key.get_secret_value(),
        secret_key=settings.langfuse_secret_key.get_secret_value(),
        base_url=settings.langfuse_host,
        mask=lambda *, data, **_: masker.mask(data),
        mask_otel_spans=_mask_spans(masker),
        tracer_provider=TracerProvider(),  # our own provider: never the process-global one
        span_exporter=span_exporter,
    )
    return Tracing(client, masker)
