"""`make fuzz`: Schemathesis, with all its checks, runs every operation of openapi.json against a local stack.

The stack is a throwaway one on a free port (never 8000). Two runs: with a dev user's valid access token, and
without one. Reports (JUnit, NDJSON events) go to .fuzz/<run>/ (git-ignored). Exit status 1 when a run fails.
"""

from __future__ import annotations

import argparse
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from mimi_local.line import issue_id_token
from mimi_local.pg import free_port
from mimi_local.stack import ROOT_DIR, LocalStack

DOCUMENT = ROOT_DIR / "openapi.json"
CONFIG = ROOT_DIR / "schemathesis.toml"
REPORTS = ROOT_DIR / ".fuzz"


def access_token(stack: LocalStack) -> str:
    """A fresh dev user's access token, through the real auth function."""
    id_token = issue_id_token(
        stack.secrets["line_keys"][0], stack.channel_id, "U" + secrets.token_hex(16), "Fuzz"
    )
    response = httpx.post(
        f"{stack.url}/functions/auth/line", json={"id_token": id_token}, timeout=30
    )
    response.raise_for_status()
    token: str = response.json()["access_token"]
    return token


def command(url: str, report: Path, token: str | None, extra: list[str]) -> list[str]:
    """The schemathesis command line of one run."""
    tool = str(Path(sys.executable).with_name("schemathesis"))
    args = [
        tool,
        "--config-file",
        str(CONFIG),
        "run",
        str(DOCUMENT),
        "--url",
        url,
        "--checks",
        "all",
        "--report",
        "junit,ndjson",
        "--report-dir",
        str(report),
        "--request-timeout",
        "15",
    ]
    if token:
        args += ["--header", f"Authorization: Bearer {token}"]
    return args + extra


def run(extra: list[str], only: str | None = None) -> int:
    """Start a stack, run each wanted pass, stop the stack; the worst exit status."""
    worst = 0
    with tempfile.TemporaryDirectory(prefix="mimi-fuzz-") as data:
        stack = LocalStack(
            Path(data),
            port=free_port(),
            qstash_backoff_scale=0.01,
            extra_env={"LOG_LEVEL": "ERROR"},
        )  # the functions' JSON logs would bury the report
        stack.start()
        try:
            for name, token in (("with-token", access_token(stack)), ("without-token", None)):
                if only and only != name:
                    continue
                started = time.monotonic()
                print(f"== schemathesis, {name}, against {stack.url}", flush=True)
                status = subprocess.call(command(stack.url, REPORTS / name, token, extra))  # noqa: S603
                print(
                    f"== {name}: exit {status} in {time.monotonic() - started:.0f} s; report in "
                    f"{(REPORTS / name).relative_to(ROOT_DIR)}",
                    flush=True,
                )
                worst = max(worst, status)
        finally:
            stack.stop()
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=("with-token", "without-token"), help="run one pass")
    args, extra = parser.parse_known_args()
    raise SystemExit(1 if run(extra, args.only) else 0)


if __name__ == "__main__":
    main()
