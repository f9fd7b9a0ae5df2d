"""serverless.yml and functions/ must agree: every folder deployed, nothing deployed that is not a folder."""

from pathlib import Path

import yaml

from mimi.config import SECRET_SETTINGS, Settings
from mimi_local.lambda_adapter import function_names
from mimi_ops.deploy_check import expected

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
    assert "!lib/mimi_ops/**" in config["package"]["patterns"]


def test_runtime_matches_pyproject() -> None:
    assert _config()["provider"]["runtime"] == "python3.11"
    assert 'requires-python = ">=3.11"' in (ROOT / "pyproject.toml").read_text()


# Least privilege: each function's route table declares the settings its code reads (`Router.needs`, also what
# the cold start requires outside local); serverless.yml must give it exactly those, beyond the COMMON ones, with
# its secrets only named in SECRETS (read at the first request). `make deploy-check` checks the same on the
# rendered template; this reads serverless.yml itself, so `make test` catches a drift without Node.
FUNCTIONS = expected.functions()


def _environment(config: dict, name: str) -> dict[str, str]:
    return {
        **config["provider"]["environment"],
        **(config["functions"][name].get("environment") or {}),
    }


def test_each_function_gets_exactly_the_settings_it_reads_and_only_names_its_secrets() -> None:
    config = _config()
    assert set(FUNCTIONS) == set(config["functions"])
    assert set(config["provider"]["environment"]) == expected.COMMON
    for name, fn in FUNCTIONS.items():
        env = _environment(config, name)
        assert set(env) == fn.environment, name
        assert set(filter(None, str(env.get("SECRETS", "")).split(","))) == fn.secrets, name


def test_every_listed_setting_is_a_real_setting() -> None:
    fields = set(Settings.model_fields)
    for name, fn in FUNCTIONS.items():
        assert fn.needs <= fields, (name, fn.needs - fields)


def test_secrets_stay_with_the_functions_that_use_them() -> None:
    holders = {
        secret: {n for n, fn in FUNCTIONS.items() if secret in fn.secrets}
        for secret in SECRET_SETTINGS
    }
    assert holders["app_jwt_keys"] == holders["refresh_token_secret"] == {"auth"}
    assert holders["stripe_secret_key"] == {"payments", "reconcile"}
    assert holders["stripe_webhook_secret"] == {"stripe_webhook"}
    assert holders["llm_providers"] == {"reading_processor"}
    assert holders["supabase_service_role_key"] == {
        "auth",
        "reading_processor",
        "stripe_webhook",
        "reconcile",
    }
    assert holders["qstash_token"] == {"readings", "admin"}
    assert holders["upstash_redis_rest_readonly_token"] == {"health"}
    assert holders["upstash_redis_rest_token"] == {"auth", "profile", "readings", "payments"}
    assert holders["qstash_current_signing_key"] == {"reading_processor", "reconcile"}


def test_each_role_reads_exactly_its_functions_secrets() -> None:
    resources = _config()["resources"]["Resources"]
    for name, fn in FUNCTIONS.items():
        role = resources[_config()["functions"][name]["role"]]["Properties"]
        assert role["RoleName"] == f"${{self:service}}-${{sls:stage}}-{name}"
        readable = {
            str(r["Fn::Sub"]).rsplit("/", 1)[-1]
            for statement in role["Policies"][0]["PolicyDocument"]["Statement"]
            if statement["Action"] == "ssm:GetParameter"
            for r in statement["Resource"]
        }
        assert readable == fn.secrets, name


def test_cors_has_one_source_the_apps_cors_origins() -> None:
    config = _config()
    for name, spec in config["functions"].items():
        assert spec["url"] is True, (
            f"{name}: CORS belongs to the app (CORS_ORIGINS), not the function URL"
        )
    browser_facing = {n for n, fn in FUNCTIONS.items() if "cors_origins" in fn.needs}
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
        needs = FUNCTIONS[name].needs
        assert {"app_jwt_public_keys", "app_jwt_issuer", "supabase_anon_key"} <= needs, name
        assert "app_jwt_keys" not in needs, name
        assert "supabase_service_role_key" not in needs, name


def test_the_processor_url_comes_from_the_stack_not_from_ssm() -> None:
    config = _config()
    for name in ("readings", "admin"):
        url = config["functions"][name]["environment"]["READING_PROCESSOR_URL"]
        assert url == {"Fn::GetAtt": ["ReadingUnderscoreprocessorLambdaFunctionUrl", "FunctionUrl"]}
