"""The phx_join payload, read as Realtime's Join schema reads it: a field that does not parse keeps its default."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

NOT_SERVED = "is not served by the local Realtime stand-in"


class JoinRefused(Exception):
    """A join answered with {"status": "error", "response": {"reason": ...}}."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class JoinParams:
    """What a join asks for (config.broadcast / presence / postgres_changes / private) and the token it brings."""

    private: bool = False
    self_broadcast: bool = False
    ack_broadcast: bool = False
    presence_enabled: bool = False
    replay: bool = False
    postgres_changes: tuple[dict[str, Any], ...] = ()
    token: str | None = None


def flexible_bool(value: Any, default: bool = False) -> bool:
    """Realtime's FlexibleBoolean: true/false, or the strings "true"/"false" in any case."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return default


def _map(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def parse_join(payload: Any, apikey: str) -> JoinParams:
    """The join's parameters; the token is the payload's, or the connection's apikey when it brings none."""
    params = _map(payload)
    config = _map(params.get("config"))
    broadcast, presence = _map(config.get("broadcast")), _map(config.get("presence"))
    changes = config.get("postgres_changes")
    return JoinParams(
        private=flexible_bool(config.get("private")),
        self_broadcast=flexible_bool(broadcast.get("self")),
        ack_broadcast=flexible_bool(broadcast.get("ack")),
        presence_enabled=flexible_bool(presence.get("enabled")),
        replay=broadcast.get("replay") is not None,
        postgres_changes=tuple(c for c in changes if c is not None)
        if isinstance(changes, list)
        else (),
        token=channel_token(params, apikey),
    )


def channel_token(params: dict[str, Any], apikey: str) -> str:
    """Realtime's choice: an `sb_` key means the apikey; else user_token, then access_token, then the apikey."""
    given = params.get("access_token") or params.get("user_token")
    if isinstance(given, str) and given.startswith("sb_"):
        return apikey
    for name in ("user_token", "access_token"):
        if isinstance(params.get(name), str):
            return str(params[name])
    return apikey


def refuse_what_is_not_served(params: JoinParams) -> None:
    """Replay on a public channel is refused as Realtime refuses it; replay and postgres_changes are not served."""
    if params.replay and not params.private:
        raise JoinRefused("UnableToReplayMessages: Replay is not allowed for public channels")
    if params.replay:
        raise JoinRefused(f"UnableToReplayMessages: broadcast replay {NOT_SERVED}")
    if params.postgres_changes:
        raise JoinRefused(f"UnsupportedConfiguration: postgres_changes {NOT_SERVED}")
