"""The README's curl walkthrough, pasted in order into one bash shell, works against a fresh `make dev`.

The blocks are the README's fenced blocks whose info string is `sh walkthrough` (GitHub shows them as `sh`); one
marked `sh walkthrough expect=<code>` shows a refusal on purpose, and its output must carry that code. curl exits 0
on an HTTP error, so in every other block an HTTP error fails the block (curl runs with --fail-with-body there).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from mimi.config import Settings
from mimi_local.pg import free_port
from tests.conftest import _open_to_postgres as open_to_postgres
from tests.parts import in_ci

ROOT = Path(__file__).resolve().parents[1]
BLOCK = re.compile(
    r"^```sh walkthrough(?: expect=(?P<expect>\w+))?\n(?P<code>.*?)^```$", re.M | re.S
)
MARK = "@@walkthrough block "
FAIL_ON_HTTP_ERROR = 'curl() { command curl --fail-with-body "$@"; }'
STARTUP_S = 180  # make dev's first start: initdb and every migration, on a shared 2-core machine


@dataclass(frozen=True)
class Block:
    code: str
    expect: str | None  # the code of the refusal the block shows on purpose


@dataclass(frozen=True)
class Pasted:
    returncode: int
    outputs: list[str]  # each block's output, in order, as far as the run got
    stderr: str


def walkthrough() -> list[Block]:
    text = (ROOT / "README.md").read_text()
    return [Block(m["code"], m["expect"]) for m in BLOCK.finditer(text)]


def script(blocks: list[Block]) -> str:
    """One shell, as a reader pastes the blocks in order; a marker before each block splits the output."""
    lines = ["set -euo pipefail"]
    for number, block in enumerate(blocks):
        lines += [f"echo '{MARK}{number}'", "unset -f curl" if block.expect else FAIL_ON_HTTP_ERROR]
        lines.append(block.code)
    return "\n".join(lines)


def fresh_env() -> dict[str, str]:
    """This environment without any setting (a stack fixture may have exported its own) or the OpenAI pace."""
    names = {name.upper() for name in Settings.model_fields} | {"MIMI_OPENAI_PACE"}
    return {k: v for k, v in os.environ.items() if k.upper() not in names}


def wait_until_serving(url: str, dev: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_S
    while time.monotonic() < deadline and dev.poll() is None:
        try:
            if httpx.get(f"{url}/functions/health/", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    pytest.fail(f"make dev did not start on {url}:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def make_dev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """`make dev`'s command (the Makefile's dev recipe) on a free port and a new data folder, stopped as Ctrl-C does."""
    data = tmp_path_factory.mktemp("readme-dev")
    open_to_postgres(data)
    port, log = free_port(), data / "make-dev.log"
    command = [sys.executable, "-m", "mimi_local.dev", "--port", str(port), "--data", str(data)]
    with log.open("wb") as out:
        dev = subprocess.Popen(command, cwd=ROOT, env=fresh_env(), stdout=out, stderr=out)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(url, dev, log)
        yield url, data
    finally:
        dev.send_signal(signal.SIGINT)
        dev.wait(timeout=60)


@pytest.fixture(scope="module")
def pasted(make_dev: tuple[str, Path]) -> Pasted:
    if shutil.which("jq") is None or shutil.which("curl") is None:
        if in_ci():
            pytest.fail("jq or curl is missing on CI (make test installs jq)")
        pytest.skip("jq or curl is not installed: the README walkthrough needs both")
    url, data = make_dev
    run = subprocess.run(
        ["bash", "-c", script(walkthrough())],
        cwd=ROOT,
        env={**fresh_env(), "API": url, "DATA": str(data)},
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    outputs = run.stdout.split(MARK)[1:]
    return Pasted(run.returncode, [o.partition("\n")[2] for o in outputs], run.stderr)


def test_the_readme_marks_its_walkthrough_from_login_to_the_exchange() -> None:
    blocks = walkthrough()
    assert len(blocks) >= 5
    assert "/functions/auth/line" in blocks[0].code
    assert "/functions/credits/exchange" in blocks[-1].code
    assert [b.expect for b in blocks if b.expect] == ["already_checked_in", "insufficient_coins"]


def test_every_block_pasted_in_order_exits_zero(pasted: Pasted) -> None:
    blocks = walkthrough()
    failed = len(pasted.outputs) - 1
    assert pasted.returncode == 0, (
        f"block {failed} failed:\n{blocks[failed].code}\n--- its output:\n"
        f"{pasted.outputs[failed][-2000:]}\n--- stderr:\n{pasted.stderr[-2000:]}"
    )
    assert len(pasted.outputs) == len(blocks)


def test_each_expected_refusal_carries_its_code(pasted: Pasted) -> None:
    blocks = walkthrough()
    assert len(pasted.outputs) == len(blocks), "the walkthrough stopped before its end"
    for block, output in zip(blocks, pasted.outputs, strict=True):
        if block.expect:
            assert f'"code": "{block.expect}"' in output, output
