"""The WeChat channel end to end: the session's real Rasa server, WeChat's XML, a fake WeChat API.

Requests are built the way WeChat's servers build them: `signature` is the SHA1 of
the sorted token, timestamp and nonce; in safe mode the body carries `Encrypt`,
signed as `msg_signature` over token, timestamp, nonce and the ciphertext. The
safe-mode values are WeChat's official sample (token spamtest). The Rasa server
has the AES key, so its requests are encrypted (plaintext is refused); plaintext
mode, and replies too slow to be passive, are tested in-process with a stub bot.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import sqlite3
import string
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import xmltodict
from hypothesis import given, settings
from hypothesis import strategies as st
from wechatpy.crypto import WeChatCrypto

from bot.rasa_server.channels.wechat import MAX_BYTES, MAX_CHARS, WeChatInput, split_text
from tests.fakes.wechat_api import FakeWeChatAPI
from tests.support import config
from tests.support.servers import RasaServer

TOKEN = config.WECHAT_TOKEN
AES_KEY = config.WECHAT_AES_KEY
APP_ID = config.WECHAT_APP_ID
APP_SECRET = config.WECHAT_APP_SECRET
ACCOUNT = "gh_fanzha_test"  # the Official Account's own id (ToUserName)


def sign(*parts: str) -> str:
    """WeChat's signature: SHA1 of the parts sorted and concatenated."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def openid() -> str:
    return "o" + uuid.uuid4().hex[:27]


def msg_id() -> int:
    return random.randrange(10**18, 10**19)


def signed_params(token: str = TOKEN, age: int = 0, **extra: str) -> dict[str, str]:
    """A query string signed `age` seconds ago."""
    timestamp = str(int(time.time()) - age)
    nonce = "".join(random.choices(string.digits, k=10))
    return {"signature": sign(token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce, **extra}


def encrypted_request(xml: str | bytes) -> tuple[str, dict]:
    """Body and query string of a safe-mode POST, built like WeChat's."""
    timestamp, nonce = str(int(time.time())), "".join(random.choices(string.digits, k=10))
    sealed = WeChatCrypto(TOKEN, AES_KEY, APP_ID).encrypt_message(xml, nonce, timestamp)
    encrypt = xmltodict.parse(sealed)["xml"]["Encrypt"]
    body = f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
    params = {
        "signature": sign(TOKEN, timestamp, nonce),
        "timestamp": timestamp,
        "nonce": nonce,
        "encrypt_type": "aes",
        "msg_signature": sign(TOKEN, timestamp, nonce, encrypt),
    }
    return body, params


def message_xml(sender: str, msg_type: str, fields: str, with_msg_id: bool = True, mid: int | None = None) -> str:
    """An incoming message as WeChat posts it."""
    id_node = f"<MsgId>{mid or msg_id()}</MsgId>" if with_msg_id else ""
    return (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
        f"<FromUserName><![CDATA[{sender}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime>"
        f"<MsgType><![CDATA[{msg_type}]]></MsgType>{fields}{id_node}</xml>"
    )


def text_xml(sender: str, content: str, mid: int | None = None) -> str:
    return message_xml(sender, "text", f"<Content><![CDATA[{content}]]></Content>", mid=mid)


def subscribe_xml(sender: str) -> str:
    return message_xml(
        sender, "event", "<Event><![CDATA[subscribe]]></Event><EventKey><![CDATA[]]></EventKey>", with_msg_id=False
    )


def passive_text(reply: requests.Response, sender: str) -> str:
    """The Content of a passive text reply to `sender` (decrypted), checked against WeChat's limits."""
    assert reply.status_code == 200, reply.text
    xml = xmltodict.parse(reply.text)["xml"]
    if "Encrypt" in xml:
        plain = WeChatCrypto(TOKEN, AES_KEY, APP_ID).decrypt_message(
            reply.text, xml["MsgSignature"], xml["TimeStamp"], xml["Nonce"]
        )
        xml = xmltodict.parse(plain)["xml"]
    assert xml["MsgType"] == "text"
    assert xml["ToUserName"] == sender
    assert xml["FromUserName"] == ACCOUNT
    content = xml["Content"]
    assert len(content) <= MAX_CHARS and len(content.encode()) <= MAX_BYTES
    return content


class WeChat:
    """Posts to the channel's webhook the way WeChat's servers do (in safe mode unless `params` are given)."""

    def __init__(self, rasa_url: str) -> None:
        self.rasa_url = rasa_url
        self.url = f"{rasa_url}/webhooks/wechat/webhook"

    def post(self, body: str | bytes, params: dict | None = None) -> requests.Response:
        if params is None:
            body, params = encrypted_request(body)
        data = body.encode("utf-8") if isinstance(body, str) else body
        return requests.post(self.url, params=params, data=data, headers={"Content-Type": "text/xml"}, timeout=30)

    def say(self, sender: str, content: str, mid: int | None = None) -> requests.Response:
        return self.post(text_xml(sender, content, mid))

    def user_texts(self, sender: str) -> list[str]:
        """What Rasa's tracker recorded the user saying."""
        tracker = requests.get(config.api(self.rasa_url, f"/conversations/wechat:{sender}/tracker"), timeout=30).json()
        return [e.get("text") for e in tracker.get("events", []) if e.get("event") == "user"]


@pytest.fixture(scope="module")
def api(wechat_api: FakeWeChatAPI) -> FakeWeChatAPI:
    """The fake WeChat API the session's Rasa server pushes replies to."""
    return wechat_api


@pytest.fixture(scope="module")
def wechat(rasa_url: str) -> WeChat:
    """The session's Rasa server, whose WeChat channel has the default 4 s passive-reply budget."""
    return WeChat(rasa_url)


# --- URL verification (GET) ------------------------------------------------------------


def test_health_check(wechat: WeChat) -> None:
    assert requests.get(f"{wechat.rasa_url}/webhooks/wechat/", timeout=30).json() == {"status": "ok"}


def test_verification_echoes_echostr(wechat: WeChat) -> None:
    reply = requests.get(wechat.url, params=signed_params(echostr="5837397520317862311"), timeout=10)
    assert reply.status_code == 200
    assert reply.text == "5837397520317862311"


@pytest.mark.parametrize(
    "params",
    [
        signed_params(token="not-our-token", echostr="123"),
        {"timestamp": "1409304348", "nonce": "1", "echostr": "123"},
        {"echostr": "123"},
    ],
)
def test_verification_with_bad_signature_is_forbidden(wechat: WeChat, params: dict) -> None:
    reply = requests.get(wechat.url, params=params, timeout=10)
    assert reply.status_code == 403
    assert "123" not in reply.text


# --- plaintext mode -----------------------------------------------------------------------


def test_text_message_gets_passive_reply_mentioning_110(wechat: WeChat, api: FakeWeChatAPI) -> None:
    sender = openid()
    content = passive_text(wechat.say(sender, "我被骗了两万怎么办"), sender)
    assert "110" in content
    assert wechat.user_texts(sender) == ["我被骗了两万怎么办"]
    assert api.texts_for(sender) == []  # answered passively only, not pushed as well


def test_post_with_bad_signature_is_forbidden_and_not_processed(wechat: WeChat) -> None:
    sender = openid()
    reply = wechat.post(text_xml(sender, "我被骗了两万怎么办"), signed_params(token="forged"))
    assert reply.status_code == 403
    unsigned = wechat.post(text_xml(sender, "我被骗了两万怎么办"), {"timestamp": "1", "nonce": "2"})
    assert unsigned.status_code == 403
    assert wechat.user_texts(sender) == []


def test_retried_msg_id_is_processed_once(wechat: WeChat) -> None:
    sender, mid = openid(), msg_id()
    with ThreadPoolExecutor(2) as pool:  # a retry arriving while the first is in progress
        first, retry = pool.map(lambda _: wechat.say(sender, "有人打电话说我涉嫌洗钱", mid), range(2))
    late_retry = wechat.say(sender, "有人打电话说我涉嫌洗钱", mid)
    contents = {passive_text(r, sender) for r in (first, retry, late_retry)}
    assert len(contents) == 1
    assert wechat.user_texts(sender) == ["有人打电话说我涉嫌洗钱"]


def test_personal_data_is_neither_stored_nor_logged(wechat: WeChat, rasa: RasaServer) -> None:
    sender, card, phone = openid(), "6222021234567890128", "13912345678"
    content = passive_text(wechat.say(sender, f"骗子让我把卡号{card}和手机{phone}发给他"), sender)
    assert "不要发给任何人" in content
    assert wechat.user_texts(sender) == ["骗子让我把卡号[银行卡号]和手机[手机号]发给他"]
    rows = (
        sqlite3.connect(rasa.tracker_db)
        .execute("select data from events where sender_id = ?", (f"wechat:{sender}",))
        .fetchall()
    )
    stored = "\n".join(data for (data,) in rows)
    logged = rasa.log.read_text(errors="replace")  # at debug level
    assert rows and all(value not in stored + logged for value in (card, phone))


def test_subscribe_gets_welcome(wechat: WeChat) -> None:
    sender = openid()
    content = passive_text(wechat.post(subscribe_xml(sender)), sender)
    assert "反诈助手" in content and "自动" in content
    assert all(word in content for word in ("银行卡号", "密码", "验证码", "110"))
    assert wechat.user_texts(sender) == []


@pytest.mark.parametrize(
    "msg_type, fields",
    [
        ("image", "<PicUrl><![CDATA[http://mmbiz.qpic.cn/x.jpg]]></PicUrl><MediaId><![CDATA[media_id]]></MediaId>"),
        ("voice", "<MediaId><![CDATA[media_id]]></MediaId><Format><![CDATA[amr]]></Format>"),
        ("video", "<MediaId><![CDATA[media_id]]></MediaId><ThumbMediaId><![CDATA[thumb]]></ThumbMediaId>"),
        (
            "location",
            "<Location_X>23.134521</Location_X><Location_Y>113.358803</Location_Y><Scale>20</Scale>"
            "<Label><![CDATA[位置信息]]></Label>",
        ),
    ],
)
def test_non_text_messages_get_polite_text_only_notice(wechat: WeChat, msg_type: str, fields: str) -> None:
    sender = openid()
    content = passive_text(wechat.post(message_xml(sender, msg_type, fields)), sender)
    assert "文字" in content and "抱歉" in content
    assert wechat.user_texts(sender) == []


def test_buttons_become_numbered_options_answered_by_digit(wechat: WeChat) -> None:
    sender = openid()
    greeting = passive_text(wechat.say(sender, "你好"), sender)
    assert "1. 接到可疑电话/短信" in greeting and "2. 已经被骗、转了钱" in greeting

    guidance = passive_text(wechat.say(sender, "1"), sender)
    assert wechat.user_texts(sender)[-1] == "/suspected_scam_call"
    assert "挂断" in guidance

    passive_text(wechat.say(sender, "3"), sender)  # no options offered now: plain text for the NLU
    assert wechat.user_texts(sender)[-1] == "3"

    passive_text(wechat.say(sender, "您好"), sender)
    lost = passive_text(wechat.say(sender, "２."), sender)  # full-width digit with a dot
    assert wechat.user_texts(sender)[-1] == "/lost_money"
    assert "110" in lost


@pytest.mark.parametrize(
    "body",
    [
        "<xml><ToUserName><![CDATA[gh]]></ToUserName>",
        "this is not xml",
        "<xml></xml>",
        "<xml>text</xml>",
        "<xml><MsgType>text</MsgType><Content>hi</Content></xml>",
        f"<xml><ToUserName>{ACCOUNT}</ToUserName><FromUserName>o1</FromUserName><MsgType>text</MsgType></xml>",
        f"<xml><ToUserName>{ACCOUNT}</ToUserName><FromUserName>o1</FromUserName><MsgType>text</MsgType>"
        "<Content>hi</Content><MsgId>not-a-number</MsgId></xml>",
        "<!DOCTYPE xml [<!ENTITY a 'aaaaaaaaaa'>]><xml><MsgType>text</MsgType><Content>&a;</Content></xml>",
        b"\xff\xfe<xml/>",
        "",
    ],
)
def test_malformed_body_is_bad_request(wechat: WeChat, body: str | bytes) -> None:
    assert wechat.post(body).status_code == 400


# --- safe mode (encrypt_type=aes) ------------------------------------------------------------


def test_safe_mode_round_trip(wechat: WeChat) -> None:
    sender = openid()
    body, params = encrypted_request(text_xml(sender, "我被骗了两万怎么办"))
    reply = wechat.post(body, params)
    assert reply.status_code == 200, reply.text
    sealed = xmltodict.parse(reply.text)["xml"]
    assert set(sealed) == {"Encrypt", "MsgSignature", "TimeStamp", "Nonce"}
    assert sealed["MsgSignature"] == sign(TOKEN, sealed["TimeStamp"], sealed["Nonce"], sealed["Encrypt"])
    plain = WeChatCrypto(TOKEN, AES_KEY, APP_ID).decrypt_message(
        reply.text, sealed["MsgSignature"], sealed["TimeStamp"], sealed["Nonce"]
    )
    xml = xmltodict.parse(plain)["xml"]
    assert xml["MsgType"] == "text" and xml["ToUserName"] == sender and xml["FromUserName"] == ACCOUNT
    assert "110" in xml["Content"]
    assert wechat.user_texts(sender) == ["我被骗了两万怎么办"]


def test_safe_mode_rejects_bad_msg_signature_and_bad_ciphertext(wechat: WeChat) -> None:
    sender = openid()
    body, params = encrypted_request(text_xml(sender, "你好"))
    assert wechat.post(body, {**params, "msg_signature": sign("forged", "1", "2")}).status_code == 403

    not_ciphertext = "bm90IGEgY2lwaGVydGV4dA=="  # base64, correctly signed, but not AES of a message
    garbage = f"<xml><Encrypt><![CDATA[{not_ciphertext}]]></Encrypt></xml>"
    fresh = signed_params(encrypt_type="aes")  # a timestamp and nonce serve one body only
    garbage_signature = sign(TOKEN, fresh["timestamp"], fresh["nonce"], not_ciphertext)
    assert wechat.post(garbage, {**fresh, "msg_signature": garbage_signature}).status_code == 400
    assert wechat.post(body, {**params, "encrypt_type": "des"}).status_code == 403
    assert wechat.user_texts(sender) == []


def test_plaintext_is_refused_when_an_aes_key_is_set(wechat: WeChat) -> None:
    sender = openid()
    assert wechat.post(text_xml(sender, "我被骗了两万怎么办"), signed_params()).status_code == 403
    assert wechat.user_texts(sender) == []


# --- replies through the customer-service API (the channel in-process, with a slow stub bot) ----


class SlowBot:
    """Answers every message after a turn's worth of time, as Rasa does; records what it was given."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    async def __call__(self, message) -> None:
        self.seen.append(message.text)
        await asyncio.sleep(0.05)
        await message.output_channel.send_text_message(message.sender_id, answer_to(message.text))


def answer_to(text: str) -> str:
    return f"关于“{text}”：先别转账，马上打110。"


def impatient_channel(api: FakeWeChatAPI) -> WeChatInput:
    """The channel as the Rasa server has it, but giving up on passive replies at once: all is pushed."""
    return WeChatInput(TOKEN, APP_ID, APP_SECRET, AES_KEY, api.url, 0.001)


@pytest.fixture
def own_api() -> Iterator[FakeWeChatAPI]:
    """A fake WeChat API for this test's in-process channel alone (`api` is the Rasa server's)."""
    with FakeWeChatAPI(APP_ID, APP_SECRET) as fake:
        yield fake


async def say_to(channel: WeChatInput, bot: SlowBot, sender: str, content: str, mid: int | None = None):
    """Post a safe-mode text to the channel as WeChat would."""
    body, params = encrypted_request(text_xml(sender, content, mid))
    return await channel.handle(params, body.encode(), bot)


@pytest.mark.channels
async def test_slow_reply_is_sent_through_customer_service_api(own_api: FakeWeChatAPI) -> None:
    channel, bot, sender = impatient_channel(own_api), SlowBot(), openid()
    reply = await say_to(channel, bot, sender, "我被骗了两万怎么办")
    assert reply.status == 200 and reply.body == b"success"
    texts = await pushed_until(own_api, sender, lambda t: len(t) >= 1)
    assert texts == [answer_to("我被骗了两万怎么办")] and "110" in texts[0]

    other = openid()
    assert (await say_to(channel, bot, other, "谢谢")).body == b"success"
    assert len(await pushed_until(own_api, other, lambda t: len(t) >= 1)) == 1
    assert len(own_api.tokens_issued) == 1  # the token is cached between sends
    assert own_api.rejected == []


@pytest.mark.channels
async def test_expired_token_is_refreshed_once_and_send_retried(own_api: FakeWeChatAPI) -> None:
    channel, bot, sender = impatient_channel(own_api), SlowBot(), openid()
    await say_to(channel, bot, sender, "你好")
    assert len(await pushed_until(own_api, sender, lambda t: len(t) >= 1)) == 1
    issued = len(own_api.tokens_issued)

    own_api.expire_token()
    assert (await say_to(channel, bot, sender, "有人让我把银行卡借给他用")).body == b"success"
    texts = await pushed_until(own_api, sender, lambda t: len(t) >= 2)
    assert len(texts) == 2 and texts[1] == answer_to("有人让我把银行卡借给他用")
    assert [r.errcode for r in own_api.rejected] == [42001]
    assert len(own_api.tokens_issued) == issued + 1
    assert own_api.messages[-1].access_token == own_api.tokens_issued[-1]


@pytest.mark.channels
async def test_retry_of_a_pushed_reply_is_not_answered_twice(own_api: FakeWeChatAPI) -> None:
    channel, bot = impatient_channel(own_api), SlowBot()
    sender, mid = openid(), msg_id()
    assert (await say_to(channel, bot, sender, "谢谢", mid)).body == b"success"
    assert len(await pushed_until(own_api, sender, lambda t: len(t) >= 1)) == 1
    assert (await say_to(channel, bot, sender, "谢谢", mid)).body == b"success"
    await asyncio.sleep(1)
    assert len(own_api.texts_for(sender)) == 1
    assert bot.seen == ["谢谢"]


# --- long replies (the channel in-process, with a bot that talks a lot) ----------------------


async def reply_with(channel: WeChatInput, sender: str, *bot_texts: str) -> str:
    """Post a signed text to `channel.handle` whose bot answers with `bot_texts`; the passive Content."""

    async def bot(message) -> None:
        for text in bot_texts:
            await message.output_channel.send_text_message(message.sender_id, text)

    reply = await channel.handle(signed_params(), text_xml(sender, "说说吧").encode(), bot)
    assert reply.status == 200
    xml = xmltodict.parse(reply.body.decode())["xml"]
    assert xml["ToUserName"] == sender
    return xml["Content"]


async def pushed_until(api: FakeWeChatAPI, sender: str, done, timeout: float = 10) -> list[str]:
    deadline = time.monotonic() + timeout
    while not done(texts := api.texts_for(sender)) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    return texts


def assert_within_limits(pieces: list[str]) -> None:
    for piece in pieces:
        assert 0 < len(piece) <= MAX_CHARS and len(piece.encode()) <= MAX_BYTES


@pytest.mark.channels
async def test_long_reply_is_split_at_line_breaks(own_api: FakeWeChatAPI) -> None:
    long_text = "\n".join(f"第{i}条：接到自称客服的电话，不要转账，不要说验证码，先挂断再核实。" for i in range(1, 61))
    assert len(long_text) > 3 * MAX_CHARS
    channel = WeChatInput(TOKEN, APP_ID, APP_SECRET, "", own_api.url, 4.0)
    sender = openid()
    first = await reply_with(channel, sender, long_text)
    rest = await pushed_until(own_api, sender, lambda t: "\n".join([first, *t]) == long_text)
    assert len(rest) >= 3
    assert_within_limits([first, *rest])
    assert "\n".join([first, *rest]) == long_text  # every piece ends at a line break
    assert first.startswith("第1条") and rest[-1].endswith(
        "第60条：接到自称客服的电话，不要转账，不要说验证码，先挂断再核实。"
    )


@pytest.mark.channels
async def test_long_line_without_breaks_is_cut_by_bytes_too(own_api: FakeWeChatAPI) -> None:
    line = "骗" * 700 + "😀" * 700  # 4-byte characters: the 2048-byte limit applies before 600 chars
    channel = WeChatInput(TOKEN, APP_ID, APP_SECRET, "", own_api.url, 4.0)
    sender = openid()
    first = await reply_with(channel, sender, line)
    rest = await pushed_until(own_api, sender, lambda t: first + "".join(t) == line)
    assert_within_limits([first, *rest])
    assert first + "".join(rest) == line


@pytest.mark.channels
async def test_several_bot_messages_are_joined_into_one_passive_reply(own_api: FakeWeChatAPI) -> None:
    channel = WeChatInput(TOKEN, APP_ID, APP_SECRET, "", own_api.url, 4.0)
    content = await reply_with(channel, openid(), "先别转账。", "马上打110。")
    assert content == "先别转账。\n\n马上打110。"
    assert own_api.messages == []


# --- replay and impersonation (the channel in-process, with a stub bot) ------------------------


class EchoBot:
    """Answers every message with the user's namespaced id and text; records what it saw."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    async def __call__(self, message) -> None:
        self.seen.append((message.sender_id, message.text))
        await message.output_channel.send_text_message(message.sender_id, f"{message.sender_id}:{message.text}")


def passive_content(reply) -> str:
    assert reply.status == 200, reply.body
    return xmltodict.parse(reply.body.decode())["xml"]["Content"]


@pytest.mark.channels
@pytest.mark.parametrize("age", [301, -301, 10**6])
async def test_stale_or_future_signatures_are_refused(age: int) -> None:
    channel, bot = WeChatInput(TOKEN), EchoBot()
    params = signed_params(age=age)
    assert not channel.is_authentic({**params, "echostr": "1"})  # URL verification (GET) too
    reply = await channel.handle(params, text_xml(openid(), "你好").encode(), bot)
    assert reply.status == 403 and bot.seen == []
    fresh = await channel.handle(signed_params(age=250), text_xml(openid(), "你好").encode(), bot)
    assert fresh.status == 200 and len(bot.seen) == 1


@pytest.mark.channels
async def test_a_signed_query_string_cannot_carry_another_message() -> None:
    channel, bot = WeChatInput(TOKEN), EchoBot()
    victim, attacker, params = openid(), openid(), signed_params()
    original = text_xml(victim, "你好", mid=msg_id()).encode()
    assert passive_content(await channel.handle(params, original, bot)) == f"wechat:{victim}:你好"
    forged = await channel.handle(params, text_xml(attacker, "/restart", mid=msg_id()).encode(), bot)
    as_victim = await channel.handle(params, text_xml(victim, "我的卡号是多少", mid=msg_id()).encode(), bot)
    assert forged.status == 403 and as_victim.status == 403
    retry = await channel.handle(params, original, bot)  # WeChat retrying with the same query string
    assert passive_content(retry) == f"wechat:{victim}:你好"
    assert bot.seen == [(f"wechat:{victim}", "你好")]


@pytest.mark.channels
async def test_safe_mode_channel_refuses_plaintext() -> None:
    channel, bot = WeChatInput(TOKEN, APP_ID, APP_SECRET, AES_KEY), EchoBot()
    plain = await channel.handle(signed_params(), text_xml(openid(), "你好").encode(), bot)
    assert plain.status == 403 and bot.seen == []
    body, params = encrypted_request(text_xml(openid(), "你好"))
    assert (await channel.handle(params, body.encode(), bot)).status == 200 and len(bot.seen) == 1


@pytest.mark.channels
async def test_same_msg_id_from_two_users_gets_two_answers() -> None:
    channel, bot = WeChatInput(TOKEN), EchoBot()
    first, second, mid = openid(), openid(), msg_id()
    one = await channel.handle(signed_params(), text_xml(first, "有人让我转账", mid=mid).encode(), bot)
    two = await channel.handle(signed_params(), text_xml(second, "你好", mid=mid).encode(), bot)
    assert passive_content(one) == f"wechat:{first}:有人让我转账"
    assert passive_content(two) == f"wechat:{second}:你好"
    assert bot.seen == [(f"wechat:{first}", "有人让我转账"), (f"wechat:{second}", "你好")]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(["骗", "a", "😀", "\n", " ", "1"]), max_size=3000))
def test_split_text_keeps_everything_within_limits(text: str) -> None:
    pieces = split_text(text)
    assert_within_limits(pieces)
    assert "".join("".join(pieces).split()) == "".join(text.split())


# --- robustness ------------------------------------------------------------------------------

xml_like = st.builds(
    lambda msg_type, content, mid, sender: message_xml(
        sender, msg_type, f"<Content>{content}</Content>{mid}", with_msg_id=False
    ),
    st.sampled_from(["text", "image", "voice", "event", "TEXT", "", "<x>"]),
    st.text(max_size=80),
    st.one_of(st.just(""), st.integers().map(lambda i: f"<MsgId>{i}</MsgId>"), st.text(max_size=20)),
    st.text(max_size=30),
)


@settings(max_examples=30, deadline=None)
@given(
    body=st.one_of(st.binary(max_size=500), st.text(max_size=500), xml_like),
    extra=st.fixed_dictionaries(
        {},
        optional={
            "encrypt_type": st.sampled_from(["raw", "aes", "des", ""]),
            "msg_signature": st.text(alphabet=string.hexdigits, max_size=40),
        },
    ),
)
def test_any_signed_body_never_causes_a_server_error(wechat: WeChat, body, extra: dict) -> None:
    reply = wechat.post(body, signed_params(**extra))
    assert reply.status_code < 500, reply.text
