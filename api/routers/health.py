"""``/api/v1/health`` (the process answers) and ``/api/v1/ready`` (its stores answer); no key needed."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, FastAPI, Response

from api.deps import ServicesDep
from api.schemas.health import Check, Health, Readiness
from api.services import Services

router = APIRouter(prefix="/api/v1", tags=["health"])


@router.get("/health", response_model=Health)
def health(response: Response) -> Health:
    """Liveness: the process is up. Nothing else is touched."""
    response.headers["Cache-Control"] = "no-store"
    return Health(version="0.1.0")


def _check(name: str, probe: Callable[[], None]) -> Check:
    try:
        probe()
    except Exception as exc:  # a readiness probe reports every failure instead of raising
        return Check(name=name, ok=False, detail=type(exc).__name__)
    return Check(name=name, ok=True)


def _probes(services: Services) -> list[Check]:
    def store() -> None:
        with services.gateway.store.read() as conn:
            conn.execute("SELECT 1 FROM audit_events LIMIT 1").fetchall()

    def keys() -> None:
        with services.keys.read() as conn:
            conn.execute("SELECT 1 FROM api_keys LIMIT 1").fetchall()

    def threads() -> None:
        with services.threads.read() as conn:
            conn.execute("SELECT 1 FROM threads LIMIT 1").fetchall()

    def checkpoints() -> None:
        with services.checkpointer():
            pass

    return [_check("store", store), _check("api_keys", keys), _check("threads", threads),
            _check("checkpoints", checkpoints)]


@router.get("/ready", response_model=Readiness, responses={503: {"model": Readiness, "description": "Not ready"}})
def ready(services: ServicesDep, response: Response) -> Readiness:
    """Readiness: the gateway store, key store, thread book and checkpointer all answer (503 otherwise)."""
    checks = _probes(services)
    ok = all(c.ok for c in checks)
    response.status_code = 200 if ok else 503
    response.headers["Cache-Control"] = "no-store"
    return Readiness(ready=ok, policy_version=services.gateway.policy.version, checks=checks)


def install(app: FastAPI) -> None:
    app.include_router(router)
