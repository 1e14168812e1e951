"""The channels' state backends (in process and Redis) and the cross-server lock store,
against a real redis-server on loopback (skipped only when the Debian package is missing)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from bot.rasa_server import state
from bot.rasa_server.lock_store import AtomicRedisLockStore
from deploy import cluster, processes

pytestmark = pytest.mark.skipif(
    cluster.executable("redis-server") is None, reason="redis-server is not installed (make test-deps)"
)


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory) -> Iterator[tuple[int, str]]:
    with cluster.redis(Path(tmp_path_factory.mktemp("redis"))) as (_, port, password):
        yield port, password


@pytest.fixture
def redis_url(redis_server) -> Iterator[str]:
    port, password = redis_server
    client = redis.Redis(port=port, password=password)
    client.flushall()
    client.close()
    yield f"redis://:{password}@127.0.0.1:{port}/0"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["memory", "redis"])
def store(request) -> state.State:
    if request.param == "memory":
        return state.MemoryState()
    return state.RedisState(request.getfixturevalue("redis_url"))


def test_window_allows_up_to_the_limit_then_refuses_until_the_oldest_leaves(store):
    assert [store.hit("rate:a", 3, 60, now=t) for t in (0, 10, 20, 30)] == [True, True, True, False]
    assert store.hit("rate:b", 3, 60, now=30), "another key has its own window"
    assert not store.hit("rate:a", 3, 60, now=59.9)
    assert store.hit("rate:a", 3, 60, now=60), "the first hit is a minute old"
    assert not store.hit("rate:a", 3, 60, now=61), "refused hits are not counted, accepted ones are"


def test_claim_put_get_touch_delete(store):
    assert store.claim("msg:1", "first", 60) is None
    assert store.claim("msg:1", "second", 60) == "first"
    assert store.get("msg:1") == "first"
    store.put("buttons:u", '["/a"]', 60)
    assert store.get("buttons:u") == '["/a"]'
    assert store.touch("buttons:u", 60) and not store.touch("buttons:nobody", 60)
    store.delete("buttons:u")
    assert store.get("buttons:u") is None and store.get("never:set") is None


def test_memory_values_expire_and_the_oldest_keys_go_first():
    clock = Clock()
    memory = state.MemoryState(max_keys=2, clock=clock)
    memory.put("a:1", "x", 10)
    clock.now += 10
    assert memory.get("a:1") is None and memory.claim("a:1", "y", 10) is None
    memory.put("a:2", "x", 10)
    memory.put("a:3", "x", 10)
    assert memory.get("a:1") is None and memory.get("a:3") == "x"


def test_redis_values_expire(redis_url):
    shared = state.RedisState(redis_url)
    shared.put("a:1", "x", 0.05)
    assert shared.claim("a:2", "x", 0.05) is None
    time.sleep(0.2)
    assert shared.get("a:1") is None and shared.claim("a:2", "y", 60) is None


def test_two_instances_share_one_window_and_one_claim(redis_url):
    first, second = state.RedisState(redis_url), state.RedisState(redis_url)
    assert first.hit("rate:rest:s", 2, 60, now=0) and second.hit("rate:rest:s", 2, 60, now=1)
    assert not first.hit("rate:rest:s", 2, 60, now=2) and not second.hit("rate:rest:s", 2, 60, now=2)
    assert first.claim("wechat:u:1", "first", 60) is None
    assert second.claim("wechat:u:1", "second", 60) == "first"


def test_redis_keys_hide_who_they_are_about(redis_url):
    shared = state.RedisState(redis_url)
    shared.hit("rate:rest:13812345678", 5, 60)
    shared.put("address:203.0.113.7", "1", 60)
    keys = shared.client.keys("*")
    assert keys and all(key.startswith("fanzha:") for key in keys)
    assert not any("13812345678" in key or "203.0.113.7" in key for key in keys)


def test_redis_down_fails_open(caplog):
    dead = state.RedisState(f"redis://127.0.0.1:{processes.free_port()}/0")
    assert dead.hit("rate:x", 1, 60) and dead.hit("rate:x", 1, 60)
    assert dead.claim("msg:x", "v", 60) is None and dead.get("msg:x") is None
    assert not dead.touch("msg:x", 60)
    assert "carrying on without shared state" in caplog.text


def test_shared_follows_redis_url(monkeypatch, redis_url):
    state._state_for.cache_clear()
    monkeypatch.delenv("REDIS_URL", raising=False)
    assert isinstance(state.shared(), state.MemoryState)
    monkeypatch.setenv("REDIS_URL", redis_url)
    assert isinstance(state.shared(), state.RedisState)
    assert state.shared() is state.shared()
    state._state_for.cache_clear()


# --- the lock store -------------------------------------------------------------------


@pytest.fixture
def lock_store(redis_server):
    """Makes lock stores as separate Rasa servers would have, on an empty database 1."""
    port, password = redis_server

    def make() -> AtomicRedisLockStore:
        return AtomicRedisLockStore(host="127.0.0.1", port=port, password=password, db=1)

    make().red.flushdb()
    return make


def test_tickets_issued_at_the_same_moment_by_many_servers_are_all_different(lock_store):
    """Rasa's own RedisLockStore hands out duplicates here (read, change, write back)."""
    stores = [lock_store() for _ in range(8)]
    start = threading.Barrier(len(stores))
    tickets: list[int] = []

    def issue(store: AtomicRedisLockStore) -> None:
        start.wait()
        for _ in range(25):
            tickets.append(store.issue_ticket("rest:same-sender", 60))

    threads = [threading.Thread(target=issue, args=(s,)) for s in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(tickets) == list(range(200))


async def test_two_servers_handle_one_conversation_one_after_the_other(lock_store):
    first, second = lock_store(), lock_store()
    order: list[str] = []

    async def turn(store: AtomicRedisLockStore, name: str, delay: float) -> None:
        await asyncio.sleep(delay)
        async with store.lock("rest:sender", lock_lifetime=30, wait_time_in_seconds=0.05):
            order.append(f"{name} start")
            await asyncio.sleep(0.3)
            order.append(f"{name} end")

    await asyncio.gather(turn(first, "a", 0), turn(second, "b", 0.05))
    assert order == ["a start", "a end", "b start", "b end"]
    assert first.get_lock("rest:sender") is None, "the lock goes when nobody waits"


def test_lock_keys_name_no_sender_and_expire_with_their_tickets(lock_store):
    store = lock_store()
    store.issue_ticket("wechat:oUser13812345678", 5)
    keys = store.red.keys("*")
    assert len(keys) == 1 and b"13812345678" not in keys[0]
    assert b"13812345678" not in store.red.get(keys[0])
    assert 0 < store.red.pttl(keys[0]) <= 5000
    assert store.get_lock("wechat:oUser13812345678").conversation_id == "wechat:oUser13812345678"
    store.cleanup("wechat:oUser13812345678", 0)
    assert store.red.keys("*") == []


def test_built_from_an_endpoint_config_like_rasa_does(redis_server):
    from rasa.core.lock_store import LockStore
    from rasa.utils.endpoints import EndpointConfig

    port, password = redis_server
    config = EndpointConfig(
        url="127.0.0.1", type="bot.rasa_server.lock_store.AtomicRedisLockStore", port=str(port), password=password, db=1
    )
    store = LockStore.create(config)
    assert isinstance(store, AtomicRedisLockStore) and store.red.ping()


async def test_a_turn_behind_a_dead_servers_ticket_is_served_even_when_it_looks_late(lock_store):
    """The dead server never cleans up; the waiter's own ticket has run out by the time it looks
    again (a busy event loop). Rasa's lock store then never serves it; this one does."""
    dead, alive = lock_store(), lock_store()
    dead.issue_ticket("rest:s", 1.0)
    await asyncio.sleep(0.9)
    served = []
    async with alive.lock("rest:s", lock_lifetime=1.0, wait_time_in_seconds=1.5):
        served.append(True)
        lock = alive.get_lock("rest:s")
        assert lock.tickets[0].expires - time.time() > 0.5, "the turn holds a full lifetime from now"
    assert served and alive.get_lock("rest:s") is None


# --- the channels with REDIS_URL set: what one server remembers, the others know ---------


@pytest.fixture
def with_redis(monkeypatch, redis_url):
    state._state_for.cache_clear()
    monkeypatch.setenv("REDIS_URL", redis_url)
    yield
    state._state_for.cache_clear()


def test_rate_limits_are_counted_once_for_all_servers(with_redis):
    from bot.rasa_server.channels.common import NewConversationLimiter, RateLimiter

    first, second = RateLimiter(3, scope="sender"), RateLimiter(3, scope="sender")
    assert [first.allow("rest:a"), second.allow("rest:a"), first.allow("rest:a"), second.allow("rest:a")] == [
        True,
        True,
        True,
        False,
    ]
    assert RateLimiter(3, scope="address").allow("rest:a"), "each limiter has its own windows"
    first, second = NewConversationLimiter(1), NewConversationLimiter(1)
    assert first.allow("rest:a", "203.0.113.7") and second.allow("rest:a", "203.0.113.7"), "known, not new"
    assert not second.allow("rest:b", "203.0.113.7"), "a second new conversation from that address"


async def test_wechat_servers_share_buttons_signed_requests_and_messages(with_redis):
    from wechatpy import parse_message

    from bot.rasa_server.channels.wechat import WeChatInput

    first, second = WeChatInput("token"), WeChatInput("token")
    first._render(
        "openid-1",
        [
            {
                "text": "您遇到的是哪种情况？",
                "buttons": [
                    {"title": "接到可疑电话", "payload": "/suspected_scam_call"},
                    {"title": "已经转了钱", "payload": "/lost_money"},
                ],
            }
        ],
    )
    assert second._chosen("openid-1", "2") == "/lost_money"
    assert second._chosen("openid-2", "2") == "2"

    params = {"timestamp": "1700000000", "nonce": "n1"}
    assert first.first_use(params, b"<xml>a</xml>") and second.first_use(params, b"<xml>a</xml>"), "a retry"
    assert not second.first_use(params, b"<xml>b</xml>"), "the same signature with another body"

    message = parse_message(
        "<xml><ToUserName>gh_bot</ToUserName><FromUserName>openid-3</FromUserName><CreateTime>1700000000</CreateTime>"
        "<MsgType>text</MsgType><Content>你好</Content><MsgId>42</MsgId></xml>"
    )
    seen = []

    async def rasa(user_message) -> None:
        seen.append(user_message.text)
        await user_message.output_channel.send_text_message(user_message.sender_id, "您好")

    assert await first.on_text(message, rasa, time.monotonic() + 2, "a1" * 16) == "您好"
    assert await second.on_text(message, rasa, time.monotonic() + 2, "b2" * 16) is None, "WeChat's retry elsewhere"
    assert seen == ["你好"]
    # nginx passing the same request on after the first server died: answered, not dropped
    assert await second.on_text(message, rasa, time.monotonic() + 2, "a1" * 16) == "您好"
    assert seen == ["你好", "你好"]


def test_a_stored_turn_is_found_by_its_message_id_with_its_replies():
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.rasa_server.channels.retries import stored_replies

    buttons = [{"title": "已经转了钱", "payload": "/lost_money"}]
    tracker = DialogueStateTracker.from_events(
        "rest:s",
        [
            ActionExecuted("action_listen"),
            UserUttered("在吗", message_id="first"),
            BotUttered("您好", {"buttons": buttons}),
            BotUttered("请说"),
            ActionExecuted("action_listen"),
            UserUttered("被骗了", message_id="second"),
            BotUttered("马上打110"),
            ActionExecuted("action_listen"),
        ],
    )
    first = stored_replies(tracker, "first")
    assert [(r["text"], r.get("buttons")) for r in first] == [("您好", buttons), ("请说", None)]
    assert [r["text"] for r in stored_replies(tracker, "second")] == ["马上打110"]
    assert stored_replies(tracker, "never-stored") is None
