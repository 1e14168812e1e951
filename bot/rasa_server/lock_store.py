"""Rasa's Redis lock store, made safe for several Rasa servers at once.

Rasa 3.6's RedisLockStore reads a conversation's ticket lock, changes it in Python and
writes it back. Within one process that is atomic (no await in between), across
processes it is not: two instances that get messages of one sender at the same moment
can both issue ticket 0 and handle the conversation side by side, or delete a ticket the
other just added (RasaHQ/rasa#9213; the fix, ConcurrentRedisLockStore, went to Rasa Pro
only). Here every read-modify-write is one Redis transaction (WATCH/MULTI), retried
when another instance changed the lock in between.

A waiting turn is served once no unexpired ticket is ahead of it, and its ticket then
gets a full lifetime from that moment. In Rasa's version the lifetime runs from when the
ticket was issued, waiting included: when a server dies holding a conversation, the turn
waiting behind it (nginx's retry) has its own ticket run out at about the same moment as
the dead one's and then never gets the lock. Waiters poll every 0.1 s instead of 1 s.

Also: keys carry a hash of the conversation id, not the id itself (a sender id is
personal data), and a lock key expires with its last ticket, so a server killed mid-turn
leaves nothing behind in Redis once TICKET_LOCK_LIFETIME has passed.

endpoints.yml: `lock_store: {type: bot.rasa_server.lock_store.AtomicRedisLockStore, url: <host>,
port: <port>, password: <password>, db: <db>}` (the same keys as Rasa's `type: redis`).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import time
from collections.abc import AsyncGenerator, Callable
from contextlib import asynccontextmanager
from typing import Any

from rasa.core.lock import Ticket, TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig
from redis.exceptions import WatchError

Change = Callable[[TicketLock | None], tuple[TicketLock | None, Any]]
POLL_SECONDS = 0.1


class AtomicRedisLockStore(RedisLockStore):
    """Ticket locks in Redis, each change one transaction; see the module docstring."""

    def __init__(self, endpoint_config: EndpointConfig | None = None, **kwargs: Any) -> None:
        """Rasa builds custom lock stores from their endpoint config; its keys are RedisLockStore's."""
        if endpoint_config is not None:
            kwargs = {"host": endpoint_config.url or "localhost", **endpoint_config.kwargs, **kwargs}
        super().__init__(**kwargs)

    def _key(self, conversation_id: str) -> str:
        return self.key_prefix + hashlib.sha256(conversation_id.encode("utf-8", "replace")).hexdigest()[:32]

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        raw = self.red.get(self._key(conversation_id))
        return self._lock_from(conversation_id, raw)

    def delete_lock(self, conversation_id: str) -> None:
        self._log_deletion(conversation_id, bool(self.red.delete(self._key(conversation_id))))

    def save_lock(self, lock: TicketLock) -> None:
        self._change(lock.conversation_id, lambda _: (lock, None))

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def issue(lock: TicketLock | None) -> tuple[TicketLock, int]:
            lock = lock or self.create_lock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            return self._change(conversation_id, issue)
        except Exception as error:  # as Rasa's: the agent expects a LockError
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    @asynccontextmanager
    async def lock(
        self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME, wait_time_in_seconds: float = POLL_SECONDS
    ) -> AsyncGenerator[TicketLock, None]:
        """Hold the conversation for one turn: wait until no live ticket is ahead of ours."""
        ticket = self.issue_ticket(conversation_id, lock_lifetime)
        try:
            while not self._take_turn(conversation_id, ticket, lock_lifetime):
                await asyncio.sleep(wait_time_in_seconds)
            yield self.get_lock(conversation_id)
        finally:
            self.cleanup(conversation_id, ticket)

    def _take_turn(self, conversation_id: str, ticket: int, lifetime: float) -> bool:
        """True, with our ticket (re)held for `lifetime` from now, when no live ticket is ahead of it."""

        def take(lock: TicketLock | None) -> tuple[TicketLock, bool]:
            lock = lock or self.create_lock(conversation_id)
            lock.remove_expired_tickets()
            if any(t.number < ticket for t in lock.tickets):
                return lock, False
            others = [t for t in lock.tickets if t.number != ticket]
            lock.tickets.clear()
            lock.tickets.extend([Ticket(ticket, time.time() + lifetime), *others])  # lowest number first
            return lock, True

        return self._change(conversation_id, take)

    def update_lock(self, conversation_id: str) -> None:
        def drop_expired(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            if lock:
                lock.remove_expired_tickets()
            return lock, None

        self._change(conversation_id, drop_expired)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        self.cleanup(conversation_id, ticket_number)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Remove the ticket, and the lock with it when nobody else waits: one transaction."""

        def finish(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            if lock:
                lock.remove_ticket_for(ticket_number)
            return (lock if lock and lock.is_someone_waiting() else None), None

        self._change(conversation_id, finish)

    def _lock_from(self, conversation_id: str, raw: bytes | None) -> TicketLock | None:
        if not raw:
            return None
        lock = TicketLock.from_dict(json.loads(raw))
        lock.conversation_id = conversation_id
        return lock

    def _change(self, conversation_id: str, change: Change) -> Any:
        """Apply `change` (old lock -> new lock or None to delete, result) atomically; returns result."""
        key = self._key(conversation_id)
        with self.red.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    lock, result = change(self._lock_from(conversation_id, pipe.get(key)))
                    pipe.multi()
                    if lock is None or not lock.tickets:
                        pipe.delete(key)
                    else:
                        stored = json.loads(lock.dumps())
                        stored["conversation_id"] = key  # not the sender id itself
                        last_expiry = max(ticket.expires for ticket in lock.tickets)
                        pipe.set(key, json.dumps(stored), px=max(1, math.ceil((last_expiry - time.time()) * 1000)))
                    pipe.execute()
                    return result
                except WatchError:
                    continue
