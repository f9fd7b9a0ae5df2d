"""auth routes: POST /line, POST /refresh, POST /logout."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from mimi.auth import service
from mimi.auth.schemas import LineLogin, LoginPublic, RefreshRequest, TokenPair

router = APIRouter()


def client_ip(request: Request) -> str:
    """The caller's IP as Lambda's function URL saw it."""
    return request.client.host if request.client else "unknown"


@router.post("/line", response_model=LoginPublic)
def line_login(body: LineLogin, request: Request) -> LoginPublic:
    return service.login(body.id_token, body.ref, client_ip(request))


@router.post("/refresh", response_model=TokenPair)
def refresh(body: RefreshRequest, request: Request) -> TokenPair:
    return service.refresh(body.refresh_token, client_ip(request))


@router.post("/logout", status_code=204)
def logout(body: RefreshRequest) -> Response:
    service.logout(body.refresh_token)
    return Response(status_code=204)
