"""The chat page's screenshot button in headless Chromium, with the session's Rasa server and the real OCR.

Uses the page, browser and tab fixtures of tests/test_web_page.py (a phone-sized profile that
refuses to reach beyond localhost).
"""

from __future__ import annotations

import io

from PIL import Image, ImageDraw
from playwright.sync_api import expect

from bot.rasa_server.screenshot import READ_LINE
from bot.text.message_check import CLOSING
from scripts import screenshots
from scripts.screenshots import POLICE
from tests.test_web_page import BOT, USER, browser, site, tab, wait_for_answers  # noqa: F401 - fixtures

PICTURE_TIMEOUT_MS = 120_000
SHOWN = "［截图］"


def uploads(watch_requests: list) -> list[bytes]:
    """The pictures the page posted: the JPEG inside each multipart body."""
    found = []
    for body in watch_requests:
        start, end = body.find(b"\xff\xd8"), body.rfind(b"\xff\xd9")
        found.append(body[start : end + 2])
    return found


def test_screenshot_button_sends_a_shrunk_picture_and_shows_the_analysis(site, tab) -> None:  # noqa: F811
    url, _ = site
    page, watch = tab
    posted: list[bytes] = []
    page.on("request", lambda r: posted.append(r.post_data_buffer) if r.url.endswith("/screenshot") else None)
    page.goto(url)
    expect(page.locator(BOT).first).to_contain_text("自动")

    # A phone screenshot at 3x (2160 px wide): the page shrinks it before upload.
    big = Image.open(io.BytesIO(screenshots.sms("95588", POLICE))).resize((2160, 1500))
    out = io.BytesIO()
    big.save(out, "PNG")

    before = page.locator(BOT).count()
    page.get_by_role("button", name="展开工具栏").click()
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="发截图").click()
    chooser.value.set_files({"name": "Screenshot.png", "mimeType": "image/png", "buffer": out.getvalue()})
    answers = wait_for_answers(page, before, timeout=PICTURE_TIMEOUT_MS)

    expect(page.locator(USER).last).to_have_text(SHOWN)
    assert answers[0].startswith(READ_LINE.split("{text}")[0]) and "安全账户" in answers[0]
    assert any("安全账户" in a and CLOSING in a for a in answers[1:])
    [jpeg] = uploads(posted)
    assert Image.open(io.BytesIO(jpeg)).size == (2000, 1389) and len(jpeg) < 900 * 1024
    assert page.locator(".MessageList img").count() == 0  # the picture is never shown or kept
    stored = page.evaluate("() => localStorage.getItem('fanzha.messages.v2')")
    assert SHOWN in stored and "data:image" not in stored and "blob:" not in stored
    assert watch.remote_requests() == [] and watch.errors == []


def test_a_file_that_is_not_a_picture_is_answered_in_the_page(site, tab) -> None:  # noqa: F811
    url, _ = site
    page, watch = tab
    page.goto(url)
    expect(page.locator(BOT).first).to_contain_text("自动")
    before = page.locator(".Message.left").count()
    page.set_input_files(
        "input.PictureInput",
        files=[{"name": "broken.jpg", "mimeType": "image/jpeg", "buffer": b"\xff\xd8\xff not a jpeg"}],
    )
    notice = page.locator(".Message.left").nth(before)
    expect(notice).to_contain_text("这张图片打不开")
    expect(notice).to_contain_text("96110")
    assert not any(u.endswith("/screenshot") for u in watch.requests)


def test_a_picture_without_text_gets_the_kind_reply(site, tab) -> None:  # noqa: F811
    url, _ = site
    page, _ = tab
    page.goto(url)
    expect(page.locator(BOT).first).to_contain_text("自动")
    gradient = Image.linear_gradient("L").resize((800, 600)).convert("RGB")
    ImageDraw.Draw(gradient).ellipse((200, 150, 600, 450), fill="#c08040")
    out = io.BytesIO()
    gradient.save(out, "PNG")
    before = page.locator(BOT).count()
    page.set_input_files(
        "input.PictureInput", files=[{"name": "p.png", "mimeType": "image/png", "buffer": out.getvalue()}]
    )
    answers = wait_for_answers(page, before, timeout=PICTURE_TIMEOUT_MS)
    assert "没认出" in answers[0] and "96110" in answers[0]
