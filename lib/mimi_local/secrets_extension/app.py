"""The extension's one Parameter Store route, over a dict of SecureString parameters."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

TOKEN_HEADER = "x-aws-parameters-secrets-token"
REGION, ACCOUNT = "ap-southeast-1", "000000000000"


@dataclass
class ParameterStore:
    """The parameters (all SecureString) and the session token a caller must present."""

    session_token: str
    parameters: dict[str, str] = field(default_factory=dict)


def _error(status: int, message: str) -> Response:
    return Response(message, status_code=status, media_type="text/plain")


def _parameter(name: str, value: str, decrypted: bool) -> dict[str, object]:
    """A GetParameter `Parameter`; without decryption a SecureString's value is its ciphertext, as in SSM."""
    shown = (
        value if decrypted else base64.b64encode(b"kms-ciphertext:" + value.encode()[:8]).decode()
    )
    return {
        "ARN": f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter{name}",
        "DataType": "text",
        "LastModifiedDate": "2026-01-01T00:00:00Z",
        "Name": name,
        "Selector": None,
        "SourceResult": None,
        "Type": "SecureString",
        "Value": shown,
        "Version": 1,
    }


def build_app(store: ParameterStore) -> list[Route]:
    """The routes to mount at the root of the stack's port."""

    async def get_parameter(request: Request) -> Response:
        if request.headers.get(TOKEN_HEADER) != store.session_token:
            return _error(401, "not authorized: X-Aws-Parameters-Secrets-Token is missing or wrong")
        name = request.query_params.get("name", "")
        if name not in store.parameters:
            return _error(400, f"ParameterNotFound: {name}")
        decrypted = request.query_params.get("withDecryption", "false").lower() == "true"
        body = {
            "Parameter": _parameter(name, store.parameters[name], decrypted),
            "ResultMetadata": {},
        }
        return Response(json.dumps(body), media_type="application/json")

    return [Route("/systemsmanager/parameters/get", get_parameter, methods=["GET"])]
