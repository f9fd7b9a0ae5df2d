"""The local Upstash REST stand-in, driven by the real upstash-redis and upstash-ratelimit clients."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import redis as redis_py
from starlette.applications import Starlette
from upstash_ratelimit import Ratelimit, SlidingWindow
from upstash_redis import Redis
from upstash_redis.asyncio import Redis as AsyncRedis
from upstash_redis.errors import UpstashError

from mimi_local.pg import free_port
from mimi_local.redis.rest import RedisBackend, _strip_upstash_flags, upstash_routes
from mimi_local.serve import serving
from tests.parts import redis_server_or_skip

READONLY_TOKEN = "readonly-test-token"
TOKEN = "local-test-token"
PREFIX = "/upstash/redis"


@dataclass
class RestServer:
    url: str
    backend: RedisBackend


def _host_app(backend: RedisBackend) -> Starlette:
    """A host app like the dev server: the API under PREFIX, Redis clients closed at shutdown."""

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        yield
        await backend.aclose()

    routes = upstash_routes(PREFIX, TOKEN, backend, READONLY_TOKEN)
    return Starlette(routes=routes, lifespan=lifespan)


@pytest.fixture(scope="module", params=["redis-server", "fakeredis"])
def rest(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RestServer]:
    if request.param == "redis-server":
        redis_server_or_skip()
    backend = RedisBackend(
        Path(tmp_path_factory.mktemp("redis")), fake=request.param == "fakeredis"
    )
    backend.start()
    with serving(_host_app(backend), free_port()) as server:
        yield RestServer(url=f"{server.url}{PREFIX}", backend=backend)
    backend.stop()


@pytest.fixture
def redis(rest: RestServer) -> Iterator[Redis]:
    with Redis(url=rest.url, token=TOKEN) as client:
        client.flushdb()
        yield client


def _post(
    rest: RestServer, path: str, body: object, base64_encoding: bool = False
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    if base64_encoding:
        headers["Upstash-Encoding"] = "base64"
    return httpx.post(rest.url + path, json=body, headers=headers)


def test_set_with_expiry_then_get_and_ttl(redis: Redis) -> None:
    assert redis.set("card", "The Star", ex=10)
    assert redis.get("card") == "The Star"
    assert 0 < redis.ttl("card") <= 10


def test_set_nx_refused_when_key_exists(redis: Redis) -> None:
    assert redis.set("lock", "a", nx=True)
    assert not redis.set("lock", "b", nx=True)
    assert redis.get("lock") == "a"


def test_set_px_sets_millisecond_expiry(redis: Redis) -> None:
    redis.set("short", "x", px=5000)
    assert 0 < redis.pttl("short") <= 5000


def test_incr_expire_ttl_and_delete(redis: Redis) -> None:
    assert redis.incr("count") == 1
    assert redis.incr("count") == 2
    assert redis.expire("count", 5) is True
    assert 0 < redis.ttl("count") <= 5
    assert redis.delete("count", "absent") == 1
    assert redis.get("count") is None
    assert redis.ttl("count") == -2


def test_unicode_value_survives_base64(redis: Redis) -> None:
    text = "ไพ่ทาโรต์ 🔮 OK"
    redis.set("thai", text)
    assert redis.get("thai") == text


def test_ping_and_sorted_set(redis: Redis) -> None:
    assert redis.ping() == "PONG"
    assert redis.zadd("board", {"a": 1, "b": 2}) == 2
    assert redis.zrange("board", 0, -1) == ["a", "b"]
    assert redis.zscore("board", "b") == 2.0


def test_pipeline_runs_commands_in_order(redis: Redis) -> None:
    pipe = redis.pipeline()
    pipe.set("p", 1)
    pipe.incr("p")
    pipe.get("p")
    assert pipe.exec() == [True, 2, "2"]


def test_pipeline_error_reported_in_place(rest: RestServer, redis: Redis) -> None:
    redis.set("word", "hello")
    body = [["INCR", "word"], ["GET", "word"]]
    replies = _post(rest, "/pipeline", body).json()
    assert "not an integer" in replies[0]["error"]
    assert replies[1] == {"result": "hello"}
    pipe = redis.pipeline()
    pipe.incr("word")
    with pytest.raises(UpstashError, match="not an integer"):
        pipe.exec()


def test_multi_exec_runs_as_transaction(redis: Redis) -> None:
    tx = redis.multi()
    tx.set("balance", 10)
    tx.decrby("balance", 3)
    tx.get("balance")
    assert tx.exec() == [True, 7, "7"]


def test_multi_exec_with_unknown_command_is_aborted(rest: RestServer, redis: Redis) -> None:
    response = _post(rest, "/multi-exec", [["SET", "x", "1"], ["NOSUCHCMD"]])
    assert response.status_code == 400
    assert "error" in response.json()
    assert redis.get("x") is None


def test_eval_evalsha_and_script_load(redis: Redis) -> None:
    script = "return {KEYS[1], ARGV[1], 3}"
    assert redis.eval(script, keys=["k"], args=["v"]) == ["k", "v", 3]
    sha = redis.script_load(script)
    assert redis.evalsha(sha, keys=["k2"], args=["v2"]) == ["k2", "v2", 3]
    with pytest.raises(UpstashError, match="NOSCRIPT"):
        redis.evalsha("0" * 40)


def test_base64_only_when_asked(rest: RestServer, redis: Redis) -> None:
    redis.set("plain", "text")
    assert _post(rest, "", ["GET", "plain"]).json() == {"result": "text"}
    encoded = _post(rest, "", ["GET", "plain"], base64_encoding=True).json()
    assert encoded == {"result": base64.b64encode(b"text").decode()}
    assert _post(rest, "", ["SET", "plain", "x"], base64_encoding=True).json() == {"result": "OK"}
    assert _post(rest, "", ["GET", "nothing"], base64_encoding=True).json() == {"result": None}


def test_redis_error_is_400(rest: RestServer) -> None:
    response = _post(rest, "", ["NOSUCHCMD", "x"])
    assert response.status_code == 400
    assert response.json()["error"].startswith("ERR unknown command")


def test_malformed_and_connection_state_commands_refused(rest: RestServer) -> None:
    assert _post(rest, "", {"not": "a list"}).status_code == 400
    assert _post(rest, "", []).status_code == 400
    assert _post(rest, "", ["MULTI"]).status_code == 400


def test_wrong_token_is_unauthorized(rest: RestServer) -> None:
    with (
        Redis(url=rest.url, token="wrong") as wrong,
        pytest.raises(UpstashError, match="Unauthorized"),
    ):
        wrong.get("x")
    missing = httpx.post(rest.url, json=["PING"])
    assert (missing.status_code, missing.json()) == (401, {"error": "Unauthorized"})


def test_path_style_commands(rest: RestServer, redis: Redis) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    assert httpx.get(f"{rest.url}/set/colour/blue", headers=headers).json() == {"result": "OK"}
    assert httpx.post(f"{rest.url}/set/note", content="hi there", headers=headers).json() == {
        "result": "OK"
    }
    assert httpx.get(f"{rest.url}/get/colour?_token={TOKEN}").json() == {"result": "blue"}
    assert redis.get("note") == "hi there"


def test_async_client_works(rest: RestServer) -> None:
    async def roundtrip() -> object:
        async with AsyncRedis(url=rest.url, token=TOKEN) as client:
            await client.set("async", "yes")
            return await client.get("async")

    assert asyncio.run(roundtrip()) == "yes"


def test_sliding_window_allows_max_requests_then_refuses(redis: Redis) -> None:
    limiter = Ratelimit(
        redis=redis, limiter=SlidingWindow(max_requests=3, window=30), prefix=str(uuid.uuid4())
    )
    results = [limiter.limit("user-1").allowed for _ in range(4)]
    assert results == [True, True, True, False]
    assert limiter.limit("user-2").allowed is True


def test_stopped_backend_answers_error_quickly(rest: RestServer, redis: Redis) -> None:
    redis.set("survivor", "1")
    rest.backend.stop()
    try:
        started = time.monotonic()
        with pytest.raises(UpstashError, match="unavailable"):
            redis.get("survivor")
        response = _post(rest, "", ["PING"])
        assert response.status_code == 503
        pipe = redis.pipeline()
        pipe.get("survivor")
        with pytest.raises(UpstashError, match="unavailable"):
            pipe.exec()
        assert time.monotonic() - started < 5
    finally:
        rest.backend.start()
    assert redis.ping() == "PONG"


def test_upstash_only_script_flags_are_dropped() -> None:
    assert _strip_upstash_flags("#!lua flags=allow-key-locking\nreturn 1") == "\nreturn 1"
    kept = _strip_upstash_flags("#!lua flags=no-writes,allow-key-locking\nreturn 1")
    assert kept == "#!lua flags=no-writes\nreturn 1"
    assert _strip_upstash_flags("return 1") == "return 1"


def test_persistent_backend_keeps_data_across_restart(tmp_path: Path) -> None:
    redis_server_or_skip()
    backend = RedisBackend(tmp_path, persist=True, fake=False)
    backend.start()
    try:
        sync = redis_py.Redis.from_url(backend.url)
        sync.set("kept", "yes")
        backend.stop()
        backend.start()
        assert sync.get("kept") == b"yes"
        sync.close()
    finally:
        backend.stop()


# --- Upstash's read-only token (health's): reads and PING, never a write ------------------------------------


def test_the_read_only_token_reads_and_pings(rest: RestServer, redis: Redis) -> None:
    redis.set("ro:key", "value")
    with Redis(url=rest.url, token=READONLY_TOKEN) as readonly:
        assert readonly.ping() == "PONG"
        assert readonly.get("ro:key") == "value"


def test_the_read_only_token_cannot_write(rest: RestServer, redis: Redis) -> None:
    if rest.backend.is_fake:
        pytest.skip("fakeredis does not enforce ACLs (the stand-in's documented fallback)")
    with Redis(url=rest.url, token=READONLY_TOKEN) as readonly, pytest.raises(UpstashError) as err:
        readonly.set("ro:key", "written")
    assert str(err.value).startswith("NOPERM")
    assert redis.get("ro:key") is None


def test_a_wrong_token_is_401_whichever_token_exists(rest: RestServer) -> None:
    response = httpx.post(rest.url, json=["PING"], headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401
