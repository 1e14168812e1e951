"""Redaction of personal data (ID, bank card, mobile numbers, codes, passwords) before storing or logging."""

from __future__ import annotations

import re
from dataclasses import dataclass

PLACEHOLDERS = {
    "id_number": "[身份证号]",
    "bank_card": "[银行卡号]",
    "phone": "[手机号]",
    "verification_code": "[验证码]",
    "password": "[密码]",
}
NAMES = {kind: placeholder[1:-1] for kind, placeholder in PLACEHOLDERS.items()}
# Kinds the notice always tells the user never to share; found ID numbers are added in front.
NEVER_SHARE = ("bank_card", "password", "verification_code")

# Full-width ASCII and the ideographic space fold to ASCII one character for one, so spans stay aligned.
_FOLD = {0xFF01 + i: 0x21 + i for i in range(94)} | {0x3000: 0x20}

# Digits separated by single spaces or hyphens, e.g. "6222 0202 0202 0202" or "138-1234-5678".
_DIGIT_CHUNK = re.compile(r"[0-9]+(?:[ -][0-9]+)*")
_DIGITS = re.compile(r"[0-9]+")
_MOBILE = re.compile(r"(?:0086|86)?1[3-9][0-9]{9}")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_MAX_WINDOW = 5  # groups: 4-4-4-4-3 card, 86-3-4-4 phone, 6-8-4 ID

_UNIT = r"(?![^\S\n]*(?:年|元|块|万|千|百|月|日|号|分钟|秒|小时|天|个|次|位|岁|人|%))"
_FILLER = r"[^\S\n]*(?:(?P<sep>[\u4e00-\u9fff]{0,3}(?:是|为|成了|成|:|=)|(?i:is)(?![A-Za-z]))[^\S\n]*)?"
_CODE_KEY = r"(?<!\[)(?:验证码|校验码|动态码|动态密码|短信码|确认码|(?<![A-Za-z])(?i:code|otp)(?![A-Za-z]))"
_CODE_VALUE = r"(?P<v>(?<![A-Za-z0-9])(?=[A-Za-z]*[0-9])[A-Za-z0-9]{4,8}(?![A-Za-z0-9]))" + _UNIT
_CODE_AFTER = re.compile(_CODE_KEY + _FILLER + _CODE_VALUE)
_CODE_BEFORE = re.compile(
    _CODE_VALUE
    + r"(?:[^\S\n]*(?:就是|是|为)[^\S\n]*(?:您的|你的|我的|本次|此次|这次|的)?"
    + r"|[^\S\n]+(?i:is[^\S\n]+(?:your|the)(?:[^\S\n]+[A-Za-z]+){0,2}))[^\S\n]*"
    + _CODE_KEY
)
_PW_CHARS = r"A-Za-z0-9!#$%&*+.=?@^_~-"
_PASSWORD = re.compile(
    r"(?<!\[)(?:密码|口令|(?<![A-Za-z])(?i:password|passwd|pwd)(?![A-Za-z]))"
    + _FILLER
    + rf"(?P<v>[{_PW_CHARS}]{{4,}})(?![{_PW_CHARS}])"
    + _UNIT
)


@dataclass(frozen=True)
class Redaction:
    """Redacted text and the distinct kinds of data removed, in order of first appearance."""

    text: str
    kinds: tuple[str, ...]


def _id_valid(number: str) -> bool:
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS))
    return _ID_CHECK[total % 11] == number[17].upper()


def _luhn_valid(number: str) -> bool:
    total = 0
    for i, d in enumerate(reversed(number)):
        n = int(d) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def _classify(groups: list[str], x_follows: bool) -> tuple[str, bool] | None:
    """Kind of a window of digit groups, and whether a trailing X belongs to it."""
    lens = tuple(len(g) for g in groups)
    digits = "".join(groups)
    if x_follows and lens in ((17,), (6, 8, 3)) and _id_valid(digits + "X"):
        return "id_number", True
    if lens in ((18,), (6, 8, 4)) and _id_valid(digits):
        return "id_number", False
    if 16 <= len(digits) <= 19 and all(n == 4 for n in lens[:-1]) and _luhn_valid(digits):
        return "bank_card", False
    rest = groups[1:] if len(groups) > 1 and groups[0] in ("86", "0086") else groups
    if len(rest) != 1 and tuple(len(g) for g in rest) != (3, 4, 4):
        return None
    return ("phone", False) if _MOBILE.fullmatch("".join(rest)) else None


def _numbers(s: str) -> list[tuple[int, int, str]]:
    """Spans of ID, bank card and mobile numbers in folded text."""
    spans = []
    for chunk in _DIGIT_CHUNK.finditer(s):
        groups = [(chunk.start() + m.start(), chunk.start() + m.end()) for m in _DIGITS.finditer(chunk.group())]
        x_after = s[chunk.end() : chunk.end() + 1] in ("X", "x")
        i = 0
        while i < len(groups):
            for j in range(min(len(groups), i + _MAX_WINDOW) - 1, i - 1, -1):
                window = [s[a:b] for a, b in groups[i : j + 1]]
                found = _classify(window, x_after and j == len(groups) - 1)
                if found:
                    kind, with_x = found
                    start, end = groups[i][0], groups[j][1] + with_x
                    if kind == "phone" and s[start - 1 : start] == "+" and window[0] in ("86", "0086"):
                        start -= 1
                    spans.append((start, end, kind))
                    i = j + 1
                    break
            else:
                i += 1
    return spans


def _passwords(s: str) -> list[tuple[int, int, str]]:
    return [
        (m.start("v"), m.end("v"), "password")
        for m in _PASSWORD.finditer(s)
        if m.group("sep") or any(c.isdigit() for c in m.group("v"))
    ]


def _redact_once(text: str) -> tuple[str, list[str]]:
    s = text.translate(_FOLD)
    numbers = _numbers(s)
    codes = [
        (m.start("v"), m.end("v"), "verification_code")
        for pattern in (_CODE_AFTER, _CODE_BEFORE)
        for m in pattern.finditer(s)
    ]
    phones = [span for span in numbers if span[2] == "phone"]
    # Checksummed numbers first, then context-based codes and passwords, then mobile numbers.
    candidates = [span for span in numbers if span[2] != "phone"] + codes + _passwords(s) + phones
    taken = bytearray(len(s))
    accepted = []
    for start, end, kind in candidates:
        if not any(taken[start:end]):
            taken[start:end] = b"\x01" * (end - start)
            accepted.append((start, end, kind))
    accepted.sort()
    parts, kinds, last = [], [], 0
    for start, end, kind in accepted:
        parts += [text[last:start], PLACEHOLDERS[kind]]
        last = end
        if kind not in kinds:
            kinds.append(kind)
    parts.append(text[last:])
    return "".join(parts), kinds


def redact(text: str) -> Redaction:
    """Replace personal data in ``text`` with typed placeholders such as ``[银行卡号]``.

    Passes repeat until nothing changes, so data hidden behind an overlapping match
    (e.g. a password glued to a card number) is caught and the result is idempotent.
    """
    kinds: list[str] = []
    while True:
        text, found = _redact_once(text)
        if not found:
            return Redaction(text, tuple(kinds))
        kinds += [k for k in found if k not in kinds]


def notice(kinds: tuple[str, ...] | list[str]) -> str:
    """A warm reminder naming the redacted kinds; empty when nothing was redacted."""
    if not kinds:
        return ""
    found = "、".join(NAMES[k] for k in kinds)
    secrets = [k for k in kinds if k != "phone"]
    secrets += [k for k in NEVER_SHARE if k not in secrets]
    never_share = "、".join(NAMES[k] for k in secrets)
    return f"为了保护您，我已把消息里的{found}隐藏了。{never_share}请不要发给任何人，包括我。"
