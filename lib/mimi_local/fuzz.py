"""`make fuzz`: Schemathesis, with all its checks and negative data, runs openapi.json against a local stack.

The stack is a throwaway one on a free port (never 8000). Every operation is fuzzed as its intended caller and as
the wrong one, in four passes (PASSES): a logged-in user, an admin, nobody (no credentials), and QStash or Stripe
(each body signed for real by the hooks in mimi_local.fuzz_hooks). Reports (JUnit, NDJSON events) go to
.fuzz/<pass>/ (git-ignored). Exit status 1 when a pass fails. `--only user admin` runs some passes.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx
import psycopg

from mimi_local.line import issue_id_token
from mimi_local.pg import free_port
from mimi_local.stack import ROOT_DIR, LocalStack

DOCUMENT = ROOT_DIR / "openapi.json"
CONFIG = ROOT_DIR / "schemathesis.toml"
REPORTS = ROOT_DIR / ".fuzz"
HOOKS = "mimi_local.fuzz_hooks"
SIGNED = r"^/functions/(reading_processor|reconcile|stripe_webhook)/"
SIGNATURE_HEADERS = ("Upstash-Signature", "Stripe-Signature")


@dataclass(frozen=True)
class Pass:
    """One Schemathesis run: who calls, which operations, how many examples each."""

    name: str
    caller: str  # "user", "admin", "signed" or "nobody"
    operations: str | None  # a path regex; None: every operation
    examples: int


PASSES = (
    # every operation as a logged-in user: admin and signed routes must refuse them (the wrong caller)
    Pass("user", "user", None, 25),
    # the admin routes as an admin (their intended caller)
    Pass("admin", "admin", r"^/functions/admin/", 30),
    # every operation with no credentials at all: only public routes may answer 2xx
    Pass("nobody", "nobody", None, 8),
    # QStash's and Stripe's routes with each generated body signed as they sign it
    Pass("signed", "signed", SIGNED, 30),
)


def access_token(stack: LocalStack, name: str = "Fuzz") -> str:
    """A fresh dev user's access token, through the real auth function."""
    id_token = issue_id_token(
        stack.secrets["line_keys"][0], stack.channel_id, "U" + secrets.token_hex(16), name
    )
    response = httpx.post(
        f"{stack.url}/functions/auth/line", json={"id_token": id_token}, timeout=30
    )
    response.raise_for_status()
    token: str = response.json()["access_token"]
    return token


def admin_token(stack: LocalStack) -> str:
    """A fresh dev user made an admin (as ops do, by the database owner), and their access token."""
    token = access_token(stack, "Fuzz Admin")
    me = httpx.get(f"{stack.url}/functions/profile/", headers={"authorization": f"Bearer {token}"})
    with psycopg.connect(
        stack.pg.dsn()
    ) as conn:  # the owner's call `python -m mimi_ops.admins add` makes
        conn.execute("select public.add_admin(%s, %s)", (me.json()["id"], "make fuzz"))
    return token


def command(
    url: str, report: Path, token: str | None, extra: list[str], document: Path = DOCUMENT
) -> list[str]:
    """The schemathesis command line of one run (a bearer token when given)."""
    tool = str(Path(sys.executable).with_name("schemathesis"))
    args = [tool, "--config-file", str(CONFIG), "run", str(document), "--url", url]
    args += ["--checks", "all", "--report", "junit,ndjson", "--report-dir", str(report)]
    args += ["--request-timeout", "15"]
    if token:
        args += ["--header", f"Authorization: Bearer {token}"]
    return args + extra


def unsigned_document(target: Path) -> Path:
    """openapi.json without the signature headers: in the signed pass the hooks sign every delivery, so
    Schemathesis varies the bodies only (the passes of the other callers vary the signatures)."""
    document = json.loads(DOCUMENT.read_text())
    for operations in document["paths"].values():
        for operation in operations.values():
            params = operation.get("parameters", [])
            operation["parameters"] = [p for p in params if p["name"] not in SIGNATURE_HEADERS]
    target.parent.mkdir(parents=True, exist_ok=True)  # a fresh checkout has no .fuzz/ yet
    target.write_text(json.dumps(document))
    return target


def pass_command(stack: LocalStack, run: Pass, extra: list[str]) -> list[str]:
    """The command line of one pass: its caller's credentials, its operations and examples."""
    token = {"user": access_token, "admin": admin_token}.get(run.caller)
    args = ["--max-examples", str(run.examples)]
    if run.operations:
        args += ["--include-path-regex", run.operations]
    report = REPORTS / run.name
    document = unsigned_document(report / "openapi.json") if run.caller == "signed" else DOCUMENT
    return command(stack.url, report, token(stack) if token else None, args + extra, document)


def hook_env(stack: LocalStack, run: Pass) -> dict[str, str]:
    """What the signing hooks read: the stack's keys, only in the signed pass."""
    env = {**os.environ, "SCHEMATHESIS_HOOKS": HOOKS}
    if run.caller == "signed":
        env |= {
            "MIMI_FUZZ_BASE_URL": stack.url,
            "MIMI_FUZZ_QSTASH_KEY": stack.secrets["qstash_current_signing_key"],
            "MIMI_FUZZ_STRIPE_SECRET": stack.secrets["stripe_webhook_secret"],
        }
    return env


def say(text: str) -> None:
    """Print to the terminal even while the stack's output is redirected."""
    print(text, file=sys.__stdout__, flush=True)


def run_passes(stack: LocalStack, passes: list[Pass], extra: list[str], jobs: int) -> int:
    """Run the passes, `jobs` at a time (each Schemathesis with one worker: Python 3.11's ast.parse, which
    Hypothesis calls, is not thread-safe), each printing its output once it ends; the worst exit status."""
    worst, waiting = 0, list(passes)
    running: list[tuple[Pass, subprocess.Popen[bytes], IO[str], float]] = []
    while waiting or running:
        while waiting and len(running) < jobs:
            each = waiting.pop(0)
            (REPORTS / each.name).mkdir(parents=True, exist_ok=True)
            args = pass_command(stack, each, ["--workers", "1", *extra])
            log = (REPORTS / each.name / "output.txt").open("w")
            process = subprocess.Popen(  # noqa: S603
                args, env=hook_env(stack, each), stdout=log, stderr=subprocess.STDOUT
            )
            running.append((each, process, log, time.monotonic()))
        time.sleep(0.5)
        for job in [job for job in running if job[1].poll() is not None]:
            running.remove(job)
            each, process, output, started = job
            output.close()
            took = time.monotonic() - started
            say((REPORTS / each.name / "output.txt").read_text())
            say(f"== {each.name}: exit {process.returncode} in {took:.0f} s")
            worst = max(worst, process.returncode)
    return worst


def run(extra: list[str], only: list[str] | None = None, jobs: int = 2) -> int:
    """Start a stack, run each wanted pass, stop the stack; the worst exit status."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="mimi-fuzz-") as data:
        stack = LocalStack(
            Path(data),
            port=free_port(),
            qstash_backoff_scale=0.01,
            extra_env={"LOG_LEVEL": "ERROR"},
        )
        stack.start()
        REPORTS.mkdir(exist_ok=True)
        print(f"== schemathesis against {stack.url}; reports in .fuzz/<pass>/", flush=True)
        # the functions' error logs and metric lines go to a file of their own (a 500's traceback frames too)
        with (REPORTS / "stack-output.txt").open("w") as out, contextlib.redirect_stdout(out):
            try:
                wanted = [p for p in PASSES if not only or p.name in only]
                worst = run_passes(stack, wanted, extra, jobs)
            finally:
                stack.stop()
    print(f"== make fuzz: {'failed' if worst else 'passed'} in {time.monotonic() - started:.0f} s")
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--only", nargs="+", choices=[p.name for p in PASSES], help="some passes")
    parser.add_argument("--jobs", type=int, default=2, help="passes at a time (default 2)")
    args, extra = parser.parse_known_args()
    raise SystemExit(1 if run(extra, args.only, args.jobs) else 0)


if __name__ == "__main__":
    main()
