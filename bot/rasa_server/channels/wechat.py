"""WeChat Official Account (公众号) channel: a signed webhook in front of Rasa.

wechatpy does the protocol work: signatures, XML parsing, reply rendering and
safe-mode (AES) crypto. WeChat waits 5 s for a passive reply; when the bot is
slower than `reply_timeout` the webhook answers "success" and the reply follows
through the customer-service message API, as do pieces of a long reply beyond the
first. Retries of a (user, MsgId) share the first delivery's result. User text
reaches Rasa only through `bot.rasa_server.channels.common.deliver`. Images are fetched by
MediaId from the temporary-media API (`media/get`, as wechatpy's `WeChatMedia.download`,
with this channel's access token; PicUrl is not fetched, so the server only ever
downloads from WeChat's API) and read by `bot.rasa_server.screenshot`; voice is answered through
WeChat's own `Recognition` text when the account has it, otherwise with a request for text.

A signed query string is only good for `SIGNATURE_WINDOW` seconds around its
timestamp and for one body: it cannot be replayed with another message. With an
AES key configured, only encrypted (safe or compatible mode) posts are accepted,
since only their msg_signature covers the body.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
import time
import unicodedata
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.events import BaseEvent
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.messages import BaseMessage, ImageMessage, TextMessage, VoiceMessage
from wechatpy.replies import TextReply
from wechatpy.utils import check_signature

from bot import settings
from bot.rasa_server.channels.common import ConfiguredInput, channel_blueprint, deliver
from bot.rasa_server.screenshot import MAX_IMAGE_BYTES, OTHER_REPLY, REPLIES, VOICE_REPLY, check_screenshot
from bot.rasa_server.state import MemoryState, local_or_shared, shared

logger = logging.getLogger(__name__)

WELCOME_REPLY = (
    "感谢关注！我是反诈助手，一个自动回复的防骗小助手，不是真人。"
    "我绝不会向您要银行卡号、密码或验证码。遇到紧急情况请直接拨打110。"
    "接到可疑电话、短信，或者担心被骗了，直接用文字告诉我，或者把截图发给我。"
)
ERROR_REPLY = "抱歉，系统出了点问题，请稍后再试。如果钱已经转出去，请马上拨打110。"
CHOICE_HINT = "（回复数字即可选择）"
SUCCESS = "success"  # WeChat: handled, no passive reply, do not retry
SUBSCRIBE_EVENTS = {"subscribe", "subscribe_scan"}

MAX_CHARS = 600  # per passive reply or customer-service text
MAX_BYTES = 2048
TOKEN_ERRORS = {40001, 40014, 42001}  # invalid credential, invalid token, expired token
TOKEN_MARGIN = 300  # seconds before expiry when a cached access token is renewed
RECENT_MESSAGES = 1024  # MsgIds remembered to recognise WeChat's retries
SIGNATURE_WINDOW = 300  # seconds a signed timestamp stays valid, either way (clock skew)
MAX_NONCES = 100_000  # signed requests remembered within the window
MAX_BUTTON_USERS = 10_000  # users whose last offered buttons are kept
BUTTON_SECONDS = 24 * 3600  # how long offered buttons stay answerable by number
CLAIM_SECONDS = 300  # with REDIS_URL: a message is one server's, whichever server WeChat's retry reaches
_CHOICE = re.compile(r"(\d{1,2})\s*[.、。]?")


class BadRequest(ValueError):
    """The POST body is not a usable WeChat message."""


class WeChatApiError(RuntimeError):
    """The WeChat API answered with an error."""


def _fits(text: str) -> bool:
    return len(text) <= MAX_CHARS and len(text.encode("utf-8")) <= MAX_BYTES


def _hard_cut(line: str) -> list[str]:
    """Cut a line that is too long on its own into pieces that fit."""
    pieces = []
    while not _fits(line):
        end = MAX_CHARS
        while not _fits(line[:end]):
            end -= 1
        pieces.append(line[:end])
        line = line[end:]
    return [*pieces, line]


def split_text(text: str) -> list[str]:
    """Pieces within WeChat's text limits, cut at line breaks where possible."""
    pieces: list[str] = []
    current = ""
    for line in text.strip().split("\n"):
        for chunk in _hard_cut(line):
            joined = f"{current}\n{chunk}" if current else chunk
            if _fits(joined):
                current = joined
            else:
                pieces.append(current)
                current = chunk
    pieces.append(current)
    return [piece.strip() for piece in pieces if piece.strip()]


def read_message(xml: Any) -> BaseMessage:
    """Parse WeChat's XML with wechatpy; BadRequest if it is not a usable message."""
    try:
        message = parse_message(xml)
        # Typed fields convert on access; touch them here so junk fails now.
        message.id, message.time  # noqa: B018
        valid = all(isinstance(v, str) and v for v in (message.source, message.target))
    except Exception as error:
        raise BadRequest("malformed XML") from error
    if not valid:
        raise BadRequest("missing FromUserName or ToUserName")
    content = message.content if isinstance(message, TextMessage) else None
    if isinstance(message, TextMessage) and not (isinstance(content, str) and content.strip()):
        raise BadRequest("text message without Content")
    return message


class CustomerServiceApi:
    """Customer-service text messages; the access token is cached until shortly before expiry."""

    def __init__(self, base_url: str, app_id: str, app_secret: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.app_id = app_id
        self.app_secret = app_secret
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()

    async def send_text(self, openid: str, content: str) -> None:
        """Send one text; on an invalid or expired token, refresh it once and retry."""
        payload = {"touser": openid, "msgtype": "text", "text": {"content": content}}
        token = await self._access_token()
        result = await self._post(token, payload)
        if result.get("errcode") in TOKEN_ERRORS:
            token = await self._access_token(stale=token)
            result = await self._post(token, payload)
        if result.get("errcode", 0) != 0:
            raise WeChatApiError(f"custom/send failed: {result}")

    async def download_media(self, media_id: str, limit: int) -> bytes | None:
        """A temporary media file's bytes (media/get), or None when it is bigger than `limit` bytes."""
        token = await self._access_token()
        errcode, data = await self._get_media(token, media_id, limit)
        if errcode in TOKEN_ERRORS:
            token = await self._access_token(stale=token)
            errcode, data = await self._get_media(token, media_id, limit)
        if errcode:
            raise WeChatApiError(f"media/get failed: errcode {errcode}")
        return data

    async def _get_media(self, token: str, media_id: str, limit: int) -> tuple[int, bytes | None]:
        """(errcode, bytes): WeChat answers errors as JSON and the file as itself."""
        data = bytearray()
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20)) as session,
            session.get(
                f"{self.base_url}/cgi-bin/media/get", params={"access_token": token, "media_id": media_id}
            ) as reply,
        ):
            if reply.content_type in ("application/json", "text/plain"):
                result = await reply.json(content_type=None)
                return int(result.get("errcode", -1)) if isinstance(result, dict) else -1, None
            async for chunk in reply.content.iter_chunked(64 * 1024):
                data += chunk
                if len(data) > limit:
                    return 0, None
        return 0, bytes(data)

    async def _access_token(self, stale: str | None = None) -> str:
        """The cached token, fetched anew when missing, near expiry or rejected (`stale`)."""
        async with self._lock:
            if self._token and self._token != stale and time.monotonic() < self._expires_at:
                return self._token
            params = {"grant_type": "client_credential", "appid": self.app_id, "secret": self.app_secret}
            async with (
                aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session,
                session.get(f"{self.base_url}/cgi-bin/token", params=params) as reply,
            ):
                data = await reply.json(content_type=None)
            token = data.get("access_token") if isinstance(data, dict) else None
            if not isinstance(token, str) or not token:
                raise WeChatApiError(f"token request failed: {data}")
            self._token = token
            self._expires_at = time.monotonic() + max(int(data.get("expires_in", 7200)) - TOKEN_MARGIN, 0)
            return token

    async def _post(self, token: str, payload: dict) -> dict:
        # ensure_ascii=False: WeChat expects the Chinese text as UTF-8, not \u escapes.
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session,
            session.post(
                f"{self.base_url}/cgi-bin/message/custom/send",
                params={"access_token": token},
                data=body,
                headers={"Content-Type": "application/json; charset=utf-8"},
            ) as reply,
        ):
            result = await reply.json(content_type=None)
        return result if isinstance(result, dict) else {"errcode": -1, "errmsg": str(result)}


@dataclass
class _Answer:
    """The bot's answer to one MsgId, shared by WeChat's retries of it."""

    sender: str
    task: asyncio.Task[list[str]]
    delivery: str | None = None  # "passive" or "push", decided once


class WeChatInput(ConfiguredInput):
    """WeChat Official Account webhook at /webhooks/wechat/webhook."""

    CREDENTIALS = settings.WECHAT_CREDENTIALS

    @classmethod
    def name(cls) -> str:
        return "wechat"

    def __init__(
        self,
        token: str,
        app_id: str = "",
        app_secret: str = "",
        encoding_aes_key: str = "",
        api_base_url: str = settings.WECHAT_API,
        reply_timeout: float = 4.0,
    ) -> None:
        self.token = token
        self.crypto: WeChatCrypto | None = None
        if encoding_aes_key:
            try:
                self.crypto = WeChatCrypto(token, encoding_aes_key, app_id)
            except Exception as error:
                raise RasaException("WeChat's encoding_aes_key must be the 43-character EncodingAESKey.") from error
        self.api = CustomerServiceApi(api_base_url, app_id, app_secret)
        self.reply_timeout = reply_timeout
        self._answers: OrderedDict[tuple[str, str], _Answer] = OrderedDict()
        self._nonces: OrderedDict[tuple[str, str], tuple[float, str]] = OrderedDict()
        self._buttons = MemoryState(MAX_BUTTON_USERS)  # Redis instead when REDIS_URL is set
        self._background: set[asyncio.Task] = set()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        wechat_webhook = channel_blueprint("wechat_webhook")

        @wechat_webhook.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            params = _params(request)
            if not self.is_authentic(params):
                return response.text("forbidden", status=403)
            return response.text(params.get("echostr", ""))

        @wechat_webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            return await self.handle(
                _params(request), request.body, on_new_message, request.headers.get("X-Request-ID", "")
            )

        return wechat_webhook

    def is_authentic(self, params: Mapping[str, str], now: float | None = None) -> bool:
        """True when `signature` is WeChat's signature of our token, timestamp and nonce, and fresh."""
        try:
            check_signature(
                self.token, params.get("signature", ""), params.get("timestamp", ""), params.get("nonce", "")
            )
            timestamp = int(params.get("timestamp", ""))
        except (InvalidSignatureException, ValueError):
            return False
        now = time.time() if now is None else now
        return abs(now - timestamp) <= SIGNATURE_WINDOW

    def first_use(self, params: Mapping[str, str], body: bytes, now: float | None = None) -> bool:
        """False when this timestamp and nonce were already used with another body.

        WeChat may retry a message with the same query string; that is let through and the
        retry shares the first answer. Entries outlive the signature window, then are dropped.
        With REDIS_URL set, all servers share them.
        """
        if settings.redis_url():
            digest = hashlib.sha256(body).hexdigest()
            nonce = f"wechat-nonce:{params.get('timestamp', '')}:{params.get('nonce', '')}"
            return shared().claim(nonce, digest, 2 * SIGNATURE_WINDOW) in (None, digest)
        now = time.time() if now is None else now
        while self._nonces and now - next(iter(self._nonces.values()))[0] > 2 * SIGNATURE_WINDOW:
            self._nonces.popitem(last=False)
        key = (params.get("timestamp", ""), params.get("nonce", ""))
        digest = hashlib.sha256(body).hexdigest()
        seen = self._nonces.get(key)
        if seen is not None:
            return seen[1] == digest
        self._nonces[key] = (now, digest)
        if len(self._nonces) > MAX_NONCES:
            self._nonces.popitem(last=False)
        return True

    async def handle(
        self,
        params: Mapping[str, str],
        body: bytes,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        request_id: str = "",
    ) -> HTTPResponse:
        """Answer one POST: 403 for a bad signature, 400 for a bad body, else a passive reply or success.

        `request_id` is the load balancer's name for the request (X-Request-ID), the same when it
        passes the request to another server after the first one failed."""
        deadline = time.monotonic() + self.reply_timeout
        safe_mode = params.get("encrypt_type", "raw") == "aes"
        if not self.is_authentic(params) or (self.crypto and not safe_mode) or not self.first_use(params, body):
            return response.text("forbidden", status=403)
        try:
            message = read_message(self.decrypt(params, body))
        except InvalidSignatureException:
            return response.text("forbidden", status=403)
        except BadRequest as error:
            return response.text(f"bad request: {error}", status=400)
        if isinstance(message, TextMessage):
            reply = await self.on_text(message, on_new_message, deadline, request_id)
        elif isinstance(message, VoiceMessage) and (message.recognition or "").strip():
            reply = await self.on_text(message, on_new_message, deadline, request_id, message.recognition.strip())
        elif isinstance(message, ImageMessage) and message.media_id:
            reply = await self.once(
                message, lambda: self._look(message.source, message.media_id, on_new_message), deadline, request_id
            )
        elif isinstance(message, BaseEvent):
            reply = self.on_event(message)
        else:
            reply = self.on_other(message)
        if not reply:
            return response.text(SUCCESS)
        xml = TextReply(message=message, content=reply).render()
        if safe_mode:
            xml = self.crypto.encrypt_message(xml, params.get("nonce", ""))
        return response.text(xml, content_type="application/xml; charset=utf-8")

    def decrypt(self, params: Mapping[str, str], body: bytes) -> bytes:
        """The message XML: the body itself, or in safe mode (encrypt_type=aes) its decrypted Encrypt."""
        if not body:
            raise BadRequest("empty body")
        encrypt_type = params.get("encrypt_type", "raw")
        if encrypt_type == "raw":
            return body
        if encrypt_type != "aes" or self.crypto is None:
            raise BadRequest(f"unsupported encrypt_type {encrypt_type!r}")
        try:
            xml = self.crypto.decrypt_message(
                body, params.get("msg_signature", ""), params.get("timestamp", ""), params.get("nonce", "")
            )
        except InvalidSignatureException:
            raise
        except Exception as error:
            raise BadRequest("cannot decrypt") from error
        return xml.encode("utf-8")

    # --- one handler per message type -------------------------------------------

    async def on_text(
        self,
        message: BaseMessage,
        on_new_message: Callable,
        deadline: float,
        request_id: str = "",
        text: str | None = None,
    ) -> str | None:
        """Text (a text message's, or `text` such as a voice message's recognition) goes to Rasa."""
        content = message.content if text is None else text
        return await self.once(
            message, lambda: self._converse(message.source, content, on_new_message), deadline, request_id
        )

    async def once(
        self,
        message: BaseMessage,
        converse: Callable[[], Awaitable[list[str]]],
        deadline: float,
        request_id: str = "",
    ) -> str | None:
        """Run `converse` once per (user, MsgId); retries wait for the same answer.

        With REDIS_URL set the first server to see a message claims it; WeChat's retries reaching
        another server get "success" and leave the answer to it. Only nginx passing on the same
        request (the same request id) after that server failed is answered here."""
        key = (message.source, str(message.id) if message.id else f"time:{message.time}")
        answer = self._answers.get(key)
        if answer is None and settings.redis_url():
            owner = shared().claim(f"wechat-msg:{key}", request_id or "-", CLAIM_SECONDS)
            if owner is not None and (not request_id or owner != request_id):
                return None  # another server has this message: it replies, or pushes the reply
        if answer is None:
            task = asyncio.create_task(converse())
            answer = self._answers[key] = _Answer(message.source, task)
            while len(self._answers) > RECENT_MESSAGES:
                self._answers.popitem(last=False)
        return await self._passive_reply(answer, deadline)

    def on_event(self, event: BaseEvent) -> str | None:
        """Welcome new followers; other events need no reply."""
        return WELCOME_REPLY if event.event in SUBSCRIBE_EVENTS else None

    def on_other(self, message: BaseMessage) -> str:
        """Voice without recognition, video, locations, links: a short reply asking for text or a screenshot."""
        return VOICE_REPLY if isinstance(message, VoiceMessage) else OTHER_REPLY

    # --- talking to Rasa ----------------------------------------------------------

    async def _converse(self, sender: str, text: str, on_new_message: Callable) -> list[str]:
        """The bot's reply to `text` as WeChat-sized pieces (none if the bot said nothing)."""
        collector = CollectingOutputChannel()
        try:
            await deliver(on_new_message, self._chosen(sender, text), collector, sender, self.name())
        except Exception:
            logger.exception("Rasa failed to handle a WeChat message")
            return [ERROR_REPLY]
        return split_text(self._render(sender, collector.messages))

    async def _look(self, sender: str, media_id: str, on_new_message: Callable) -> list[str]:
        """The bot's reply to a picture: its text read and answered (bot/rasa_server/screenshot.py)."""
        collector = CollectingOutputChannel()
        try:
            data = await self.api.download_media(media_id, MAX_IMAGE_BYTES)
        except (TimeoutError, WeChatApiError, aiohttp.ClientError, ValueError) as error:
            # aiohttp's errors quote the URL, whose query holds the access token: log only their kind
            logger.warning(
                "Could not download a WeChat image: %s",
                error if isinstance(error, WeChatApiError) else type(error).__name__,
            )
            return [REPLIES["busy"]]
        if data is None:
            return [REPLIES["too_large"]]
        try:
            await check_screenshot(on_new_message, data, collector, sender, self.name())
        except Exception:
            logger.exception("Could not answer a WeChat image")
            return [ERROR_REPLY]
        return split_text(self._render(sender, collector.messages))

    def _chosen(self, sender: str, text: str) -> str:
        """A digit answering the last offered options becomes that button's payload."""
        match = _CHOICE.fullmatch(unicodedata.normalize("NFKC", text).strip())
        payloads = json.loads(local_or_shared(self._buttons).get(f"wechat-buttons:{sender}") or "[]")
        if match and 1 <= int(match[1]) <= len(payloads):
            return payloads[int(match[1]) - 1]
        return text

    def _render(self, sender: str, messages: list[dict[str, Any]]) -> str:
        """Join the bot's messages into one text; buttons become numbered options."""
        texts: list[str] = []
        payloads: list[str] = []
        for message in messages:
            lines = [str(message[k]) for k in ("text", "image", "attachment") if message.get(k)]
            buttons = message.get("buttons") or []
            if buttons:
                payloads = [str(b.get("payload") or b.get("title")) for b in buttons]
                lines += [f"{i}. {b.get('title')}" for i, b in enumerate(buttons, 1)] + [CHOICE_HINT]
            if lines:
                texts.append("\n".join(lines))
        offered = local_or_shared(self._buttons)
        offered.delete(f"wechat-buttons:{sender}")
        if payloads:
            offered.put(f"wechat-buttons:{sender}", json.dumps(payloads), BUTTON_SECONDS)
        return "\n\n".join(texts)

    # --- delivering the reply -------------------------------------------------------

    async def _passive_reply(self, answer: _Answer, deadline: float) -> str | None:
        """The first piece if the bot answers before `deadline` (the rest is pushed); else None, push it all."""
        try:
            pieces = await asyncio.wait_for(asyncio.shield(answer.task), max(deadline - time.monotonic(), 0))
        except TimeoutError:
            pieces = None
        # A loop busy with the model can finish the task after the deadline: that is late too.
        late = pieces is None or time.monotonic() > deadline
        if answer.delivery is None:
            answer.delivery = "push" if late else "passive"
            if late:
                answer.task.add_done_callback(lambda task: self._push_result(answer.sender, task))
            else:
                self._push(answer.sender, pieces[1:])
        if answer.delivery == "passive" and not late and pieces:
            return pieces[0]
        return None

    def _push_result(self, sender: str, task: asyncio.Task[list[str]]) -> None:
        if not task.cancelled():
            self._push(sender, task.result())

    def _push(self, sender: str, pieces: list[str]) -> None:
        """Send `pieces` in order through the customer-service API, in the background."""
        if pieces:
            task = asyncio.create_task(self._send_all(sender, pieces))
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    async def _send_all(self, sender: str, pieces: list[str]) -> None:
        try:
            for piece in pieces:
                await self.api.send_text(sender, piece)
        except Exception:
            logger.exception("Could not send a WeChat customer-service message")


def _params(request: Request) -> dict[str, str]:
    """The query string as a plain dict (first value of each key)."""
    return {key: request.args.get(key) for key in request.args}
