"""The ``Settings`` schema for the whole system, read from ``DEALIX_*`` environment variables.

Embedded defaults run on one machine with no network and no keys; every scale-out part
(PostgreSQL, a Qdrant server, an OpenAI-compatible model, Langfuse) is switched on by a setting.

The schema sits at the bottom layer so every layer can name the type it is handed; only the app
shell reads the environment, through ``dealix.settings.get_settings()`` (cached; tests override it
with ``get_settings.cache_clear()`` after changing the environment, or build ``Settings(...)``
directly) and passes the object, or the plain values a piece needs, down as arguments.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# The skills that call a language model, each routed by ``model_routes`` (docs/governance.md, model routing).
# (The operator's intent router also uses DEALIX_MODEL, with the offline classifier as its fallback.)
ModelSkill = Literal["saudi_copywriter", "negotiation_coach"]
MODEL_SKILLS: tuple[ModelSkill, ...] = ("saudi_copywriter", "negotiation_coach")


class ModelRoute(BaseModel):
    """Which model serves one skill: a primary, then fallbacks in order; the chain always ends offline."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    primary: str = Field(description="'offline' or 'openai:MODEL_NAME'.")
    fallbacks: tuple[str, ...] = Field(default=("offline",), description="Tried in order when the primary fails; "
                                       "the last one must be 'offline'.")

    @field_validator("primary", "fallbacks")
    @classmethod
    def _known_models(cls, value: str | tuple[str, ...]) -> str | tuple[str, ...]:
        for name in (value,) if isinstance(value, str) else value:
            if name != "offline" and not (name.startswith("openai:") and name.removeprefix("openai:").strip()):
                raise ValueError(f"unknown model {name!r}: use 'offline' or 'openai:MODEL_NAME'")
        return value

    @model_validator(mode="after")
    def _ends_offline(self) -> ModelRoute:
        chain = self.chain
        if chain[-1] != "offline":
            raise ValueError(f"the fallback chain {list(chain)} must end in 'offline', so a draft is always written")
        if len(set(chain)) != len(chain):
            raise ValueError(f"the route {list(chain)} names a model twice")
        return self

    @property
    def chain(self) -> tuple[str, ...]:
        """Primary first, then the fallbacks: the order models are tried in."""
        return (self.primary, *self.fallbacks) if self.primary != "offline" else ("offline",)


_PLACEHOLDERS = frozenset({"changeme", "change-me", "secret", "password", "xxx", "todo", "dev", "test"})


class Settings(BaseSettings):
    """Runtime configuration. Secrets are ``SecretStr`` and never have a default value in code."""

    model_config = SettingsConfigDict(env_prefix="DEALIX_", extra="ignore")

    data_dir: Path = Field(default=Path(".dealix"), description="SQLite files, vectors and the outbox.")
    database_url: str | None = Field(
        default=None, description="Empty: SQLite in data_dir. A postgresql:// URL: the PostgreSQL twin."
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="Signs approval tokens, the audit head and PII pseudonyms. "
        "Unset: a random key is created once in data_dir/secret.key (mode 0600).",
    )
    checkpoint_key: SecretStr | None = Field(
        default=None, description="Graph checkpoints are always encrypted (AES-GCM): with a key derived from this "
        "one when set, else with one derived from the signing key.")
    # Keys and identity kept apart from the data they protect (issue 21: personal data at rest).
    secret_key_file: Path | None = Field(
        default=None, description="Where the signing key is created once when DEALIX_SECRET_KEY is unset (default "
        "data_dir/secret.key). Put it outside the data dir (another volume, a secrets mount): a copy of the data "
        "dir then holds neither the key that signs its audit chain nor the one its checkpoints are encrypted with.")
    sender_email: str | None = Field(
        default=None, description="The tenant's sender identity: From of email drafts, ORGANIZER of invitations. "
        "Unset: drafts@dealix.invalid, a reserved name that shows the sender is still to be chosen.")
    sender_name: str | None = Field(default=None, max_length=100, description="Display name beside sender_email.")
    policy_file: Path | None = Field(default=None, description="Override of the bundled policy file.")
    approval_ttl_hours: float = Field(default=48.0, gt=0, description="An approval expires after this.")
    timezone: str = "Asia/Riyadh"

    # Live flags: off unless explicitly set, and even then every live action needs an approval.
    live_whatsapp: bool = False
    live_calendar: bool = False

    # Model: the offline deterministic model unless an OpenAI-compatible endpoint is configured.
    model: str = Field(default="offline", description="'offline' or 'openai:MODEL_NAME'.")
    openai_base_url: str | None = None
    openai_api_key: SecretStr | None = None
    model_routes: dict[ModelSkill, ModelRoute] = Field(
        default_factory=dict,
        description="Per skill, as JSON: {\"saudi_copywriter\": {\"primary\": \"openai:NAME\", \"fallbacks\": "
        "[\"offline\"]}}. A skill not named here uses DEALIX_MODEL with the offline model as its fallback.")
    model_retry_attempts: int = Field(default=3, ge=1, le=10, description="Tries of one model request per route "
                                      "(connection errors, timeouts, 429 and 5xx) before the next route.")
    model_backoff_seconds: float = Field(default=0.5, ge=0, le=60, description="First wait between tries; doubles "
                                         "after each (a Retry-After header wins).")
    model_backoff_max_seconds: float = Field(default=8.0, ge=0, le=300, description="Longest wait between tries.")
    model_timeout_seconds: float = Field(default=30.0, gt=0, le=600, description="Timeout of one model request.")

    # Vector memory: qdrant-client local mode on disk (data_dir/qdrant) unless a Qdrant server URL is set.
    qdrant_url: str | None = Field(default=None, description="Empty: local mode on disk. A URL: that Qdrant server.")
    qdrant_api_key: SecretStr | None = None
    embeddings: str = Field(default="hashing", description="'hashing' (offline, Arabic and English) or "
                            "'openai:MODEL' (the OpenAI-compatible endpoint of openai_base_url).")

    # Tracing: off unless Langfuse keys are configured.
    langfuse_public_key: SecretStr | None = None
    langfuse_secret_key: SecretStr | None = None
    langfuse_host: str | None = None

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "WARNING"

    # API: request size limits, per-key rate limits, console sessions.
    api_max_body_bytes: int = Field(default=1_048_576, ge=1024, description="Largest JSON request body.")
    api_max_upload_bytes: int = Field(default=26_214_400, ge=1024, description="Largest multipart upload.")
    api_rate_limit: int = Field(default=120, ge=1, description="Requests per API key per rate window.")
    api_rate_window_seconds: float = Field(default=60.0, gt=0)
    rate_limit_storage: str | None = Field(
        default=None, description="Empty: each API worker limits on its own. redis://HOST:PORT/DB: one limit "
        "per key shared by every worker (the `limits` library).")
    console_session_hours: float = Field(default=12.0, gt=0, description="A console login lasts this long.")
    max_inflight: int = Field(default=256, ge=1, description="Requests one API worker works on at once; beyond "
                              "it the answer is 503 overloaded with Retry-After (health probes exempt).")
    card_feed_max_age_seconds: float = Field(default=5.0, ge=0, description="A card feed is re-synced when the "
                                             "store changed, and in the background at least this often (0: on "
                                             "every request).")
    jobs: bool = Field(default=True, description="Run the scheduled jobs (approval SLA sweep, dead-letter "
                       "retries, daily plans) inside `dealix serve`; off when a separate `dealix jobs run` does.")

    @field_validator("secret_key", "checkpoint_key", "openai_api_key", "langfuse_secret_key", "qdrant_api_key")
    @classmethod
    def _refuse_placeholders(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and value.get_secret_value().strip().lower() in _PLACEHOLDERS:
            raise ValueError("a placeholder is not a secret: set a real value or leave it unset")
        return value

    @model_validator(mode="after")
    def _routes_reachable(self) -> Settings:
        remote = sorted({m for r in self.model_routes.values() for m in r.chain if m.startswith("openai:")})
        if remote and not self.openai_base_url:
            raise ValueError(f"DEALIX_MODEL_ROUTES names {remote} but DEALIX_OPENAI_BASE_URL is not set")
        if remote and self.openai_api_key is None:
            raise ValueError(f"DEALIX_MODEL_ROUTES names {remote} but DEALIX_OPENAI_API_KEY is not set")
        return self

    def model_route(self, skill: ModelSkill) -> ModelRoute:
        """The skill's route: from ``model_routes``, else ``DEALIX_MODEL`` with the offline model behind it."""
        if skill in self.model_routes:
            return self.model_routes[skill]
        name = self.model.strip()
        return ModelRoute(primary=name, fallbacks=("offline",) if name != "offline" else ())

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "dealix.db"

    @property
    def outbox_dir(self) -> Path:
        return self.data_dir / "outbox"

    @property
    def uses_postgres(self) -> bool:
        return bool(self.database_url) and str(self.database_url).startswith(("postgres://", "postgresql"))

    def ensure_data_dir(self) -> Path:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.outbox_dir.mkdir(parents=True, exist_ok=True)
        return self.data_dir

    def checkpoint_secret(self) -> bytes:
        """The secret graph checkpoints are encrypted with: DEALIX_CHECKPOINT_KEY, else one derived from the
        signing key (so it lives wherever the signing key lives, outside the data dir when configured so)."""
        if self.checkpoint_key is not None:
            return self.checkpoint_key.get_secret_value().encode()
        return hmac.new(self.signing_key(), b"dealix-checkpoint-key-v1", hashlib.sha256).hexdigest().encode()

    def signing_key(self) -> bytes:
        """The key behind approval tokens and the audit head; created once per data dir if unset."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value().encode()
        self.ensure_data_dir()
        path = self.secret_key_file or self.data_dir / "secret.key"
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:  # another process created it first: use theirs
                pass
            else:
                with os.fdopen(fd, "w") as handle:
                    handle.write(secrets.token_hex(32))
        return path.read_text().strip().encode()

