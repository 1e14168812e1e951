"""Each turn once, behind a load balancer that retries.

nginx passes a message to another Rasa server when the first one fails mid-turn
(deploy/nginx.conf: `proxy_next_upstream ... non_idempotent`). A server that dies after
saving the turn but before its reply reached nginx would have the turn processed twice.
nginx names every request (`X-Request-ID`, the same for all its attempts); the channel
keeps that name as the user message's id and claims it in Redis before processing. When
the claim shows an earlier attempt, this one waits for the conversation's lock and, if
the turn is already in the tracker store, sends the replies stored with it instead of
running the turn again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import ipaddress
import logging
import re
from typing import Any

from rasa.core.channels.channel import OutputChannel
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sanic.request import Request

from bot import settings
from bot.rasa_server.state import shared

logger = logging.getLogger(__name__)

REQUEST_ID_HEADER = "X-Request-ID"
CLAIM_SECONDS = 600  # longer than nginx waits for a server (proxy_read_timeout) times its tries
_REQUEST_ID = re.compile(r"[0-9a-f]{32}")  # nginx's $request_id


def _from_trusted_proxy(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in settings.trusted_proxies())


@dataclasses.dataclass
class Attempt:
    """One of possibly several attempts nginx makes at a user's message."""

    request_id: str
    agent: Any  # rasa.core.agent.Agent

    @classmethod
    def of(cls, request: Request) -> Attempt | None:
        """The attempt a request is, when a trusted proxy named it and servers share Redis; else None."""
        request_id = request.headers.get(REQUEST_ID_HEADER, "")
        agent = getattr(request.app.ctx, "agent", None)
        if not (
            settings.redis_url()
            and agent is not None
            and _REQUEST_ID.fullmatch(request_id)
            and _from_trusted_proxy(request.ip)
        ):
            return None
        return cls(request_id, agent)

    async def replayed(self, conversation: str, output: OutputChannel) -> bool:
        """True when an earlier attempt already stored this turn; its replies are then sent again."""
        if shared().claim(f"turn:{self.request_id}", "1", CLAIM_SECONDS) is None:
            return False  # the first attempt
        async with self.agent.lock_store.lock(conversation):  # an earlier attempt may still be running
            tracker = await self.agent.tracker_store.retrieve(conversation)
        replies = stored_replies(tracker, self.request_id) if tracker else None
        if replies is None:
            return False
        logger.warning(
            "request %s was retried after its turn was stored: answering from the tracker store (conversation %s)",
            self.request_id,
            hashlib.sha256(conversation.encode()).hexdigest()[:12],
        )
        for reply in replies:
            await output.send_response(conversation, reply)
        return True


def stored_replies(tracker: DialogueStateTracker, message_id: str) -> list[dict[str, Any]] | None:
    """The bot's messages after the user message `message_id`, or None when it is not in the tracker."""
    found, replies = False, []
    for event in tracker.events:
        if isinstance(event, UserUttered):
            if found:
                break
            found = event.message_id == message_id
        elif found and isinstance(event, BotUttered):
            replies.append(event.message())
    return replies if found else None
