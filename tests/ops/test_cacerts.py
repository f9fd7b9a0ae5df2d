"""certifi's bundle as a hashed directory (lib/mimi_ops/cacerts.py) and mimi.http's TLS context built from it.

The handshakes are real: a TLS server on 127.0.0.1 with a certificate from a test CA, verified by a client whose
only trust is a hashed directory, once with the test CA in it and once without.
"""

from __future__ import annotations

import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import certifi
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from mimi import http
from mimi_ops import cacerts
from tests.certificates import certificate, pem


def _der(pem: str) -> bytes:
    return ssl.PEM_cert_to_DER_cert(pem)


@pytest.fixture(scope="module")
def test_ca(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A test CA, a localhost certificate it signed, and two bundles: certifi's with and without the CA."""
    base = tmp_path_factory.mktemp("ca")
    ca_key, server_key = (
        ec.generate_private_key(ec.SECP256R1()),
        ec.generate_private_key(ec.SECP256R1()),
    )
    ca = certificate("MiMi Test Root", ca_key)
    server = certificate("localhost", server_key, ("MiMi Test Root", ca_key))
    (base / "server.pem").write_text(pem(server))
    key_pem = server_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    (base / "server.key").write_bytes(key_pem)
    certifi_pem = Path(certifi.where()).read_text()
    (base / "with-ca.pem").write_text(certifi_pem + "\n" + pem(ca))
    (base / "without-ca.pem").write_text(certifi_pem)
    return {
        name: base / f"{name}"
        for name in ("server.pem", "server.key", "with-ca.pem", "without-ca.pem")
    }


@pytest.fixture(scope="module")
def tls_server(test_ca: dict[str, Path]) -> Iterator[int]:
    """A TLS server on 127.0.0.1 that completes handshakes (and sends nothing) until the module ends."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(test_ca["server.pem"], test_ca["server.key"])
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            try:
                with context.wrap_socket(conn, server_side=True):
                    pass
            except (ssl.SSLError, OSError):
                conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join(5)
    listener.close()


def _handshake(context: ssl.SSLContext, port: int) -> None:
    with (
        socket.create_connection(("127.0.0.1", port), timeout=5) as sock,
        context.wrap_socket(sock, server_hostname="localhost") as tls,
    ):
        assert tls.version() is not None


def test_the_directory_holds_exactly_certifis_roots(tmp_path: Path) -> None:
    count = cacerts.write_hashed(Path(certifi.where()), tmp_path)
    files = sorted(tmp_path.iterdir())
    bundle = {_der(pem) for pem in cacerts.certificates(Path(certifi.where()))}
    assert count == len(files) == len(bundle) > 100
    assert all(cacerts.HASHED_NAME.fullmatch(f.name) for f in files)
    assert {_der(f.read_text()) for f in files} == bundle


def test_each_file_is_named_by_openssls_subject_hash(tmp_path: Path) -> None:
    cacerts.write_hashed(Path(certifi.where()), tmp_path)
    for path in sorted(tmp_path.iterdir())[::25]:
        subject_hash = subprocess.run(
            ["openssl", "x509", "-subject_hash", "-noout", "-in", str(path)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        assert path.name.split(".")[0] == subject_hash


def test_a_bundle_without_certificates_is_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.pem"
    empty.write_text("no certificates here\n")
    with pytest.raises(cacerts.CaCertsError, match="no certificates"):
        cacerts.write_hashed(empty, tmp_path / "out")


def test_a_handshake_verifies_through_the_directory(
    test_ca: dict[str, Path], tls_server: int, tmp_path: Path
) -> None:
    trusted, untrusted = tmp_path / "trusted", tmp_path / "untrusted"
    cacerts.write_hashed(test_ca["with-ca.pem"], trusted)
    cacerts.write_hashed(test_ca["without-ca.pem"], untrusted)
    context = ssl.create_default_context(capath=str(trusted))
    assert context.cert_store_stats()["x509"] == 0  # nothing parsed until a handshake asks
    _handshake(context, tls_server)
    with pytest.raises(ssl.SSLCertVerificationError):
        _handshake(ssl.create_default_context(capath=str(untrusted)), tls_server)


def test_mimi_http_trusts_the_zips_directory_when_there_is_one(
    test_ca: dict[str, Path], tls_server: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cacerts.write_hashed(test_ca["with-ca.pem"], tmp_path)
    monkeypatch.setattr(http, "CA_DIR", str(tmp_path))
    http.tls.cache_clear()
    try:
        context = http.tls()
        assert context.cert_store_stats()["x509"] == 0
        _handshake(context, tls_server)
    finally:
        http.tls.cache_clear()


def test_mimi_http_trusts_certifis_file_in_a_checkout(
    test_ca: dict[str, Path], tls_server: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(http, "CA_DIR", str(tmp_path / "absent"))
    http.tls.cache_clear()
    try:
        context = http.tls()
        assert context.cert_store_stats()["x509_ca"] > 100  # certifi's file, parsed up front
        with pytest.raises(ssl.SSLCertVerificationError):  # and the test CA is not in it
            _handshake(context, tls_server)
    finally:
        http.tls.cache_clear()
