"""`make dev` greets the reader with curl lines that work when pasted."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from mimi_local.dev import banner, pace_label, try_this
from mimi_local.openai import Pace
from mimi_local.stack import LocalStack
from tests.parts import in_ci


def test_banner_lists_the_console_every_function_and_the_openai_base(stack: LocalStack) -> None:
    text = banner(stack)
    assert f"dev console (the LIFF app's part): {stack.url}/" in text
    assert f"{stack.url}/openai/v1" in text
    assert "openai pace: instant (MIMI_OPENAI_PACE)" in text  # the tests' stack answers at once
    for name in stack.functions:
        assert f"{stack.url}/functions/{name}/" in text


def test_try_this_lines_log_in_and_get_a_reading_when_pasted(stack: LocalStack) -> None:
    if shutil.which("jq") is None:
        if in_ci():
            pytest.fail("jq is missing on CI (make test installs it)")
        pytest.skip("jq is not installed")
    lines = try_this(stack.url)
    script = "\n".join(line.strip() for line in lines[1:4])
    poll = lines[-1].strip() + " -r"
    script += f'\nfor i in $(seq 1 50); do s=$({poll}); [ "$s" = completed ] && break; sleep 0.2; done\necho "$s"'
    run = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.stdout.strip().splitlines()[-1:] == ["completed"], run.stdout + run.stderr


def test_the_banner_says_the_pace_make_dev_was_given() -> None:
    assert pace_label(Pace.parse("0.5,70")) == "0.5 s to the first token, then 70 tokens a second"
    assert pace_label(Pace.parse("")) == "instant"
