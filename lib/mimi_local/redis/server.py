"""A private Redis for local runs: a redis-server subprocess, or in-process fakeredis without one."""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import signal
import subprocess
import time
import weakref
from pathlib import Path
from typing import Any, Protocol

import redis
import redis.asyncio as aredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from mimi_local.pg import free_port

CONNECT_TIMEOUT = 1.0
COMMAND_TIMEOUT = 10.0
READY_TIMEOUT = 10.0
# Upstash's read-only REST token runs as this ACL user (its TCP strings say so): reads only, writes answer NOPERM
READONLY_USER = "default_ro"
READONLY_RULES = ("reset", "on", "~*", "&*", "+@read", "+@connection", "-@write", "-@admin")


class Clients(Protocol):
    """What a REST handler needs: a raw async client (full rights, or the read-only user's)."""

    async def client(self) -> aredis.Redis: ...


class ReadOnlyClients:
    """The same Redis as READONLY_USER, for requests made with the read-only token."""

    def __init__(self, backend: RedisBackend) -> None:
        self.backend = backend

    async def client(self) -> aredis.Redis:
        return await self.backend.client(readonly=True)


def _raw(client: aredis.Redis) -> aredis.Redis:
    """Drop redis-py's reply callbacks so every command returns the plain RESP reply."""
    client.response_callbacks.clear()
    return client


class RedisBackend:
    """One Redis that can be stopped and started again; hands out raw async clients per event loop."""

    def __init__(self, data_dir: Path, *, persist: bool = False, fake: bool | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.persist = persist
        self.binary = None if fake else shutil.which("redis-server")
        if fake is False and self.binary is None:
            raise RuntimeError("redis-server not found; install redis-server or use fake=True")
        self.port = free_port()
        self._proc: subprocess.Popen[bytes] | None = None
        self._fake_server: Any = None
        self._generation = 0
        self._clients: dict[
            bool, weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, tuple[int, aredis.Redis]]
        ] = {False: weakref.WeakKeyDictionary(), True: weakref.WeakKeyDictionary()}
        self.readonly_password = secrets.token_urlsafe(24)

    @property
    def is_fake(self) -> bool:
        """True when commands run in fakeredis instead of a redis-server process."""
        return self.binary is None

    @property
    def url(self) -> str:
        """The redis:// URL of the server process (meaningless for the fake)."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start (or restart) the server and wait until it answers PING."""
        self._generation += 1
        if self.is_fake:
            self._start_fake()
        elif self._proc is None:
            self._start_process()

    def stop(self) -> None:
        """Stop the server; data survives only in persist mode (or in the fake's memory)."""
        self._generation += 1
        if self.is_fake:
            if self._fake_server is not None:
                self._fake_server.connected = False
            return
        proc, self._proc = self._proc, None
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            self.pid_file.unlink(missing_ok=True)

    @property
    def pid_file(self) -> Path:
        """Where the running redis-server's pid is kept, so a later start can stop one left behind."""
        return self.data_dir / "redis-server.pid"

    def stop_leftover(self) -> bool:
        """Stop a redis-server an earlier process started here and never stopped (it was killed); True if one ran."""
        try:
            pid = int(self.pid_file.read_text())
            if "redis-server" not in Path(f"/proc/{pid}/cmdline").read_bytes().decode(
                errors="replace"
            ):
                raise ProcessLookupError(pid)
            os.kill(pid, signal.SIGTERM)
        except (OSError, ValueError):
            self.pid_file.unlink(missing_ok=True)
            return False
        self.pid_file.unlink(missing_ok=True)
        return True

    async def client(self, readonly: bool = False) -> aredis.Redis:
        """A raw async client bound to the running loop, renewed after each stop/start; `readonly` runs as
        READONLY_USER (on fakeredis, which does not enforce ACLs, it is the same full client)."""
        loop, clients = asyncio.get_running_loop(), self._clients[readonly]
        cached = clients.get(loop)
        if cached is not None and cached[0] == self._generation:
            return cached[1]
        if cached is not None:
            await cached[1].aclose()
        fresh = _raw(self._new_client(readonly and not self.is_fake))
        clients[loop] = (self._generation, fresh)
        return fresh

    async def aclose(self) -> None:
        """Close the clients bound to the running loop (call from the host app's shutdown)."""
        for clients in self._clients.values():
            cached = clients.pop(asyncio.get_running_loop(), None)
            if cached is not None:
                await cached[1].aclose()

    def _new_client(self, readonly: bool = False) -> aredis.Redis:
        """Build an async client with short timeouts and no retries (as READONLY_USER if asked)."""
        options: dict[str, Any] = {
            "socket_connect_timeout": CONNECT_TIMEOUT,
            "socket_timeout": COMMAND_TIMEOUT,
            "retry": Retry(NoBackoff(), 0),
        }
        if self.is_fake:
            import fakeredis

            return fakeredis.FakeAsyncRedis(server=self._fake_server, **options)
        if readonly:
            options |= {"username": READONLY_USER, "password": self.readonly_password}
        return aredis.Redis(host="127.0.0.1", port=self.port, **options)

    def _start_fake(self) -> None:
        """Create the shared fakeredis server once, then just mark it reachable."""
        if self._fake_server is None:
            try:
                import fakeredis
            except ImportError as exc:
                raise RuntimeError(
                    "no redis-server and no fakeredis: pip install 'fakeredis[lua]'"
                ) from exc
            self._fake_server = fakeredis.FakeServer()
        self._fake_server.connected = True

    def _command_line(self) -> list[str]:
        """The redis-server arguments: loopback only, own dir, RDB off, AOF only when persisting."""
        assert self.binary is not None
        return [
            self.binary,
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--dir", str(self.data_dir),
            "--save", "",
            "--appendonly", "yes" if self.persist else "no",
            "--daemonize", "no",
        ]  # fmt: skip

    def _start_process(self) -> None:
        """Spawn redis-server and block until it is ready."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = (self.data_dir / "redis.log").open("ab")
        self._proc = subprocess.Popen(self._command_line(), stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self.pid_file.write_text(str(self._proc.pid))
        self._wait_ready()
        with redis.Redis(host="127.0.0.1", port=self.port) as admin:
            admin.execute_command(
                "ACL", "SETUSER", READONLY_USER, *READONLY_RULES, f">{self.readonly_password}"
            )

    def _wait_ready(self) -> None:
        """Poll PING until the server answers, failing fast if the process exits."""
        probe = redis.Redis(
            host="127.0.0.1", port=self.port, socket_connect_timeout=CONNECT_TIMEOUT
        )
        deadline = time.monotonic() + READY_TIMEOUT
        try:
            while time.monotonic() < deadline:
                if self._proc is None or self._proc.poll() is not None:
                    break
                try:
                    if probe.ping():
                        return
                except redis.ConnectionError:
                    time.sleep(0.05)
        finally:
            probe.close()
        self.stop()
        raise RuntimeError(f"redis-server did not start; see {self.data_dir / 'redis.log'}")
