"""Local secrets: ES256 JWKs, HS256 project keys and tokens, generated once and kept in the data dir."""

from __future__ import annotations

import json
import secrets
import time
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm


def es256_jwk(kid: str) -> dict[str, Any]:
    """A new private ES256 JWK with its kid."""
    key = ec.generate_private_key(ec.SECP256R1())
    jwk: dict[str, Any] = json.loads(ECAlgorithm.to_jwk(key))
    return {**jwk, "kid": kid, "alg": "ES256", "use": "sig"}


def public_jwk(private: dict[str, Any]) -> dict[str, Any]:
    """The public half of a private JWK."""
    return {k: v for k, v in private.items() if k != "d"}


def project_key(jwt_secret: str, role: str) -> str:
    """A Supabase-style project API key: an HS256 JWT naming a role, valid for ten years."""
    now = int(time.time())
    claims = {"iss": "supabase-local", "role": role, "iat": now, "exp": now + 10 * 365 * 24 * 3600}
    return jwt.encode(claims, jwt_secret, algorithm="HS256")


def fresh_secrets() -> dict[str, Any]:
    """Every secret the local stack needs, new."""
    jwt_secret = secrets.token_urlsafe(48)
    return {
        "jwt_secret": jwt_secret,
        # Supabase's publishable and secret API keys (not JWTs: sent only as `apikey`, never as a Bearer)
        "anon_key": "sb_publishable_" + secrets.token_urlsafe(24),
        "service_role_key": "sb_secret_" + secrets.token_urlsafe(24),
        "app_jwt_keys": [es256_jwk(f"app-{secrets.token_hex(4)}")],
        "line_keys": [es256_jwk(f"line-{secrets.token_hex(4)}")],
        "redis_token": secrets.token_urlsafe(32),
        "redis_readonly_token": secrets.token_urlsafe(32),
        "qstash_token": secrets.token_urlsafe(32),
        "qstash_current_signing_key": "sig_" + secrets.token_urlsafe(24),
        "qstash_next_signing_key": "sig_" + secrets.token_urlsafe(24),
        "stripe_secret_key": "sk_test_local_" + secrets.token_hex(12),
        "stripe_webhook_secret": "whsec_" + secrets.token_hex(24),
        "openai_api_key": "sk-local-" + secrets.token_hex(12),
        "refresh_token_secret": secrets.token_urlsafe(32),
        "line_channel_access_token": secrets.token_urlsafe(32),
        # what Lambda gives a function as AWS_SESSION_TOKEN: the secrets extension stand-in checks it
        "aws_session_token": secrets.token_urlsafe(32),
    }


def load_or_create(path: Path) -> dict[str, Any]:
    """The secrets kept at path, created on first use (new keys are added when the set grows)."""
    stored: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
    merged = {**fresh_secrets(), **stored}
    if merged != stored:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(merged, indent=2))
        path.chmod(0o600)
    return merged
