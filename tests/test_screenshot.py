"""Screenshots read with the real OCR worker: what is read, what is refused, and what Rasa is given.

The pictures are drawn by the tests (scripts/screenshots.py) with a real CJK font.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import io
import logging
import urllib.parse

import aiohttp
import pytest
from PIL import Image, ImageDraw
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.guidance import ActionGiveGuidance
from bot.rasa_server import screenshot
from bot.rasa_server.channels.rest import RestInput
from bot.rasa_server.screenshot import READ_LINE, REPLIES, SCREENSHOT_PAYLOAD, SCREENSHOT_TEXT, OcrService, Reading
from bot.text.message_check import analyze
from scripts import screenshots
from scripts.screenshots import BANK, PAYMENT, POLICE, SHOP
from tests.support.channels import StubBot, serve_channel

CARD = "6222021234567890128"  # passes the Luhn check

pytestmark = pytest.mark.integration  # the OCR worker is a real subprocess
# Reading the text of a drawn screenshot takes the worker seconds on two busy cores: those tests are
# `slow` (in `make test`, not in `make test-fast`); refusals and the blank-picture path stay fast.
READS_TEXT = pytest.mark.slow


@pytest.fixture(scope="module")
def service() -> OcrService:
    return OcrService()


def read(service: OcrService, data: bytes) -> Reading:
    return asyncio.run(service.read(data))


def signs(text: str, repository) -> tuple:
    analysis = analyze(text, repository.scam_types(), repository.message_signs())
    return analysis.family.id if analysis.family else None, {f.id for f in analysis.findings}


@READS_TEXT
@pytest.mark.parametrize(
    "picture, original",
    [
        (lambda: screenshots.sms("+86 170 1234 5678", POLICE, "JPEG"), POLICE),
        (lambda: screenshots.sms("95588", BANK), BANK),
        (lambda: screenshots.chat("淘宝客服", SHOP), "\n".join(text for _, text in SHOP)),
        (lambda: screenshots.payment(PAYMENT), "\n".join(PAYMENT)),
    ],
    ids=["sms-police", "sms-bank-link", "chat", "payment"],
)
def test_screenshot_gets_the_analysis_its_text_would(service, repository, picture, original) -> None:
    reading = read(service, picture())
    assert reading.status == "ok"
    family, found = signs(original, repository)
    assert family or found, "the drawn message itself must be recognisable"
    assert signs(reading.text, repository) == (family, found)


@READS_TEXT
def test_wrapped_lines_of_one_bubble_are_one_line(service) -> None:
    reading = read(service, screenshots.sms("95588", BANK))
    lines = reading.text.split("\n")
    assert lines[0] == "95588"
    assert any("http://icbc-verify.cn/a" in line and "尊敬的客户" in line for line in lines)


@READS_TEXT
@pytest.mark.parametrize(
    "picture, status",
    [
        (lambda: screenshots.blank(), "no_text"),
        (lambda: screenshots.noise(), "no_text"),
        (lambda: b"\xff\xd8\xff\xe0 this is not really a JPEG", "not_image"),
        (lambda: screenshots.sms("95588", BANK)[:2000], "not_image"),  # a truncated PNG
        (lambda: b"%PDF-1.4 a document, not a picture", "not_image"),
        (lambda: b"", "not_image"),
        (lambda: b"\x89PNG" + bytes(20 * 1024 * 1024), "too_large"),  # 20 MB: refused before decoding
    ],
    ids=["blank", "noise", "corrupt", "truncated", "pdf", "empty", "20MB"],
)
def test_pictures_without_message_text_are_named(service, picture, status) -> None:
    assert read(service, picture()) == Reading(status)


def test_huge_png_is_refused_without_decoding(service) -> None:
    image = Image.new("1", (10_000, 10_000), 1)
    out = io.BytesIO()
    image.save(out, "PNG")
    assert read(service, out.getvalue()) == Reading("too_large")


@READS_TEXT
def test_huge_jpeg_is_downscaled_and_read(service) -> None:
    """10,000 x 10,000: a JPEG decodes at 1/8 scale, so its large text is still read."""
    image = Image.new("L", (10_000, 10_000), 255)
    ImageDraw.Draw(image).text((400, 4000), "请把资金转入安全账户", font=screenshots.font(800), fill=0)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=60)
    assert len(out.getvalue()) < screenshot.MAX_IMAGE_BYTES
    reading = read(service, out.getvalue())
    assert reading.status == "ok" and "安全账户" in reading.text


@READS_TEXT
def test_a_picture_that_overruns_kills_the_worker_and_the_next_is_read(service, monkeypatch) -> None:
    picture = screenshots.sms("95588", BANK)
    read(service, picture)  # the worker is up
    monkeypatch.setattr(screenshot, "OCR_TIMEOUT", 0.01)
    assert read(service, picture) == Reading("busy")
    monkeypatch.setattr(screenshot, "OCR_TIMEOUT", 30.0)
    assert read(service, picture).status == "ok"


@READS_TEXT
def test_too_many_pictures_at_once_are_asked_to_come_back(service) -> None:
    picture = screenshots.sms("95588", "您的快递已到，请凭取件码领取。")

    async def many() -> list[Reading]:
        return await asyncio.gather(*(service.read(picture) for _ in range(screenshot.MAX_WAITING + 2)))

    readings = asyncio.run(many())
    assert [r.status for r in readings].count("busy") == 2
    assert [r.status for r in readings].count("ok") == screenshot.MAX_WAITING


# --- the REST channel, in process, with a stub in place of Rasa ------------------------------------


async def post_picture(url: str, data: bytes, sender: str = "web-picture") -> tuple[int, list]:
    form = aiohttp.FormData()
    form.add_field("sender", sender)
    form.add_field("image", data, filename="shot.png", content_type="image/png")
    async with aiohttp.ClientSession() as session, session.post(f"{url}/screenshot", data=form) as reply:
        return reply.status, await reply.json(content_type=None) if reply.status < 500 else []


@READS_TEXT
def test_rest_gives_rasa_the_redacted_text_as_the_suspicious_message_button(caplog) -> None:
    bot = StubBot("分析")
    caplog.set_level(logging.DEBUG)

    async def scenario() -> tuple[int, list]:
        async with serve_channel(RestInput(), bot) as url:
            return await post_picture(url, screenshots.payment(PAYMENT))

    status, replies = asyncio.run(scenario())
    assert status == 200
    [message] = bot.messages
    assert message.text == SCREENSHOT_PAYLOAD
    assert message.sender_id == "rest:web-picture"
    read_text = message.metadata[SCREENSHOT_TEXT]
    assert "国家安全账户" in read_text and "[银行卡号]" in read_text and CARD not in read_text
    texts = [r["text"] for r in replies]
    assert "银行卡号" in texts[0]  # the redaction notice
    assert texts[1] == READ_LINE.format(text=read_text)
    assert texts[2] == "分析"
    assert CARD not in caplog.text and "6222 0212" not in caplog.text


@pytest.mark.parametrize(
    "picture, reply",
    [
        (lambda: screenshots.blank(), REPLIES["no_text"]),
        (lambda: b"not an image at all", REPLIES["not_image"]),
    ],
    ids=["blank", "corrupt"],
)
def test_rest_answers_a_picture_without_text_kindly_without_rasa(picture, reply) -> None:
    bot = StubBot()

    async def scenario() -> tuple[int, list]:
        async with serve_channel(RestInput(), bot) as url:
            return await post_picture(url, picture())

    status, replies = asyncio.run(scenario())
    assert (status, [r["text"] for r in replies]) == (200, [reply])
    assert "96110" in reply and bot.messages == []


def declared_upload(url: str, size: int) -> int:
    """POST a multipart body declared `size` bytes long, send its first 64 KiB, return the status."""
    parsed = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
    connection.putrequest("POST", parsed.path)
    connection.putheader("Content-Type", "multipart/form-data; boundary=x")
    connection.putheader("Content-Length", str(size))
    connection.endheaders()
    with contextlib.suppress(OSError):  # the server may close before all of it is sent
        connection.send(b"--x\r\n" + bytes(64 * 1024))
    status = connection.getresponse().status
    connection.close()
    return status


def test_rest_refuses_a_20_mb_upload_with_413() -> None:
    """Judged by the declared length: the server answers before the 20 MB arrive."""

    async def scenario() -> int:
        async with serve_channel(RestInput(), StubBot()) as url:
            return await asyncio.to_thread(declared_upload, f"{url}/screenshot", 20 * 1024 * 1024)

    assert asyncio.run(scenario()) == 413


def test_rest_screenshot_needs_a_sender_and_an_image() -> None:
    async def scenario() -> list[int]:
        async with serve_channel(RestInput(), StubBot()) as url, aiohttp.ClientSession() as session:
            statuses = []
            for form in ({"sender": "a"}, {"image": "x"}):
                async with session.post(f"{url}/screenshot", data=form) as reply:
                    statuses.append(reply.status)
            return statuses

    assert asyncio.run(scenario()) == [400, 400]


# --- the guidance action ------------------------------------------------------------------------


def test_action_analyses_the_screenshot_text_even_for_the_button_payload(actions_repository) -> None:
    """The picture's text is analysed as a forwarded message, whatever the NLU made of the payload."""
    tracker = Tracker(
        "rest:x",
        {},
        {"intent": {"name": "suspected_scam_call"}, "text": SCREENSHOT_PAYLOAD, "metadata": {SCREENSHOT_TEXT: POLICE}},
        [],
        False,
        None,
        {},
        "action_listen",
    )
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionGiveGuidance().run(dispatcher, tracker, {}))
    texts = [m["text"] for m in dispatcher.messages]
    assert "安全账户" in texts[0]  # the sign found, quoted
    plain = Tracker(
        "rest:x",
        {},
        {"intent": {"name": "suspected_scam_call"}, "text": SCREENSHOT_PAYLOAD},
        [],
        False,
        None,
        {},
        "action_listen",
    )
    button = CollectingDispatcher()
    asyncio.run(ActionGiveGuidance().run(button, plain, {}))
    assert dispatcher.messages[-1]["buttons"], "the full steps are offered after the family's advice"
    assert len(button.messages) == 1 and "\n1. " in button.messages[0]["text"]  # the button alone: the steps
