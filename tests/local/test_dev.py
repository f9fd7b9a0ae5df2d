"""`make dev` greets the reader with curl lines that work when pasted."""

from __future__ import annotations

import fcntl
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from mimi_local.dev import DevError, banner, check_port, pace_label, try_this
from mimi_local.openai import Pace
from mimi_local.pg import free_port
from mimi_local.redis.server import RedisBackend
from mimi_local.stack import LocalStack
from tests.conftest import _open_to_postgres as open_to_postgres
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


def dev(data: Path, port: int) -> subprocess.CompletedProcess[str]:
    """`make dev`'s command on a port and data folder, as make runs it."""
    return subprocess.run(
        [sys.executable, "-m", "mimi_local.dev", "--port", str(port), "--data", str(data)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def processes_on(data: Path) -> list[str]:
    """Command lines of running processes that name this data folder (a Postgres or redis-server)."""
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if str(data) in cmdline and int(proc.name) != os.getpid():
            found.append(cmdline)
    return found


def test_a_taken_port_is_one_line_and_stops_the_leftovers_of_a_killed_make_dev(
    tmp_path: Path,
) -> None:
    open_to_postgres(tmp_path)
    data = tmp_path / "data"
    left = LocalStack(data, port=free_port(), persist=True)  # what a killed make dev leaves running
    left.pg.start()
    left.redis = RedisBackend(data / "redis", persist=True)
    left.redis.start()
    try:
        assert processes_on(data)
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = taken.getsockname()[1]
            done = dev(data, port)
    finally:
        if processes_on(data):  # make dev did not stop them: stop them here, then fail below
            left.stop()
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines() == [
        f"make dev: port {port} on 127.0.0.1 is in use: stop what holds it "
        f"(ss -ltnp 'sport = :{port}') or choose another, e.g. make dev PORT=8100"
    ]
    assert processes_on(data) == []


def test_a_data_folder_another_make_dev_holds_is_one_line_and_starts_nothing(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    with (data / ".dev.lock").open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        held.write("4242")
        held.flush()
        done = dev(data, free_port())
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines() == [
        f"make dev: {data} is in use by another make dev (pid 4242): stop it, or use another "
        "folder, e.g. make dev DATA=/tmp/mimi-2 PORT=8100"
    ]
    assert not (data / "postgres").exists()
    assert processes_on(data) == []


def test_the_banner_says_the_pace_make_dev_was_given() -> None:
    assert pace_label(Pace.parse("0.5,70")) == "0.5 s to the first token, then 70 tokens a second"
    assert pace_label(Pace.parse("")) == "instant"


def test_a_port_left_closing_by_a_stopped_make_dev_is_free_and_a_listened_one_is_not() -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        with pytest.raises(DevError, match=f"port {port} .* is in use"):
            check_port("127.0.0.1", port)
        with socket.create_connection(("127.0.0.1", port)) as client:
            accepted, _ = server.accept()
            accepted.close()  # the server's side closes first: its port stays in TIME_WAIT
            client.recv(1)
    check_port("127.0.0.1", port)
