"""JWT -> database role and claims, as PostgREST does it: HS256 with the project secret, ES256 by `kid`."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

import jwt
from jwt import PyJWK, PyJWS

from mimi_local.gateway.errors import GatewayError

ANON_ROLE = "anon"
API_ROLES = frozenset({"anon", "authenticated", "service_role"})
CLOCK_SKEW_SECONDS = 30  # PostgREST's allowed skew for exp / nbf / iat
UNSUPPORTED_ALG = "Wrong or unsupported encoding algorithm"
NO_SUITABLE_KEY = "No suitable key or wrong key type"


@dataclass(frozen=True)
class AuthResult:
    """Who the request runs as: the database role and the claims exposed as request.jwt.claims."""

    role: str
    claims: dict[str, Any] = field(default_factory=dict)

    @property
    def authed(self) -> bool:
        """True unless the request runs as the anonymous role (PostgREST's 401-vs-403 switch)."""
        return self.role != ANON_ROLE


def decode_error(message: str, details: str | None = None) -> GatewayError:
    """PGRST301: the token could not be decoded or verified."""
    return GatewayError(
        401, "PGRST301", message, details=details, headers=_invalid_token_header(message)
    )


def claims_error(message: str) -> GatewayError:
    """PGRST303: a registered claim failed validation."""
    return GatewayError(401, "PGRST303", message, headers=_invalid_token_header(message))


def _invalid_token_header(message: str) -> dict[str, str]:
    """RFC 6750 challenge for a rejected token."""
    return {
        "WWW-Authenticate": f'Bearer error="invalid_token", error_description={json.dumps(message)}'
    }


def bearer_token(authorization: str | None, apikey: str | None) -> str | None:
    """The bearer token; Supabase's gateway falls back to the apikey header when Authorization is absent."""
    if authorization is None:
        return apikey
    scheme, _, token = authorization.strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


class JwtVerifier:
    """Verifies tokens against the HS256 secret and the ES256 public JWKs, algorithms pinned per key."""

    def __init__(self, secret: str, jwks: list[dict[str, Any]], audience: str | None) -> None:
        self._secret = secret
        self._ec_keys = {str(jwk["kid"]): PyJWK(jwk, algorithm="ES256").key for jwk in jwks}
        self._audience = audience

    def authenticate(self, token: str | None) -> AuthResult:
        """The role and claims for a request; no token means the anonymous role."""
        if token is None:
            return AuthResult(ANON_ROLE, {"role": ANON_ROLE})
        claims = self.verified_claims(token)
        check_claims(claims, time.time(), self._audience)
        role = claims.get("role", ANON_ROLE)
        role = role if isinstance(role, str) else json.dumps(role)
        return AuthResult(role, {**claims, "role": role})

    def verified_claims(self, token: str) -> dict[str, Any]:
        """The claims of a token whose signature verifies with a key pinned to its algorithm (none checked yet).

        The Realtime stand-in verifies with this too, then checks the claims the way Realtime does.
        """
        if not token:
            raise decode_error("Empty JWT is sent in Authorization header")
        parts = token.count(".") + 1
        if parts != 3:
            raise decode_error(f"Expected 3 parts in JWT; got {parts}")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise decode_error("JWT cryptographic operation failed") from exc
        payload = self._verify(token, header)
        try:
            claims = json.loads(payload)
        except ValueError:
            claims = None
        if not isinstance(claims, dict):
            raise claims_error("Parsing claims failed")
        return claims

    def _verify(self, token: str, header: dict[str, Any]) -> bytes:
        """The verified payload bytes, trying each candidate key for the header's algorithm."""
        alg = header.get("alg")
        candidates = self._candidate_keys(alg, header.get("kid"))
        for key in candidates:
            try:
                return bytes(PyJWS().decode(token, key, algorithms=[str(alg)]))
            except jwt.PyJWTError:
                continue
        raise decode_error("JWT cryptographic operation failed")

    def _candidate_keys(self, alg: object, kid: object) -> list[Any]:
        """The keys allowed to verify a token with this alg and kid (never an ES key as an HMAC secret)."""
        if alg not in ("HS256", "ES256"):
            raise decode_error(UNSUPPORTED_ALG, f"The JWT alg {alg!r} is not accepted")
        if alg == "HS256":
            if kid in self._ec_keys or not self._secret:
                raise decode_error(NO_SUITABLE_KEY, f"No HS256 key for kid {kid!r}")
            return [self._secret]
        if kid is None:
            candidates = list(self._ec_keys.values())
        else:
            candidates = (
                [self._ec_keys[kid]] if isinstance(kid, str) and kid in self._ec_keys else []
            )
        if not candidates:
            raise decode_error(NO_SUITABLE_KEY, f"No ES256 key for kid {kid!r}")
        return candidates


def check_claims(claims: dict[str, Any], now: float, audience: str | None) -> None:
    """PostgREST's checks of exp, nbf, iat and aud; absent claims pass."""
    # direction -1: the claim must not lie in the past; +1: it must not lie in the future (beyond the skew).
    checks = (
        ("exp", "JWT expired", -1),
        ("nbf", "JWT not yet valid", 1),
        ("iat", "JWT issued at future", 1),
    )
    for name, message, direction in checks:
        value = claims.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise claims_error(f"The JWT '{name}' claim must be a number")
        if direction * (value - now) > CLOCK_SKEW_SECONDS:
            raise claims_error(message)
    _check_audience(claims.get("aud"), audience)


def _check_audience(aud: object, audience: str | None) -> None:
    """aud must be a string or a list of strings, and match the configured audience when there is one."""
    if aud is None:
        return
    values = [aud] if isinstance(aud, str) else aud
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise claims_error("The JWT 'aud' claim must be a string or an array of strings")
    if audience is not None and values and audience not in values:
        raise claims_error("JWT not in audience")
