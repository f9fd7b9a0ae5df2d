"""The one Settings object: every knob and secret, read from the environment and validated at cold start."""

from __future__ import annotations

from functools import lru_cache

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class LlmProvider(BaseModel):
    """One OpenAI-compatible chat-completions endpoint; providers are tried in list order."""

    name: str
    base_url: str
    api_key: SecretStr
    model: str
    timeout_s: float = 25.0
    max_tokens: int = 1600


class Settings(BaseSettings):
    """Process-wide configuration. Lambda gets these from SSM via serverless.yml; dev gets them from the stack."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", frozen=True)

    app_version: str = "0.1.0"
    stage: str = "local"
    log_level: str = "INFO"
    cors_origins: list[str] = Field(default_factory=lambda: ["http://127.0.0.1:8000"])

    supabase_url: str = "http://127.0.0.1:8000"
    supabase_anon_key: SecretStr = SecretStr("")
    supabase_service_role_key: SecretStr = SecretStr("")
    db_timeout_s: float = 10.0

    upstash_redis_rest_url: str = "http://127.0.0.1:8000/upstash/redis"
    upstash_redis_rest_token: SecretStr = SecretStr("")

    qstash_url: str = "http://127.0.0.1:8000/qstash"
    qstash_token: SecretStr = SecretStr("")
    qstash_current_signing_key: SecretStr = SecretStr("")
    qstash_next_signing_key: SecretStr = SecretStr("")
    qstash_retries: int = 3
    reading_processor_url: str = "http://127.0.0.1:8000/functions/reading_processor/"
    stale_reading_after_s: int = 900  # a queued reading never claimed after this is failed and refunded

    line_channel_id: str = "1234567890"
    line_issuer: str = "https://access.line.me"
    line_jwks_url: str = "http://127.0.0.1:8000/line/oauth2/v2.1/certs"
    liff_url: str = "https://liff.line.me/0000000000-mimivibes"

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
    llm_providers: list[LlmProvider] = Field(default_factory=list)

    stripe_secret_key: SecretStr = SecretStr("")
    stripe_webhook_secret: SecretStr = SecretStr("")
    stripe_api_base: str | None = None

    # payments (timeout x (retries + 1) stays inside the 10 s Lambda timeout)
    stripe_timeout_s: float = 4.0
    stripe_max_network_retries: int = 1
    payment_intents_per_minute: int = 10


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process, built once (cold start)."""
    return Settings()
