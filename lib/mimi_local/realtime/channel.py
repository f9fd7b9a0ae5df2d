"""One joined topic on one socket, as RealtimeWeb.RealtimeChannel runs it: join, token refresh and expiry,
client broadcasts, leave, and the `system` message then phx_close that end a channel the server stops."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from mimi_local.realtime.join import JoinParams, JoinRefused, refuse_what_is_not_served
from mimi_local.realtime.policies import AuthContext, DatabaseUnavailable, Policies, PolicyError
from mimi_local.realtime.protocol import Message, UserBroadcast
from mimi_local.realtime.tokens import ExpiryTimer, TokenRefused

if TYPE_CHECKING:
    from mimi_local.realtime.server import Realtime
    from mimi_local.realtime.socket import Connection

log = logging.getLogger(__name__)

TOPIC_PREFIX = "realtime:"
LISTEN_WAIT_S = 10
UNREACHABLE = "Realtime was unable to connect to the project database"


def unauthorized(topic: str) -> str:
    return f"You do not have permissions to read from this Channel topic: {topic}"


class Channel:
    """A socket's subscription to `realtime:<sub_topic>`; the hub delivers to it while it is joined."""

    def __init__(
        self, server: Realtime, conn: Connection, join: Message, params: JoinParams
    ) -> None:
        self.server, self.conn, self.params = server, conn, params
        self.topic, self.join_ref = join.topic, join.join_ref
        self.sub_topic = join.topic.removeprefix(TOPIC_PREFIX)
        self.private = params.private
        self.token = params.token or conn.apikey
        self.claims: dict[str, Any] = {}
        self.policies: Policies | None = None
        self._expiry = ExpiryTimer(self._confirm_token)
        self.closed = False

    # --- what the hub calls ---------------------------------------------------------------------------------------
    def may_receive_broadcasts(self) -> bool:
        """A public join receives every broadcast; a private one only when its read was authorised."""
        return not self.private or (
            self.policies is not None and self.policies.broadcast_read is True
        )

    def deliver(self, broadcast: UserBroadcast | dict[str, Any]) -> None:
        self.conn.push(Message(self.topic, "broadcast", broadcast))

    # --- join -----------------------------------------------------------------------------------------------------
    async def join(self) -> dict[str, Any]:
        """Check the topic, the token and (private) the read policies, then subscribe; JoinRefused otherwise."""
        if not self.sub_topic:
            raise JoinRefused("TopicNameRequired: You must provide a topic name")
        try:
            self.claims = self.server.tokens.claims(self.token)
        except TokenRefused as refused:
            raise JoinRefused(refused.join_reason) from refused
        if self.private:
            await self._authorize_join()
        refuse_what_is_not_served(self.params)
        try:
            await asyncio.wait_for(self.server.hub.ready(), LISTEN_WAIT_S)
        except TimeoutError:
            raise JoinRefused(f"UnableToConnectToProject: {UNREACHABLE}") from None
        self.server.hub.add(self)
        self._schedule_confirm()
        return {"postgres_changes": []}

    async def _authorize_join(self) -> None:
        try:
            self.policies = await self._read_policies()
        except DatabaseUnavailable as exc:
            raise JoinRefused(f"UnableToConnectToProject: {UNREACHABLE}") from exc
        except PolicyError as exc:
            log.warning("realtime RLS policy error on %s: %s", self.sub_topic, exc)
            raise JoinRefused(f"Unauthorized: {unauthorized(self.sub_topic)}") from exc
        if not (self.policies.broadcast_read or self.policies.presence_read):
            raise JoinRefused(f"Unauthorized: {unauthorized(self.sub_topic)}")

    async def _read_policies(self) -> Policies:
        ctx = AuthContext(self.sub_topic, self.claims, self.conn.x_headers)
        return await self.server.authorizer.read(ctx, presence=self.params.presence_enabled)

    # --- messages from the client ---------------------------------------------------------------------------------
    async def handle(self, message: Message) -> None:
        """Leave, token refresh, broadcast and presence; anything else is ignored, as Realtime ignores it."""
        if message.event == "phx_leave":
            self.conn.reply(message, "ok", {})
            self.close()
        elif message.event == "access_token" and isinstance(message.payload, dict):
            await self.refresh(message.payload.get("access_token"))
        elif message.event == "broadcast":
            await self._client_broadcast(message)
        elif message.event == "presence":
            self.conn.reply(message, "error", {})  # presence is not served (docs/architecture.md)

    async def _client_broadcast(self, message: Message) -> None:
        """Relay to the topic's other channels; a private channel needs the INSERT policy (checked once)."""
        if self.private and not await self._may_write():
            return  # Realtime drops it without a reply, even when the join asked for acks
        if isinstance(message.payload, dict | UserBroadcast):
            self.server.hub.broadcast(self, message.payload, to_self=self.params.self_broadcast)
        if self.params.ack_broadcast:
            self.conn.reply(message, "ok", {})

    async def _may_write(self) -> bool:
        policies = self.policies = self.policies or Policies()
        if policies.broadcast_write is None:
            ctx = AuthContext(self.sub_topic, self.claims, self.conn.x_headers)
            try:
                policies.broadcast_write = await self.server.authorizer.may_write(ctx)
            except (DatabaseUnavailable, PolicyError) as exc:
                log.warning("realtime write check failed on %s: %s", self.sub_topic, exc)
                return False
        return policies.broadcast_write

    # --- the token: refresh and expiry ----------------------------------------------------------------------------
    async def refresh(self, token: object) -> None:
        """A new token replaces the old one only if it is valid and still allows reading, else the channel ends.

        Deliveries go on under the old policies until the new ones are known, as Realtime resubscribes only then.
        """
        if not isinstance(token, str) or token.startswith("sb_") or token == self.token:
            return
        self.token = token
        try:
            self.claims = self.server.tokens.claims(token)
        except TokenRefused as refused:
            return self.shutdown(refused.shutdown_message)
        if self.private:
            policies = await self._reauthorized()
            if policies is None or self.closed:
                return None
            self.policies = policies  # write is unknown again: checked at the next client broadcast
        self._schedule_confirm()
        return None

    async def _reauthorized(self) -> Policies | None:
        """The new token's policies, or None once the channel has been shut down for them."""
        try:
            policies = await self._read_policies()
        except (DatabaseUnavailable, PolicyError) as exc:
            unreachable = isinstance(exc, DatabaseUnavailable)
            self.shutdown(UNREACHABLE if unreachable else unauthorized(self.sub_topic))
            return None
        if self.closed:
            return None
        if not (policies.broadcast_read or policies.presence_read):
            self.shutdown(unauthorized(self.sub_topic))
            return None
        if self.policies and self.policies.broadcast_read and not policies.broadcast_read:
            self.shutdown(
                f"You no longer have permission to read from this Channel topic: {self.sub_topic}"
            )
            return None
        return policies

    def _schedule_confirm(self) -> None:
        if not self.closed:
            self._expiry.schedule(int(self.claims["exp"]))

    async def _confirm_token(self) -> None:
        """At the token's exp (or every 5 minutes): still valid, or the channel ends saying why."""
        try:
            self.claims = self.server.tokens.claims(self.token)
        except TokenRefused as refused:
            return self.shutdown(refused.shutdown_message)
        self._schedule_confirm()
        return None

    # --- the end --------------------------------------------------------------------------------------------------
    def shutdown(self, message: str) -> None:
        """The server stops the channel: a `system` error naming why, then phx_close."""
        if self.closed:
            return
        payload = {
            "extension": "system",
            "status": "error",
            "message": message,
            "channel": self.sub_topic,
        }
        self.conn.push(Message(self.topic, "system", payload, join_ref=self.join_ref))
        self.close()

    def close(self) -> None:
        """phx_close (ref and join_ref the join's), and no more deliveries."""
        if self.closed:
            return
        self.conn.push(Message(self.topic, "phx_close", {}, self.join_ref, self.join_ref))
        self.detach()

    def detach(self) -> None:
        """Forget the channel without telling the client (its socket is gone)."""
        self.closed = True
        self._expiry.cancel()
        self.server.hub.remove(self)
        self.conn.forget(self)
