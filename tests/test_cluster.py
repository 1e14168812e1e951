"""The cluster (`make cluster`): nginx, two Rasa servers, two action servers, PostgreSQL
and Redis as real local processes on loopback, started by deploy/cluster.py.

Bounded: about 130 turns in all, a few minutes with start-up. Select with `-m cluster`;
skipped only when the Debian packages are missing (`make test-deps` installs them).
The cluster starts while the session's other tests run (`running` in tests/conftest.py), and
its tests run after them. The test that kills a Rasa server runs last: the others need both.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import defaultdict

import pytest
import sqlalchemy as sa

from bot.rasa_server.channels.common import ESSENTIALS_REPLY, TOO_FAST_REPLY
from deploy import cluster, processes
from tests.support import config

pytestmark = [
    pytest.mark.cluster,
    pytest.mark.skipif(
        bool(cluster.missing_packages()),
        reason=f"Debian packages missing: {' '.join(cluster.missing_packages())} (make test-deps)",
    ),
]

SENDERS = 20
MESSAGES = [  # five turns per sender, each text different so each can be found once
    "你好",
    "刚才有人自称快递客服打电话，说要给我理赔，让我下载一个会议软件，这是骗子吗",
    "有人出800块一个月租我的银行卡，可以做吗",
    "96110是什么号码，打来的电话能接吗",
    "谢谢你",
]
PER_SENDER_LIMIT = config.CLUSTER_PER_SENDER_LIMIT
ID_NUMBER, CARD, MOBILE = "11010519491231002X", "6222021234567890128", "13912345678"
LOAD_BUDGET_S = 180


def exchange(running: cluster.Cluster, body: bytes, timeout: float = 120) -> tuple[int, str, bytes]:
    """POST to the REST webhook through nginx: (status, nginx's request id, body)."""
    request = urllib.request.Request(running.webhook, data=body, headers={"Content-Type": "application/json"})
    try:
        with processes.HTTP.open(request, timeout=timeout) as response:
            return response.status, response.headers.get("X-Request-ID", ""), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("X-Request-ID", ""), error.read()


def send_named(running: cluster.Cluster, sender: str, text: str) -> tuple[int, list, str]:
    """One turn: (status, replies, nginx's request id)."""
    status, request_id, body = exchange(running, json.dumps({"sender": sender, "message": text}).encode())
    return status, json.loads(body) if status == 200 else [], request_id


def send(running: cluster.Cluster, sender: str, text: str) -> tuple[int, list]:
    status, replies, _ = send_named(running, sender, text)
    return status, replies


def texts(replies: list) -> list[str]:
    return [reply.get("text", "") for reply in replies]


def stored_events(running: cluster.Cluster, sender: str) -> list[dict]:
    """The conversation's events in the shared PostgreSQL tracker store, in stored order."""
    engine = sa.create_engine(running.tracker_db_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT data FROM events WHERE sender_id = :s ORDER BY id"), {"s": f"rest:{sender}"}
            )
            return [json.loads(data) for (data,) in rows]
    finally:
        engine.dispose()


def user_texts(events: list[dict]) -> list[str]:
    return [e["text"] for e in events if e["event"] == "user"]


def turns(events: list[dict]) -> list[list[dict]]:
    """Events split at each user message: one list per turn, the user event first."""
    out: list[list[dict]] = []
    for event in events:
        if event["event"] == "user":
            out.append([event])
        elif out:
            out[-1].append(event)
    return out


def answered(events: list[dict]) -> bool:
    """A whole turn: the bot said something and went back to listening."""
    said = any(e["event"] == "bot" for e in events)
    return said and events[-1]["event"] == "action" and events[-1]["name"] == "action_listen"


def upstreams(running: cluster.Cluster) -> list[str]:
    """For every message nginx passed on, the Rasa server(s) it tried, in order."""
    return [
        line.split("upstream=")[1].split(" status=")[0]
        for line in running.access_log.read_text().splitlines()
        if " POST /webhooks/" in line
    ]


def servers_for(running: cluster.Cluster, request_ids: list[str]) -> dict[str, str]:
    """The Rasa server(s) nginx tried for each request ("-": none); waits for the log lines,
    which nginx writes just after the reply went out."""
    found: dict[str, str] = {}
    deadline = time.monotonic() + 5
    while len(found) < len(request_ids) and time.monotonic() < deadline:
        for line in running.access_log.read_text().splitlines():
            request_id = line.rsplit(" id=", 1)[-1]
            if request_id in request_ids:
                found[request_id] = line.split("upstream=")[1].split(" status=")[0]
        time.sleep(0.05)
    assert len(found) == len(request_ids), f"not in nginx's log: {set(request_ids) - set(found)}"
    return found


def test_two_messages_of_one_sender_at_the_same_moment_are_handled_one_after_the_other(running):
    """They reach different Rasa servers; the Redis lock store makes the second wait for the first."""
    for attempt in range(3):
        sender = f"pair-{attempt}-{uuid.uuid4().hex[:8]}"
        start, results = threading.Barrier(2), {}

        def say(text: str, sender: str = sender, start: threading.Barrier = start, results: dict = results) -> None:
            start.wait()
            results[text] = send_named(running, sender, text)

        threads = [threading.Thread(target=say, args=(text,)) for text in (MESSAGES[1], MESSAGES[2])]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert all(status == 200 and replies for status, replies, _ in results.values()), results
        servers = servers_for(running, [request_id for _, _, request_id in results.values()])
        assert len(set(servers.values())) == 2, f"both messages went to one server: {servers}"
        conversation = turns(stored_events(running, sender))
        assert sorted(t[0]["text"] for t in conversation) == sorted([MESSAGES[1], MESSAGES[2]])
        assert all(answered(turn) for turn in conversation), conversation


def test_the_per_sender_limit_holds_across_servers(running):
    """In-process limits would let 2 × the limit through, alternating servers; Redis holds one count."""
    sender = f"fast-{uuid.uuid4().hex[:8]}"
    replies = [texts(send(running, sender, "你好")[1]) for _ in range(PER_SENDER_LIMIT + 1)]
    assert all(TOO_FAST_REPLY not in r for r in replies[:PER_SENDER_LIMIT])
    assert replies[-1] == [TOO_FAST_REPLY]


def declared_too_big(running: cluster.Cluster) -> tuple[int, str]:
    """nginx's answer to a 2 MiB body, judged by its Content-Length alone: (status, request id).
    The body is never sent (sending it races nginx closing the connection after its 413)."""
    connection = http.client.HTTPConnection(running.url.removeprefix("http://"), timeout=30)
    try:
        connection.putrequest("POST", "/webhooks/rest/webhook")
        connection.putheader("Content-Type", "application/json")
        connection.putheader("Content-Length", str(2 * 1024 * 1024))
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.headers.get("X-Request-ID", "")
    finally:
        connection.close()


def test_bad_input_through_nginx_is_refused_once_and_not_retried(running):
    answers = [
        exchange(running, b"{not json")[:2],
        exchange(running, json.dumps({"sender": "x" * 500, "message": "你好"}).encode())[:2],
        exchange(running, json.dumps({"sender": "big", "message": "钱" * 30_000}).encode())[:2],  # the channel's cap
        declared_too_big(running),  # nginx's cap: never reaches Rasa
    ]
    assert [status for status, _ in answers] == [400, 400, 413, 413]
    servers = servers_for(running, [request_id for _, request_id in answers])
    tried = [servers[request_id] for _, request_id in answers]
    assert "," not in "".join(tried), f"4xx are answers, not failures to retry: {tried}"
    assert tried[-1] == "-" and "-" not in tried[:-1]


def _redis_value(client, key: str) -> object:
    """Whatever a key holds, read with the command for its type."""
    readers = {
        "string": lambda: client.get(key),
        "zset": lambda: client.zrange(key, 0, -1),
        "hash": lambda: client.hgetall(key),
        "list": lambda: client.lrange(key, 0, -1),
        "set": lambda: client.smembers(key),
    }
    return readers.get(client.type(key), lambda: "")()


def test_no_raw_personal_data_in_postgresql_redis_or_logs(running):
    sender = f"privacy-{uuid.uuid4().hex[:8]}"
    status, replies = send(running, sender, f"我身份证号{ID_NUMBER}，银行卡{CARD}，手机{MOBILE}，他们让我转账")
    assert status == 200 and replies
    assert any("[身份证号]" in e.get("text", "") for e in stored_events(running, sender))

    engine = sa.create_engine(running.tracker_db_url)
    try:
        with engine.connect() as connection:
            stored = "\n".join(f"{s} {d}" for s, d in connection.execute(sa.text("SELECT sender_id, data FROM events")))
    finally:
        engine.dispose()
    import redis

    port = int(running.redis_url.rsplit(":", 1)[1])
    found = []
    for db in (0, 1):
        keys = running.redis_cli("-n", str(db), "--scan").split()
        client = redis.Redis(port=port, password=running.redis_password, db=db, decode_responses=True)
        for key in keys:
            found.append(f"{key} {_redis_value(client, key)}")
        client.close()
    logs = "\n".join(p.read_text(errors="replace") for p in running.workdir.glob("*.log"))
    for raw in (ID_NUMBER, CARD, MOBILE):
        assert raw not in stored, f"{raw} in PostgreSQL"
        assert not any(raw in entry for entry in found), f"{raw} in Redis"
        assert raw not in logs, f"{raw} in a log"


def test_a_retried_turn_that_was_already_stored_is_answered_again_not_run_twice(running):
    """What nginx does when a server dies between saving a turn and replying: the same request,
    with the same X-Request-ID, to the other server."""
    sender, request_id = f"retry-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    body = json.dumps({"sender": sender, "message": MESSAGES[2]}).encode()
    answers = []
    for server in running.rasa:
        request = urllib.request.Request(
            f"{server.url}/webhooks/rest/webhook",
            data=body,
            headers={"Content-Type": "application/json", "X-Request-ID": request_id},
        )
        with processes.HTTP.open(request, timeout=120) as response:
            answers.append(json.load(response))
    assert answers[0] and answers[1] == answers[0]
    assert user_texts(stored_events(running, sender)) == [MESSAGES[2]]


def test_many_conversations_survive_a_rasa_server_killed_mid_load(running):
    """20 senders × 5 turns through nginx; one Rasa server gets SIGKILL after a quarter of them.

    Every turn gets a reply (nginx passes the dead server's turns to the other), and every
    conversation in PostgreSQL holds each message exactly once, in the order sent.
    """
    victim = running.rasa[0]
    senders = [f"load-{i}-{uuid.uuid4().hex[:6]}" for i in range(SENDERS)]
    results: dict[str, list[tuple[int, list]]] = defaultdict(list)
    done = threading.Semaphore(0)

    def converse(sender: str) -> None:
        for text in MESSAGES:
            results[sender].append(send(running, sender, text))
            done.release()

    began = time.monotonic()
    threads = [threading.Thread(target=converse, args=(s,), daemon=True) for s in senders]
    for thread in threads:
        thread.start()
    for _ in range(SENDERS * len(MESSAGES) // 4):
        assert done.acquire(timeout=LOAD_BUDGET_S), "the cluster stopped answering before the kill"
    os.kill(victim.pid, signal.SIGKILL)
    killed_at = time.monotonic() - began
    for thread in threads:
        thread.join(timeout=max(1, LOAD_BUDGET_S - (time.monotonic() - began)))
    elapsed = time.monotonic() - began
    assert not any(t.is_alive() for t in threads), f"turns still unanswered after {elapsed:.0f} s"
    assert victim.process.wait(timeout=10) == -signal.SIGKILL

    essentials = 0
    for sender in senders:
        replies = results[sender]
        assert len(replies) == len(MESSAGES) and all(status == 200 and r for status, r in replies), replies
        essentials += sum(texts(r) == [ESSENTIALS_REPLY] for _, r in replies)
        events = stored_events(running, sender)
        assert user_texts(events) == MESSAGES, f"{sender}: lost or duplicated turns"
        assert all(answered(turn) for turn in turns(events)), sender
    retried = [u for u in upstreams(running) if "," in u]
    print(
        f"\nkilled {victim.name} at {killed_at:.1f} s; {SENDERS * len(MESSAGES)} turns in {elapsed:.1f} s; "
        f"{len(retried)} passed to the other server; {essentials} answered with the essentials"
    )
    assert elapsed < LOAD_BUDGET_S
