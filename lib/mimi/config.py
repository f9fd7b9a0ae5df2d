"""The one Settings object: every knob and secret, read from the environment once and validated at cold start."""

import json
import os
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from pydantic import ConfigDict, Field, SecretStr, ValidationError

from mimi.model import Model

LOCAL = "local"
# settings given as JSON in the environment (as pydantic-settings read them)
JSON_FIELDS = ("cors_origins", "llm_providers")
# The secrets: never in the template, the deployment bucket or the Lambda environment. A deployed function lists
# the ones it reads in SECRETS (comma-separated setting names) and SECRETS_PATH (their SSM path); they are read at
# its first request (fetch_secrets), when the AWS Parameters and Secrets Lambda Extension answers.
SECRET_SETTINGS = frozenset(
    {
        "supabase_service_role_key",
        "upstash_redis_rest_token",
        "upstash_redis_rest_readonly_token",
        "qstash_token",
        "qstash_current_signing_key",
        "qstash_next_signing_key",
        "line_channel_access_token",
        "app_jwt_keys",
        "refresh_token_secret",
        "llm_providers",
        "stripe_secret_key",
        "stripe_webhook_secret",
    }
)
EXTENSION_PORT = 2773  # the extension's default localhost port
_fetched: dict[str, str] = {}  # the secrets read at the first request, by environment name
# a delivery tries each provider once, numbering its attempts inside the block of 100 claim_reading hands it (0030)
MAX_LLM_PROVIDERS = 10


class ConfigError(RuntimeError):
    """A setting is missing or invalid: the cold start stops with one line that names it."""


class LlmProvider(Model):
    """One OpenAI-compatible chat-completions endpoint; providers are tried in list order."""

    name: str
    base_url: str
    api_key: SecretStr
    model: str
    timeout_s: float = (
        25.0  # the longest wait: to connect, for the first streamed chunk, between two chunks
    )
    max_tokens: int = 1600


class Settings(Model):
    """Process-wide configuration. Lambda gets these from SSM via serverless.yml; dev gets them from the stack."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    app_version: str = "0.1.0"
    stage: str = LOCAL
    log_level: str = "INFO"
    sentry_dsn: SecretStr = SecretStr(
        ""
    )  # optional error reporting (lib/mimi/error_reporting.py); off when empty
    cors_origins: list[str] = Field(default_factory=lambda: ["http://127.0.0.1:8000"])

    supabase_url: str = "http://127.0.0.1:8000"
    supabase_anon_key: SecretStr = SecretStr("")
    supabase_service_role_key: SecretStr = SecretStr("")
    db_timeout_s: float = 10.0

    upstash_redis_rest_url: str = "http://127.0.0.1:8000/upstash/redis"
    upstash_redis_rest_token: SecretStr = SecretStr("")
    # Upstash's read-only token: health only needs PING (issue 23: least privilege)
    upstash_redis_rest_readonly_token: SecretStr = SecretStr("")

    qstash_url: str = "http://127.0.0.1:8000/qstash"
    qstash_token: SecretStr = SecretStr("")
    qstash_current_signing_key: SecretStr = SecretStr("")
    qstash_next_signing_key: SecretStr = SecretStr("")
    qstash_retries: int = 3
    reading_processor_url: str = "http://127.0.0.1:8000/functions/reading_processor/"
    stale_reading_after_s: int = (
        900  # a queued reading never claimed after this is failed and refunded
    )

    line_channel_id: str = "1234567890"
    line_issuer: str = "https://access.line.me"
    line_jwks_url: str = "http://127.0.0.1:8000/line/oauth2/v2.1/certs"
    liff_url: str = "https://liff.line.me/0000000000-mimivibes"
    # LINE Messaging API (push messages when a reading is ready): reading_processor only
    line_channel_access_token: SecretStr = SecretStr("")
    line_messaging_api_url: str = "http://127.0.0.1:8000/line"

    # Private ES256 JWKs as a JSON list, auth function only; the first signs (rotation: prepend the new key).
    app_jwt_keys: SecretStr = SecretStr("[]")
    # Their public halves (JSON list of public JWKs): what every other function verifies access tokens with.
    app_jwt_public_keys: str = "[]"
    app_jwt_issuer: str = "https://api.mimivibes.app"
    access_token_ttl_s: int = 900
    refresh_token_ttl_s: int = 30 * 24 * 3600
    # HMAC key deriving each refresh token's successor, so a repeated refresh gets the same one (auth only)
    refresh_token_secret: SecretStr = SecretStr("")
    login_rate_limit: int = 20
    login_rate_window_s: int = 60

    readings_per_minute: int = 5
    readings_per_day: int = 60
    # first lines in Redis before the SQL limits (app_settings shares_per_user_per_hour, exports_per_hour)
    shares_per_hour: int = 20
    exports_per_hour: int = 3
    llm_providers: list[LlmProvider] = Field(
        default_factory=lambda: [], max_length=MAX_LLM_PROVIDERS
    )
    daily_card_max_tokens: int = (
        900  # the free daily card's output budget (below any provider's own cap)
    )

    stripe_secret_key: SecretStr = SecretStr("")
    stripe_webhook_secret: SecretStr = SecretStr("")
    stripe_api_base: str | None = None

    # payments (timeout x (retries + 1) stays inside the 10 s Lambda timeout)
    stripe_timeout_s: float = 4.0
    stripe_max_network_retries: int = 1
    payment_intents_per_minute: int = 10

    # which settings came from the environment (placeholders are defaults, allowed only locally)
    given: frozenset[str] = Field(default=frozenset(), exclude=True)

    def require(self, names: Iterable[str]) -> None:
        """Outside local, stop the cold start when a setting a function needs is not set (or empty)."""
        if self.stage == LOCAL:
            return
        for name in names:
            value = getattr(self, name)
            value = value.get_secret_value() if isinstance(value, SecretStr) else value
            if name not in self.given or value in ("", None, [], "[]"):
                raise ConfigError(f"{name.upper()} must be set for stage {self.stage!r}")


def from_env(environ: Mapping[str, str]) -> Settings:
    """Settings from environment variables named like the fields (any case); JSON for the list settings."""
    fields = Settings.model_fields
    values: dict[str, Any] = {}
    for key, raw in environ.items():
        name = key.lower()
        if name in fields and name != "given":
            values[name] = _json(name, raw) if name in JSON_FIELDS else raw
    given = frozenset(values)
    if values.get("stage", LOCAL) != LOCAL:
        values.setdefault("cors_origins", [])  # a function browsers never call allows no origin
    try:
        return Settings(**values, given=given)
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]).upper() if error["loc"] else "settings"
        raise ConfigError(f"{name}: {error['msg']}") from None


def _json(name: str, raw: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        raise ConfigError(f"{name.upper()}: not valid JSON") from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process, built once (cold start), and again once its secrets are read."""
    return from_env({**os.environ, **_fetched})


def pending_secrets() -> tuple[str, ...]:
    """The secret settings this function reads (SECRETS) that are not read yet."""
    names = (n.strip() for n in os.environ.get("SECRETS", "").split(","))
    return tuple(n for n in names if n and n.upper() not in _fetched)


def fetch_secrets() -> None:
    """At the first request, read the pending secrets through the extension and validate the settings again.

    The extension answers only once the function is invoked (never during init), so the cold start validates
    every other setting and this completes the same Settings object before any route runs.
    """
    pending = pending_secrets()
    if not pending:
        return
    unknown = set(pending) - SECRET_SETTINGS
    if unknown:
        raise ConfigError(f"SECRETS names settings that are not secrets: {sorted(unknown)}")
    from mimi import secrets  # only a function with secrets loads it

    port = int(os.environ.get("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", EXTENSION_PORT))
    token = os.environ.get("AWS_SESSION_TOKEN", "")
    values = secrets.fetch(os.environ.get("SECRETS_PATH", ""), pending, token=token, port=port)
    _fetched.update({name.upper(): value for name, value in values.items()})
    get_settings.cache_clear()
    get_settings().require(pending)
