"""One settings object per process, read from ``BULKREG_*`` environment variables.

Dev secrets (JWT signing key, Flower login) are generated once and kept in the data
directory so that the CLI and a running stack agree on them; outside dev a missing,
short or placeholder secret is refused at start-up rather than discovered in production.
"""

from __future__ import annotations

import json
import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bulkreg.foundation.mailserver import MailServer, mail_server

PLACEHOLDER_SECRETS = {
    "changeme",
    "change-me",
    "secret",
    "placeholder",
    "dev",
    "test",
    "jwt-secret",
}
MIN_SECRET_LENGTH = 32


# How long a stopping worker may take to finish the job at hand (Celery's warm shutdown)
# before it is told to stop cold (``bulkreg up``) or killed (compose's stop_grace_period is
# longer than this): either way the job is rolled back whole and taken over.
WORKER_SOFT_SHUTDOWN_SECONDS = 30


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BULKREG_", extra="ignore")

    env: Literal["dev", "test", "prod"] = "dev"
    database_url: str | None = Field(default=None, description="the API's role (bulkreg_api)")
    worker_database_url: str | None = Field(
        default=None, description="the workers' role (bulkreg_worker): may act as maintenance"
    )
    admin_database_url: str | None = Field(
        default=None, description="owner role URL used by migrations; defaults to database_url"
    )
    redis_url: str | None = None
    data_dir: Path = Path(".bulkreg")
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    flower_port: int = 5555
    flower_basic_auth: str | None = None
    jwt_secret: str | None = None
    jwt_jwks_url: str | None = Field(
        default=None, description="an identity provider's JSON Web Key Set (RS256 / ES256)"
    )
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    max_token_ttl_seconds: int = 86_400
    max_body_bytes: int = 4 * 1024 * 1024
    # A request body that stalls this long between bytes, or is not all in after the second
    # figure, is answered 408: a slow client cannot hold a connection open at will.
    body_idle_seconds: float = Field(default=5.0, gt=0)
    body_seconds: float = Field(default=60.0, gt=0)
    # The screen's sessions end after this long without a page, and this long after sign-in.
    screen_idle_minutes: int = Field(default=120, gt=0)
    screen_session_hours: int = Field(default=12, gt=0)
    accessibility_contact: str | None = Field(
        default=None,
        max_length=500,
        description="whom to tell about an accessibility problem, as the screen's "
        "/ui/accessibility shows it (an email or a line of text); unset: the organization's "
        "administrator",
    )
    public_url: str | None = Field(
        default=None,
        description="the base of every link the stack hands out (emails, the single sign-on "
        "redirect URI), as people reach it; unset: the API's own http://API_HOST:API_PORT",
    )
    # Single sign-on for the screen (OpenID Connect): on when the issuer and the client id are
    # set. Without a secret the client is a public one (PKCE alone); with one, a confidential.
    oidc_issuer: str | None = Field(
        default=None, description="the OpenID provider's issuer URL (its discovery document)"
    )
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    oidc_name: str = Field(
        default="single sign-on",
        max_length=80,
        description="the provider's name as the sign-in page shows it: Sign in with NAME",
    )
    max_participants: int = 10_000
    large_job_participants: int = 1_000
    max_running_large_per_org: int = 1
    max_backdate_days: int = 365
    undo_days: int = Field(
        default=30, ge=1, description="how long after it finished a succeeded job can be undone"
    )
    audit_retention_days: int = Field(
        default=1825, ge=1, description="how long audit-log entries are kept"
    )
    deleted_retention_days: int = Field(
        default=365, ge=1, description="how long soft-deleted activities are kept"
    )

    worker_concurrency: int = 2
    lease_seconds: int = 30
    max_attempts: int = 5
    task_time_limit: int = 600
    visibility_timeout: int = 900
    retry_backoff_max: int = 60
    sweep_interval_seconds: float = 10
    sweep_queued_after_seconds: float = 60
    reconcile_interval_seconds: float = 60
    db_pool_size: int = 10
    embedded_redis_port: int = 6390
    log_format: Literal["text", "json"] = "text"
    webhooks_allow_private: bool | None = Field(
        default=None,
        description="webhook URLs may point at loopback or private addresses (default: in dev)",
    )
    webhook_timeout_seconds: float = 5
    # Email (docs/api.md, "Signing in and hearing back"): the relay sends the mail outbox
    # through this server. Unset: ``bulkreg up`` starts a development mail catcher on
    # 127.0.0.1:DEV_SMTP_PORT and the stack sends to it (``BULKREG_DATA_DIR/mail/``).
    smtp_url: str | None = Field(
        default=None,
        description="smtp://user@host:587 (STARTTLS), smtps://user@host:465 (implicit TLS); "
        "smtp:// to a loopback address without a user: no TLS (a development catcher)",
    )
    smtp_password: str | None = Field(
        default=None, description="the mail server's password, instead of the URL's"
    )
    mail_from: str = Field(default="bulkreg <bulkreg@localhost>", max_length=320)
    dev_smtp_port: int = 8025
    smtp_timeout_seconds: float = Field(default=30, gt=0)
    webhook_retry_base_seconds: float = 5
    webhook_retry_hours: float = 24

    @model_validator(mode="after")
    def _secrets_are_real_outside_dev(self) -> Settings:
        if self.env != "dev":
            secret = self.jwt_secret or ""
            if len(secret) < MIN_SECRET_LENGTH or secret.lower() in PLACEHOLDER_SECRETS:
                raise ValueError(
                    f"BULKREG_JWT_SECRET must be a real secret of at least {MIN_SECRET_LENGTH} "
                    "characters outside dev"
                )
            if not self.flower_basic_auth or ":" not in self.flower_basic_auth:
                raise ValueError("BULKREG_FLOWER_BASIC_AUTH must be user:password outside dev")
        return self

    @property
    def embedded_database(self) -> bool:
        return self.database_url is None

    @property
    def embedded_redis(self) -> bool:
        return self.redis_url is None

    @model_validator(mode="after")
    def _single_sign_on_is_whole(self) -> Settings:
        if bool(self.oidc_issuer) != bool(self.oidc_client_id):
            raise ValueError("BULKREG_OIDC_ISSUER and BULKREG_OIDC_CLIENT_ID are set together")
        if self.oidc_issuer and self.env == "prod" and not self.public_url:
            raise ValueError("single sign-on needs BULKREG_PUBLIC_URL (its redirect URI's base)")
        for name, url in (("OIDC_ISSUER", self.oidc_issuer), ("PUBLIC_URL", self.public_url)):
            if url and not url.startswith(
                "https://" if self.env == "prod" else ("https://", "http://")
            ):
                raise ValueError(
                    f"BULKREG_{name} must be an https:// URL (http:// in dev and test)"
                )
        return self

    @model_validator(mode="after")
    def _mail_server_is_safe(self) -> Settings:
        if self.smtp_url:
            mail_server(self.smtp_url, self.smtp_password)  # raises for a URL the rule refuses
        return self

    @property
    def mail_url(self) -> str:
        """Where the relay sends email: ``BULKREG_SMTP_URL``, else the dev mail catcher."""
        return self.smtp_url or f"smtp://127.0.0.1:{self.dev_smtp_port}"

    @property
    def mail_server(self) -> MailServer:
        return mail_server(self.mail_url, self.smtp_password)

    @property
    def mail_catcher(self) -> bool:
        """Whether ``bulkreg up`` starts the development mail catcher (no real relay set)."""
        return not self.smtp_url

    @property
    def single_sign_on(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id)

    @property
    def links_base(self) -> str:
        """Where people reach the stack: ``BULKREG_PUBLIC_URL``, else the API's own URL."""
        return (self.public_url or f"http://{self.api_host}:{self.api_port}").rstrip("/")

    @property
    def private_webhooks(self) -> bool:
        return (
            self.env == "dev"
            if self.webhooks_allow_private is None
            else self.webhooks_allow_private
        )

    @property
    def data_path(self) -> Path:
        return self.data_dir.expanduser().resolve()

    def signing_secret(self) -> str:
        return self.jwt_secret or self._dev_secrets()["jwt_secret"]

    def flower_login(self) -> str:
        return self.flower_basic_auth or self._dev_secrets()["flower_basic_auth"]

    def _dev_secrets(self) -> dict[str, str]:
        """Generate the dev secrets once and keep them beside the embedded data."""
        path = self.data_path / "secrets.json"
        if path.exists():
            return dict(json.loads(path.read_text()))
        path.parent.mkdir(parents=True, exist_ok=True)
        values = {
            "jwt_secret": secrets.token_urlsafe(48),
            "flower_basic_auth": f"operator:{secrets.token_urlsafe(12)}",
        }
        tmp = path.with_name(f".secrets.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(values))
        tmp.chmod(0o600)
        try:
            os.link(tmp, path)  # first writer wins; a concurrent process reads its values
        except FileExistsError:
            values = dict(json.loads(path.read_text()))
        finally:
            tmp.unlink()
        return values


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
