"""Optional error reporting to Sentry: on only when SENTRY_DSN is set, and only then is sentry_sdk imported.

Measured on the dev machine on top of a handler's imports: `import sentry_sdk` + init with only the AWS Lambda
integration costs 62-75 ms (min) of cold start; with sentry's default auto-enabling integrations it was ~760 ms
(they import every library they find), so those stay off. Without a DSN this module costs nothing.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sentry_sdk._types import DataCollectionUserOptions

_state: dict[str, Any] = {"sdk": None}  # the sentry_sdk module, once enabled

# sentry-sdk 3.x's data_collection (it replaced send_default_pii and include_local_variables): an event carries the
# exception and stack, never who the user is, a header, cookie, query, body, local variable or model text.
NO_PERSONAL_DATA: DataCollectionUserOptions = {
    "user_info": False,
    "cookies": {"mode": "off"},
    "http_headers": {"request": {"mode": "off"}},
    "http_bodies": [],
    "url_query_params": {"mode": "off"},
    "gen_ai": {"inputs": False, "outputs": False},
    "database_query_data": False,
    "stack_frame_variables": False,
}


def enable(dsn: str, *, stage: str, release: str) -> None:
    """Start Sentry with its AWS Lambda integration (flush per invocation, timeout warnings); no PII, no locals."""
    import sentry_sdk
    from sentry_sdk.integrations.aws_lambda import AwsLambdaIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=stage,
        release=release,
        integrations=[AwsLambdaIntegration()],
        default_integrations=False,
        auto_enabling_integrations=False,
        data_collection=NO_PERSONAL_DATA,
        max_request_body_size="never",
        before_send=without_request,
    )
    _state["sdk"] = sentry_sdk


def without_request(event: Any, hint: Any) -> Any:
    """An event keeps its request's method only: a path can carry a secret (a share link's token)."""
    request = event.get("request")
    if isinstance(request, dict):
        event["request"] = {"method": request.get("method")}
    return event


def enabled() -> bool:
    """Whether this process reports errors to Sentry."""
    return _state["sdk"] is not None


def capture(exc: BaseException) -> None:
    """Report an unhandled exception the app answered with a 500 (Lambda never sees it); never raises."""
    sdk = _state["sdk"]
    if sdk is None:
        return
    with contextlib.suppress(Exception):  # reporting must never turn a 500 into a crash
        sdk.capture_exception(exc)
