"""What every channel does with a user's message: the one path into Rasa.

Checks length and rate, redacts personal data before Rasa (and so the tracker
store and logs) sees the text, and makes sure the user never gets silence.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections import OrderedDict, deque
from typing import Any, Awaitable, Callable, Optional

import rasa.core.actions.action
from rasa.core.channels.channel import OutputChannel, UserMessage
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import settings
from bot.handover import handed_over
from bot.privacy import notice, redact

logger = logging.getLogger(__name__)

# Rasa 3.6 waits up to 300 s for the action server; a frightened user cannot.
rasa.core.actions.action.DEFAULT_REQUEST_TIMEOUT = settings.action_timeout()

MAX_MESSAGE_CHARS = 2000
# No endpoint of this bot needs a bigger request body.
MAX_REQUEST_BYTES = 1024 * 1024
TOO_LONG_REPLY = "您的消息太长了（超过2000字），我看不过来。请挑最要紧的情况，简短说一下好吗？"
TOO_FAST_REPLY = "您发得太快了，请稍等一分钟再发。如果钱正在被转走，请马上打110。"
HANDED_OVER_REPLY = (
    "如果钱、验证码、银行卡或账号已经给了对方：请马上打110报警，请求紧急止付；"
    "转账记录和聊天记录先截图保存，别删。"
)
URGENT_110 = re.compile(r"(?<!\d)110(?!\d)")
ESSENTIALS_REPLY = (
    "抱歉，我这边暂时出了点问题，没能好好回答您。最要紧的是：\n"
    "• 已经转了钱：马上打110报警，请求紧急止付。\n"
    "• 拿不准是不是诈骗：打96110咨询。\n"
    "• 不转账、不透露验证码和密码。\n请稍后再来问我。"
)


def channel_blueprint(name: str) -> Blueprint:
    """A channel's blueprint with a GET / health check; it also caps request bodies server-wide.

    Sanic would read bodies up to 100 MB; with this, bodies over MAX_REQUEST_BYTES get 413
    on every endpoint before they are read.
    """
    blueprint = Blueprint(name, __name__)

    @blueprint.listener("before_server_start")
    async def cap(app: Sanic, _: Any) -> None:
        app.config.REQUEST_MAX_SIZE = min(app.config.REQUEST_MAX_SIZE, MAX_REQUEST_BYTES)

    @blueprint.route("/", methods=["GET"])
    async def health(_: Request) -> HTTPResponse:
        return response.json({"status": "ok"})

    return blueprint


def sender_tag(sender_id: str) -> str:
    """A short hash that identifies a sender in logs without revealing who it is."""
    return hashlib.sha256(sender_id.encode("utf-8", "replace")).hexdigest()[:12]


class RateLimiter:
    """Sliding one-minute window per sender, remembering a bounded number of senders."""

    def __init__(self, per_minute: int, max_senders: int = 100_000) -> None:
        self.per_minute = per_minute
        self.max_senders = max_senders
        self._seen: OrderedDict[str, deque] = OrderedDict()

    def allow(self, sender_id: str, now: Optional[float] = None) -> bool:
        now = time.monotonic() if now is None else now
        times = self._seen.pop(sender_id, None) or deque()
        while times and now - times[0] >= 60:
            times.popleft()
        allowed = len(times) < self.per_minute
        if allowed:
            times.append(now)
        self._seen[sender_id] = times
        if len(self._seen) > self.max_senders:
            self._seen.popitem(last=False)
        return allowed


rate_limiter = RateLimiter(settings.rate_limit())


def _texts(values: Any) -> list[str]:
    """The strings in a send call's arguments, including a response dict's "text"."""
    found = []
    for value in values:
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, dict) and isinstance(value.get("text"), str):
            found.append(value["text"])
    return found


class _CountingOutput:
    """Wraps an output channel to count what the bot sends during one turn and whether it named 110."""

    def __init__(self, inner: OutputChannel) -> None:
        self._inner = inner
        self.sent = 0
        self.named_110 = False

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._inner, name)
        if name.startswith("send") and callable(attribute):

            async def counted(*args: Any, **kwargs: Any) -> Any:
                self.sent += 1
                # The first argument of every send method is the recipient id, not text.
                texts = _texts([*args[1:], *kwargs.values()])
                self.named_110 = self.named_110 or any(URGENT_110.search(t) for t in texts)
                return await attribute(*args, **kwargs)

            return counted
        return attribute


async def deliver(
    on_new_message: Callable[[UserMessage], Awaitable[Any]],
    text: str,
    output_channel: OutputChannel,
    sender_id: str,
    input_channel: str,
    metadata: Optional[dict] = None,
) -> None:
    """Hand one user message to Rasa, redacted; answer directly when Rasa cannot."""
    if len(text) > MAX_MESSAGE_CHARS:
        await output_channel.send_text_message(sender_id, TOO_LONG_REPLY)
        return
    if not rate_limiter.allow(sender_id):
        await output_channel.send_text_message(sender_id, TOO_FAST_REPLY)
        return
    redaction = redact(text)
    if redaction.kinds:
        await output_channel.send_text_message(sender_id, notice(redaction.kinds))
    counting = _CountingOutput(output_channel)
    try:
        await on_new_message(
            UserMessage(redaction.text, counting, sender_id, input_channel=input_channel,
                        metadata=metadata)
        )
    except Exception:  # never let a failure reach the user as silence or a 500
        logger.exception("message handling failed for sender %s", sender_tag(sender_id))
    if counting.sent == 0:
        logger.warning("no reply for sender %s: sending the essentials", sender_tag(sender_id))
        await output_channel.send_text_message(sender_id, ESSENTIALS_REPLY)
    elif handed_over(redaction.text) and not counting.named_110:
        # Whatever the classifier made of it, someone who already paid hears about 110 first thing.
        logger.warning("handed-over message answered without 110 for sender %s", sender_tag(sender_id))
        await output_channel.send_text_message(sender_id, HANDED_OVER_REPLY)
