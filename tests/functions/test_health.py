"""health: through the dev server and through handler(event, context) with a function-URL event."""

import json
from collections.abc import Callable, Iterator

import httpx
import pytest

from mimi_local.lambda_adapter import LambdaContext, build_event, load_handler
from mimi_local.stack import LocalStack


def _invoke_health() -> dict:
    handler = load_handler("health")
    event = build_event("GET", "/", "", {"accept": "application/json"}, b"")
    return handler(event, LambdaContext("health", "req-1", 1e12))


@pytest.fixture
def redis_down(stack: LocalStack) -> Iterator[None]:
    stack.redis.stop()
    try:
        yield
    finally:
        stack.redis.start()


def test_health_is_ok_through_the_dev_server(stack: LocalStack) -> None:
    response = httpx.get(f"{stack.url}/functions/health/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"] == {"postgres": "up", "redis": "up"}
    assert body["version"]
    assert response.headers["x-request-id"]


def test_health_is_ok_through_the_lambda_handler(stack: LocalStack) -> None:
    result = _invoke_health()
    assert result["statusCode"] == 200
    assert json.loads(result["body"])["checks"] == {"postgres": "up", "redis": "up"}


def test_health_names_redis_when_redis_is_down(stack: LocalStack, redis_down: None) -> None:
    result = _invoke_health()
    assert result["statusCode"] == 503
    body = json.loads(result["body"])
    assert body["checks"] == {"postgres": "up", "redis": "down"}
    response = httpx.get(f"{stack.url}/functions/health/")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"] == "down"


def test_unknown_route_is_a_problem_json_404(stack: LocalStack) -> None:
    response = httpx.get(f"{stack.url}/functions/health/nope")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "not_found"


def test_concurrent_invocations_from_many_threads_all_succeed(stack: LocalStack) -> None:
    """The dev server runs functions on worker threads; each needs its own event loop for Mangum."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(
            pool.map(lambda _: httpx.get(f"{stack.url}/functions/health/").status_code, range(36))
        )
    assert statuses == [200] * 36


def test_health_reaches_redis_with_the_read_only_token_alone(
    stack: LocalStack, env: Callable[..., None]
) -> None:
    env(UPSTASH_REDIS_REST_TOKEN="not-the-full-token")  # health never holds the full token
    body = json.loads(_invoke_health()["body"])
    assert body["checks"] == {"postgres": "up", "redis": "up"}
