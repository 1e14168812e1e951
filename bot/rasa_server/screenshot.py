"""Screenshots from every channel: read the picture's text, then answer it the way pasted text is answered.

People forward a picture of the SMS or chat that worries them, not its text. The picture is read in
the OCR worker process (`bot.rasa_server.ocr_worker`: one at a time, low priority, size and pixel caps, killed
after OCR_TIMEOUT), so text turns keep their speed. Its text is redacted like any message, shown to
the person so they can check it, and handed to Rasa as the suspicious-message button
(`/suspected_scam_call`) with the text in the message's metadata, where `action_give_guidance` reads
it and always analyses it as a forwarded message, whatever the NLU would have made of it. The
picture itself is never stored or logged; only the redacted text reaches Rasa and its tracker.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import subprocess
import sys
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from rasa.core.channels.channel import OutputChannel, UserMessage

from bot import settings
from bot.rasa_server.channels.common import TOO_FAST_REPLY, RateLimiter, conversation_id, deliver, redacted, sender_tag
from bot.rasa_server.ocr_worker import HEADER

logger = logging.getLogger(__name__)

#: What Rasa is given for a picture: the suspicious-message button, whose action reads SCREENSHOT_TEXT.
SCREENSHOT_PAYLOAD = "/suspected_scam_call"
SCREENSHOT_TEXT = "screenshot_text"
MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_READ_CHARS = 1500
OCR_TIMEOUT = 30.0  # seconds one picture may take in the worker (a loaded 2-core machine needs ~8)
START_TIMEOUT = 60.0  # seconds the worker may take to load the model
MAX_WAITING = 4  # pictures reading or queued at once; more are asked to come back later
SCREENSHOTS_PER_MINUTE = 6  # per conversation; reading costs seconds of CPU, a text costs milliseconds
SCREENSHOTS_PER_ADDRESS = 20  # per REST client address and minute

READ_LINE = (
    "这是根据图片里识别出的文字做的分析（个人信息已隐去）。我读到的是：\n{text}\n"
    "如果有认错的字，可以把原文复制给我再看一次。"
)
COPY_OR_CALL = "也可以把文字复制过来发给我；拿不准的话，打96110反诈专线问问。"
REPLIES = {
    "no_text": "这张图片里我没认出消息的文字，它好像不是短信或聊天的截图。" + COPY_OR_CALL,
    "not_image": "这个文件我打不开，好像不是图片。请发一张手机截图（JPG或PNG）。" + COPY_OR_CALL,
    "too_large": "这张图片太大了，我看不了。请发一张普通的手机截图。" + COPY_OR_CALL,
    "busy": "抱歉，这张图片我一时没能看完，请过一会儿再发一次。" + COPY_OR_CALL + "钱已经转出的话，请马上打110。",
}
VOICE_REPLY = (
    "抱歉，我还听不了语音。请把情况打成文字告诉我，或者把可疑的短信、聊天截图发给我。"
    "拿不准就打96110问问；钱已经转出，请马上打110。"
)
OTHER_REPLY = (
    "抱歉，这类消息我看不懂。请用文字告诉我您遇到了什么情况，或者把可疑的短信、聊天截图发给我。紧急情况请打110。"
)


@dataclass(frozen=True)
class Reading:
    """What the worker made of a picture: status "ok" with its text, or why there is none."""

    status: str
    text: str = ""


class WorkerGone(RuntimeError):
    """The OCR worker died or was killed mid-picture."""


class OcrWorker:
    """The OCR child process: started on first use, one picture at a time, killed when it overruns."""

    def __init__(self) -> None:
        self._process: subprocess.Popen | None = None
        self._lock = threading.Lock()

    def _started(self) -> subprocess.Popen:
        if self._process is not None and self._process.poll() is None:
            return self._process
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.rasa_server.ocr_worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=settings.ROOT,
        )
        self._process = process
        if self._exchange(process, None, START_TIMEOUT).get("status") != "ready":
            raise WorkerGone("the OCR worker did not start")
        return process

    @staticmethod
    def _exchange(process: subprocess.Popen, data: bytes | None, timeout: float) -> dict:
        """Send a picture (or nothing: wait for the greeting) and read the answer, killing the worker at `timeout`."""
        timer = threading.Timer(timeout, process.kill)
        timer.start()
        try:
            if data is not None:
                process.stdin.write(HEADER.pack(len(data)) + data)
                process.stdin.flush()
            header = process.stdout.read(HEADER.size)
            body = process.stdout.read(HEADER.unpack(header)[0]) if len(header) == HEADER.size else b""
        except (OSError, ValueError) as error:
            raise WorkerGone("the OCR worker went away") from error
        finally:
            timer.cancel()
        if not body:
            raise WorkerGone("the OCR worker was stopped (timeout) or crashed")
        return json.loads(body)

    def read(self, data: bytes) -> Reading:
        """The picture's text (blocking: run it on a thread)."""
        with self._lock:
            try:
                reply = self._exchange(self._started(), data, OCR_TIMEOUT)
            except WorkerGone:
                if self._process is not None:
                    self._process.kill()
                    self._process.wait()
                raise
        return Reading(str(reply.get("status")), str(reply.get("text") or ""))


class OcrService:
    """The worker and the threads that wait on it; at most MAX_WAITING pictures at a time."""

    def __init__(self) -> None:
        self.worker = OcrWorker()
        self._threads = ThreadPoolExecutor(MAX_WAITING, thread_name_prefix="ocr")
        self._waiting = 0

    async def read(self, data: bytes) -> Reading:
        if not data:
            return Reading("not_image")
        if len(data) > MAX_IMAGE_BYTES:
            return Reading("too_large")
        if self._waiting >= MAX_WAITING:
            return Reading("busy")
        self._waiting += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._threads, self.worker.read, data)
        except WorkerGone as error:
            logger.warning("screenshot not read: %s", error)
            return Reading("busy")
        except Exception:
            logger.exception("screenshot not read")
            return Reading("busy")
        finally:
            self._waiting -= 1


@functools.cache
def ocr() -> OcrService:
    """The process's one OCR service, made on first use."""
    return OcrService()


@functools.cache
def _limits() -> tuple[RateLimiter, RateLimiter]:
    return (
        RateLimiter(SCREENSHOTS_PER_MINUTE, scope="screenshot"),
        RateLimiter(SCREENSHOTS_PER_ADDRESS, scope="screenshot-address"),
    )


async def check_screenshot(
    on_new_message: Callable[[UserMessage], Awaitable[Any]],
    data: bytes,
    output_channel: OutputChannel,
    sender_id: str,
    input_channel: str,
    client: str | None = None,
) -> str | None:
    """Answer a picture as its text would be answered, or say kindly why it cannot be read.

    Returns the redacted text Rasa was given, or None if there was none.
    """
    conversation = conversation_id(input_channel, sender_id)
    per_sender, per_address = _limits()
    if not per_sender.allow(conversation) or (client is not None and not per_address.allow(client)):
        await output_channel.send_text_message(sender_id, TOO_FAST_REPLY)
        return None
    reading = await ocr().read(data)
    if reading.status != "ok":
        logger.info("screenshot from sender %s not read: %s", sender_tag(conversation), reading.status)
        await output_channel.send_text_message(sender_id, REPLIES.get(reading.status, REPLIES["busy"]))
        return None
    redaction = await redacted(reading.text[:MAX_READ_CHARS], output_channel, sender_id)
    await output_channel.send_text_message(sender_id, READ_LINE.format(text=redaction.text))
    await deliver(
        on_new_message,
        SCREENSHOT_PAYLOAD,
        output_channel,
        sender_id,
        input_channel,
        client=client,
        metadata={SCREENSHOT_TEXT: redaction.text},
    )
    return redaction.text
