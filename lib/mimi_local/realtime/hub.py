"""Who is joined to what, and delivery: rows realtime.send inserted (after commit) and clients' broadcasts.

Realtime learns of committed rows from logical replication; the stand-in LISTENs on `realtime_messages`, whose
NOTIFY (sql/local/0028, payload the row id) Postgres delivers only when the inserting transaction commits, in
commit order. One dispatcher reads each row and hands it to every channel joined to its topic with the same
privacy whose read was authorised at join, in that order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Iterable
from typing import Any, Protocol

import psycopg
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from mimi_local.realtime.protocol import UserBroadcast

log = logging.getLogger(__name__)

CHANNEL = "realtime_messages"
_ROW_SQL = """
select topic, event, payload::text, private, id::text from realtime.messages
where id = %s and extension = 'broadcast'
  and event is not null and private is not null and payload is not null
"""
RETRY_SECONDS = 1.0


class Subscriber(Protocol):
    """A joined channel as the hub sees it."""

    sub_topic: str
    private: bool

    def may_receive_broadcasts(self) -> bool: ...

    def deliver(self, broadcast: UserBroadcast | dict[str, Any]) -> None: ...


class Hub:
    """Joined channels by (topic, private), fed by one LISTEN connection and a pool to read the rows."""

    def __init__(self, dsn: str, pool: AsyncConnectionPool[AsyncConnection[Any]]) -> None:
        self._dsn = dsn
        self._pool = pool
        self._joined: defaultdict[tuple[str, bool], set[Subscriber]] = defaultdict(set)
        self._listening = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._listen_forever(), name="realtime-listen")

    async def ready(self) -> None:
        """Return once LISTEN is in place, so a join answered ok misses no later commit."""
        self.start()
        await self._listening.wait()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def add(self, subscriber: Subscriber) -> None:
        self._joined[(subscriber.sub_topic, subscriber.private)].add(subscriber)

    def remove(self, subscriber: Subscriber) -> None:
        key = (subscriber.sub_topic, subscriber.private)
        self._joined[key].discard(subscriber)
        if not self._joined[key]:
            del self._joined[key]

    def broadcast(
        self, sender: Subscriber, message: UserBroadcast | dict[str, Any], *, to_self: bool
    ) -> None:
        """A client's broadcast to the other channels of its topic and privacy (and itself with `self`)."""
        for subscriber in self._audience(sender.sub_topic, sender.private):
            if subscriber is not sender or to_self:
                subscriber.deliver(message)

    def _audience(self, topic: str, private: bool) -> Iterable[Subscriber]:
        joined = list(self._joined.get((topic, private), ()))
        return [s for s in joined if s.may_receive_broadcasts()]

    async def _listen_forever(self) -> None:
        while True:
            try:
                await self._listen()
            except (psycopg.Error, OSError) as exc:
                log.warning("realtime LISTEN connection lost (%s); reconnecting", exc)
            self._listening.clear()
            await asyncio.sleep(RETRY_SECONDS)

    async def _listen(self) -> None:
        async with await AsyncConnection.connect(self._dsn, autocommit=True) as conn:
            await conn.execute(f"listen {CHANNEL}")
            self._listening.set()
            async for notify in conn.notifies():
                await self._dispatch(notify.payload)

    async def _dispatch(self, message_id: str) -> None:
        """Read one committed row and deliver it as Realtime delivers a database broadcast."""
        async with self._pool.connection() as conn, conn.transaction():
            await conn.execute("set local role service_role")
            row = await (await conn.execute(_ROW_SQL, (message_id,))).fetchone()
        if row is None:
            return
        topic, event, payload, private, row_id = row
        broadcast = UserBroadcast(event or "", payload.encode(), meta={"id": row_id})
        for subscriber in self._audience(topic, private):
            subscriber.deliver(broadcast)
