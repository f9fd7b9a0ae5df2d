"""mimi.coldstart: deferred modules are registered at once, run on first use, and still work for a caller that
uses them. Each case runs in a fresh interpreter, whose sys.modules is as a cold start finds it."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.certificates import certificate


def _fresh(code: str, lambda_name: str | None = "profile") -> str:
    """Run code in a new interpreter (the venv's, so the project's packages are there); return its stdout.

    lambda_name is what Lambda's runtime sets as AWS_LAMBDA_FUNCTION_NAME (None: a process outside Lambda).
    """
    env = {k: v for k, v in os.environ.items() if k != "AWS_LAMBDA_FUNCTION_NAME"}
    if lambda_name:
        env["AWS_LAMBDA_FUNCTION_NAME"] = lambda_name
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip()


def test_pyjwt_loads_without_running_cryptography_x509() -> None:
    out = _fresh(
        """
        import sys
        from mimi import coldstart
        with coldstart.loading():
            import jwt
            from cryptography import x509
        print(coldstart.pending(), type(sys.modules["cryptography.x509"]).__name__)
        x509.Name  # the first attribute access runs the module
        print(coldstart.pending(), type(sys.modules["cryptography.x509"]).__name__)
        """
    )
    assert out.splitlines() == ["['cryptography.x509'] _LazyModule", "[] module"]


def test_pyjwt_still_refuses_a_certificate_as_an_hmac_secret_after_the_deferral() -> None:
    """pyjwt needs x509 in one place: to refuse a DER certificate used as an HS256 secret (algorithm confusion).

    The deferred module runs when that check asks for it, and the defence holds.
    """
    cert = certificate("mimi", ec.generate_private_key(ec.SECP256R1()))
    der = cert.public_bytes(serialization.Encoding.DER)
    token = jwt.encode({"sub": "u1"}, "a-shared-secret-of-32-bytes-or-more", algorithm="HS256")
    out = _fresh(
        f"""
        from mimi import coldstart
        with coldstart.loading():
            import jwt
        assert coldstart.pending() == ["cryptography.x509"]
        try:
            jwt.decode({token!r}, {der!r}, algorithms=["HS256"])
        except jwt.InvalidKeyError as exc:
            print(type(exc).__name__, coldstart.pending())
        """
    )
    assert out == "InvalidKeyError []"


def test_outside_lambda_every_module_loads_eagerly() -> None:
    """The dev server runs handlers in threads, where a lazy module could be half-loaded for another thread."""
    out = _fresh(
        """
        import sys
        from mimi import coldstart
        with coldstart.loading():
            import jwt
        print(coldstart.pending(), type(sys.modules["cryptography.x509"]).__name__)
        """,
        lambda_name=None,
    )
    assert out == "[] module"


def test_defer_leaves_imported_and_missing_modules_alone() -> None:
    out = _fresh(
        """
        import sys, json
        from mimi import coldstart
        coldstart.defer("no_such_package.sub")
        coldstart.defer("json")
        print("no_such_package.sub" in sys.modules, type(sys.modules["json"]).__name__)
        """
    )
    assert out == "False module"
