"""Helpers for the Realtime stand-in tests: the official `realtime` client joined to a topic, app tokens, and
broadcasts sent from SQL with realtime.send, as the server-side functions will send them."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import jwt
import psycopg
from realtime import AsyncRealtimeChannel, AsyncRealtimeClient, RealtimeSubscribeStates

from mimi.auth.tokens import issue_access_token
from mimi.config import get_settings
from mimi_local.keys import es256_jwk
from mimi_local.stack import LocalStack

WAIT_S = 10  # a bound for a message that must come, never a measure of speed


def channel_config(*, private: bool = True, ack: bool = False, self_: bool = False) -> Any:
    return {
        "config": {
            "broadcast": {"ack": ack, "self": self_},
            "presence": {"key": "", "enabled": False},
            "private": private,
        }
    }


@dataclass
class Listener:
    """A client joined (or refused) on one topic, collecting its broadcasts and subscribe states."""

    client: AsyncRealtimeClient
    channel: AsyncRealtimeChannel
    broadcasts: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    states: list[tuple[RealtimeSubscribeStates, str | None]] = field(default_factory=list)
    system: list[dict[str, Any]] = field(default_factory=list)

    @property
    def state(self) -> RealtimeSubscribeStates:
        return self.states[-1][0]

    async def next_broadcast(self) -> dict[str, Any]:
        try:
            return await asyncio.wait_for(self.broadcasts.get(), WAIT_S)
        except TimeoutError:
            raise AssertionError(f"no broadcast within {WAIT_S} s; states {self.states}") from None

    async def reached(self, state: RealtimeSubscribeStates) -> bool:
        """Whether the subscribe callback reports this state within WAIT_S (assert on it)."""
        try:
            async with asyncio.timeout(WAIT_S):
                while not self.states or self.state != state:
                    await asyncio.sleep(0.01)
        except TimeoutError:
            return False
        return True

    async def close(self) -> None:
        await self.client.remove_all_channels()


def client_for(stack: LocalStack, apikey: str | None = None) -> AsyncRealtimeClient:
    """The official client as supabase-py builds it: `<SUPABASE_URL>/realtime/v1` and the anon key."""
    key = stack.secrets["anon_key"] if apikey is None else apikey
    return AsyncRealtimeClient(f"{stack.url}/realtime/v1", token=key, auto_reconnect=False)


async def subscribe(
    stack: LocalStack,
    topic: str,
    token: str | None,
    *,
    client: AsyncRealtimeClient | None = None,
    **config: Any,
) -> Listener:
    """Join `topic` with the user's token (none: the anon key's), as the LIFF app will with supabase-js."""
    client = client or client_for(stack)
    if token is not None:
        await client.set_auth(token)
    listener = Listener(client, client.channel(topic, channel_config(**config)))
    listener.channel.on_broadcast("*", listener.broadcasts.put_nowait)
    listener.channel.on_system(lambda payload: listener.system.append(dict(payload)))

    def on_state(state: RealtimeSubscribeStates, error: Exception | None) -> None:
        listener.states.append((state, None if error is None else str(error)))

    await listener.channel.subscribe(on_state)
    return listener


def send(
    stack: LocalStack,
    topic: str,
    payload: dict[str, Any],
    *,
    event: str = "draft",
    private: bool = True,
    commit: bool = True,
) -> None:
    """realtime.send as the service role (as reading_processor's SQL will), committed or rolled back."""
    with psycopg.connect(stack.pg.dsn()) as conn:
        conn.execute("set role service_role")
        conn.execute(
            "select realtime.send(%s::jsonb, %s, %s, %s)",
            (json.dumps(payload), event, topic, private),
        )
        if commit:
            conn.commit()
        else:
            conn.rollback()


def new_user() -> str:
    return str(uuid.uuid4())


def app_token(user_id: str, *, expires_in: int | None = None) -> str:
    """An app access token from the auth function's own issuer; `expires_in` seconds from now when given."""
    now = int(time.time())
    issued = now if expires_in is None else now + expires_in - get_settings().access_token_ttl_s
    return issue_access_token(user_id, now=issued)[0]


def forged_token(stack: LocalStack, user_id: str) -> str:
    """Claims an app token would carry, signed by a key the stack never issued (under the stack's kid)."""
    claims = jwt.decode(app_token(user_id), options={"verify_signature": False})
    kid = stack.secrets["app_jwt_keys"][0]["kid"]
    key = jwt.PyJWK(es256_jwk(kid), algorithm="ES256")
    return jwt.encode(claims, key.key, algorithm="ES256", headers={"kid": kid})


def token_for_audience(stack: LocalStack, user_id: str, audience: str) -> str:
    """A correctly signed app token whose `aud` is not the project's."""
    claims = jwt.decode(app_token(user_id), options={"verify_signature": False}) | {"aud": audience}
    private = stack.secrets["app_jwt_keys"][0]
    key = jwt.PyJWK(private, algorithm="ES256")
    return jwt.encode(claims, key.key, algorithm="ES256", headers={"kid": private["kid"]})
