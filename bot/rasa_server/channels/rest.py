"""Rasa's REST channel with validated input, redaction and a reply on every turn.

Registered in credentials.yml as `bot.rasa_server.channels.rest.RestInput`; it keeps the
name "rest", so the web page and clients post to /webhooks/rest/webhook.
`metadata` in a request is ignored: nothing a caller sends besides its text is kept.
When the text kept differs from the text sent (personal data hidden), the first
reply carries it as `user_text`, so a client can keep that instead of the original.
A screenshot is posted as multipart/form-data (`sender`, `image`) to /webhooks/rest/screenshot
and answered the same way (bot/rasa_server/screenshot.py); like every body, it is capped at 1 MiB.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput as RasaRestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.rasa_server.channels.common import channel_blueprint, client_address, deliver
from bot.rasa_server.channels.retries import Attempt
from bot.rasa_server.screenshot import check_screenshot

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
MAX_SENDER_CHARS = 128


def _error(status: int, message: str) -> HTTPResponse:
    return response.json({"error": message}, status=status)


def parse_body(request: Request) -> tuple[dict[str, Any] | None, HTTPResponse | None]:
    """The JSON object of a message request, or the 4xx response explaining what is wrong."""
    body = request.body or b""
    if len(body) > MAX_BODY_BYTES:
        return None, _error(413, "消息太大了，请简短一些。")
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):  # RecursionError: JSON nested too deep
        return None, _error(400, "请求格式不对：需要UTF-8编码的JSON。")
    if not isinstance(payload, dict):
        return None, _error(400, "请求格式不对：需要一个JSON对象。")
    sender, message = payload.get("sender"), payload.get("message")
    if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
        return None, _error(400, "缺少有效的sender。")
    if not isinstance(message, str):
        return None, _error(400, "message必须是文字。")
    return payload, None


class RestInput(RasaRestInput):
    """POST {"sender": "...", "message": "..."} and get the bot's replies as a JSON list."""

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = channel_blueprint(f"custom_webhook_{type(self).__name__}")

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            payload, problem = parse_body(request)
            if problem:
                return problem
            collector = CollectingOutputChannel()
            text = payload["message"].strip()
            if not text:
                await collector.send_text_message(payload["sender"], "您好像没有输入内容，请告诉我遇到了什么情况。")
            else:
                kept = await deliver(
                    on_new_message,
                    text,
                    collector,
                    payload["sender"],
                    self.name(),
                    client=client_address(request),
                    attempt=Attempt.of(request),
                )
                if kept is not None and kept != text and collector.messages:
                    collector.messages[0]["user_text"] = kept
            return response.json(collector.messages)

        @webhook.route("/screenshot", methods=["POST"])
        async def screenshot(request: Request) -> HTTPResponse:
            sender = request.form.get("sender") if request.form else None
            image = request.files.get("image") if request.files else None
            if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
                return _error(400, "缺少有效的sender。")
            if image is None:
                return _error(400, "缺少图片（image）。")
            collector = CollectingOutputChannel()
            await check_screenshot(
                on_new_message, image.body, collector, sender, self.name(), client=client_address(request)
            )
            return response.json(collector.messages)

        return webhook
