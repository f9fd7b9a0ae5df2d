"""Secrets read at the first request through the Parameters and Secrets extension (its local stand-in)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mimi import config, secrets
from mimi.config import ConfigError, from_env, get_settings
from mimi_local.stack import SECRETS_PATH, LocalStack


@pytest.fixture
def fresh_secrets(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """No secret read yet, settings rebuilt from the environment; both restored afterwards."""
    monkeypatch.setattr(config, "_fetched", {})
    get_settings.cache_clear()
    yield monkeypatch
    monkeypatch.undo()
    get_settings.cache_clear()


def test_the_extension_answers_each_secret_decrypted(stack: LocalStack) -> None:
    token = stack.secrets["aws_session_token"]
    names = ("stripe_webhook_secret", "app_jwt_keys")
    values = secrets.fetch(SECRETS_PATH, names, token=token, port=stack.port)
    assert values == {name: stack.env()[name.upper()] for name in names}


def test_a_wrong_session_token_names_the_setting_and_never_a_value(stack: LocalStack) -> None:
    with pytest.raises(ConfigError) as err:
        secrets.fetch(SECRETS_PATH, ("stripe_secret_key",), token="not-ours", port=stack.port)
    assert str(err.value) == "STRIPE_SECRET_KEY: the secrets extension answered 401"
    assert stack.secrets["stripe_secret_key"] not in str(err.value)


def test_a_missing_parameter_stops_the_first_request(stack: LocalStack) -> None:
    token = stack.secrets["aws_session_token"]
    with pytest.raises(ConfigError, match=r"^QSTASH_TOKEN: the secrets extension answered 400$"):
        secrets.fetch("/mimivibes/nowhere", ("qstash_token",), token=token, port=stack.port)


def test_settings_are_complete_after_the_first_request_reads_their_secrets(
    stack: LocalStack, fresh_secrets: pytest.MonkeyPatch
) -> None:
    for name, value in stack.secrets_env(["stripe_secret_key", "qstash_token"]).items():
        fresh_secrets.setenv(name, value)
    fresh_secrets.delenv("STRIPE_SECRET_KEY")
    fresh_secrets.delenv("QSTASH_TOKEN")
    assert config.pending_secrets() == ("stripe_secret_key", "qstash_token")
    assert get_settings().stripe_secret_key.get_secret_value() == ""
    config.fetch_secrets()
    assert get_settings().stripe_secret_key.get_secret_value() == stack.secrets["stripe_secret_key"]
    assert get_settings().qstash_token.get_secret_value() == stack.secrets["qstash_token"]
    assert config.pending_secrets() == ()


def test_secrets_names_only_secret_settings(fresh_secrets: pytest.MonkeyPatch) -> None:
    fresh_secrets.setenv("SECRETS", "stripe_secret_key,supabase_url")
    with pytest.raises(ConfigError, match="not secrets: \\['supabase_url'\\]"):
        config.fetch_secrets()


def test_a_function_browsers_never_call_allows_no_origin_outside_local() -> None:
    assert from_env({"STAGE": "prod"}).cors_origins == []
    assert from_env({"STAGE": "prod", "CORS_ORIGINS": '["https://liff.line.me"]'}).cors_origins == [
        "https://liff.line.me"
    ]
    assert from_env({}).cors_origins == ["http://127.0.0.1:8000"]  # local keeps its placeholder


def test_the_cold_start_requires_every_setting_but_the_secrets_it_reads_later(
    fresh_secrets: pytest.MonkeyPatch,
) -> None:
    from mimi.app import create_app
    from mimi.payments.webhook_api import router

    fresh_secrets.setenv("STAGE", "prod")
    fresh_secrets.setenv("SUPABASE_URL", "https://project.supabase.co")
    for name in ("SUPABASE_SERVICE_ROLE_KEY", "STRIPE_WEBHOOK_SECRET"):
        fresh_secrets.delenv(name, raising=False)
    with pytest.raises(ConfigError, match="must be set for stage 'prod'"):
        create_app("stripe_webhook", router)
    fresh_secrets.setenv("SECRETS", "supabase_service_role_key,stripe_webhook_secret")
    get_settings.cache_clear()
    create_app(
        "stripe_webhook", router
    )  # the two secrets are required at the first request instead
