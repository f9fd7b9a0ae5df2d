"""Two local OpenAI stand-ins behind one real HTTP server, configured as the providers `first` then `second`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from mimi.agent.client import clear_clients
from mimi.config import get_settings
from mimi_local.openai import build_app
from mimi_local.pg import free_port
from mimi_local.serve import serving
from tests.agent.support import KEY_A, KEY_B, Stubs, provider, use_providers


@pytest.fixture(scope="module")
def server() -> Iterator[Stubs]:
    """Two independent stand-in providers under /a and /b of one local server."""
    first, second = build_app(KEY_A), build_app(KEY_B)
    root = Starlette(routes=[Mount("/a", app=first), Mount("/b", app=second)])
    with serving(root, free_port(), lifespan="off") as srv:
        yield Stubs(srv.url, first.state.openai, second.state.openai)


@pytest.fixture
def stubs(server: Stubs, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stubs]:
    """Both stand-ins healthy and configured as providers `first`, then `second`."""
    server.first.reset()
    server.second.reset()
    use_providers(
        monkeypatch,
        [
            provider("first", f"{server.url}/a/v1", KEY_A),
            provider("second", f"{server.url}/b/v1", KEY_B),
        ],
    )
    yield server
    get_settings.cache_clear()
    clear_clients()
