"""`make dev [PORT=8000] [DATA=.local]`: the whole local stack on 127.0.0.1:PORT until Ctrl-C; data kept in DATA.

`MIMI_OPENAI_PACE=<seconds to the first token>,<tokens a second>` (e.g. 0.5,70) makes the OpenAI stand-in write its
replies at a real model's pace; unset, it answers at once.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import signal
import socket
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from subprocess import CalledProcessError

from mimi_local.openai import Pace
from mimi_local.redis.server import RedisBackend
from mimi_local.stack import ROOT_DIR, STAND_INS, LocalStack

CLIENT_ENV = (
    "SUPABASE_URL",
    "SUPABASE_ANON_KEY",
    "UPSTASH_REDIS_REST_URL",
    "QSTASH_URL",
    "LINE_JWKS_URL",
    "STRIPE_API_BASE",
)


def banner(stack: LocalStack) -> str:
    """What a developer needs: every URL and the env a client needs."""
    env = stack.env()
    lines = [
        f"MiMiVibes local stack on {stack.url}",
        "",
        f"dev console (the LIFF app's part): {stack.url}/",
        "",
        "functions:",
    ]
    lines += [f"  {name:<18} {stack.url}/functions/{name}/" for name in sorted(stack.functions)]
    lines += ["", "stand-ins:"]
    lines += [f"  {label:<18} {stack.url}{prefix}" for label, prefix in STAND_INS]
    lines += [f"  openai pace: {pace_label(stack.openai_pace)} (MIMI_OPENAI_PACE)"]
    lines += ["", "client env:"] + [f"  {k}={env[k]}" for k in CLIENT_ENV if k in env]
    lines += ["", f"data: {stack.data_dir} (kept across restarts)", "Ctrl-C stops everything.", ""]
    return "\n".join(lines + try_this(stack.url))


def pace_label(pace: Pace) -> str:
    """How fast the OpenAI stand-in writes, in words."""
    if pace.tokens_per_s is None:
        return "instant"
    return (
        f"{pace.first_token_s:g} s to the first token, then {pace.tokens_per_s:g} tokens a second"
    )


def try_this(url: str) -> list[str]:
    """Three curl lines (jq needed) that log a dev user in and ask Mimi, then how to poll the reading."""
    login = (
        f"ACCESS=$(curl -s -X POST {url}/functions/auth/line -H 'content-type: application/json' "
        f'-d "{{\\"id_token\\":\\"$TOKEN\\"}}" | jq -r .access_token)'
    )
    ask = (
        f'READING=$(curl -s -X POST {url}/functions/readings/ -H "authorization: Bearer $ACCESS" '
        f"-H 'content-type: application/json' -d '{{\"question\":\"ความรักของฉันในเดือนนี้จะเป็นอย่างไร\"}}' "
        f"| jq -r .id)"
    )
    return [
        "try this (needs curl and jq):",
        f'  TOKEN=$(curl -s -X POST {url}/line/dev/id_token -d \'{{"name":"Mali"}}\' | jq -r .id_token)',
        f"  {login}",
        f"  {ask}",
        "then poll until status is completed:",
        f'  curl -s {url}/functions/readings/$READING -H "authorization: Bearer $ACCESS" | jq .status',
    ]


class DevError(Exception):
    """make dev cannot start: one line saying why and what to do."""


@contextlib.contextmanager
def holding(data: Path) -> Iterator[None]:
    """An exclusive lock on the data folder for as long as this make dev runs (the kernel drops it on exit)."""
    data.mkdir(parents=True, exist_ok=True)
    with (data / ".dev.lock").open("a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            holder = lock.read().strip() or "?"
            raise DevError(
                f"{data} is in use by another make dev (pid {holder}): stop it, or use another folder, "
                "e.g. make dev DATA=/tmp/mimi-2 PORT=8100"
            ) from None
        lock.truncate(0)
        lock.write(str(os.getpid()))
        lock.flush()
        yield


def check_port(host: str, port: int) -> None:
    """Refuse before anything starts when the port is taken: listened on, not merely closing (TIME_WAIT after a
    stopped make dev), which uvicorn binds over as this probe does."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            raise DevError(
                f"port {port} on {host} is in use: stop what holds it (ss -ltnp 'sport = :{port}') "
                "or choose another, e.g. make dev PORT=8100"
            ) from None


def stop_leftovers(stack: LocalStack) -> None:
    """Stop the Postgres and redis-server a killed make dev left running on this data folder."""
    if stack.pg.running():
        print(f"stopping the Postgres an earlier make dev left running in {stack.pg.datadir}")
        stack.pg.stop()
    if RedisBackend(stack.data_dir / "redis").stop_leftover():
        print("stopped the redis-server an earlier make dev left running")


def serve(stack: LocalStack) -> None:
    """Start everything, serve until a signal, then stop everything; a failed start stops what it started."""
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, lambda *_: stop.set())
    try:
        stack.start()
    except BaseException as exc:
        stack.stop()
        detail = (
            exc.stderr.decode(errors="replace").strip()
            if isinstance(exc, CalledProcessError)
            else ""
        )
        raise DevError(f"could not start: {(detail or str(exc)).splitlines()[-1]}") from exc
    print(banner(stack), flush=True)
    stop.wait()
    print("stopping...", flush=True)
    stack.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--data", type=Path, default=ROOT_DIR / ".local")
    parser.add_argument(
        "--openai-pace",
        type=Pace.parse,
        default=os.environ.get("MIMI_OPENAI_PACE", ""),
        help="<seconds to the first token>,<tokens a second>, e.g. 0.5,70 (default: instant)",
    )
    args = parser.parse_args()
    data = args.data.resolve()
    try:
        with holding(data):
            stack = LocalStack(data, port=args.port, persist=True, openai_pace=args.openai_pace)
            stop_leftovers(stack)
            check_port(stack.host, args.port)
            serve(stack)
    except DevError as exc:
        print(f"make dev: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
