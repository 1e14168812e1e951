"""Safe to deploy: personal data never stored or logged in clear, bad input, faults, restarts."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest
import yaml

from bot.ops.retention import delete_idle_conversations
from tests.conftest import post_json
from tests.support import config, servers

# Valid values: the ID has a correct GB 11643 check digit, the card passes Luhn.
ID_NUMBER = "11010519491231002X"
CARD = "6222021234567890128"
PHONE = "13912345678"
CODE = "837261"
PASSWORD = "abc12345"
SECRETS = [ID_NUMBER, CARD, "6222 0212 3456 7890 128", PHONE, CODE, PASSWORD]


def webhook(url: str) -> str:
    return f"{url}/webhooks/rest/webhook"


def raw_post(url: str, body: bytes, content_type: str = "application/json") -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def status_for_announced_body(url: str, size: int) -> int:
    """The final status a server answers to a POST announcing `size` bytes before any of them is sent.

    Sent with `Expect: 100-continue`, so that a refusal cannot race a client still sending the
    body (which would see a broken pipe instead of the status). Sanic answers "100 Continue" and
    then checks the announced size; a server that would read the body answers nothing more (a
    timeout here, reported as 100).
    """
    parts = urllib.parse.urlsplit(url)
    head = (
        f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {size}\r\nExpect: 100-continue\r\n\r\n"
    )
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as connection:
        connection.sendall(head.encode())
        replies = connection.makefile("rb")
        status = int(replies.readline().split()[1])
        while status == 100:
            while replies.readline().strip():  # the interim response's headers
                pass
            try:
                status = int(replies.readline().split()[1])
            except TimeoutError:
                break
    return status


def say(url: str, sender: str, message: str) -> str:
    return "\n".join(r.get("text", "") for r in post_json(webhook(url), {"sender": sender, "message": message}))


def test_personal_data_is_never_stored_or_logged(workdir, rasa):
    """The session's Rasa server logs at debug level, where Rasa prints every message it handles."""
    sender = uuid.uuid4().hex
    messages = [
        f"我的身份证号是{ID_NUMBER}，他们说要核实",
        f"骗子让我把卡号{CARD}发给他",
        "卡号是6222 0212 3456 7890 128",
        f"他打我手机{PHONE}，让我报验证码{CODE}",
        f"我把密码{PASSWORD}告诉对方了，被骗了怎么办",
    ]
    replies = [say(rasa.url, sender, m) for m in messages]
    assert "不要发给任何人" in replies[1] and "包括我" in replies[1]

    rows = (
        sqlite3.connect(rasa.tracker_db)
        .execute("select type_name, data from events where sender_id = ?", (f"rest:{sender}",))
        .fetchall()
    )
    stored = "\n".join(data for _, data in rows)
    texts = [json.loads(d).get("text") or "" for t, d in rows if t == "user"]
    assert any("[身份证号]" in t for t in texts) and any("[银行卡号]" in t for t in texts)
    logs = rasa.log.read_text(errors="replace")
    assert " DEBUG " in logs
    action_logs = "".join(p.read_text(errors="replace") for p in workdir.glob("actions-*.log"))
    for secret in SECRETS:
        assert secret not in stored, secret
        assert secret not in logs, secret
        assert secret not in action_logs, secret
        assert all(secret not in r for r in replies)


BAD_BODIES = {
    "empty body": (b"", "application/json"),
    "invalid json": (b'{"sender": "a", "message": ', "application/json"),
    "json array": (b'["hi"]', "application/json"),
    "invalid utf-8": (b'{"sender": "a", "message": "\xff\xfe\xfa"}', "application/json"),
    "missing sender": (json.dumps({"message": "你好"}).encode(), "application/json"),
    "number as message": (json.dumps({"sender": "a", "message": 42}).encode(), "application/json"),
    "null message": (json.dumps({"sender": "a", "message": None}).encode(), "application/json"),
    "object as sender": (json.dumps({"sender": {"x": 1}, "message": "你好"}).encode(), "application/json"),
    "100 KB body": (json.dumps({"sender": "a", "message": "骗" * 50_000}).encode(), "application/json"),
    "1000-deep nesting": (
        b'{"sender": "a", "message": "hi", "x": ' + b"[" * 1000 + b"]" * 1000 + b"}",
        "application/json",
    ),
    "wrong content type": (json.dumps({"sender": "ct", "message": "你好"}).encode(), "text/plain"),
    "form encoded": (b"sender=a&message=hi", "application/x-www-form-urlencoded"),
}
ODD_MESSAGES = {
    "empty": "",
    "whitespace": "   \n\t ",
    "control characters": "\x00\x01\x1b[31m你好\x7f",
    "emoji only": "😭😭😭🙏",
    "html": "<script>alert(1)</script><img src=x onerror=alert(1)>",
    "sql": "'; DROP TABLE events; --",
    "long but allowed": "我被骗了。" * 300,
    "right-to-left and zero-width": "\u202e\u200b被骗\u200d了",
}


@pytest.mark.parametrize("name", BAD_BODIES)
def test_bad_bodies_get_a_clear_answer_and_the_server_keeps_serving(rasa_url, name):
    body, content_type = BAD_BODIES[name]
    status, content = raw_post(webhook(rasa_url), body, content_type)
    assert status < 500, (status, content[:200])
    if status >= 400:
        assert json.loads(content)["error"]
    assert "110" in say(rasa_url, uuid.uuid4().hex, "我被骗了两万怎么办")


@pytest.mark.parametrize("name", ODD_MESSAGES)
def test_odd_messages_get_a_polite_reply(rasa_url, name):
    status, content = raw_post(
        webhook(rasa_url), json.dumps({"sender": uuid.uuid4().hex, "message": ODD_MESSAGES[name]}).encode()
    )
    assert status == 200
    replies = json.loads(content)
    assert replies and all(r.get("text") or r.get("buttons") for r in replies)


@pytest.mark.parametrize("path", ["/webhooks/rest/webhook", "/model/parse"])
def test_oversized_bodies_are_refused_by_the_server(rasa_url, path):
    assert status_for_announced_body(rasa_url + path, 1_200_000) == 413
    assert "110" in say(rasa_url, uuid.uuid4().hex, "我被骗了两万怎么办")


def test_too_long_messages_are_not_processed(rasa_url):
    reply = say(rasa_url, uuid.uuid4().hex, "被骗" * 1001)
    assert "太长" in reply


def test_rate_limit_per_sender(rasa_url):
    sender = uuid.uuid4().hex
    replies = [say(rasa_url, sender, "你好") for _ in range(21)]
    assert all("太快" not in r for r in replies[:20])
    assert "太快" in replies[20] and "110" in replies[20]
    assert "太快" not in say(rasa_url, uuid.uuid4().hex, "你好")


@pytest.mark.parametrize("mode", ["error", "slow"])
def test_failing_action_server_still_gets_the_user_the_essentials(rasa, faulty_actions, mode):
    faulty_actions.set_mode(mode)
    logged = rasa.log_size()
    started = time.monotonic()
    reply = say(rasa.url, uuid.uuid4().hex, "有人要租我的银行卡")
    elapsed = time.monotonic() - started
    assert faulty_actions.calls >= 1
    assert "110" in reply and "96110" in reply
    # One timeout for the turn, not one per action (the turn calls three: three timeouts).
    assert elapsed < config.ACTION_TIMEOUT + 3, elapsed
    assert "no reply for sender" in rasa.log_since(logged)


def test_action_server_outage_mid_conversation_and_recovery(rasa_url, faulty_actions):
    sender = uuid.uuid4().hex
    assert "帮信" in say(rasa_url, sender, "有人要花钱租我的银行卡")
    faulty_actions.set_mode("down")  # the action server's port refuses connections
    down = say(rasa_url, sender, "国家反诈中心app在哪里下载")
    assert "110" in down and "96110" in down
    faulty_actions.set_mode("pass")
    assert "应用商店" in say(rasa_url, sender, "这个app是真的吗")


def test_rasa_restart_loses_nothing(rasa):
    sender = uuid.uuid4().hex
    first = say(rasa.url, sender, "我被骗了")
    assert "什么时候" in first
    rasa.restart()  # the same port, tracker store and action server, as a real restart
    second = say(rasa.url, sender, "半小时前")
    assert "怎么转出去" in second
    tracker = json.load(urllib.request.urlopen(config.api(rasa.url, f"/conversations/rest:{sender}/tracker")))
    texts = [e.get("text") for e in tracker["events"] if e["event"] == "user"]
    assert texts[-2:] == ["我被骗了", "半小时前"]


def test_api_token_and_cors_origins(rasa_url):
    """The session's server runs with --auth-token and --cors for CORS_ORIGIN and the chat page."""
    origin, url = config.CORS_ORIGIN, rasa_url
    for path in ("/status", "/conversations/x/tracker"):
        with pytest.raises(urllib.error.HTTPError) as denied:
            urllib.request.urlopen(url + path)
        assert denied.value.code == 401
    with urllib.request.urlopen(config.api(url, "/status")) as ok:
        assert ok.status == 200

    def preflight(from_origin: str) -> str | None:
        request = urllib.request.Request(
            webhook(url),
            method="OPTIONS",
            headers={"Origin": from_origin, "Access-Control-Request-Method": "POST"},
        )
        with urllib.request.urlopen(request) as response:
            return response.headers.get("Access-Control-Allow-Origin")

    assert preflight(origin) == origin
    assert preflight("http://evil.example") in (None, "")


@pytest.mark.integration
def test_run_refuses_a_public_interface_without_a_token():
    def run_on_every_interface(**env: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["bash", "scripts/run.sh"],
            cwd=servers.ROOT,
            capture_output=True,
            text=True,
            timeout=30,
            env={"PATH": "/usr/bin:/bin", "FANZHA_HOST": "0.0.0.0", **env},
        )

    result = run_on_every_interface()
    assert result.returncode == 2 and "RASA_TOKEN" in result.stderr
    with_token = run_on_every_interface(RASA_TOKEN="t")
    assert with_token.returncode == 2 and "FANZHA_RASA_URL" in with_token.stderr  # the page needs a real address


FAKE_PROGRAM = """#!/bin/bash
# Stands in for .venv/bin/{name}: records its arguments and the action endpoint it was given.
echo "{name} $* | ACTION_ENDPOINT_URL=${{ACTION_ENDPOINT_URL:-}}" >> "$RUN_LOG"
case "$*" in *rasa_sdk*|*serve_web*) exec sleep 30 ;; run\\ *) sleep 1 ;; esac
"""


@pytest.mark.integration
@pytest.mark.parametrize("host", ["127.0.0.1", "::1"])
def test_run_passes_every_port_to_every_place_that_uses_it(tmp_path, host):
    (tmp_path / "scripts").mkdir()
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    for name in ("scripts/run.sh", "endpoints.yml"):
        (tmp_path / name).write_text((servers.ROOT / name).read_text())
    for name in ("python", "rasa"):
        fake = tmp_path / ".venv" / "bin" / name
        fake.write_text(FAKE_PROGRAM.format(name=name))
        fake.chmod(0o755)
    log = tmp_path / "run.log"
    env = {
        "PATH": "/usr/bin:/bin",
        "RUN_LOG": str(log),
        "FANZHA_HOST": host,
        "RASA_PORT": "6101",
        "ACTION_PORT": "6102",
        "WEB_PORT": "6103",
    }
    subprocess.run(["bash", "scripts/run.sh"], cwd=tmp_path, env=env, capture_output=True, timeout=60, check=True)
    calls = log.read_text().splitlines()
    url_host = f"[{host}]" if ":" in host else host
    [actions] = [c for c in calls if "rasa_sdk" in c]
    [page] = [c for c in calls if "serve_web" in c]
    [rasa] = [c for c in calls if c.startswith("rasa run")]
    assert "--port 6102 " in actions
    assert f"--port 6103 --rasa http://{url_host}:6101 " in page
    assert "--port 6101 " in rasa and "--endpoints endpoints.yml " in rasa
    assert f"--cors http://{url_host}:6103 " in rasa
    assert rasa.endswith("ACTION_ENDPOINT_URL=http://127.0.0.1:6102/webhook")


def test_endpoints_take_the_action_server_url_from_the_environment(monkeypatch):
    from rasa.utils.endpoints import read_endpoint_config

    monkeypatch.setenv("ACTION_ENDPOINT_URL", "http://127.0.0.1:6102/webhook")
    endpoint = read_endpoint_config(str(servers.ROOT / "endpoints.yml"), "action_endpoint")
    assert endpoint.url == "http://127.0.0.1:6102/webhook"


@pytest.mark.integration
def test_credentials_file_is_readable_by_its_owner_only(tmp_path):
    target = tmp_path / "var" / "credentials.yml"
    target.parent.mkdir()
    target.write_text("old: world-readable\n")
    target.chmod(0o644)
    env = {
        **os.environ,
        "TELEGRAM_TOKEN": "123:secret-token",
        "TELEGRAM_SECRET": "s",
        "WECHAT_TOKEN": "w",
        "WECHAT_APP_SECRET": "app-secret",
        "WECHAT_AES_KEY": "k" * 43,
    }
    subprocess.run(
        [sys.executable, "-m", "bot.ops.credentials", str(target)], cwd=servers.ROOT, env=env, check=True, timeout=60
    )
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    written = yaml.safe_load(target.read_text())
    assert written["bot.rasa_server.channels.telegram.TelegramInput"]["access_token"] == "123:secret-token"
    assert written["bot.rasa_server.channels.wechat.WeChatInput"]["encoding_aes_key"] == "k" * 43
    assert [p.name for p in target.parent.iterdir()] == ["credentials.yml"]


def test_retention_deletes_only_idle_conversations(rasa):
    sender = uuid.uuid4().hex
    say(rasa.url, sender, "你好")
    url = f"sqlite:///{rasa.tracker_db}"
    assert delete_idle_conversations(url, days=30) == 0
    later = time.time() + 31 * 86_400
    assert delete_idle_conversations(url, days=30, now=later) >= 1
    rows = (
        sqlite3.connect(rasa.tracker_db)
        .execute("select count(*) from events where sender_id = ?", (f"rest:{sender}",))
        .fetchone()
    )
    assert rows == (0,)


ACTION_SERVER_IMPORTS = """
import json, sys
import rasa_sdk.__main__  # what `python -m rasa_sdk` loads before it reads its arguments
from rasa_sdk.endpoint import create_app
from rasa_sdk.executor import ActionExecutor

executor = ActionExecutor()
executor.register_package("actions")
create_app("actions")  # what `--actions actions` does next, before it serves
print(json.dumps({"actions": sorted(executor.actions), "modules": sorted(sys.modules)}))
"""


@pytest.mark.integration
@pytest.mark.background(ACTION_SERVER_IMPORTS)
def test_the_action_server_imports_no_tensorflow(background):
    """The action server stays small and starts fast only while nothing it loads pulls in TensorFlow."""
    assert background.returncode == 0, background.stderr[-3000:]
    loaded = json.loads(background.stdout.splitlines()[-1])
    assert "action_give_guidance" in loaded["actions"]
    heavy = [m for m in loaded["modules"] if m.split(".")[0] in ("tensorflow", "keras", "tf_keras")]
    assert heavy == []
