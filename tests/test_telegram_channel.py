"""The Telegram channel end to end: the session's real Rasa server talking to a fake Bot API."""

from __future__ import annotations

import itertools
import json
import time
import urllib.error
import urllib.request

import pytest
from rasa.shared.exceptions import RasaException

from bot.rasa_server.channels.telegram import TelegramInput, TelegramOutput
from bot.rasa_server.screenshot import OTHER_REPLY, REPLIES, VOICE_REPLY
from bot.text.privacy import notice, redact
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.support import config
from tests.support.servers import RasaServer

TOKEN = config.TELEGRAM_TOKEN
BOT_NAME = config.TELEGRAM_BOT_NAME
SECRET = config.TELEGRAM_SECRET
WEBHOOK_URL = config.TELEGRAM_WEBHOOK_URL
GREETING_PAYLOADS = ["/suspected_scam_call", "/lost_money", "/selling_card", "/app_verification"]
CARD = "6222 0212 3456 7890 128"  # passes the Luhn check

_ids = itertools.count(1)


@pytest.fixture(scope="module")
def webhook(rasa_url: str) -> str:
    """URL of the Telegram webhook on the session's Rasa server (its Bot API is the `telegram_api` fake)."""
    return f"{rasa_url}/webhooks/telegram/webhook"


def post(url: str, body: bytes | dict, secret: str | None = SECRET) -> int:
    """POST a webhook body as Telegram would; returns the HTTP status."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def new_chat() -> int:
    return 700000000 + next(_ids)


def user(chat_id: int) -> dict:
    return {"id": chat_id, "is_bot": False, "first_name": "小王", "language_code": "zh-hans"}


def chat_message(n: int, chat_id: int, sender: dict, **content) -> dict:
    """Message `n` of the private chat with the user, from `sender` (the user or the bot)."""
    return {
        "message_id": n,
        "from": sender,
        "chat": {"id": chat_id, "first_name": "小王", "type": "private"},
        "date": int(time.time()),
        **content,
    }


def message_update(chat_id: int, **content) -> dict:
    """A private-chat message Update as Telegram sends it."""
    n = next(_ids)
    return {"update_id": 512000000 + n, "message": chat_message(n, chat_id, user(chat_id), **content)}


def text_update(chat_id: int, text: str) -> dict:
    return message_update(chat_id, text=text)


def callback_update(chat_id: int, data: str, query_id: str) -> dict:
    """A button press on an earlier bot message."""
    n = next(_ids)
    bot = {"id": 123456789, "is_bot": True, "first_name": "反诈助手", "username": BOT_NAME}
    return {
        "update_id": 512000000 + n,
        "callback_query": {
            "id": query_id,
            "from": user(chat_id),
            "message": chat_message(n, chat_id, bot, text="您好，我是反诈助手……"),
            "chat_instance": "-3288394582873591245",
            "data": data,
        },
    }


def texts_to(api: FakeTelegramAPI, chat_id: int) -> list[str]:
    return [c.params["text"] for c in api.calls_to("sendMessage", chat_id=str(chat_id))]


def test_set_webhook_with_secret_at_start(webhook: str, telegram_api: FakeTelegramAPI, rasa: RasaServer) -> None:
    calls = telegram_api.calls_to("setWebhook")
    assert len(calls) == rasa.starts  # once per start (a test restarts the server)
    for call in calls:
        assert call.params["url"] == WEBHOOK_URL
        assert call.params["secret_token"] == SECRET
        assert set(call.params["allowed_updates"]) == {"message", "callback_query"}


def test_text_message_gets_an_answer(webhook: str, telegram_api: FakeTelegramAPI) -> None:
    chat = new_chat()
    assert post(webhook, text_update(chat, "我被骗了两万怎么办")) == 200
    replies = texts_to(telegram_api, chat)
    assert any("110" in text for text in replies), replies


def test_buttons_become_an_inline_keyboard(webhook: str, telegram_api: FakeTelegramAPI) -> None:
    chat = new_chat()
    assert post(webhook, text_update(chat, "你好")) == 200
    markups = [
        c.params["reply_markup"]
        for c in telegram_api.calls_to("sendMessage", chat_id=str(chat))
        if "reply_markup" in c.params
    ]
    assert len(markups) == 1, telegram_api.calls_to("sendMessage", chat_id=str(chat))
    buttons = [b for row in markups[0]["inline_keyboard"] for b in row]
    assert [b["callback_data"] for b in buttons] == GREETING_PAYLOADS
    assert all(b["text"] for b in buttons)


def test_start_command_greets(webhook: str, telegram_api: FakeTelegramAPI) -> None:
    chat = new_chat()
    assert post(webhook, text_update(chat, "/start")) == 200
    calls = telegram_api.calls_to("sendMessage", chat_id=str(chat))
    assert any("reply_markup" in c.params for c in calls), calls


@pytest.mark.parametrize("secret", [None, "", "wrong-secret", SECRET + "x", SECRET[:-1]])
def test_forged_update_is_rejected(webhook: str, telegram_api: FakeTelegramAPI, secret) -> None:
    chat = new_chat()
    assert post(webhook, text_update(chat, "我被骗了两万怎么办"), secret=secret) == 403
    assert post(webhook, b"not json", secret=secret) == 403
    time.sleep(0.5)
    assert telegram_api.calls_to("sendMessage", chat_id=str(chat)) == []


def test_button_press_is_answered_and_handled(webhook: str, telegram_api: FakeTelegramAPI) -> None:
    chat = new_chat()
    query_id = f"{chat}-4382bfdwdsb323b2d9"
    assert post(webhook, callback_update(chat, "/lost_money", query_id)) == 200
    answers = telegram_api.calls_to("answerCallbackQuery", callback_query_id=query_id)
    assert len(answers) == 1
    replies = telegram_api.calls_to("sendMessage", chat_id=str(chat))
    assert replies, "a button press must produce a reply"
    assert answers[0].seq < replies[0].seq
    assert any("110" in c.params["text"] for c in replies)


@pytest.mark.parametrize(
    "content, expected",
    [
        (
            {
                "sticker": {
                    "file_id": "CAACAgIAAxkBAAEBc2Zk",
                    "file_unique_id": "AgADeQADwZxgDg",
                    "width": 512,
                    "height": 512,
                    "is_animated": False,
                    "emoji": "👍",
                    "set_name": "HotCherry",
                    "file_size": 23811,
                }
            },
            OTHER_REPLY,
        ),
        (
            {
                "photo": [
                    {
                        "file_id": "AgACAgUAAxkBAAIBZ2",
                        "file_unique_id": "AQADr6sxG",
                        "file_size": 1203,
                        "width": 90,
                        "height": 67,
                    }
                ],
                "caption": "这个是真的吗",
            },
            REPLIES["busy"],
        ),  # unknown file
        (
            {
                "voice": {
                    "duration": 3,
                    "mime_type": "audio/ogg",
                    "file_id": "AwACAgUAAxkBAAIBaG",
                    "file_unique_id": "AgADxgMAAr",
                    "file_size": 9640,
                }
            },
            VOICE_REPLY,
        ),
    ],
    ids=["sticker", "photo", "voice"],
)
def test_non_text_gets_polite_text(webhook: str, telegram_api: FakeTelegramAPI, content: dict, expected: str) -> None:
    chat = new_chat()
    assert post(webhook, message_update(chat, **content)) == 200
    assert texts_to(telegram_api, chat) == [expected]
    assert "文字" in expected


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"",
        b"[1, 2]",
        b'"update"',
        json.dumps({"update_id": 1, "message": {"message_id": 1, "text": "你好"}}).encode(),
        json.dumps({"update_id": 1, "message": {"text": "你好", "chat": {"id": "abc"}}}).encode(),
        json.dumps({"update_id": 1, "message": "你好"}).encode(),
        json.dumps({"update_id": 1, "callback_query": {"data": "/greet"}}).encode(),
        json.dumps({"update_id": 1, "callback_query": {"id": "1", "data": "/greet", "message": 5}}).encode(),
    ],
)
def test_malformed_body_is_400(webhook: str, body: bytes) -> None:
    assert post(webhook, body) == 400


def test_other_update_types_are_ignored(webhook: str, telegram_api: FakeTelegramAPI) -> None:
    chat = new_chat()
    edited = text_update(chat, "我被骗了两万怎么办")
    edited["edited_message"] = edited.pop("message")
    before = len(telegram_api.calls)
    assert post(webhook, edited) == 200
    assert post(webhook, {"update_id": 1, "my_chat_member": {"chat": {"id": chat}}}) == 200
    assert len(telegram_api.calls) == before


def test_get_me_at_most_once(webhook: str, telegram_api: FakeTelegramAPI, rasa: RasaServer) -> None:
    for text in ("你好", "谢谢"):
        assert post(webhook, text_update(new_chat(), text)) == 200
    assert len(telegram_api.calls_to("getMe")) <= rasa.starts  # once per server process


def test_bank_card_never_leaves_and_user_is_warned(webhook: str, telegram_api: FakeTelegramAPI, rasa_url: str) -> None:
    chat = new_chat()
    text = f"骗子让我把卡号{CARD}发给他，我已经发了，怎么办"
    kinds = redact(text).kinds
    assert "bank_card" in kinds
    assert post(webhook, text_update(chat, text)) == 200
    replies = texts_to(telegram_api, chat)
    assert notice(kinds) in replies
    digits = CARD.replace(" ", "")
    for call in telegram_api.calls:
        sent = json.dumps(call.params, ensure_ascii=False)
        assert CARD not in sent and digits not in sent
    tracker_url = config.api(rasa_url, f"/conversations/telegram:{chat}/tracker")
    with urllib.request.urlopen(tracker_url, timeout=30) as response:
        tracker = json.load(response)
    said = [e["text"] for e in tracker["events"] if e["event"] == "user"]
    assert said == [redact(text).text]
    assert "[银行卡号]" in said[0]
    dumped = json.dumps(tracker, ensure_ascii=False)
    assert CARD not in dumped and digits not in dumped


def test_empty_secret_refuses_to_start() -> None:
    credentials = {
        "access_token": TOKEN,
        "verify": BOT_NAME,
        "webhook_url": WEBHOOK_URL,
        "secret_token": "",
        "api_base_url": "http://127.0.0.1:9",
    }
    with pytest.raises(RasaException, match="secret_token"):
        TelegramInput.from_credentials(credentials)
    with pytest.raises(RasaException, match="secret_token"):
        TelegramInput.from_credentials({**credentials, "secret_token": "has spaces"})


@pytest.mark.channels
async def test_long_button_payloads_are_dropped(telegram_api: FakeTelegramAPI) -> None:
    out = TelegramOutput(TOKEN, telegram_api.url)
    chat = new_chat()
    buttons = [{"title": "好", "payload": "/affirm"}, {"title": "太长", "payload": "/" + "长" * 30}]
    try:
        await out.send_text_with_buttons(str(chat), "请选择", buttons)
    finally:
        await out.close()
    [call] = telegram_api.calls_to("sendMessage", chat_id=str(chat))
    assert call.params["reply_markup"] == {"inline_keyboard": [[{"text": "好", "callback_data": "/affirm"}]]}
