"""Health: is this function able to reach Postgres (through PostgREST) and Redis (through Upstash REST)?"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from mimi import __version__
from mimi.config import get_settings
from mimi.db import anon_client, call
from mimi.errors import AppError
from mimi.kv import redis

router = APIRouter()
State = Literal["up", "down"]


class HealthPublic(BaseModel):
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
        return "up" if redis().ping() == "PONG" else "down"
    except Exception:  # any transport or protocol failure means Redis is not usable
        return "down"


@router.get("/", response_model=HealthPublic)
def health() -> JSONResponse:
    """200 when every dependency answers, 503 naming the ones that do not."""
    checks: dict[str, State] = {"postgres": _postgres(), "redis": _redis()}
    ok = all(v == "up" for v in checks.values())
    body = HealthPublic(status="ok" if ok else "degraded", version=__version__,
                        stage=get_settings().stage, checks=checks)
    return JSONResponse(body.model_dump(), status_code=200 if ok else 503,
                        headers={"Cache-Control": "no-store"})
