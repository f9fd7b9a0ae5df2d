"""Only auth holds the private signing keys: every other function verifies access tokens with the public keys."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from mimi.auth import tokens
from mimi.config import get_settings
from mimi_local.keys import es256_jwk
from mimi_local.stack import LocalStack
from tests.functions.conftest import bearer, login
from tests.functions.invoke_support import invoke


def _reload() -> None:
    get_settings.cache_clear()
    tokens.keyset.cache_clear()
    tokens.public_keyset.cache_clear()


@contextmanager
def env_of_a_user_function() -> Iterator[None]:
    """This process as a user-facing function is deployed: no private key at all."""
    saved = os.environ.pop("APP_JWT_KEYS")
    _reload()
    try:
        yield
    finally:
        os.environ["APP_JWT_KEYS"] = saved
        _reload()


def test_a_user_function_verifies_tokens_without_any_private_key(stack: LocalStack) -> None:
    session = login(stack)
    with env_of_a_user_function():
        status, body, _ = invoke("profile", "GET", "/", headers=bearer(session))
    assert status == 200
    assert body["id"] == session["user"]["id"]


def test_a_key_missing_from_the_public_list_does_not_verify(stack: LocalStack) -> None:
    rogue = es256_jwk("app-rogue")
    os.environ["APP_JWT_KEYS"] = json.dumps([rogue, *stack.secrets["app_jwt_keys"]])
    _reload()
    try:
        token, _ = tokens.issue_access_token("00000000-0000-0000-0000-000000000003")
    finally:
        os.environ["APP_JWT_KEYS"] = json.dumps(stack.secrets["app_jwt_keys"])
        _reload()
    status, body, _ = invoke("profile", "GET", "/", headers={"Authorization": f"Bearer {token}"})
    assert (status, body["code"]) == (401, "token_invalid")


@pytest.mark.parametrize("items", [[es256_jwk("app-private")], []])
def test_the_public_key_setting_refuses_private_keys_and_emptiness(
    items: list[dict[str, Any]],
) -> None:
    with pytest.raises(ValueError, match="APP_JWT_PUBLIC_KEYS"):
        tokens.parse_keyset(json.dumps(items), private=False)


def test_minted_tokens_are_role_and_audience_authenticated_only(stack: LocalStack) -> None:
    claims = tokens.verify_access_token(login(stack)["access_token"])
    assert (claims["role"], claims["aud"]) == ("authenticated", "authenticated")
    assert not hasattr(
        get_settings(), "app_jwt_audience"
    )  # not configurable: no other audience can be minted
