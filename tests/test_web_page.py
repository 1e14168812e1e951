"""The chat page (web/) in a real headless Chromium, talking to a real Rasa server.

The page is served by scripts/serve_web.py, as `make run` serves it, and Rasa runs with
`--cors` for the page's origin. The main test chats with the trained bot; the others replace
the Rasa webhook with a canned answer (or a dead network) to reach cases the bot itself
never produces: links, HTML in a bot reply, a network failure, the default server address.
"""

from __future__ import annotations

import importlib.util
import json
import threading
from pathlib import Path
from typing import Iterator
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.support import servers


ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "results"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
PHONE = {"width": 360, "height": 740}
REPLY_TIMEOUT_MS = 10_000

# Bot messages that came from Rasa (not the typing indicator, not the page's own notices).
BOT = ".Message.left[data-type=text]"
USER = ".Message.right"
INPUT = "textarea.Composer-input"

OVERFLOW_JS = """
() => {
  const vw = document.documentElement.clientWidth;
  const problems = [];
  if (document.documentElement.scrollWidth > vw) {
    problems.push(`page is ${document.documentElement.scrollWidth}px wide in a ${vw}px window`);
  }
  for (const el of document.querySelectorAll('body *')) {
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    const name = `${el.tagName.toLowerCase()}.${String(el.className.baseVal ?? el.className).trim().replace(/\\s+/g, '.')}`;
    if (box.left < -1 || box.right > vw + 1) {
      problems.push(`${name} spans ${Math.round(box.left)}..${Math.round(box.right)}px`);
    }
    if (el.tagName !== 'TEXTAREA' && el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0) {
      problems.push(`${name} content is ${el.scrollWidth}px wide in ${el.clientWidth}px`);
    }
  }
  return problems;
}
"""


SETTLE_JS = """
async () => {
  const list = document.querySelector('.MessageContainer > .PullToRefresh');
  let last = null;
  for (let i = 0; i < 100; i++) {
    if (list.scrollTop === last) return true;
    last = list.scrollTop;
    await new Promise(resolve => setTimeout(resolve, 60));
  }
  return false;
}
"""


class StaticPage:
    """scripts/serve_web.py's server on a free port, in a thread."""

    def __init__(self) -> None:
        spec = importlib.util.spec_from_file_location("serve_web", ROOT / "scripts" / "serve_web.py")
        serve_web = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(serve_web)
        self.server = serve_web.make_server("127.0.0.1", servers.free_port(), quiet=True)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "StaticPage":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def site(workdir: Path, action_url: str) -> Iterator[tuple[str, str]]:
    """(page URL origin, Rasa URL): the static page and a Rasa server that allows its origin."""
    if not (ROOT / "web" / "vendor" / "chatui.js").exists():
        pytest.fail("web/vendor/ is missing: run `cd web && npm ci`")
    with StaticPage() as page:
        with servers.rasa_server(workdir, action_url, extra_args=("--cors", page.url)) as rasa:
            yield page.url, rasa


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: apt-get install -y chromium (or `make test-deps`)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Watch:
    """Everything the page does that a test must be able to assert on."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.blocked: list[str] = []
        self.dialogs: list[str] = []
        self.errors: list[str] = []

    def remote_requests(self) -> list[str]:
        return [u for u in self.requests if urlparse(u).hostname not in LOCAL_HOSTS] + self.blocked


@pytest.fixture
def tab(browser):
    """(page, watch): a fresh phone-sized browser profile that refuses to reach beyond localhost."""
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, locale="zh-CN")
    watch = Watch()

    def guard(route):
        host = urlparse(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:")) or host in LOCAL_HOSTS:
            route.fallback()
        else:
            watch.blocked.append(route.request.url)
            route.abort()

    def on_dialog(dialog):
        watch.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    context.route("**/*", guard)
    context.on("request", lambda request: watch.requests.append(request.url))
    page = context.new_page()
    page.on("dialog", on_dialog)
    page.on("pageerror", lambda error: watch.errors.append(str(error)))
    yield page, watch
    context.close()


def send_text(page, text: str) -> None:
    page.fill(INPUT, text)
    page.click(".Composer-sendBtn")


def wait_for_answers(page, before: int, timeout: int = REPLY_TIMEOUT_MS) -> list[str]:
    """Wait until Rasa's answer to the last message is shown; return the new bot texts."""
    page.wait_for_function(
        "([selector, n]) => document.querySelectorAll(selector).length > n"
        " && !document.querySelector('.Message[data-type=typing]')",
        arg=[BOT, before],
        timeout=timeout,
    )
    # ChatUI then scrolls the new answer into view (a 300 ms animation); a click that lands
    # mid-scroll would press on one element and release on another, so let it finish.
    assert page.evaluate(SETTLE_JS), "the message list kept scrolling"
    return page.locator(BOT).all_inner_texts()[before:]


def assert_no_overflow(page) -> None:
    # Measure the settled layout, not ChatUI's slide-in animation of the quick replies.
    page.wait_for_function(
        "() => document.getAnimations().every(a => a.playState !== 'running')", timeout=5_000
    )
    problems = page.evaluate(OVERFLOW_JS)
    assert problems == [], "horizontal overflow at 360px:\n" + "\n".join(problems)


def test_chat_with_the_bot(site, tab):
    web, rasa = site
    page, watch = tab
    page.goto(f"{web}/?server={rasa}")

    expect(page).to_have_title("反诈助手")
    # The opening message comes first, before anything is sent.
    opening = page.locator(BOT).first
    expect(opening).to_contain_text("自动")
    expect(opening).to_contain_text("验证码")
    expect(opening).to_contain_text("密码")
    expect(opening).to_contain_text("110")
    assert page.locator(USER).count() == 0

    # A free-text message: the answer names 110 and is the bot's, not the offline notice.
    before = page.locator(BOT).count()
    send_text(page, "我被骗了两万")
    expect(page.locator(USER).last).to_have_text("我被骗了两万")
    answers = wait_for_answers(page, before)
    assert any("110" in a for a in answers), answers
    # ...and it is Rasa's answer, not the page's own "cannot connect" notice (which names 110 too).
    assert page.locator(BOT).nth(before).locator(".MsgBubble--notice").count() == 0
    assert not any("连不上" in a for a in answers), answers

    # A quick reply sends its payload and shows its title as the user's message.
    topics = page.locator(".QuickReply")
    expect(topics).to_have_count(4)
    assert topics.all_inner_texts() == ["接到可疑电话/短信", "已经被骗、转了钱", "有人要买/租我的卡", "查App/网址真假"]
    before = page.locator(BOT).count()
    page.get_by_role("button", name="有人要买/租我的卡").first.click()
    expect(page.locator(USER).last).to_have_text("有人要买/租我的卡")
    answers = wait_for_answers(page, before)
    assert any("帮信" in a for a in answers), answers

    # The lost-money walk-through started by the first message can be stopped.
    before = page.locator(BOT).count()
    send_text(page, "算了")
    answers = wait_for_answers(page, before)
    assert any("110" in a for a in answers), answers

    # HTML typed by the user is shown as text and never run.
    before = page.locator(BOT).count()
    html = "<img src=x onerror=alert(1)>"
    send_text(page, html)
    expect(page.locator(USER).last).to_have_text(html)
    wait_for_answers(page, before)
    assert page.locator(".MessageList img").count() == 0
    page.wait_for_timeout(300)
    assert watch.dialogs == []

    # Buttons in a Rasa reply are clickable: the title becomes the user's message,
    # the payload goes to Rasa.
    before = page.locator(BOT).count()
    send_text(page, "你好")
    wait_for_answers(page, before)
    buttons = page.locator(BOT).last.locator(".MsgButtons button")
    expect(buttons).to_have_count(4)
    before = page.locator(BOT).count()
    buttons.filter(has_text="查App/网址真假").click()
    expect(page.locator(USER).last).to_have_text("查App/网址真假")
    answers = wait_for_answers(page, before)
    assert any("应用商店" in a for a in answers), answers

    # The conversation survives a reload: same messages, same order, no second greeting.
    shown = page.locator(".Message[data-type=text]").all_inner_texts()
    sender = page.evaluate("localStorage.getItem('fanzha.sender')")
    page.reload()
    expect(page.locator(".Message[data-type=text]")).to_have_count(len(shown))
    assert page.locator(".Message[data-type=text]").all_inner_texts() == shown
    assert page.evaluate("localStorage.getItem('fanzha.sender')") == sender
    expect(page.locator(USER).first).to_have_text("我被骗了两万")
    expect(page.locator(USER).filter(has_text=html)).to_have_count(1)
    assert page.locator(".MessageList img").count() == 0

    # Nothing sticks out sideways at phone width.
    assert page.viewport_size["width"] == 360
    assert_no_overflow(page)
    RESULTS.mkdir(exist_ok=True)
    page.screenshot(path=str(RESULTS / "chat_page.png"))

    # 大字模式: bigger text, remembered across a reload.
    switch = page.get_by_role("switch", name="大字模式")
    expect(switch).to_have_attribute("aria-checked", "false")
    text = page.locator(".MsgText").first
    normal_size = float(text.evaluate("el => parseFloat(getComputedStyle(el).fontSize)"))
    switch.click()
    expect(switch).to_have_attribute("aria-checked", "true")
    expect(page.locator(".ChatApp")).to_have_attribute("data-elder-mode", "true")
    large_size = float(text.evaluate("el => parseFloat(getComputedStyle(el).fontSize)"))
    assert large_size >= normal_size * 1.2, (normal_size, large_size)
    page.reload()
    switch = page.get_by_role("switch", name="大字模式")
    expect(switch).to_have_attribute("aria-checked", "true")
    assert float(page.locator(".MsgText").first.evaluate(
        "el => parseFloat(getComputedStyle(el).fontSize)")) == large_size
    page.wait_for_timeout(500)
    assert_no_overflow(page)
    page.screenshot(path=str(RESULTS / "chat_page_large_text.png"))
    switch.click()
    expect(switch).to_have_attribute("aria-checked", "false")
    assert page.evaluate("localStorage.getItem('fanzha.largeText')") == "0"

    assert watch.dialogs == []
    assert watch.errors == []
    assert watch.remote_requests() == []
    assert any(u.startswith(f"{rasa}/webhooks/rest/webhook") for u in watch.requests)


def _fake_rasa(page, server: str, replies: list[dict], seen: list[dict]) -> None:
    def fulfil(route):
        if route.request.method == "OPTIONS":
            route.fulfill(status=204, headers={
                "Access-Control-Allow-Origin": "*",
                "Access-Control-Allow-Headers": "Content-Type",
                "Access-Control-Allow-Methods": "POST",
            })
            return
        seen.append(json.loads(route.request.post_data or "{}"))
        route.fulfill(status=200, content_type="application/json",
                      headers={"Access-Control-Allow-Origin": "*"}, body=json.dumps(replies))

    page.route(f"{server}/webhooks/rest/webhook", fulfil)


def test_bot_text_links_and_html(site, tab):
    web, _ = site
    page, watch = tab
    fake = "http://127.0.0.1:9"  # discard port: only the route below answers
    long_url = "https://www.12321.cn/" + "a" * 120
    replies = [
        {"recipient_id": "x", "text": "举报网址请到 https://www.12321.cn/，详情见国家反诈中心。"},
        {"recipient_id": "x", "text": "<b>加粗</b><img src=x onerror=alert(1)><script>alert(2)</script>"
                                      " javascript:alert(3) [点我](javascript:alert(4))"},
        {"recipient_id": "x", "text": f"长链接：{long_url}",
         "buttons": [{"title": "是，我想了解怎么举报一个很长很长很长的诈骗网址", "payload": "/affirm"}]},
    ]
    seen: list[dict] = []
    _fake_rasa(page, fake, replies, seen)
    page.goto(f"{web}/?server={fake}")
    before = page.locator(BOT).count()
    send_text(page, "网址 https://evil.example/ 是真的吗")
    wait_for_answers(page, before)
    assert seen[0]["message"] == "网址 https://evil.example/ 是真的吗"
    assert seen[0]["sender"] == page.evaluate("localStorage.getItem('fanzha.sender')")

    # The user's own text is never turned into links.
    assert page.locator(USER).last.locator("a").count() == 0

    links = page.locator(".MessageList a")
    expect(links).to_have_count(2)
    first = links.nth(0)
    expect(first).to_have_text("https://www.12321.cn/")
    expect(first).to_have_attribute("href", "https://www.12321.cn/")
    expect(first).to_have_attribute("target", "_blank")
    expect(first).to_have_attribute("rel", "noopener noreferrer")
    expect(links.nth(1)).to_have_attribute("href", long_url)
    for href in links.evaluate_all("els => els.map(e => e.getAttribute('href'))"):
        assert href.startswith("https://")

    # HTML from the bot is literal text: no element made from it, nothing run.
    html_reply = page.locator(BOT).nth(before + 1)
    expect(html_reply).to_contain_text("<b>加粗</b><img src=x onerror=alert(1)><script>alert(2)</script>")
    assert page.locator(".MessageList b, .MessageList img, .MessageList script").count() == 0

    # A button in a bot reply: title shown as the user's message, payload sent.
    before = page.locator(BOT).count()
    page.locator(".MsgButtons button").last.click()
    wait_for_answers(page, before)
    expect(page.locator(USER).last).to_have_text("是，我想了解怎么举报一个很长很长很长的诈骗网址")
    assert seen[-1]["message"] == "/affirm"

    assert_no_overflow(page)
    page.wait_for_timeout(300)
    assert watch.dialogs == []
    assert watch.errors == []
    assert watch.remote_requests() == []


def test_network_error_shows_hotlines(site, tab):
    web, _ = site
    page, watch = tab
    dead = "http://127.0.0.1:9"
    page.route(f"{dead}/**", lambda route: route.abort("connectionrefused"))
    page.goto(f"{web}/?server={dead}")
    before = page.locator(BOT).count()
    send_text(page, "有人让我转账到安全账户")
    answers = wait_for_answers(page, before)
    assert len(answers) == 1
    assert "110" in answers[0] and "96110" in answers[0], answers
    expect(page.locator(BOT).last.locator(".MsgBubble--notice")).to_have_count(1)
    expect(page.locator(".Message[data-type=typing]")).to_have_count(0)
    assert watch.errors == []
    assert watch.remote_requests() == []


@pytest.mark.parametrize("query", ["", "?server=javascript:alert(1)"], ids=["no parameter", "javascript: URL"])
def test_default_server_is_port_5005_on_the_page_host(site, tab, query):
    """Without `?server=`, or with one that is not http(s), the page calls port 5005 on its own host."""
    web, _ = site
    page, watch = tab
    seen: list[dict] = []
    _fake_rasa(page, "http://127.0.0.1:5005", [{"recipient_id": "x", "text": "收到"}], seen)
    page.goto(f"{web}/{query}")
    before = page.locator(BOT).count()
    send_text(page, "你好")
    assert wait_for_answers(page, before) == ["收到"]
    assert seen and seen[0]["message"] == "你好"
    assert watch.remote_requests() == []
    assert watch.dialogs == []
