"""Telegram channel: an authenticated webhook in front of Rasa.

Fixes over Rasa 3.6's built-in channel: updates must carry Telegram's secret
header, the aiogram Bot is created inside the server's event loop, getMe is
called once, and text reaches Rasa only through `bot.rasa_server.channels.common.deliver`.
Photos and image documents are downloaded through getFile (size-capped) and read
by `bot.rasa_server.screenshot`; voice and everything else get a short text reply.
"""

from __future__ import annotations

import hmac
import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from aiogram import Bot
from aiogram.bot.api import TelegramAPIServer
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, User
from aiogram.utils.exceptions import TelegramAPIError
from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.telegram import TelegramOutput as RasaTelegramOutput
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.rasa_server.channels.common import ConfiguredInput, channel_blueprint, deliver
from bot.rasa_server.screenshot import MAX_IMAGE_BYTES, OTHER_REPLY, REPLIES, VOICE_REPLY, check_screenshot
from bot.settings import TELEGRAM_API, TELEGRAM_CREDENTIALS

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
SECRET_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,256}")  # what Telegram accepts
ALLOWED_UPDATES = ["message", "callback_query"]
MAX_CALLBACK_DATA_BYTES = 64
MAX_MESSAGE_CHARS = 4096
START_COMMAND = "/start"  # Telegram's "Start" button; greet the user
GREET_INTENT = "/greet"
VOICE_KINDS = ("voice", "audio", "video_note")


class BadUpdate(ValueError):
    """The webhook body is not a usable Telegram Update."""


class TelegramOutput(OutputChannel):
    """Sends Rasa's replies with an aiogram Bot created on first use (inside the loop)."""

    @classmethod
    def name(cls) -> str:
        return "telegram"

    def __init__(self, access_token: str, api_base_url: str = TELEGRAM_API) -> None:
        self._access_token = access_token
        self._server = TelegramAPIServer.from_base(api_base_url)
        self._bot: Bot | None = None

    @property
    def bot(self) -> Bot:
        """The aiogram Bot; its aiohttp session binds to the loop that first uses it."""
        if self._bot is None:
            self._bot = Bot(self._access_token, server=self._server)
        return self._bot

    async def me(self) -> User:
        """The bot's own identity; aiogram's `Bot.me` calls getMe once and caches it."""
        return await self.bot.me

    async def set_webhook(self, url: str, secret_token: str) -> None:
        """Register the webhook; aiogram 2.15 predates `secret_token`, so call the API directly."""
        await self.bot.request(
            "setWebhook",
            {"url": url, "secret_token": secret_token, "allowed_updates": json.dumps(ALLOWED_UPDATES)},
        )

    async def download(self, file_id: str, limit: int) -> bytes | None:
        """A file's bytes through getFile, or None when it is bigger than `limit` bytes."""
        file = await self.bot.get_file(file_id)
        if (file.file_size or 0) > limit or not file.file_path:
            return None
        url = self._server.file_url(self._access_token, file.file_path)
        data = bytearray()
        async with self.bot.session.get(url, timeout=aiohttp.ClientTimeout(total=30)) as reply:
            reply.raise_for_status()
            async for chunk in reply.content.iter_chunked(64 * 1024):
                data += chunk
                if len(data) > limit:
                    return None
        return bytes(data)

    async def close(self) -> None:
        if self._bot is not None:
            await self._bot.session.close()

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        """One Telegram message per text (split only above Telegram's length limit)."""
        text = text.strip()
        for start in range(0, len(text), MAX_MESSAGE_CHARS):
            await self.bot.send_message(recipient_id, text[start : start + MAX_MESSAGE_CHARS])

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self.bot.send_photo(recipient_id, image)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        """Text with an inline keyboard, one button per row; a press sends back its payload."""
        keyboard = InlineKeyboardMarkup()
        for button in buttons:
            payload = str(button.get("payload", ""))
            if not payload or len(payload.encode()) > MAX_CALLBACK_DATA_BYTES:
                logger.warning("Dropping button %r: payload empty or over 64 bytes", button.get("title"))
                continue
            keyboard.row(InlineKeyboardButton(button["title"], callback_data=payload))
        markup = keyboard if keyboard.inline_keyboard else None
        await self.bot.send_message(recipient_id, text, reply_markup=markup)

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        """Rasa's passthrough (keys pick the Bot API method); its method only needs a Bot as self."""
        await RasaTelegramOutput.send_custom_json(self.bot, recipient_id, json_message)


class TelegramInput(ConfiguredInput):
    """Telegram webhook at /webhooks/telegram/webhook, authenticated by a secret header."""

    CREDENTIALS = TELEGRAM_CREDENTIALS

    @classmethod
    def name(cls) -> str:
        return "telegram"

    def __init__(
        self,
        access_token: str,
        verify: str,
        webhook_url: str,
        secret_token: str,
        api_base_url: str = TELEGRAM_API,
    ) -> None:
        if not secret_token:
            raise RasaException(
                "The Telegram channel needs a secret_token (TELEGRAM_SECRET): without it anyone "
                "could post fake updates to the webhook. Refusing to start."
            )
        if not SECRET_PATTERN.fullmatch(secret_token):
            raise RasaException("Telegram's secret_token must be 1-256 characters of A-Z, a-z, 0-9, _ or -.")
        self.verify = verify.lstrip("@")
        self.webhook_url = webhook_url
        self.secret_token = secret_token
        self.output = TelegramOutput(access_token, api_base_url)

    def get_output_channel(self) -> TelegramOutput:
        return self.output

    def is_authentic(self, request: Request) -> bool:
        """True when the request carries our secret header (constant-time comparison)."""
        given = request.headers.get(SECRET_HEADER, "")
        return hmac.compare_digest(given.encode(), self.secret_token.encode())

    async def start(self) -> None:
        """Check the token belongs to the configured bot, then register the webhook."""
        try:
            me = await self.output.me()
            if self.verify and me.username != self.verify:
                raise RasaException(f"TELEGRAM_TOKEN belongs to @{me.username}, not the configured @{self.verify}.")
            if self.webhook_url:
                await self.output.set_webhook(self.webhook_url, self.secret_token)
                logger.info("Telegram webhook set to %s", self.webhook_url)
        except TelegramAPIError as error:
            raise RasaException(f"Telegram setup failed: {error}") from error

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        telegram_webhook = channel_blueprint("telegram_webhook")

        async def say(chat_id: str, text: str) -> None:
            await deliver(on_new_message, text, self.output, chat_id, self.name())

        async def look(chat_id: str, data: bytes) -> None:
            await check_screenshot(on_new_message, data, self.output, chat_id, self.name())

        @telegram_webhook.listener("before_server_start")
        async def start(_: Sanic, __: Any) -> None:
            await self.start()

        @telegram_webhook.listener("after_server_stop")
        async def stop(_: Sanic, __: Any) -> None:
            await self.output.close()

        @telegram_webhook.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            if not self.is_authentic(request):
                return response.text("forbidden", status=403)
            try:
                update = _json_object(request.body)
                if "message" in update:
                    await self.on_message(_field(update, "message", dict), say, look)
                elif "callback_query" in update:
                    await self.on_callback_query(_field(update, "callback_query", dict), say)
            except BadUpdate as error:
                return response.text(f"bad update: {error}", status=400)
            except Exception:
                logger.exception("Failed to handle a Telegram update")
            return response.text("success")

        return telegram_webhook

    async def on_message(
        self,
        message: dict,
        say: Callable[[str, str], Awaitable[None]],
        look: Callable[[str, bytes], Awaitable[None]],
    ) -> None:
        """A text goes to Rasa, a picture's text too; voice, stickers, locations etc. get a short text reply."""
        chat_id = str(_field(_field(message, "chat", dict), "id", int))
        text = message.get("text")
        if isinstance(text, str):
            await say(chat_id, self._command_to_intent(text))
        elif picture := _picture(message):
            await self.on_picture(chat_id, picture, look)
        else:
            voice = any(kind in message for kind in VOICE_KINDS)
            await self.output.send_text_message(chat_id, VOICE_REPLY if voice else OTHER_REPLY)

    async def on_picture(self, chat_id: str, picture: dict, look: Callable[[str, bytes], Awaitable[None]]) -> None:
        """Download the picture (never more than MAX_IMAGE_BYTES) and have its text read."""
        size = picture.get("file_size")
        data = None
        if not (isinstance(size, int) and size > MAX_IMAGE_BYTES):
            try:
                data = await self.output.download(str(picture["file_id"]), MAX_IMAGE_BYTES)
            except (TimeoutError, TelegramAPIError, aiohttp.ClientError) as error:
                logger.warning("Could not download a Telegram picture: %s", type(error).__name__)
                await self.output.send_text_message(chat_id, REPLIES["busy"])
                return
        if data is None:
            await self.output.send_text_message(chat_id, REPLIES["too_large"])
            return
        await look(chat_id, data)

    async def on_callback_query(self, query: dict, say: Callable[[str, str], Awaitable[None]]) -> None:
        """A button press: acknowledge it, then treat its data as what the user said."""
        query_id = _field(query, "id", str)
        sender = _field(query, "from", dict)
        message = query.get("message")
        chat = message.get("chat") if isinstance(message, dict) else sender  # inline mode: no message
        chat_id = str(_field(chat, "id", int))
        try:
            await self.output.bot.answer_callback_query(query_id)  # stops the button's spinner
        except TelegramAPIError as error:
            logger.warning("answerCallbackQuery failed: %s", error)
        data = query.get("data")
        if isinstance(data, str) and data:
            await say(chat_id, data)

    @staticmethod
    def _command_to_intent(text: str) -> str:
        """Telegram's Start button sends "/start" (maybe with a deep-link argument): greet."""
        return GREET_INTENT if text.split(" ")[0] == START_COMMAND else text


def _picture(message: dict) -> dict | None:
    """The file to read: the largest size of a photo, or a document that is an image."""
    photo = message.get("photo")
    sizes = (
        [p for p in photo if isinstance(p, dict) and isinstance(p.get("file_id"), str)]
        if isinstance(photo, list)
        else []
    )
    if sizes:
        return max(sizes, key=lambda p: (p.get("width") or 0) * (p.get("height") or 0))
    document = message.get("document")
    if (
        isinstance(document, dict)
        and isinstance(document.get("file_id"), str)
        and str(document.get("mime_type", "")).startswith("image/")
    ):
        return document
    return None


def _json_object(body: bytes) -> dict:
    try:
        update = json.loads(body)
    except (ValueError, RecursionError) as error:  # RecursionError: nested too deep
        raise BadUpdate("body is not JSON") from error
    if not isinstance(update, dict):
        raise BadUpdate("body is not a JSON object")
    return update


def _field(obj: Any, key: str, kind: type) -> Any:
    value = obj.get(key) if isinstance(obj, dict) else None
    if not isinstance(value, kind) or isinstance(value, bool):
        raise BadUpdate(f"missing or invalid {key!r}")
    return value
