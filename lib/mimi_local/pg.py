"""A private Postgres cluster from the machine's binaries (initdb + pg_ctl on a free port)."""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

SEARCH_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def embedded_bin_dir() -> Path | None:
    """The binaries inside the `pgserver` wheel from PyPI (an embedded Postgres), when it is installed."""
    spec = importlib.util.find_spec("pgserver")
    if spec is None or not spec.submodule_search_locations:
        return None
    bin_dir = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
    return bin_dir if (bin_dir / "initdb").exists() else None


def find_bin_dir(search_dirs: list[Path] | None = None) -> Path:
    """The machine's Postgres binaries, else the embedded ones from PyPI's pgserver wheel."""
    for d in SEARCH_DIRS if search_dirs is None else search_dirs:
        if (d / "initdb").exists():
            return d
    found = shutil.which("initdb") if search_dirs is None else None
    if found:
        return Path(found).resolve().parent
    embedded = embedded_bin_dir()
    if embedded:
        return embedded
    raise RuntimeError(
        "no Postgres binaries found: install postgresql-15 (apt) or `pip install pgserver`"
    )


def _as_owner(cmd: list[str]) -> list[str]:
    """initdb refuses to run as root: drop to the postgres user when we are root."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


@dataclass
class PgCluster:
    datadir: Path
    port: int = 0
    password: str = "postgres"

    def __post_init__(self) -> None:
        self.datadir = Path(self.datadir).resolve()
        self.bin = find_bin_dir()
        if not self.port:
            self.port = free_port()

    def dsn(
        self, dbname: str = "postgres", user: str = "postgres", password: str | None = None
    ) -> str:
        return f"postgresql://{user}:{password or self.password}@127.0.0.1:{self.port}/{dbname}"

    def _run(self, *args: str) -> None:
        subprocess.run(
            _as_owner([str(self.bin / args[0]), *args[1:]]),
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def init(self) -> bool:
        """Create the cluster when missing; True when it was created now."""
        if (self.datadir / "PG_VERSION").exists():
            return False
        self.datadir.mkdir(parents=True, exist_ok=True)
        pwfile = self.datadir.parent / f".{self.datadir.name}.pw"
        pwfile.write_text(self.password)
        if os.geteuid() == 0:
            shutil.chown(self.datadir, "postgres", "postgres")
            shutil.chown(pwfile, "postgres", "postgres")
        try:
            self._run(
                "initdb",
                "-D",
                str(self.datadir),
                "-U",
                "postgres",
                "-A",
                "scram-sha-256",
                f"--pwfile={pwfile}",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            )
        finally:
            pwfile.unlink(missing_ok=True)
        return True

    def start(self) -> None:
        self.init()
        opts = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='{self.datadir}' "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 "
            "-c timezone=UTC"
        )
        self._run(
            "pg_ctl",
            "-D",
            str(self.datadir),
            "-o",
            opts,
            "-l",
            str(self.datadir / "server.log"),
            "-w",
            "-t",
            "60",
            "start",
        )

    def stop(self) -> None:
        if (self.datadir / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.datadir), "-m", "fast", "-w", "stop")

    def running(self) -> bool:
        """Whether a server runs on this data dir (pg_ctl status: 0 running, 3 not, 4 no data dir)."""
        if not (self.datadir / "PG_VERSION").exists():
            return False
        status = _as_owner([str(self.bin / "pg_ctl"), "-D", str(self.datadir), "status"])
        return subprocess.run(status, capture_output=True, check=False).returncode == 0
