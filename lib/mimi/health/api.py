"""Health: is this function able to reach Postgres (through PostgREST) and Redis (through Upstash REST)?"""

from typing import Literal

from starlette.responses import Response

from mimi import __version__
from mimi.config import get_settings
from mimi.db import anon_client, call
from mimi.errors import AppError
from mimi.kv import readonly_redis
from mimi.model import Model
from mimi.web import Router

router = Router(
    needs=(
        "cors_origins",
        "supabase_url",
        "supabase_anon_key",
        "upstash_redis_rest_url",
        "upstash_redis_rest_readonly_token",
    )
)
State = Literal["up", "down"]


class HealthPublic(Model):
    status: Literal["ok", "degraded"]
    version: str
    stage: str
    checks: dict[str, State]


def _postgres() -> State:
    try:
        result = call(anon_client(), "health")
    except AppError:
        return "down"
    return "up" if isinstance(result, dict) and result.get("db") == "ok" else "down"


def _redis() -> State:
    try:
        return "up" if readonly_redis().ping() == "PONG" else "down"
    except Exception:  # any transport or protocol failure means Redis is not usable
        return "down"


@router.get(
    "/", response=HealthPublic, also=(503,), response_headers=(("Cache-Control", "no-store"),)
)
def health() -> Response:
    """200 when every dependency answers, 503 (same body) naming the ones that do not."""
    checks: dict[str, State] = {"postgres": _postgres(), "redis": _redis()}
    ok = all(v == "up" for v in checks.values())
    body = HealthPublic(
        status="ok" if ok else "degraded",
        version=__version__,
        stage=get_settings().stage,
        checks=checks,
    )
    return Response(
        body.model_dump_json(), status_code=200 if ok else 503, media_type="application/json"
    )
