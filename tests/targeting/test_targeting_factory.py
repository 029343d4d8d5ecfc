"""``build_service`` is called per request (a graph's context per approval answered): the consent store behind
it is opened once per process and file, not once per call (and left open), and a replaced file is reopened."""

from __future__ import annotations

import shutil
from pathlib import Path

from dealix.settings import Settings
from skills.targeting.factory import build_service


def test_services_built_again_share_one_consent_store_per_file(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", secret_key="k" * 32)
    first, second = build_service(settings, tenant="acme"), build_service(settings, tenant="acme")
    assert first.consent._store is second.consent._store  # type: ignore[attr-defined]
    other = Settings(data_dir=tmp_path / "other", secret_key="k" * 32)
    assert build_service(other, tenant="acme").consent._store is not first.consent._store  # type: ignore[attr-defined]
    for service in (first, second):
        service.repository.close()


def test_a_replaced_store_file_is_opened_anew(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", secret_key="k" * 32)
    first = build_service(settings, tenant="acme")
    restored = tmp_path / "restored.db"
    shutil.copy(settings.sqlite_path, restored)
    restored.replace(settings.sqlite_path)  # a restore: a new file (inode) under the same name
    again = build_service(settings, tenant="acme")
    assert again.consent._store is not first.consent._store  # type: ignore[attr-defined]
