"""Request dependencies as named ``Annotated`` aliases, in one place.

Routes never read a tenant or role from the request body: ``CallerDep`` is the authenticated
caller (``Authorization: Bearer dx_...`` or ``X-API-Key``), and every query is scoped to its tenant.
Tests override :func:`get_caller` (``app.dependency_overrides[get_caller] = lambda: caller``).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from fastapi import Depends, Header, HTTPException

from api.keys import ApiKeyStore
from dealix.settings import Settings, get_settings
from tools.models import Caller

SettingsDep = Annotated[Settings, Depends(get_settings)]


@lru_cache(maxsize=4)
def _key_store(path: str, key: bytes) -> ApiKeyStore:
    return ApiKeyStore(path, signing_key=key)


def get_key_store(settings: SettingsDep) -> ApiKeyStore:
    settings.ensure_data_dir()
    return _key_store(str(settings.data_dir / "api_keys.db"), settings.signing_key())


KeyStoreDep = Annotated[ApiKeyStore, Depends(get_key_store)]

_UNAUTHENTICATED = {"code": "unauthenticated", "message_ar": "يلزم مفتاح API صالح للوصول إلى هذا المورد.",
                    "message_en": "A valid API key is required."}


def get_caller(
    keys: KeyStoreDep,
    authorization: Annotated[str | None, Header()] = None,
    x_api_key: Annotated[str | None, Header()] = None,
) -> Caller:
    """The authenticated caller, or 401."""
    key = x_api_key
    if key is None and authorization is not None and authorization.lower().startswith("bearer "):
        key = authorization[7:]
    caller = keys.authenticate(key) if key else None
    if caller is None:
        raise HTTPException(status_code=401, detail=_UNAUTHENTICATED, headers={"WWW-Authenticate": "Bearer"})
    return caller


CallerDep = Annotated[Caller, Depends(get_caller)]
