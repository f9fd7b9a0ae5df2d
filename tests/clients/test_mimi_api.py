"""The typed client (clients/mimi-api): its generated types match openapi.json, it installs only from its lock,
and its README shows the example CI compiles (`make client-check` runs tsc --strict on it)."""

from __future__ import annotations

import json
import re
import subprocess

from tests.parts import CLIENT, node_or_skip

EXAMPLE = CLIENT / "examples" / "usage.ts"
EXAMPLE_START, EXAMPLE_END = "<!-- example:start -->", "<!-- example:end -->"


def test_the_generated_types_are_current_against_openapi_json() -> None:
    node_or_skip()
    generated = subprocess.run(
        ["npm", "run", "-s", "types"],  # noqa: S607
        cwd=CLIENT,
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    ).stdout
    assert generated == (CLIENT / "src" / "schema.d.ts").read_text(), "run make client"


def test_the_types_carry_the_fields_of_each_next_step() -> None:
    types = (CLIENT / "src" / "schema.d.ts").read_text()
    for name, fields in {
        "InsufficientCreditsProblem": ("price", "stars", "free_points"),
        "InsufficientCoinsProblem": ("coins_needed", "coins"),
        "AlreadyCheckedInProblem": ("next_check_in",),
        "RateLimitedProblem": ("retry_after",),
    }.items():
        block = types.split(f"{name}: components")[1].split("};")[0]
        for field in fields:
            assert re.search(rf"\b{field}: (number|string);", block), (name, field)


def test_every_package_is_pinned_exactly_and_locked_in_lockfile_version_3() -> None:
    package = json.loads((CLIENT / "package.json").read_text())
    lock = json.loads((CLIENT / "package-lock.json").read_text())
    wanted = {**package.get("dependencies", {}), **package.get("devDependencies", {})}
    assert wanted and all(re.fullmatch(r"\d+\.\d+\.\d+", v) for v in wanted.values()), wanted
    assert lock["lockfileVersion"] == 3
    for name, version in wanted.items():
        assert lock["packages"][f"node_modules/{name}"]["version"] == version, name


def test_the_readme_shows_the_example_ci_compiles() -> None:
    readme = (CLIENT / "README.md").read_text()
    shown = readme.split(EXAMPLE_START)[1].split(EXAMPLE_END)[0]
    code = shown.split("```ts\n", 1)[1].rsplit("```", 1)[0]
    assert code == EXAMPLE.read_text(), "copy examples/usage.ts into the README between its markers"
