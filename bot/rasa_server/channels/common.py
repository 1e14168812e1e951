"""What every channel does with a user's message: the one path into Rasa.

Gives each channel its own namespace of conversation ids, checks length and rate,
keeps slash commands other than the bot's own buttons away from Rasa, redacts personal
data before Rasa (and so the tracker store and logs) sees the text, bounds the time a
turn waits for the action server, and makes sure the user never gets silence.
"""

from __future__ import annotations

import asyncio
import contextvars
import hashlib
import ipaddress
import logging
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

import rasa.core.actions.action
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import settings
from bot.rasa_server.action_connections import close_action_connections, keep_action_connections
from bot.rasa_server.action_request import send_current_turn_only
from bot.rasa_server.action_response_check import check_action_responses_quickly
from bot.rasa_server.channels.retries import Attempt
from bot.rasa_server.graph_runner import run_graphs_in_order
from bot.rasa_server.state import MemoryState, local_or_shared
from bot.text.handover import handed_over
from bot.text.privacy import Redaction, notice, redact
from bot.text.textnorm import to_simplified

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 2000
# No endpoint of this bot needs a bigger request body.
MAX_REQUEST_BYTES = 1024 * 1024
TOO_LONG_REPLY = "您的消息太长了（超过2000字），我看不过来。请挑最要紧的情况，简短说一下好吗？"
TOO_FAST_REPLY = "您发得太快了，请稍等一分钟再发。如果钱正在被转走，请马上打110。"
HANDED_OVER_REPLY = (
    "如果钱、验证码、银行卡或账号已经给了对方：请马上打110报警，请求紧急止付；转账记录和聊天记录先截图保存，别删。"
)
URGENT_110 = re.compile(r"(?<!\d)110(?!\d)")
# Rasa reads a message starting with "/" as an intent with entities. From outside only the
# buttons the bot offers may do that (and /greet, Telegram's Start button); /restart is not
# among them: the page starts a fresh conversation with its "清除记录" button instead.
BUTTON_COMMANDS = frozenset({"/suspected_scam_call", "/lost_money", "/selling_card", "/app_verification", "/greet"})
_LEADING_SLASHES = re.compile(r"^[\s/／]+")
ESSENTIALS_REPLY = (
    "抱歉，我这边暂时出了点问题，没能好好回答您。最要紧的是：\n"
    "• 已经转了钱：马上打110报警，请求紧急止付。\n"
    "• 拿不准是不是诈骗：打96110咨询。\n"
    "• 不转账、不透露验证码和密码。\n请稍后再来问我。"
)


def take_cheaper_turn_steps() -> None:
    """Start-up steps that make a turn cheaper without changing what it does (scripts/profile_turn.py
    takes them too): one response check, kept action-server connections, action calls that carry
    the current turn, graphs run node by node, TensorFlow predictions through their traced graph."""
    # Imported here: it loads TensorFlow, which the Rasa server has loaded by now and the
    # channels' in-process tests need not.
    from bot.rasa_server.tf_predict import predict_through_concrete_functions

    check_action_responses_quickly()
    keep_action_connections()
    send_current_turn_only()
    run_graphs_in_order()
    predict_through_concrete_functions()


def channel_blueprint(name: str) -> Blueprint:
    """A channel's blueprint with a GET / health check; it also caps request bodies server-wide.

    Sanic would read bodies up to 100 MB; with this, bodies over MAX_REQUEST_BYTES get 413
    on every endpoint before they are read.
    """
    blueprint = Blueprint(name, __name__)

    @blueprint.listener("before_server_start")
    async def cap(app: Sanic, _: Any) -> None:
        app.config.REQUEST_MAX_SIZE = min(app.config.REQUEST_MAX_SIZE, MAX_REQUEST_BYTES)
        settings.trusted_proxies()  # a malformed TRUSTED_PROXIES stops the start, not a request
        bound_action_calls()
        take_cheaper_turn_steps()

    @blueprint.listener("after_server_stop")
    async def close(*_: Any) -> None:
        await close_action_connections()

    @blueprint.route("/", methods=["GET"])
    async def health(_: Request) -> HTTPResponse:
        return response.json({"status": "ok"})

    return blueprint


class _TurnBudget:
    """Time one turn may still spend on the action server; after a timeout it calls it no more."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.deadline: float | None = None
        self.timed_out = False

    def remaining(self) -> float:
        """Seconds left; the clock starts at the turn's first call to the action server."""
        now = time.monotonic()
        if self.deadline is None:
            self.deadline = now + self.seconds
        return self.deadline - now


_turn_budget: contextvars.ContextVar[_TurnBudget | None] = contextvars.ContextVar("turn_budget", default=None)
_remote_run = RemoteAction.run


async def _run_within_turn(self: RemoteAction, *args: Any, **kwargs: Any) -> Any:
    """RemoteAction.run under the turn's budget, so a hung action server costs one timeout per turn."""
    budget = _turn_budget.get()
    if budget is None:  # not a channel's turn (e.g. the HTTP API): Rasa's own per-call timeout
        return await _remote_run(self, *args, **kwargs)
    remaining = budget.remaining()
    if budget.timed_out or remaining <= 0:
        raise RasaException(f"Skipped custom action '{self.name()}': the action server timed out in this turn.")
    try:
        return await asyncio.wait_for(_remote_run(self, *args, **kwargs), remaining)
    except TimeoutError as error:
        budget.timed_out = True
        raise RasaException(f"Custom action '{self.name()}' timed out after {budget.seconds:g} s.") from error
    except Exception:
        budget.timed_out = budget.remaining() <= 0  # aiohttp's own timeout, at the same moment
        raise


def bound_action_calls() -> None:
    """Start-up step: Rasa 3.6 waits up to 300 s for each custom action; a frightened user cannot.

    Each call waits at most ACTION_TIMEOUT, and during a channel's turn all calls share
    that budget: after one timeout the turn calls the action server no more, so the user
    gets the essentials after about ACTION_TIMEOUT instead of one timeout per action.
    """
    rasa.core.actions.action.DEFAULT_REQUEST_TIMEOUT = settings.action_timeout()
    RemoteAction.run = _run_within_turn


def conversation_id(input_channel: str, sender_id: str) -> str:
    """Each channel's own namespace: a REST caller cannot reach a Telegram chat or a WeChat user."""
    return f"{input_channel}:{sender_id}"


def plain_command(text: str) -> str:
    """The text Rasa may see: a leading "/" survives only on the bot's own button payloads.

    Rasa parses "/intent{entities}" after its normalizer (full-width and traditional folded),
    so the check does too; other commands lose their slashes and reach the NLU as words.
    """
    probe = to_simplified(text).strip()
    if probe in BUTTON_COMMANDS:
        return probe
    return _LEADING_SLASHES.sub("", text) if probe.startswith("/") else text


def client_address(request: Request) -> str:
    """The caller's IP: the socket peer, or behind a trusted proxy the last address it forwarded for.

    X-Forwarded-For is read right to left, skipping trusted proxies, so a client cannot
    choose its address by sending the header itself.
    """
    proxies = settings.trusted_proxies()

    def trusted(address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in proxies)

    address = request.ip
    if not trusted(address):
        return address
    hops = ",".join(request.headers.getall("x-forwarded-for", [])).split(",")
    for hop in reversed([h.strip() for h in hops if h.strip()]):
        if not trusted(hop):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return address
    return address


def sender_tag(sender_id: str) -> str:
    """A short hash that identifies a sender in logs without revealing who it is."""
    return hashlib.sha256(sender_id.encode("utf-8", "replace")).hexdigest()[:12]


KNOWN_CONVERSATION_SECONDS = 24 * 3600


class RateLimiter:
    """Sliding one-minute window per key: in this process, or in Redis for all servers (REDIS_URL)."""

    def __init__(self, per_minute: int, max_senders: int = 100_000, scope: str = "rate") -> None:
        self.per_minute = per_minute
        self.scope = scope  # keeps limiters with the same keys (addresses) apart in Redis
        self._local = MemoryState(max_senders)

    def allow(self, sender_id: str, now: float | None = None) -> bool:
        return local_or_shared(self._local).hit(f"{self.scope}:{sender_id}", self.per_minute, 60, now)


class NewConversationLimiter:
    """Caps the conversations one address opens per minute; ones seen in the last day are not new."""

    def __init__(self, per_minute: int, remembered: int = 100_000) -> None:
        self._opened = RateLimiter(per_minute, scope="opened")
        self._local = MemoryState(remembered)

    def allow(self, conversation: str, address: str, now: float | None = None) -> bool:
        known = local_or_shared(self._local)
        if known.touch(f"conversation:{conversation}", KNOWN_CONVERSATION_SECONDS):
            return True
        if not self._opened.allow(address, now):
            return False
        known.put(f"conversation:{conversation}", "1", KNOWN_CONVERSATION_SECONDS)
        return True


rate_limiter = RateLimiter(settings.rate_limit(), scope="sender")
address_limiter = RateLimiter(settings.rate_limit_per_address(), scope="address")
new_conversations = NewConversationLimiter(settings.new_conversations_per_minute())


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
    """Wraps an output channel for one turn: counts what the bot sends, notes whether it named 110,
    and addresses replies to the channel's own id rather than the namespaced conversation id."""

    def __init__(self, inner: OutputChannel, conversation: str, recipient: str) -> None:
        self._inner = inner
        self._conversation = conversation
        self._recipient = recipient
        self.sent = 0
        self.named_110 = False

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._inner, name)
        if name.startswith("send") and callable(attribute):

            async def counted(*args: Any, **kwargs: Any) -> Any:
                if args and args[0] == self._conversation:
                    args = (self._recipient, *args[1:])
                if kwargs.get("recipient_id") == self._conversation:
                    kwargs["recipient_id"] = self._recipient
                self.sent += 1
                # The first argument of every send method is the recipient id, not text.
                texts = _texts([*args[1:], *(v for k, v in kwargs.items() if k != "recipient_id")])
                self.named_110 = self.named_110 or any(URGENT_110.search(t) for t in texts)
                return await attribute(*args, **kwargs)

            return counted
        return attribute


async def redacted(text: str, output_channel: OutputChannel, sender_id: str) -> Redaction:
    """`text` redacted (bot/text/privacy.py); the sender is told, kindly, what was hidden and why."""
    redaction = redact(text)
    if redaction.kinds:
        await output_channel.send_text_message(sender_id, notice(redaction.kinds))
    return redaction


async def deliver(
    on_new_message: Callable[[UserMessage], Awaitable[Any]],
    text: str,
    output_channel: OutputChannel,
    sender_id: str,
    input_channel: str,
    client: str | None = None,
    attempt: Attempt | None = None,
    metadata: dict | None = None,
) -> str | None:
    """Hand one user message to Rasa, redacted; answer directly when Rasa cannot.

    `sender_id` is the channel's own id (replies go to it); Rasa sees it in the channel's
    namespace. `client` is the caller's address where callers are end users (REST), for
    the per-address limits. `attempt` names a request a load balancer may retry, so a turn
    already stored is answered again rather than run twice (bot/rasa_server/channels/retries.py).
    `metadata` is the channels' own (a screenshot's redacted text, bot/rasa_server/screenshot.py), never a caller's.
    Returns the text Rasa was given, or None if it was refused.
    """
    conversation = conversation_id(input_channel, sender_id)
    if len(text) > MAX_MESSAGE_CHARS:
        await output_channel.send_text_message(sender_id, TOO_LONG_REPLY)
        return None
    address_refused = client is not None and not (
        address_limiter.allow(client) and new_conversations.allow(conversation, client)
    )
    if address_refused or not rate_limiter.allow(conversation):
        await output_channel.send_text_message(sender_id, TOO_FAST_REPLY)
        return None
    redaction = await redacted(plain_command(text), output_channel, sender_id)
    counting = _CountingOutput(output_channel, conversation, sender_id)
    budget = _turn_budget.set(_TurnBudget(settings.action_timeout()))
    try:
        if attempt is None or not await attempt.replayed(conversation, counting):
            message_id = attempt.request_id if attempt else None
            await on_new_message(
                UserMessage(
                    redaction.text,
                    counting,
                    conversation,
                    input_channel=input_channel,
                    message_id=message_id,
                    metadata=metadata,
                )
            )
    except Exception:  # never let a failure reach the user as silence or a 500
        logger.exception("message handling failed for sender %s", sender_tag(conversation))
    finally:
        _turn_budget.reset(budget)
    if counting.sent == 0:
        logger.warning("no reply for sender %s: sending the essentials", sender_tag(conversation))
        await output_channel.send_text_message(sender_id, ESSENTIALS_REPLY)
    elif handed_over(redaction.text) and not counting.named_110:
        # Whatever the classifier made of it, someone who already paid hears about 110 first thing.
        logger.warning("handed-over message answered without 110 for sender %s", sender_tag(conversation))
        await output_channel.send_text_message(sender_id, HANDED_OVER_REPLY)
    return redaction.text


class ConfiguredInput(InputChannel):
    """A channel built from its credentials in `bot.settings` (`CREDENTIALS`: key, environment variable,
    default); the first key is required, the others get their defaults when missing or empty."""

    CREDENTIALS: tuple[tuple[str, str, Any], ...] = ()

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        if not credentials or not credentials.get(cls.CREDENTIALS[0][0]):
            cls.raise_missing_credentials_exception()
        return cls(**settings.filled(cls.CREDENTIALS, credentials))
