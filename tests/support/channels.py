"""A channel's blueprint on an in-process Sanic server, mounted as Rasa mounts it, with a stub bot."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Sanic

from tests.support.servers import free_port


class StubBot:
    """Stands in for Rasa's on_new_message: records each message and answers with `replies`."""

    def __init__(self, *replies: str) -> None:
        self.replies = replies or ("收到。",)
        self.messages: list[UserMessage] = []

    async def __call__(self, message: UserMessage) -> None:
        self.messages.append(message)
        for reply in self.replies:
            await message.output_channel.send_text_message(message.sender_id, reply)

    @property
    def texts(self) -> list[str]:
        return [m.text for m in self.messages]


@contextlib.asynccontextmanager
async def serve_channel(
    channel: InputChannel, on_new_message: Callable[[UserMessage], Awaitable[None]]
) -> AsyncIterator[str]:
    """Serve `channel` on a free port with its start and stop listeners; yields its URL prefix."""
    Sanic.test_mode = True  # lets several apps start in one process (Sanic's start-up rewrites shared code)
    app = Sanic(f"channel_test_{uuid.uuid4().hex}")
    prefix = f"/webhooks/{channel.url_prefix()}"  # as rasa.core.channels.channel.register mounts it
    app.blueprint(channel.blueprint(on_new_message), url_prefix=prefix)
    port = free_port()
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False)
    await server.startup()
    await server.before_start()
    await server.after_start()
    try:
        yield f"http://127.0.0.1:{port}{prefix}"
    finally:
        await server.before_stop()
        server.close()
        await server.wait_closed()
        await server.after_stop()
