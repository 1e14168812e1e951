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

# Zero-width characters are invisible: inside a digit group they are skipped, not separators.
_ZW = "\u200b\u200c\u200d\u2060\ufeff"
_GROUP = rf"[0-9](?:[{_ZW}]*[0-9])*"
# Between groups: one to three visible separators (any space, line break, dot, slash, dash).
_GROUP_SEP = rf"[{_ZW}]*(?:[\s./\\\-\u2010-\u2015\u2212][{_ZW}]*){{1,3}}"
_DIGIT_CHUNK = re.compile(rf"{_GROUP}(?:{_GROUP_SEP}{_GROUP})*")
_DIGITS = re.compile(_GROUP)
_X_AFTER = re.compile(rf"[{_ZW}]*[Xx]")
_MOBILE = re.compile(r"(?:0086|86)?1[3-9][0-9]{9}")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_MAX_WINDOW = 5  # groups: 4-4-4-4-3 card, 86-3-4-4 phone, 6-8-4 ID
# A number followed by a money unit is an amount ("转了13812345678元"); after 订单号 etc. it is an order number.
_AMOUNT_AFTER = re.compile(r"[^\S\n]*(?:元(?!旦)|块|万(?!一)|亿|美元|人民币|(?i:rmb|cny))")
_REFERENCE_BEFORE = re.compile(r"(?:订单|单号|订单编号|流水号|交易号|会议号|取件码)[\s:：#是为]{0,4}$")

_UNIT = r"(?![^\S\n]*(?:年|元|块|万|千|百|月|日|号|分钟|秒|小时|天|个|次|位|岁|人|%))"
_FILLER = r"[^\S\n]*(?:(?P<sep>[\u4e00-\u9fff]{0,3}(?:是|为|成了|成|:|=)|(?i:is)(?![A-Za-z]))[^\S\n]*)?"
# Simplified and traditional spellings.
_CODE_WORD = r"(?:[验驗][证證]|校[验驗]|[动動][态態]|短信|[确確][认認])[码碼]|[动動][态態]密[码碼]"
_CODE_KEY = rf"(?<!\[)(?:{_CODE_WORD}|(?<![A-Za-z])(?i:code|otp)(?![A-Za-z]))"
_PASSWORD_KEY = r"(?<!\[)(?:密[码碼]|口令|(?<![A-Za-z])(?i:password|passwd|pwd)(?![A-Za-z]))"
# Not part of a date, time or longer number: "2024-10-01", "15:30", "3.14".
_NOT_IN_NUMBER = r"(?<![0-9][-:/.])(?![-:/.][0-9])"
_CN_DIGIT = "零〇一二三四五六七八九幺"
_CODE_SHAPES = (
    # Digits one by one or in groups: "6 5 4 3 2 1", "6543 21".
    r"(?<![0-9])(?<![0-9][^\S\n])[0-9](?:[^\S\n]?[0-9]){3,7}(?![^\S\n]?[0-9])",
    r"(?<![A-Za-z0-9])(?=[A-Za-z]*[0-9])[A-Za-z0-9]{4,8}(?![A-Za-z0-9])",
    rf"(?<![{_CN_DIGIT}十百千万亿])[{_CN_DIGIT}]{{4,8}}(?![{_CN_DIGIT}十百千万亿])",  # 六五四三二一
)
_CODE_VALUE = rf"(?P<v>(?:{'|'.join(_CODE_SHAPES)}){_NOT_IN_NUMBER})" + _UNIT
_CODE_AFTER = re.compile(_CODE_KEY + _FILLER + _CODE_VALUE)
_CODE_BEFORE = re.compile(
    _CODE_VALUE
    + r"(?:[^\S\n]*(?:就是|是|为)[^\S\n]*(?:您的|你的|我的|本次|此次|这次|的)?"
    + r"|[^\S\n]+(?i:is[^\S\n]+(?:your|the)(?:[^\S\n]+[A-Za-z]+){0,2}))[^\S\n]*"
    + _CODE_KEY
)
_PW_CHARS = r"A-Za-z0-9!#$%&*+.=?@^_~-"
_PASSWORD = re.compile(_PASSWORD_KEY + _FILLER + rf"(?P<v>[{_PW_CHARS}]{{4,}})(?![{_PW_CHARS}])" + _UNIT)

# A victim's own words: the secret comes later in the same sentence, after a few words and
# punctuation ("验证码我收到了，是654321", "他要我的验证码，我给了他654321"). The gap holds no
# digits and no sentence end; the first value after it counts unless the words just before
# it make it an amount, a phone or order number, or it is a hotline or service number.
_GAP = r"(?P<gap>[^0-9。！？!?；;\n]{0,16}?)"
_PW_SHAPES = (
    _CODE_SHAPES[0],
    r"(?<![A-Za-z0-9!#$%&*+=?@^_~])(?=[A-Za-z!#$%&*+=?@^_~]*[0-9])[A-Za-z0-9!#$%&*+=?@^_~]{4,20}"
    r"(?![A-Za-z0-9!#$%&*+=?@^_~])",
    _CODE_SHAPES[2],
)
_LATER_CODE = re.compile(_CODE_KEY + rf"(?={_GAP}{_CODE_VALUE})")
_LATER_PASSWORD = re.compile(_PASSWORD_KEY + rf"(?={_GAP}(?P<v>(?:{'|'.join(_PW_SHAPES)}){_NOT_IN_NUMBER}){_UNIT})")
_NOT_SECRET_BEFORE = re.compile(
    r"(?:转账|转|付款|付|汇款|汇|充值|充|存|取|借|还|赔|骗|损失|花|交|共|合计|余额|金额|尾号|号码|手机号?|电话"
    r"|拨打|打|拨|订单号?|单号|流水号|编号|会议号|取件码|第)[了过的]?[^\S\n]*[:是为]?[^\S\n]*$"
)
_SERVICE_NUMBER = re.compile(r"96110|12[0-9]{3}|95[0-9]{3}|100[0-9]{2}")  # 96110, 12381, 95588, 10086...


@dataclass(frozen=True)
class Redaction:
    """Redacted text and the distinct kinds of data removed, in order of first appearance."""

    text: str
    kinds: tuple[str, ...]


def _id_valid(number: str) -> bool:
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
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


def _is_reference_or_amount(s: str, start: int, end: int) -> bool:
    """Context makes a number an amount or an order number, not personal data."""
    return bool(_AMOUNT_AFTER.match(s, end) or _REFERENCE_BEFORE.search(s[max(0, start - 12) : start]))


def _numbers(s: str) -> list[tuple[int, int, str]]:
    """Spans of ID, bank card and mobile numbers in folded text."""
    spans = []
    for chunk in _DIGIT_CHUNK.finditer(s):
        groups = [(m.start(), m.end()) for m in _DIGITS.finditer(s, chunk.start(), chunk.end())]
        digits = [re.sub(f"[{_ZW}]", "", s[a:b]) for a, b in groups]
        x_after = _X_AFTER.match(s, chunk.end())
        i = 0
        while i < len(groups):
            for j in range(min(len(groups), i + _MAX_WINDOW) - 1, i - 1, -1):
                window = digits[i : j + 1]
                found = _classify(window, bool(x_after) and j == len(groups) - 1)
                if found:
                    kind, with_x = found
                    start, end = groups[i][0], x_after.end() if with_x else groups[j][1]
                    if kind == "phone" and s[start - 1 : start] == "+" and window[0] in ("86", "0086"):
                        start -= 1
                    if not _is_reference_or_amount(s, start, end):
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


def _said_later(s: str, pattern: re.Pattern, kind: str) -> list[tuple[int, int, str]]:
    """Secrets a few words after their keyword in the same sentence."""
    spans = []
    for m in pattern.finditer(s):
        value = re.sub(r"\s", "", m.group("v"))
        if _NOT_SECRET_BEFORE.search(m.group("gap")) or _SERVICE_NUMBER.fullmatch(value):
            continue
        spans.append((m.start("v"), m.end("v"), kind))
    return spans


def _redact_once(text: str) -> tuple[str, list[str]]:
    s = text.translate(_FOLD)
    numbers = _numbers(s)
    codes = [
        (m.start("v"), m.end("v"), "verification_code")
        for pattern in (_CODE_AFTER, _CODE_BEFORE)
        for m in pattern.finditer(s)
    ] + _said_later(s, _LATER_CODE, "verification_code")
    passwords = _passwords(s) + _said_later(s, _LATER_PASSWORD, "password")
    phones = [span for span in numbers if span[2] == "phone"]
    # Checksummed numbers first, then context-based codes and passwords, then mobile numbers.
    candidates = [span for span in numbers if span[2] != "phone"] + codes + passwords + phones
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
