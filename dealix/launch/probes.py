"""HTTP probes over any httpx client: FastAPI's TestClient in process, or ``httpx.Client`` against a URL.

    smoke_probes ....... health, readiness, OpenAPI, every demo route (GET, no key needed)
    readiness_probes ... the smoke probes, plus: protected routes refuse a missing or forged key
                         with problem+json, security headers are set, unknown paths are 404
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

import httpx
from pydantic import BaseModel, ConfigDict, Field

PROBLEM_JSON = "application/problem+json"
SECURITY_HEADERS = ("content-security-policy", "x-content-type-options", "x-frame-options", "referrer-policy")
PROTECTED_PATH = "/api/v1/approvals"


class Response(Protocol):
    @property
    def status_code(self) -> int: ...

    @property
    def headers(self) -> Mapping[str, str]: ...

    def json(self) -> Any: ...


class Client(Protocol):
    """``httpx.Client`` (a URL) or Starlette's ``TestClient`` (in process, built on httpx2)."""

    def request(self, method: str, url: str, *, headers: dict[str, str], content: bytes | None) -> Any: ...


def _transport_errors() -> tuple[type[Exception], ...]:
    errors: list[type[Exception]] = [httpx.HTTPError]
    try:
        import httpx2
    except ImportError:
        pass
    else:
        errors.append(httpx2.HTTPError)
    return tuple(errors)


class Probe(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    method: str = "GET"
    path: str
    expect: tuple[int, ...] = (200,)
    headers: dict[str, str] = Field(default_factory=dict)
    content: bytes | None = None
    json_true: str | None = Field(default=None, description="A top-level JSON key that must be true.")
    problem_json: bool = Field(default=False, description="The answer must be application/problem+json.")
    require_headers: tuple[str, ...] = ()


class ProbeResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    method: str
    path: str
    ok: bool
    status: int | None
    detail: str = ""
    ms: float


def demo_paths(paths: Iterable[str]) -> list[str]:
    """GET demo routes that need no parameters: their path ends in /demo."""
    return sorted({p for p in paths if p.endswith("/demo") and "{" not in p})


def demo_paths_from_openapi(spec: dict[str, Any]) -> list[str]:
    return demo_paths(p for p, ops in (spec.get("paths") or {}).items() if "get" in ops)


def smoke_probes(demos: Iterable[str]) -> list[Probe]:
    return [
        Probe(name="health", path="/api/v1/health"),
        Probe(name="ready", path="/api/v1/ready", json_true="ready"),
        Probe(name="openapi", path="/openapi.json"),
        *(Probe(name=f"demo {p}", path=p) for p in demo_paths(demos)),
    ]


def readiness_probes(demos: Iterable[str], *, max_body_bytes: int | None = None) -> list[Probe]:
    probes = [
        *smoke_probes(demos),
        Probe(name="security headers", path="/api/v1/health", require_headers=SECURITY_HEADERS),
        Probe(name="key required", path=PROTECTED_PATH, expect=(401,), problem_json=True),
        Probe(name="forged key refused", path=PROTECTED_PATH, expect=(401,), problem_json=True,
              headers={"Authorization": "Bearer dx_forged_0000000000000000"}),
        Probe(name="unknown path", path="/api/v1/no-such-route", expect=(404,)),
    ]
    if max_body_bytes is not None:
        probes.append(Probe(name="body size limit", method="POST", path="/api/v1/threads", expect=(413,),
                            headers={"Content-Type": "application/json"}, content=b"0" * (max_body_bytes + 1)))
    return probes


def run(client: Client, probes: Iterable[Probe]) -> list[ProbeResult]:
    errors = _transport_errors()
    return [_run_one(client, probe, errors) for probe in probes]


def _run_one(client: Client, probe: Probe, errors: tuple[type[Exception], ...]) -> ProbeResult:
    start = time.perf_counter()
    try:
        response: Response = client.request(probe.method, probe.path, headers=probe.headers, content=probe.content)
    except errors as exc:
        return ProbeResult(name=probe.name, method=probe.method, path=probe.path, ok=False, status=None,
                           detail=f"{type(exc).__name__}: {exc}", ms=_ms(start))
    problems = []
    if response.status_code not in probe.expect:
        problems.append(f"status {response.status_code}, expected {'/'.join(map(str, probe.expect))}")
    if probe.problem_json and not response.headers.get("content-type", "").startswith(PROBLEM_JSON):
        problems.append(f"content-type {response.headers.get('content-type')!r}, expected {PROBLEM_JSON}")
    missing = [h for h in probe.require_headers if h not in response.headers]
    if missing:
        problems.append("missing headers: " + ", ".join(missing))
    if probe.json_true is not None:
        try:
            if response.json().get(probe.json_true) is not True:
                problems.append(f"{probe.json_true} is not true")
        except ValueError:
            problems.append("not JSON")
    return ProbeResult(name=probe.name, method=probe.method, path=probe.path, ok=not problems,
                       status=response.status_code, detail="; ".join(problems), ms=_ms(start))


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)


def render(results: list[ProbeResult]) -> str:
    width = max((len(r.name) for r in results), default=10)
    lines = [f"{'✓' if r.ok else '✗'} {r.name:<{width}}  {r.method:<4} {r.path}  "
             f"{r.status if r.status is not None else '-'}  {r.ms:.0f} ms" + (f"  {r.detail}" if r.detail else "")
             for r in results]
    passed = sum(r.ok for r in results)
    lines.append(f"{passed}/{len(results)} probes passed")
    return "\n".join(lines)
