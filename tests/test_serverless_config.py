"""serverless.yml and functions/ must agree: every folder deployed, nothing deployed that is not a folder."""

import importlib
from pathlib import Path

import yaml

from mimi.config import Settings
from mimi_local.lambda_adapter import function_names

ROOT = Path(__file__).resolve().parents[1]


def _config() -> dict:
    return yaml.safe_load((ROOT / "serverless.yml").read_text())


def test_every_function_folder_is_deployed_and_nothing_else() -> None:
    assert set(_config()["functions"]) == set(function_names())


def test_each_function_has_its_handler_a_url_and_excludes_the_local_stack() -> None:
    config = _config()
    for name, spec in config["functions"].items():
        assert spec["handler"] == f"functions/{name}/handler.handler"
        assert spec["package"] == {"artifact": f".package/{name}.zip"}
        assert "url" in spec
    assert "!lib/mimi_local/**" in config["package"]["patterns"]


def test_runtime_matches_pyproject() -> None:
    assert _config()["provider"]["runtime"] == "python3.11"
    assert 'requires-python = ">=3.11"' in (ROOT / "pyproject.toml").read_text()


# Least privilege: each function's route table declares the settings its code reads (`Router.needs`, also what
# the cold start requires outside local); serverless.yml must give it exactly those, beyond the COMMON ones.
# A setting a function does not use is a secret it should not hold.
def _needs(name: str) -> set[str]:
    router = importlib.import_module(f"functions.{name}.handler").router
    return {setting.upper() for setting in router.needs}


NEEDS: dict[str, set[str]] = {name: _needs(name) for name in function_names()}
COMMON = {
    "STAGE",
    "LOG_LEVEL",
    "SENTRY_DSN",
}  # every function: its stage, its log level, optional error reporting


def _environment(config: dict, name: str) -> dict[str, str]:
    return {
        **config["provider"]["environment"],
        **(config["functions"][name].get("environment") or {}),
    }


def test_each_function_gets_exactly_the_settings_it_reads() -> None:
    config = _config()
    assert set(NEEDS) == set(config["functions"])
    assert set(config["provider"]["environment"]) == COMMON
    for name in NEEDS:
        assert set(_environment(config, name)) == NEEDS[name] | COMMON, name


def test_every_listed_setting_is_a_real_setting() -> None:
    fields = {name.upper() for name in Settings.model_fields}
    for name, needed in NEEDS.items():
        assert needed <= fields, (name, needed - fields)


def test_secrets_stay_with_the_one_function_that_uses_them() -> None:
    config = _config()
    holders = {
        var: {n for n in NEEDS if var in _environment(config, n)}
        for var in (
            "APP_JWT_KEYS",
            "REFRESH_TOKEN_SECRET",
            "STRIPE_SECRET_KEY",
            "STRIPE_WEBHOOK_SECRET",
            "LLM_PROVIDERS",
            "SUPABASE_SERVICE_ROLE_KEY",
            "QSTASH_TOKEN",
            "QSTASH_CURRENT_SIGNING_KEY",
        )
    }
    assert holders["APP_JWT_KEYS"] == holders["REFRESH_TOKEN_SECRET"] == {"auth"}
    stripe_holders = holders["STRIPE_SECRET_KEY"] | holders["STRIPE_WEBHOOK_SECRET"]
    assert stripe_holders == {"payments", "stripe_webhook", "reconcile"}
    assert holders["STRIPE_SECRET_KEY"] == {"payments", "reconcile"}
    assert holders["STRIPE_WEBHOOK_SECRET"] == {"stripe_webhook"}
    assert holders["LLM_PROVIDERS"] == {"reading_processor"}
    assert holders["SUPABASE_SERVICE_ROLE_KEY"] == {
        "auth",
        "reading_processor",
        "stripe_webhook",
        "reconcile",
    }
    assert holders["QSTASH_TOKEN"] == {"readings", "admin"}
    assert holders["QSTASH_CURRENT_SIGNING_KEY"] == {"reading_processor", "reconcile"}


def test_cors_has_one_source_the_apps_cors_origins() -> None:
    config = _config()
    for name, spec in config["functions"].items():
        assert spec["url"] is True, (
            f"{name}: CORS belongs to the app (CORS_ORIGINS), not the function URL"
        )
    browser_facing = {n for n in NEEDS if "CORS_ORIGINS" in NEEDS[n]}
    assert browser_facing == {
        "health",
        "auth",
        "profile",
        "credits",
        "readings",
        "payments",
        "admin",
    }


def test_user_functions_verify_with_public_keys_only() -> None:
    for name in ("profile", "credits", "readings", "payments", "admin"):
        assert {"APP_JWT_PUBLIC_KEYS", "APP_JWT_ISSUER", "SUPABASE_ANON_KEY"} <= NEEDS[name], name
        assert "APP_JWT_KEYS" not in NEEDS[name], name
        assert "SUPABASE_SERVICE_ROLE_KEY" not in NEEDS[name], name
