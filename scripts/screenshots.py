"""Screenshots drawn here rather than stored: an SMS, a chat, a payment page, and pictures without text.

The OCR tests (tests/test_screenshot*.py) and the OCR benchmark (scripts/bench_ocr.py) read them.

The Chinese font is Debian's fonts-noto-cjk (Makefile test-deps), found with fc-match.
"""

from __future__ import annotations

import functools
import io
import random
import subprocess
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

WIDTH = 720

# Messages the screenshots show: each matches a scam family of data/knowledge/ when pasted as text.
POLICE = (
    "我是市公安局刑侦支队的张警官，你的身份证涉嫌一起洗钱案，需要把资金转入安全账户配合资金清查，"
    "此案保密，不要告诉家人。"
)
BANK = (
    "【工商银行】尊敬的客户，您的账户存在异常，已被冻结，请立即点击 http://icbc-verify.cn/a 验证身份，逾期将影响征信。"
)
SHOP = [
    ("them", "您好，我是淘宝售后客服，您购买的面霜检测出甲醛超标，我们要给您办理三倍赔偿"),
    ("me", "怎么办理？"),
    ("them", "请添加客服QQ 2857xxxx 办理理赔"),
]
PAYMENT = ["收款方：国家安全账户", "金额：¥ 50,000.00", "备注：资金清查", "付款卡：6222 0212 3456 7890 128"]


@functools.lru_cache(maxsize=1)
def font_face() -> tuple[str, int]:
    """The CJK font file fontconfig picks for Simplified Chinese, and the face's index in it."""
    found = subprocess.run(["fc-match", "-f", "%{file}|%{index}", ":lang=zh-cn"], capture_output=True, text=True)
    path, _, index = found.stdout.partition("|")
    if not Path(path).is_file() or "CJK" not in path:
        raise RuntimeError("no CJK font: install Debian's fonts-noto-cjk (make test-deps)")
    return path, int(index or 0)


def font(size: int) -> ImageFont.FreeTypeFont:
    path, index = font_face()
    return ImageFont.truetype(path, size, index=index)


def wrap(text: str, face: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Lines no wider than `width`, as a phone wraps them."""
    lines, line = [], ""
    for char in text:
        if face.getlength(line + char) > width:
            lines.append(line)
            line = ""
        line += char
    return [*lines, line] if line else lines


def encode(image: Image.Image, kind: str = "PNG") -> bytes:
    out = io.BytesIO()
    image.save(out, kind, quality=90) if kind == "JPEG" else image.save(out, kind)
    return out.getvalue()


def _bubble(draw: ImageDraw.ImageDraw, text: str, left: int, top: int, width: int, fill: str) -> int:
    """A message bubble with wrapped text; returns its bottom edge."""
    face = font(28)
    lines = wrap(text, face, width - 40)
    height = 40 * len(lines) + 24
    draw.rounded_rectangle((left, top, left + width, top + height), radius=16, fill=fill)
    for i, line in enumerate(lines):
        draw.text((left + 20, top + 12 + 40 * i), line, font=face, fill="#111111")
    return top + height


def sms(sender: str, text: str, kind: str = "PNG") -> bytes:
    """An SMS thread as a phone shows it: the sender on top, the time, one grey bubble."""
    face = font(30)
    lines = wrap(text, font(28), 540)
    image = Image.new("RGB", (WIDTH, 200 + 40 * len(lines)), "white")
    draw = ImageDraw.Draw(image)
    draw.text((WIDTH // 2 - face.getlength(sender) // 2, 24), sender, font=face, fill="#000000")
    draw.text((WIDTH // 2 - 60, 84), "今天 10:32", font=font(22), fill="#888888")
    _bubble(draw, text, 40, 128, 580, "#e9e9eb")
    return encode(image, kind)


def chat(title: str, bubbles: list[tuple[str, str]]) -> bytes:
    """A WeChat-style chat: ("them" | "me", text) bubbles, left grey-white and right green."""
    image = Image.new("RGB", (WIDTH, 1280), "#ededed")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, WIDTH, 90), fill="#f7f7f7")
    draw.text((WIDTH // 2 - font(32).getlength(title) // 2, 26), title, font=font(32), fill="#000000")
    top = 130
    for who, text in bubbles:
        left = 110 if who == "them" else 170
        if who == "them":
            draw.rectangle((24, top, 88, top + 64), fill="#7aa7d9")  # the avatar
        else:
            draw.rectangle((WIDTH - 88, top, WIDTH - 24, top + 64), fill="#d9a77a")
        top = _bubble(draw, text, left, top, 440, "white" if who == "them" else "#95ec69") + 40
    return encode(image.crop((0, 0, WIDTH, min(top + 40, 1280))))


def payment(lines: list[str]) -> bytes:
    """A payment page: a blue header, then one line per field."""
    image = Image.new("RGB", (WIDTH, 220 + 70 * len(lines)), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, WIDTH, 120), fill="#1677ff")
    draw.text((40, 36), "转账", font=font(40), fill="white")
    for i, line in enumerate(lines):
        draw.text((40, 160 + 70 * i), line, font=font(30), fill="#222222")
    return encode(image)


def blank(width: int = WIDTH, height: int = 1280) -> bytes:
    return encode(Image.new("RGB", (width, height), "white"))


def noise(width: int = 640, height: int = 480, seed: int = 7) -> bytes:
    """A photo with no text: a colour gradient with grain."""
    rng = random.Random(seed)
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    pixels = image.load()
    for y in range(0, height, 2):
        for x in range(0, width, 2):
            r, g, b = pixels[x, y]
            pixels[x, y] = (r, min(255, g + rng.randrange(60)), max(0, b - rng.randrange(60)))
    return encode(image, "JPEG")


def samples() -> dict[str, bytes]:
    """The message screenshots, by name: two SMS, a chat and a payment page."""
    return {
        "sms_police": sms("+86 170 1234 5678", POLICE, "JPEG"),
        "sms_bank_link": sms("95588", BANK),
        "chat": chat("淘宝客服", SHOP),
        "payment": payment(PAYMENT),
    }
