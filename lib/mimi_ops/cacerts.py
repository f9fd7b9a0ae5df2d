"""certifi's CA bundle as an OpenSSL hashed directory, for a zip's `cacerts/` (read by `mimi.http.tls`).

A TLS context built from a CA *file* parses every one of its ~150 certificates when it is made: 25-30 ms of
each cold start here, before the first request can go out. From a hashed *directory* (one certificate per
file, named by its subject hash) OpenSSL reads a root only when a handshake needs it, so the context costs
about 0.2 ms and a handshake reads one file. The certificates trusted are exactly certifi's.

The names come from `openssl rehash`, OpenSSL's own tool for this layout (its hash is OpenSSL's canonical
subject hash, which is not worth re-implementing). The directory holds plain files, not rehash's symlinks,
because a Lambda zip keeps files only.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

CERT = re.compile(r"-----BEGIN CERTIFICATE-----\r?\n.*?\r?\n-----END CERTIFICATE-----", re.S)
# what `openssl rehash` names a CA certificate: 8 hex digits of the subject hash, then a collision counter
HASHED_NAME = re.compile(r"[0-9a-f]{8}\.\d+")


class CaCertsError(RuntimeError):
    """The hashed directory cannot be built (no openssl, or a bundle without certificates)."""


def certificates(bundle: Path) -> list[str]:
    """The PEM certificates of a bundle, in order."""
    return CERT.findall(bundle.read_text(encoding="ascii"))


def write_hashed(bundle: Path, target: Path) -> int:
    """Write bundle's certificates into target as an OpenSSL hashed directory; return how many."""
    pems = certificates(bundle)
    if not pems:
        raise CaCertsError(f"{bundle}: no certificates")
    openssl = shutil.which("openssl")
    if openssl is None:
        raise CaCertsError("openssl is needed to name the CA files (apt-get install openssl)")
    with tempfile.TemporaryDirectory(prefix="cacerts-") as tmp:
        work = Path(tmp)
        for n, pem in enumerate(pems):
            (work / f"cert-{n:04d}.pem").write_text(pem + "\n", encoding="ascii")
        done = subprocess.run([openssl, "rehash", str(work)], capture_output=True, text=True)
        if done.returncode != 0:
            raise CaCertsError(f"openssl rehash failed: {done.stderr.strip()}")
        links = sorted(p for p in work.iterdir() if HASHED_NAME.fullmatch(p.name))
        if len(links) != len(pems):
            raise CaCertsError(f"openssl rehash named {len(links)} of {len(pems)} certificates")
        target.mkdir(parents=True, exist_ok=True)
        for link in links:
            (target / link.name).write_bytes(link.resolve().read_bytes())
    return len(pems)
