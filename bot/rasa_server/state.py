"""The channels' short-lived state: rate windows, claimed keys and remembered values.

The embedded default keeps it in this process (`MemoryState`). With `REDIS_URL` set,
every Rasa server behind the load balancer shares it through Redis (`RedisState`), so a
sender's rate limit, a WeChat retry or the buttons offered last do not depend on which
instance a request reaches. Keys are hashed before they reach Redis: sender ids and client
addresses are personal data and are never stored there in the clear.

Redis is called synchronously, as Rasa's own RedisLockStore does: on loopback or a LAN a
call takes a fraction of a millisecond. If Redis fails, a call fails open (allowed, not
claimed, nothing remembered) with a warning: the lock store fails the turn anyway and the
channels then send the essentials, which is better than refusing a frightened user.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import time
import uuid
from collections import OrderedDict, deque
from typing import Protocol

from bot import settings

logger = logging.getLogger(__name__)

REDIS_PREFIX = "fanzha:"
MAX_MEMORY_KEYS = 100_000
REDIS_TIMEOUT = 2.0  # seconds; a turn must not hang on a lost Redis

# KEYS[1] window; ARGV now, period, limit, member. Atomic, so two instances cannot both
# take the last place in a window.
_WINDOW_SCRIPT = """
local now, period, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - period)
if redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], math.ceil(period * 1000))
  return 1
end
return 0
"""


class State(Protocol):
    """What the channels keep between requests; `key`s are namespaced by the caller ("rate:...")."""

    def hit(self, key: str, limit: int, period: float, now: float | None = None) -> bool:
        """Count one event in a sliding window of `period` seconds; False (and not counted) when full."""

    def claim(self, key: str, value: str, ttl: float) -> str | None:
        """Store `value` if `key` is free and return None; else return the value already there."""

    def get(self, key: str) -> str | None:
        """The value at `key`, or None."""

    def put(self, key: str, value: str, ttl: float) -> None:
        """Store `value` at `key` for `ttl` seconds."""

    def delete(self, key: str) -> None:
        """Forget `key`."""

    def touch(self, key: str, ttl: float) -> bool:
        """True if `key` exists, and then keep it another `ttl` seconds."""


class MemoryState:
    """In-process state, bounded: the oldest keys go first once `max_keys` are held."""

    def __init__(self, max_keys: int = MAX_MEMORY_KEYS, clock=time.monotonic) -> None:
        self.max_keys = max_keys
        self._clock = clock
        self._windows: OrderedDict[str, deque] = OrderedDict()
        self._values: OrderedDict[str, tuple[float, str]] = OrderedDict()

    def hit(self, key: str, limit: int, period: float, now: float | None = None) -> bool:
        now = self._clock() if now is None else now
        times = self._windows.pop(key, None) or deque()
        while times and now - times[0] >= period:
            times.popleft()
        allowed = len(times) < limit
        if allowed:
            times.append(now)
        self._windows[key] = times
        self._bound(self._windows)
        return allowed

    def claim(self, key: str, value: str, ttl: float) -> str | None:
        existing = self.get(key)
        if existing is not None:
            return existing
        self.put(key, value, ttl)
        return None

    def get(self, key: str) -> str | None:
        entry = self._values.get(key)
        if entry is None:
            return None
        if entry[0] <= self._clock():
            del self._values[key]
            return None
        return entry[1]

    def put(self, key: str, value: str, ttl: float) -> None:
        self._values.pop(key, None)
        self._values[key] = (self._clock() + ttl, value)
        self._bound(self._values)

    def delete(self, key: str) -> None:
        self._values.pop(key, None)

    def touch(self, key: str, ttl: float) -> bool:
        value = self.get(key)
        if value is None:
            return False
        self.put(key, value, ttl)
        return True

    def _bound(self, entries: OrderedDict) -> None:
        while len(entries) > self.max_keys:
            entries.popitem(last=False)


class RedisState:
    """State shared by every instance through one Redis database."""

    def __init__(self, url: str, prefix: str = REDIS_PREFIX) -> None:
        import redis  # installed with Rasa (its RedisLockStore); only needed when configured

        self._errors = redis.RedisError
        self.client = redis.Redis.from_url(
            url, socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT, decode_responses=True
        )
        self.prefix = prefix
        self._window = self.client.register_script(_WINDOW_SCRIPT)

    def _key(self, key: str) -> str:
        """`kind:` stays readable; the rest (a sender id, an address) is hashed."""
        kind, _, name = key.partition(":")
        return f"{self.prefix}{kind}:{hashlib.sha256(name.encode('utf-8', 'replace')).hexdigest()[:32]}"

    def _call(self, what: str, fallback, call):
        try:
            return call()
        except self._errors as error:
            logger.warning("Redis %s failed (%s): carrying on without shared state", what, type(error).__name__)
            return fallback

    def hit(self, key: str, limit: int, period: float, now: float | None = None) -> bool:
        now = time.time() if now is None else now  # wall clock: instances share one window
        member = f"{now:.6f}:{uuid.uuid4().hex[:8]}"
        return bool(
            self._call("hit", True, lambda: self._window(keys=[self._key(key)], args=[now, period, limit, member]))
        )

    def claim(self, key: str, value: str, ttl: float) -> str | None:
        name = self._key(key)

        def claim() -> str | None:
            if self.client.set(name, value, px=max(1, int(ttl * 1000)), nx=True):
                return None
            existing = self.client.get(name)
            return value if existing is None else existing  # expired in between: count as taken

        return self._call("claim", None, claim)

    def get(self, key: str) -> str | None:
        return self._call("get", None, lambda: self.client.get(self._key(key)))

    def put(self, key: str, value: str, ttl: float) -> None:
        self._call("put", None, lambda: self.client.set(self._key(key), value, px=max(1, int(ttl * 1000))))

    def delete(self, key: str) -> None:
        self._call("delete", None, lambda: self.client.delete(self._key(key)))

    def touch(self, key: str, ttl: float) -> bool:
        return bool(self._call("touch", False, lambda: self.client.pexpire(self._key(key), max(1, int(ttl * 1000)))))


@functools.cache
def _state_for(redis_url: str) -> State:
    return RedisState(redis_url) if redis_url else MemoryState()


def shared() -> State:
    """This process's state: Redis when `REDIS_URL` is set, else in memory (created on first use)."""
    return _state_for(settings.redis_url())


def local_or_shared(local: State) -> State:
    """Where a channel keeps something: Redis when `REDIS_URL` is set, else its own `local` store."""
    return shared() if settings.redis_url() else local
