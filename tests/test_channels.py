"""The channels' safety rules, in-process: each channel's blueprint on a local Sanic server
with a stub in place of Rasa (no model, no Rasa server), so these run in seconds."""

from __future__ import annotations

import contextlib
import json
import time
from typing import Any

import aiohttp
import pytest
import yaml
from rasa.core.actions.action import RemoteAction
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import EndpointConfig

from bot.rasa_server.channels import common
from bot.rasa_server.channels.common import (
    BUTTON_COMMANDS,
    ESSENTIALS_REPLY,
    TOO_FAST_REPLY,
    NewConversationLimiter,
    RateLimiter,
    bound_action_calls,
)
from bot.rasa_server.channels.rest import RestInput
from bot.rasa_server.channels.telegram import TelegramInput
from bot.text.textnorm import to_simplified
from tests.fakes.faulty_actions import FaultyActionServer
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.support.channels import StubBot, serve_channel
from tests.support.servers import ROOT

pytestmark = pytest.mark.channels

TOKEN = "123456789:AAFakeTokenForTestsOnly_abcdefghijk"
SECRET = "test-secret_Token-42"
ID_NUMBER = "11010519491231002X"
CARD = "6222021234567890128"


@pytest.fixture(autouse=True)
def fresh_limits(monkeypatch):
    """Every test starts with empty rate limiters at the default limits."""
    monkeypatch.setattr(common, "rate_limiter", RateLimiter(20))
    monkeypatch.setattr(common, "address_limiter", RateLimiter(60))
    monkeypatch.setattr(common, "new_conversations", NewConversationLimiter(10))
    monkeypatch.setattr(RemoteAction, "run", RemoteAction.run)  # undo the start-up steps afterwards
    monkeypatch.setattr(EndpointConfig, "session", EndpointConfig.session)
    monkeypatch.setattr(DaskGraphRunner, "run", DaskGraphRunner.run)


async def post(url: str, body: Any, headers: dict | None = None) -> tuple[int, Any]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Content-Type": "application/json", **(headers or {})}
    async with aiohttp.ClientSession() as session, session.post(url, data=data, headers=headers) as r:
        text = await r.text()
        try:
            return r.status, json.loads(text)
        except ValueError:
            return r.status, text


def telegram_update(chat_id: int, text: str) -> dict:
    return {
        "update_id": 1,
        "message": {
            "message_id": 1,
            "date": int(time.time()),
            "text": text,
            "from": {"id": chat_id, "is_bot": False, "first_name": "小王"},
            "chat": {"id": chat_id, "type": "private", "first_name": "小王"},
        },
    }


# --- 1. one namespace of conversation ids per channel ----------------------------------


async def test_rest_cannot_reach_a_telegram_conversation() -> None:
    chat = 700000001
    bot = StubBot("你好，我在。")
    with FakeTelegramAPI(TOKEN) as api:
        telegram = TelegramInput(TOKEN, "", "", SECRET, api.url)
        async with serve_channel(telegram, bot) as telegram_url, serve_channel(RestInput(), bot) as rest_url:
            status, _ = await post(
                f"{telegram_url}/webhook",
                telegram_update(chat, "有人打电话说我涉嫌洗钱"),
                {"X-Telegram-Bot-Api-Secret-Token": SECRET},
            )
            assert status == 200
            for sender in (str(chat), f"telegram:{chat}"):
                status, replies = await post(f"{rest_url}/webhook", {"sender": sender, "message": "/restart"})
                assert status == 200
                assert [r["recipient_id"] for r in replies] == [sender]  # replies go to the caller's own id
        assert [c.params["chat_id"] for c in api.calls_to("sendMessage")] == [str(chat)]
    ids = [m.sender_id for m in bot.messages]
    assert ids == [f"telegram:{chat}", f"rest:{chat}", f"rest:telegram:{chat}"]
    assert all(m.input_channel == i.split(":")[0] for m, i in zip(bot.messages, ids, strict=True))


async def test_rest_posts_as_a_chat_id_do_not_rate_limit_that_chat() -> None:
    chat = 700000002
    bot = StubBot()
    with FakeTelegramAPI(TOKEN) as api:
        telegram = TelegramInput(TOKEN, "", "", SECRET, api.url)
        async with serve_channel(telegram, bot) as telegram_url, serve_channel(RestInput(), bot) as rest_url:
            for _ in range(21):
                await post(f"{rest_url}/webhook", {"sender": str(chat), "message": "你好"})
            await post(
                f"{telegram_url}/webhook",
                telegram_update(chat, "有人打电话说我涉嫌洗钱"),
                {"X-Telegram-Bot-Api-Secret-Token": SECRET},
            )
        sent = [c.params["text"] for c in api.calls_to("sendMessage", chat_id=str(chat))]
    assert sent == ["收到。"]
    assert bot.texts[-1] == "有人打电话说我涉嫌洗钱"


# --- 1. slash commands and intent injection ------------------------------------------------


@pytest.mark.parametrize(
    "typed, seen",
    [
        ("/restart", "restart"),
        ('/inform{"amount": "1"}', 'inform{"amount": "1"}'),
        ('/lost_money{"amount": "1"}', 'lost_money{"amount": "1"}'),
        ("/lost_money@0.1", "lost_money@0.1"),
        ("／restart", "restart"),  # full-width: Rasa's normalizer would fold it to "/"
        ("//session_start", "session_start"),
        ("/ /restart", "restart"),
        ("/lost_money", "/lost_money"),  # the bot's own buttons keep working
        ("/suspected_scam_call", "/suspected_scam_call"),
        ("  /app_verification ", "/app_verification"),
        ("/selling_card", "/selling_card"),
        ("这个网址 /login 是真的吗", "这个网址 /login 是真的吗"),
    ],
)
async def test_only_the_bots_buttons_reach_rasa_as_commands(typed: str, seen: str) -> None:
    bot = StubBot()
    async with serve_channel(RestInput(), bot) as url:
        status, _ = await post(f"{url}/webhook", {"sender": "s1", "message": typed})
    assert status == 200
    assert bot.texts == [seen]


def test_every_command_button_in_the_domain_is_allowed() -> None:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    payloads = {
        button["payload"].strip()
        for variants in domain.get("responses", {}).values()
        for variant in variants
        for button in variant.get("buttons", []) or []
    }
    commands = {p for p in payloads if to_simplified(p).startswith("/")}
    assert commands and commands <= BUTTON_COMMANDS


async def test_telegram_start_still_greets_and_other_commands_are_text() -> None:
    bot = StubBot()
    with FakeTelegramAPI(TOKEN) as api:
        async with serve_channel(TelegramInput(TOKEN, "", "", SECRET, api.url), bot) as url:
            for text in ("/start", "/restart", "/lost_money"):
                await post(
                    f"{url}/webhook", telegram_update(700000003, text), {"X-Telegram-Bot-Api-Secret-Token": SECRET}
                )
    assert bot.texts == ["/greet", "restart", "/lost_money"]


# --- 5. REST metadata is not kept -------------------------------------------------------------


async def test_rest_metadata_is_dropped() -> None:
    bot = StubBot()
    metadata = {"id": ID_NUMBER, "card": CARD, "padding": "x" * 50_000}
    async with serve_channel(RestInput(), bot) as url:
        status, _ = await post(f"{url}/webhook", {"sender": "m1", "message": "你好", "metadata": metadata})
    assert status == 200
    [message] = bot.messages
    assert not message.metadata
    assert ID_NUMBER not in json.dumps(message.metadata) and CARD not in json.dumps(message.metadata)


async def test_rest_reply_says_what_was_kept_of_the_users_text() -> None:
    bot = StubBot()
    async with serve_channel(RestInput(), bot) as url:
        _, redacted = await post(f"{url}/webhook", {"sender": "k1", "message": f"我的卡号{CARD}"})
        _, plain = await post(f"{url}/webhook", {"sender": "k1", "message": "你好"})
    assert redacted[0]["user_text"] == "我的卡号[银行卡号]" == bot.texts[0]
    assert all("user_text" not in r for r in plain)


# --- 10. deeply nested JSON is a bad request ---------------------------------------------------


async def test_deeply_nested_json_is_400() -> None:
    nested = b'{"sender": "d", "message": "hi", "x": ' + b"[" * 5_000 + b"]" * 5_000 + b"}"
    bot = StubBot()
    with FakeTelegramAPI(TOKEN) as api:
        async with (
            serve_channel(RestInput(), bot) as rest_url,
            serve_channel(TelegramInput(TOKEN, "", "", SECRET, api.url), bot) as telegram_url,
        ):
            rest_status, answer = await post(f"{rest_url}/webhook", nested)
            telegram_status, _ = await post(
                f"{telegram_url}/webhook", nested, {"X-Telegram-Bot-Api-Secret-Token": SECRET}
            )
            healthy, _ = await post(f"{rest_url}/webhook", {"sender": "d", "message": "你好"})
    assert rest_status == 400 and answer["error"]
    assert telegram_status == 400
    assert healthy == 200 and bot.texts == ["你好"]


# --- 9. limits per client address ----------------------------------------------------------------


async def test_rotating_sender_ids_meet_the_address_limits(monkeypatch) -> None:
    monkeypatch.setattr(common, "new_conversations", NewConversationLimiter(3))
    bot = StubBot()
    async with serve_channel(RestInput(), bot) as url:
        answers = [(await post(f"{url}/webhook", {"sender": f"r{i}", "message": "你好"}))[1] for i in range(5)]
        again = (await post(f"{url}/webhook", {"sender": "r0", "message": "还在吗"}))[1]
    assert [a[0]["text"] for a in answers] == ["收到。"] * 3 + [TOO_FAST_REPLY] * 2
    assert again[0]["text"] == "收到。"  # a conversation already open is not new
    assert [m.sender_id for m in bot.messages] == ["rest:r0", "rest:r1", "rest:r2", "rest:r0"]


async def test_messages_per_address_are_limited(monkeypatch) -> None:
    monkeypatch.setattr(common, "address_limiter", RateLimiter(4))
    bot = StubBot()
    async with serve_channel(RestInput(), bot) as url:
        texts = [
            (await post(f"{url}/webhook", {"sender": f"a{i % 2}", "message": "你好"}))[1][0]["text"] for i in range(6)
        ]
    assert texts == ["收到。"] * 4 + [TOO_FAST_REPLY] * 2


async def test_forwarded_for_counts_only_from_a_trusted_proxy(monkeypatch) -> None:
    monkeypatch.setattr(common, "new_conversations", NewConversationLimiter(1))

    async def first_texts(url: str) -> list[str]:
        texts = []
        for i, client in enumerate(["203.0.113.5", "203.0.113.6", "203.0.113.6"]):
            headers = {"X-Forwarded-For": f"198.51.100.1, {client}"}
            texts.append(
                (await post(f"{url}/webhook", {"sender": f"{client}-{i}", "message": "你好"}, headers))[1][0]["text"]
            )
        return texts

    bot = StubBot()
    async with serve_channel(RestInput(), bot) as url:
        # Without TRUSTED_PROXIES the header is the caller's word: all three come from 127.0.0.1.
        assert await first_texts(url) == ["收到。", TOO_FAST_REPLY, TOO_FAST_REPLY]
        monkeypatch.setattr(common, "new_conversations", NewConversationLimiter(1))
        monkeypatch.setenv("TRUSTED_PROXIES", "127.0.0.1/32, ::1")
        assert await first_texts(url) == ["收到。", "收到。", TOO_FAST_REPLY]


def test_trusted_proxies_setting(monkeypatch) -> None:
    from bot import settings

    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.0/8 192.168.1.2,::1")
    assert [str(n) for n in settings.trusted_proxies()] == ["10.0.0.0/8", "192.168.1.2/32", "::1/128"]
    monkeypatch.delenv("TRUSTED_PROXIES")
    assert settings.trusted_proxies() == ()


# --- 8. a hung action server costs one timeout per turn ---------------------------------------------


async def test_hung_action_server_costs_one_timeout_per_turn(monkeypatch) -> None:
    monkeypatch.setenv("ACTION_TIMEOUT", "1")
    faulty = FaultyActionServer("slow", delay=30)
    endpoint = EndpointConfig(faulty.url)
    domain = Domain.empty()

    async def three_actions(message) -> None:
        """What Rasa does in a turn like "有人要租我的银行卡": several custom actions in a row."""
        tracker = DialogueStateTracker(message.sender_id, domain.slots)
        for name in ("action_give_guidance", "action_answer_question", "action_check_message"):
            with contextlib.suppress(RasaException):
                await RemoteAction(name, endpoint).run(message.output_channel, None, tracker, domain)

    try:
        async with serve_channel(RestInput(), three_actions) as url:
            started = time.monotonic()
            status, replies = await post(f"{url}/webhook", {"sender": "h1", "message": "有人要租我的银行卡"})
            elapsed = time.monotonic() - started
    finally:
        faulty.close()
    assert status == 200 and [r["text"] for r in replies] == [ESSENTIALS_REPLY]
    assert faulty.calls == 1
    assert elapsed < 2.5, elapsed


async def test_outside_a_turn_each_call_has_its_own_timeout(monkeypatch) -> None:
    monkeypatch.setenv("ACTION_TIMEOUT", "0.5")
    bound_action_calls()
    faulty = FaultyActionServer("slow", delay=30)
    domain = Domain.empty()
    try:
        for _ in range(2):
            started = time.monotonic()
            with pytest.raises(Exception):  # noqa: B017 - whatever Rasa makes of the timeout; the time is the point
                await RemoteAction("action_x", EndpointConfig(faulty.url)).run(
                    None, None, DialogueStateTracker("api", domain.slots), domain
                )
            assert time.monotonic() - started < 2
    finally:
        faulty.close()
    assert faulty.calls == 2


IMPORT_THE_CHANNELS = (
    "import rasa.core.actions.action as a, rasa.utils.endpoints as e, rasa.engine.runner.dask as d\n"
    "before = (a.DEFAULT_REQUEST_TIMEOUT, a.RemoteAction.run, e.EndpointConfig.session, d.DaskGraphRunner.run)\n"
    "import bot.rasa_server.channels.rest, bot.rasa_server.channels.telegram, bot.rasa_server.channels.wechat\n"
    "print(before == (a.DEFAULT_REQUEST_TIMEOUT, a.RemoteAction.run, e.EndpointConfig.session, d.DaskGraphRunner.run))"
)


@pytest.mark.background(IMPORT_THE_CHANNELS, {"ACTION_TIMEOUT": "3", "TF_CPP_MIN_LOG_LEVEL": "3"})
def test_importing_the_channels_changes_nothing_in_rasa(background) -> None:
    """The timeout and the graph runner are set by the channels' start-up step, not as a side effect of
    importing them."""
    assert background.stdout.strip().splitlines()[-1] == "True", background.stderr[-2000:]
