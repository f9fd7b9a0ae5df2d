"""serverless.yml and functions/ must agree: every folder deployed, nothing deployed that is not a folder."""

from pathlib import Path

import yaml

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
