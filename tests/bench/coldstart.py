"""Run a function's unzipped package as Lambda would: a fresh isolated interpreter, the handler, one event.

Shared by the cold-start bench (tests/bench/bench_coldstart.py) and the package test (tests/ops/test_package.py).
The child is `python -I -S -B`: no site, no user paths, no bytecode writes (/var/task is read-only), and
sys.path is the stdlib plus the package folder. Its environment is the one the dev stack gives functions.
Peak RSS is the child's own VmHWM: Linux carries ru_maxrss over execve, so getrusage in (or wait4 on) a child
forked from a 110 MB pytest process reports the parent's peak, not the function's.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mimi_local.lambda_adapter import build_event
from mimi_local.stack import LocalStack
from mimi_local.stripe import sign_payload
from mimi_ops.admins.cli import run as admins
from tests.functions.conftest import line_token, login
from tests.functions.readings_support import qstash_signature

# Runs in the child. Lambda's Python runtime (awslambdaric's bootstrap.py, which the managed python3.x runtimes
# run) has these loaded before it imports the handler: its own imports and theirs (lambda_runtime_client takes a
# ThreadPoolExecutor, the marshaller decimal and math, the log utils datetime and enum). They are imported before
# the clock starts; everything the handler module pulls in beyond them is timed.
RUNTIME_PRELOADED = (
    "importlib",
    "json",
    "logging",
    "os",
    "sys",
    "time",
    "traceback",
    "datetime",
    "enum",
    "decimal",
    "math",
    "concurrent.futures.thread",
)
PRELOAD = "import " + ", ".join(RUNTIME_PRELOADED) + "\n"
CHILD = (
    PRELOAD
    + r"""
root, name, event_path, out_path, warm = sys.argv[1:6]
with open(event_path) as f:
    event = json.load(f)

def peak_rss_kb():
    with open("/proc/self/status") as f:
        return int(next(line for line in f if line.startswith("VmHWM:")).split()[1])

class Context:
    function_name = name
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:ap-southeast-1:000000000000:function:" + name
    def __init__(self, n):
        self.aws_request_id = "bench-%d" % n
    def get_remaining_time_in_millis(self):
        return 10000

started, started_cpu = time.perf_counter(), time.process_time()
sys.path.insert(0, root)
import importlib
handler = importlib.import_module("functions.%s.handler" % name).handler
imported, imported_cpu = time.perf_counter(), time.process_time()
response = handler(event, Context(0))
answered, answered_cpu = time.perf_counter(), time.process_time()
rss_kb = peak_rss_kb()
never_run = sys.modules["mimi.coldstart"].pending()
warm_ms, warm_cpu_ms = [], []
for n in range(int(warm)):
    t, c = time.perf_counter(), time.process_time()
    handler(event, Context(n + 1))
    warm_ms.append((time.perf_counter() - t) * 1000)
    warm_cpu_ms.append((time.process_time() - c) * 1000)
mimi = sys.modules["mimi"].__file__
result = {"import_ms": (imported - started) * 1000, "first_ms": (answered - imported) * 1000, "rss_kb": rss_kb,
          "import_cpu_ms": (imported_cpu - started_cpu) * 1000, "first_cpu_ms": (answered_cpu - imported_cpu) * 1000,
          "status": response["statusCode"], "body": response.get("body", "")[:500],
          "warm_ms": warm_ms, "warm_cpu_ms": warm_cpu_ms, "mimi": mimi, "never_run": never_run,
          "modules": sorted({m.split(".")[0] for m in sys.modules})}
with open(out_path, "w") as f:
    json.dump(result, f)
"""
)

Event = dict[str, Any]


# The floor: an interpreter that imports nothing and only reads its own peak RSS.
FLOOR = (
    "import sys\nwith open('/proc/self/status') as f, open(sys.argv[1], 'w') as out:\n"
    "    out.write(next(line for line in f if line.startswith('VmHWM:')).split()[1])"
)


@dataclass
class Run:
    """One child: what it measured (import, first request, peak RSS) and its whole-process wall time."""

    result: dict[str, Any]
    wall_ms: float

    @property
    def rss_mb(self) -> float:
        return float(self.result["rss_kb"]) / 1024


DOMAIN = "fn.lambda-url.ap-southeast-1.on.aws"  # the function URL's host in every event


def _headers(**extra: str) -> dict[str, str]:
    return {"host": DOMAIN, "x-forwarded-proto": "https", "user-agent": "coldstart-bench", **extra}


def _json_event(method: str, path: str, body: Any = None, **headers: str) -> Event:
    raw = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    extra = {"content-type": "application/json"} if raw else {}
    return build_event(method, path, "", _headers(**extra, **headers), raw, domain=DOMAIN)


def _signed_stripe_event(stack: LocalStack) -> Event:
    """A signed payment_intent.payment_failed for an unknown intent: verified, parsed, stored, answered 200."""
    obj = {
        "id": "pi_bench" + secrets.token_hex(8),
        "object": "payment_intent",
        "amount": 3500,
        "currency": "thb",
    }
    event = {
        "id": "evt_" + secrets.token_hex(12),
        "object": "event",
        "api_version": "2026-10-28.endive",
        "created": int(time.time()),
        "data": {"object": obj},
        "livemode": False,
        "type": "payment_intent.payment_failed",
    }
    payload = json.dumps(event)
    signature = sign_payload(payload, stack.secrets["stripe_webhook_secret"])
    return _json_event("POST", "/", payload.encode(), **{"stripe-signature": signature})


def _signed_sweep(stack: LocalStack) -> Event:
    """The scheduled sweep, signed as QStash signs it for the processor's /sweep URL."""
    url = f"https://{DOMAIN}/sweep"
    signature = qstash_signature(stack.secrets["qstash_current_signing_key"], url, b"")
    headers = _headers(**{"upstash-signature": signature})
    return build_event("POST", "/sweep", "", headers, b"", domain=DOMAIN)


def _signed_reconcile(stack: LocalStack) -> Event:
    """The nightly run, signed as QStash signs it for the function's URL (Stripe listed, one SQL call)."""
    signature = qstash_signature(
        stack.secrets["qstash_current_signing_key"], f"https://{DOMAIN}/", b"{}"
    )
    return _json_event("POST", "/", b"{}", **{"upstash-signature": signature})


class Events:
    """One representative function-URL event per function, fresh for every run (signatures and tokens)."""

    def __init__(self, stack: LocalStack):
        self.stack = stack
        self.sub = "U" + secrets.token_hex(16)
        self.access = str(login(stack, name="Bench")["access_token"])
        self.admin_access: str | None = None

    def _bearer(self, path: str) -> Event:
        return _json_event("GET", path, authorization=f"Bearer {self.access}")

    def _admin(self, path: str) -> Event:
        """A GET as an admin: a user made one as ops would, with the admins CLI (once per Events)."""
        if self.admin_access is None:
            session = login(self.stack, name="Bench admin")
            admins(self.stack.pg.dsn(), "add", session["user"]["id"], "cold-start bench")
            self.admin_access = str(session["access_token"])
        return _json_event("GET", path, authorization=f"Bearer {self.admin_access}")

    def builders(self) -> dict[str, Callable[[], Event]]:
        return {
            "health": lambda: _json_event("GET", "/"),
            "auth": lambda: _json_event(
                "POST", "/line", {"id_token": line_token(self.stack, self.sub, "Bench")}
            ),
            "profile": lambda: self._bearer("/"),
            "readings": lambda: self._bearer("/"),
            "credits": lambda: self._bearer("/referral"),
            "payments": lambda: self._bearer("/packages"),
            "stripe_webhook": lambda: _signed_stripe_event(self.stack),
            "reading_processor": lambda: _signed_sweep(self.stack),
            "admin": lambda: self._admin("/me"),
            "reconcile": lambda: _signed_reconcile(self.stack),
        }

    def event(self, name: str) -> Event:
        return self.builders()[name]()


def child_env(stack: LocalStack, secrets: list[str] | None = None) -> dict[str, str]:
    """What the dev server gives a function (its settings), PATH, and nothing else from this process.

    With `secrets`, those settings are not in the environment: the function reads them at its first request
    through the secrets extension stand-in, as a deployed function does (SECRETS in serverless.yml).
    """
    env = stack.env() if secrets is None else stack.secrets_env(secrets)
    return {**env, "PATH": os.environ.get("PATH", "/usr/bin:/bin")}


CALLGRIND = ("valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null")


def run_process(
    python: Path | str,
    args: list[str],
    env: dict[str, str],
    timeout: float = 120,
    wrapper: tuple[str, ...] = (),
) -> tuple[float, str]:
    """Run `python -I -S -B args...` (under wrapper, if any); return its wall time (ms) and its stderr.

    Raises with the stderr if it fails.
    """
    started = time.perf_counter()
    done = subprocess.run(
        [*wrapper, str(python), "-I", "-S", "-B", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        timeout=timeout,
        check=False,
    )
    wall = (time.perf_counter() - started) * 1000
    stderr = done.stderr.decode(errors="replace")
    if done.returncode != 0:
        raise AssertionError(f"child exited {done.returncode}: {stderr[-3000:]}")
    return wall, stderr


def instructions(stderr: str) -> int:
    """The instruction count callgrind reports for the whole process."""
    found = re.search(r"Collected : (\d+)", stderr)
    if found is None:
        raise AssertionError(f"no instruction count from valgrind: {stderr[-1000:]}")
    return int(found.group(1))


def run_floor(python: Path | str, env: dict[str, str]) -> Run:
    """`python -I -S -B` that does nothing: the wall time and peak RSS every function pays first."""
    with tempfile.TemporaryDirectory(prefix="coldstart-") as tmp:
        out_path = Path(tmp) / "rss"
        wall, _ = run_process(python, ["-c", FLOOR, str(out_path)], env)
        return Run({"rss_kb": int(out_path.read_text())}, wall)


def floor_instructions(python: Path | str, env: dict[str, str]) -> int:
    """Instructions of an interpreter that loads only what Lambda's runtime has loaded (valgrind): the floor of
    an instruction count."""
    _, stderr = run_process(python, ["-c", PRELOAD], env, wrapper=CALLGRIND)
    return instructions(stderr)


def run_cold(
    python: Path | str,
    root: Path,
    name: str,
    event: Event,
    env: dict[str, str],
    warm: int = 0,
    count: bool = False,
) -> Run:
    """Import functions/<name>/handler from root in a fresh interpreter, serve event once (then `warm` times).

    The child also gets AWS_LAMBDA_FUNCTION_NAME, as Lambda's runtime sets it (mimi.coldstart reads it).
    With count, it runs under valgrind's callgrind and result["instructions"] is the whole process's count:
    the same for the same code and input, however busy the machine is (its times are then meaningless).
    """
    with tempfile.TemporaryDirectory(prefix="coldstart-") as tmp:
        event_path, out_path = Path(tmp) / "event.json", Path(tmp) / "result.json"
        event_path.write_text(json.dumps(event))
        args = ["-c", CHILD, str(root), name, str(event_path), str(out_path), str(warm)]
        child = {**env, "AWS_LAMBDA_FUNCTION_NAME": name}
        wrapper, timeout = (
            (CALLGRIND, 900.0) if count else ((), 120.0)
        )  # valgrind on a busy machine: minutes
        wall, stderr = run_process(python, args, child, timeout=timeout, wrapper=wrapper)
        result: dict[str, Any] = json.loads(out_path.read_text())
    if count:
        result["instructions"] = instructions(stderr)
    return Run(result, wall)


def base_python() -> str:
    """The interpreter the venv was made from (the venv's own python would add nothing under -S anyway)."""
    exe = Path(sys.base_prefix) / "bin" / f"python{sys.version_info.major}.{sys.version_info.minor}"
    return str(exe if exe.exists() else sys.executable)
