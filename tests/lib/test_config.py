"""Settings from the environment: same names and JSON lists as before; outside local, a missing setting stops."""

from __future__ import annotations

import json

import pytest

from mimi.app import create_app
from mimi.config import ConfigError, from_env
from mimi.profile.api import router as profile_router

PROVIDER = {"name": "p", "base_url": "https://llm.example/v1", "api_key": "k", "model": "m"}


def test_names_defaults_and_json_lists_are_read_as_before() -> None:
    s = from_env(
        {
            "SUPABASE_URL": "https://db.example",
            "cors_origins": '["https://a.example"]',
            "LLM_PROVIDERS": json.dumps([PROVIDER]),
            "APP_JWT_KEYS": '[{"kid": "a"}]',
            "READINGS_PER_DAY": "7",
            "UNRELATED": "x",
        }
    )
    assert s.supabase_url == "https://db.example"
    assert s.cors_origins == ["https://a.example"]
    assert s.llm_providers[0].api_key.get_secret_value() == "k"
    assert s.readings_per_day == 7
    assert s.app_jwt_keys.get_secret_value() == '[{"kid": "a"}]'
    assert s.stage == "local"
    assert s.db_timeout_s == 10.0
    assert s.qstash_retries == 3


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"CORS_ORIGINS": "https://a.example"}, "CORS_ORIGINS: not valid JSON"),
        ({"READINGS_PER_DAY": "many"}, "READINGS_PER_DAY: Input should be a valid integer"),
    ],
)
def test_an_invalid_value_stops_with_one_line_naming_it(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as stopped:
        from_env(env)
    assert str(stopped.value).startswith(message)
    assert "\n" not in str(stopped.value)


def test_outside_local_a_missing_or_empty_setting_stops_the_cold_start() -> None:
    given = {
        "STAGE": "prod",
        "SUPABASE_URL": "https://db.example",
        "CORS_ORIGINS": '["https://liff.example"]',
        "APP_JWT_ISSUER": "https://api.example",
        "APP_JWT_PUBLIC_KEYS": '[{"kid": "a", "kty": "EC", "crv": "P-256", "x": "x", "y": "y"}]',
        "UPSTASH_REDIS_REST_URL": "https://redis.example",  # the export's rate limit
        "UPSTASH_REDIS_REST_TOKEN": "token",
    }
    with pytest.raises(ConfigError, match=r"^SUPABASE_ANON_KEY must be set for stage 'prod'$"):
        from_env(given).require(profile_router.needs)
    with pytest.raises(ConfigError, match=r"^SUPABASE_ANON_KEY must be set"):
        from_env({**given, "SUPABASE_ANON_KEY": ""}).require(profile_router.needs)
    with pytest.raises(
        ConfigError, match=r"^SUPABASE_URL must be set"
    ):  # the local placeholder is not enough
        from_env({**given, "SUPABASE_URL": "", "SUPABASE_ANON_KEY": "anon"}).require(
            profile_router.needs
        )
    from_env({**given, "SUPABASE_ANON_KEY": "anon"}).require(profile_router.needs)


def test_local_runs_on_placeholders() -> None:
    from_env({}).require(profile_router.needs)


def test_create_app_refuses_to_start_without_what_its_routes_need(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from mimi.config import get_settings

    monkeypatch.setenv("STAGE", "prod")
    monkeypatch.delenv("SUPABASE_ANON_KEY", raising=False)
    get_settings.cache_clear()
    try:
        with pytest.raises(ConfigError, match="must be set for stage 'prod'"):
            create_app("profile", profile_router)
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
