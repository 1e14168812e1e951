"""The chat page (web/) in a real headless Chromium, talking to a real Rasa server.

The page is served by scripts/serve_web.py, as `make run` serves it, and Rasa runs with
`--cors` for the page's origin. The main test chats with the trained bot; the others serve
the page for a fake Rasa URL whose webhook the browser answers with canned replies (or a
dead network), to reach cases the bot itself never produces: links, HTML in a bot reply,
a network failure, an address bar pointing elsewhere. Only the main test needs a Rasa
server; the static server's own tests need no browser either.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
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
FAKE_RASA = "http://127.0.0.1:9"  # discard port: only the browser's route answers
CARD = "6222021234567890128"

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


def load_serve_web():
    spec = importlib.util.spec_from_file_location("serve_web", ROOT / "scripts" / "serve_web.py")
    serve_web = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(serve_web)
    return serve_web


class StaticPage:
    """scripts/serve_web.py's server on `port` (or a free one), in a thread, serving the page for `rasa`."""

    def __init__(self, rasa: str, port: int | None = None) -> None:
        self.server = load_serve_web().make_server("127.0.0.1", port or servers.free_port(), quiet=True, rasa=rasa)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> StaticPage:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def site(rasa_url: str, page_origin: str) -> Iterator[tuple[str, str]]:
    """(page URL origin, Rasa URL): the static page, at the origin the session's Rasa server allows."""
    if not (ROOT / "web" / "vendor" / "chatui.js").exists():
        pytest.fail("web/vendor/ is missing: run `cd web && npm ci`")
    with StaticPage(rasa_url, port=servers.port_of(page_origin)) as page:
        yield page.url, rasa_url


@pytest.fixture(scope="module")
def fake_site() -> Iterator[str]:
    """The page's URL, served for FAKE_RASA: no Rasa server is started."""
    if not (ROOT / "web" / "vendor" / "chatui.js").exists():
        pytest.fail("web/vendor/ is missing: run `cd web && npm ci`")
    with StaticPage(FAKE_RASA) as page:
        yield page.url


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
    page.wait_for_function("() => document.getAnimations().every(a => a.playState !== 'running')", timeout=5_000)
    problems = page.evaluate(OVERFLOW_JS)
    assert problems == [], "horizontal overflow at 360px:\n" + "\n".join(problems)


def test_chat_with_the_bot(site, tab):
    web, rasa = site
    page, watch = tab
    page.goto(f"{web}/")

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
    assert (
        float(page.locator(".MsgText").first.evaluate("el => parseFloat(getComputedStyle(el).fontSize)")) == large_size
    )
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
            route.fulfill(
                status=204,
                headers={
                    "Access-Control-Allow-Origin": "*",
                    "Access-Control-Allow-Headers": "Content-Type",
                    "Access-Control-Allow-Methods": "POST",
                },
            )
            return
        seen.append(json.loads(route.request.post_data or "{}"))
        route.fulfill(
            status=200,
            content_type="application/json",
            headers={"Access-Control-Allow-Origin": "*"},
            body=json.dumps(replies),
        )

    page.route(f"{server}/webhooks/rest/webhook", fulfil)


def test_bot_text_links_and_html(fake_site, tab):
    web = fake_site
    page, watch = tab
    fake = FAKE_RASA
    long_url = "https://www.12321.cn/" + "a" * 120
    replies = [
        {"recipient_id": "x", "text": "举报网址请到 https://www.12321.cn/，详情见国家反诈中心。"},
        {
            "recipient_id": "x",
            "text": "<b>加粗</b><img src=x onerror=alert(1)><script>alert(2)</script>"
            " javascript:alert(3) [点我](javascript:alert(4))",
        },
        {
            "recipient_id": "x",
            "text": f"长链接：{long_url}",
            "buttons": [{"title": "是，我想了解怎么举报一个很长很长很长的诈骗网址", "payload": "/affirm"}],
        },
    ]
    seen: list[dict] = []
    _fake_rasa(page, fake, replies, seen)
    page.goto(f"{web}/")
    before = page.locator(BOT).count()
    send_text(page, "网址 https://evil.example/ 是真的吗")
    wait_for_answers(page, before)
    assert seen[0]["message"] == "网址 https://evil.example/ 是真的吗"
    assert seen[0]["sender"] == page.evaluate("localStorage.getItem('fanzha.sender')")

    # The user's own text is never turned into links.
    assert page.locator(USER).last.locator("a").count() == 0

    links = page.locator(".MessageList a[href^='http']")
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


def test_network_error_shows_hotlines(fake_site, tab):
    web = fake_site
    page, watch = tab
    page.route(f"{FAKE_RASA}/**", lambda route: route.abort("connectionrefused"))
    page.goto(f"{web}/")
    before = page.locator(BOT).count()
    send_text(page, "有人让我转账到安全账户")
    answers = wait_for_answers(page, before)
    assert len(answers) == 1
    assert "110" in answers[0] and "96110" in answers[0], answers
    expect(page.locator(BOT).last.locator(".MsgBubble--notice")).to_have_count(1)
    expect(page.locator(".Message[data-type=typing]")).to_have_count(0)
    assert watch.errors == []
    assert watch.remote_requests() == []


@pytest.mark.parametrize("query", ["", "?server=http://127.0.0.1:8999", "?server=javascript:alert(1)"])
def test_the_address_bar_cannot_change_the_server(fake_site, tab, query):
    """The page talks to the Rasa server it was served for, whatever `?server=` says."""
    web = fake_site
    page, watch = tab
    seen: list[dict] = []
    _fake_rasa(page, FAKE_RASA, [{"recipient_id": "x", "text": "收到"}], seen)
    elsewhere: list[str] = []
    page.route("http://127.0.0.1:8999/**", lambda route: (elsewhere.append(route.request.url), route.abort()))
    response = page.goto(f"{web}/{query}")
    assert "connect-src http://127.0.0.1:9;" in response.headers["content-security-policy"]
    before = page.locator(BOT).count()
    send_text(page, "你好")
    assert wait_for_answers(page, before) == ["收到"]
    assert seen and seen[0]["message"] == "你好"
    assert elsewhere == []
    assert watch.remote_requests() == []
    assert watch.dialogs == []


def stored_texts(page) -> list[str]:
    stored = page.evaluate("localStorage.getItem('fanzha.messages.v2')") or "[]"
    return [m["content"]["text"] for m in json.loads(stored)]


def test_the_browser_keeps_only_what_the_server_kept(fake_site, tab):
    web = fake_site
    page, watch = tab
    replies = [
        {"recipient_id": "x", "text": "为了保护您，我已把消息里的银行卡号隐藏了。", "user_text": "我的卡号[银行卡号]"},
        {"recipient_id": "x", "text": "请不要把卡号发给任何人。"},
    ]
    seen: list[dict] = []
    _fake_rasa(page, FAKE_RASA, replies, seen)
    page.add_init_script(
        "localStorage.setItem('fanzha.messages.v1', JSON.stringify("
        "[{type: 'text', position: 'right', content: {text: '旧的卡号6222021234567890128'}}]))"
    )
    page.goto(f"{web}/")
    assert page.evaluate("localStorage.getItem('fanzha.messages.v1')") is None
    before = page.locator(BOT).count()
    send_text(page, f"我的卡号{CARD}")
    wait_for_answers(page, before)
    assert seen[0]["message"] == f"我的卡号{CARD}"
    expect(page.locator(USER).last).to_have_text("我的卡号[银行卡号]")
    stored = stored_texts(page)
    assert "我的卡号[银行卡号]" in stored and not any(CARD in t for t in stored)

    # A message that never reached the server is not kept either.
    page.unroute(f"{FAKE_RASA}/webhooks/rest/webhook")
    page.route(f"{FAKE_RASA}/**", lambda route: route.abort("connectionrefused"))
    before = page.locator(BOT).count()
    send_text(page, f"密码是 Qw{CARD[-6:]}")
    wait_for_answers(page, before)
    assert not any(CARD[-6:] in t for t in stored_texts(page))

    # 清除记录: the stored conversation and the sender id go; the welcome is back.
    sender = page.evaluate("localStorage.getItem('fanzha.sender')")
    page.get_by_role("button", name="清除聊天记录").click()
    expect(page.locator(USER)).to_have_count(0)
    expect(page.locator(BOT)).to_have_count(1)
    expect(page.locator(BOT).first).to_contain_text("自动")
    assert page.evaluate("localStorage.getItem('fanzha.sender')") != sender
    assert len(stored_texts(page)) == 1 and "银行卡号]" not in stored_texts(page)[0]
    page.reload()
    expect(page.locator(USER)).to_have_count(0)
    assert watch.errors == [] and watch.dialogs == []


def test_hotlines_are_tap_to_call(fake_site, tab):
    web = fake_site
    page, watch = tab
    reply = "已经转了钱请马上打110；拿不准就打96110。流水号20231101101100不是电话，12381只发短信。"
    _fake_rasa(page, FAKE_RASA, [{"recipient_id": "x", "text": reply}], [])
    page.goto(f"{web}/")
    header = page.locator(".Navbar-desc a")
    assert header.evaluate_all("els => els.map(e => e.getAttribute('href'))") == ["tel:110", "tel:96110"]
    before = page.locator(BOT).count()
    send_text(page, "怎么办")
    wait_for_answers(page, before)
    calls = page.locator(BOT).last.locator("a")
    assert calls.evaluate_all("els => els.map(e => [e.getAttribute('href'), e.textContent])") == [
        ["tel:110", "110"],
        ["tel:96110", "96110"],
    ]
    expect(page.locator(BOT).last).to_contain_text(reply)
    assert_no_overflow(page)
    assert watch.errors == [] and watch.remote_requests() == []


def test_screenshots_have_a_chinese_font():
    """`make test-deps` installs fonts-noto-cjk; without a CJK font Chromium draws empty boxes."""
    families = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True).stdout
    assert families.strip(), "no Chinese font: run `make test-deps` (fonts-noto-cjk)"


# --- the static server, without a browser ----------------------------------------------------


@pytest.fixture(scope="module")
def static_page() -> Iterator[str]:
    with StaticPage("https://fanzha.example.org/rasa/") as page:
        yield page.url


def fetch(url: str) -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), b""


@pytest.mark.parametrize("query", ["", "?server=https://evil.example"])
def test_page_is_bound_to_the_configured_rasa_server(static_page, query):
    for path in ("/", "/index.html"):
        status, headers, body = fetch(f"{static_page}{path}{query}")
        assert status == 200
        csp = headers["Content-Security-Policy"]
        assert "connect-src https://fanzha.example.org;" in csp and "http:" not in csp.replace("https://fanzha", "")
        page = body.decode()
        assert '<meta name="fanzha-server" content="https://fanzha.example.org/rasa">' in page
        assert "connect-src https://fanzha.example.org;" in page and "{{" not in page and "evil" not in page


@pytest.mark.parametrize(
    "path, status",
    [
        ("/vendor/chatui.js", 200),
        ("/app.js", 200),
        ("/vendor/%2e%2e/package.json", 404),
        ("/vendor/%2E%2E/index.html", 404),
        ("/vendor/..%2fpackage.json", 404),
        ("/vendor/%2e%2e%2f%2e%2e/bot/settings.py", 404),
        ("/vendor//chatui.js", 404),
        ("/vendor/./chatui.js", 404),
        ("/vendor/", 404),
        ("/package.json", 404),
        ("/node_modules/react/package.json", 404),
        ("/scripts/vendor.mjs", 404),
        ("/vendor/%ff", 404),
    ],
)
def test_static_server_decodes_before_it_checks(static_page, path, status):
    assert fetch(static_page + path)[0] == status


@pytest.mark.parametrize(
    "rasa",
    [
        "javascript:alert(1)",
        "http://127.0.0.1:5005/?x=1",
        "ftp://x",
        "http://a@b",
        'http://x"onload=1',
        "http://127.0.0.1:port",
    ],
)
def test_serve_web_refuses_a_bad_rasa_url(rasa):
    with pytest.raises(ValueError):
        load_serve_web().rasa_endpoint(rasa)
