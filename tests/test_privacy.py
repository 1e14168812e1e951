"""Tests for redaction of personal data."""

from __future__ import annotations

import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bot.privacy import Redaction, notice, redact

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(first17: str) -> str:
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS)) % 11]


def card_number(body: str) -> str:
    """Append the Luhn check digit."""
    total = 0
    for i, d in enumerate(reversed(body)):
        n = int(d) * (1 if i % 2 else 2)
        total += n - 9 if n > 9 else n
    return body + str(-total % 10)


EXAMPLES = [
    # ID numbers.
    ("我的身份证号是110105199003071239，麻烦帮我查一下", "我的身份证号是[身份证号]，麻烦帮我查一下", ("id_number",)),
    ("身份证32058219880101123X已经拍照发过去了", "身份证[身份证号]已经拍照发过去了", ("id_number",)),
    ("对方让我报身份证 32058219880101123x 核对", "对方让我报身份证 [身份证号] 核对", ("id_number",)),
    ("身份证号：１１０１０５１９９００３０７１２３９", "身份证号：[身份证号]", ("id_number",)),
    ("身份证 440304 19851122 4568", "身份证 [身份证号]", ("id_number",)),
    # Bank cards.
    ("卡号 6222 0202 0000 1234 562 帮我看看", "卡号 [银行卡号] 帮我看看", ("bank_card",)),
    ("我的卡是6228-4800-1234-5678-903", "我的卡是[银行卡号]", ("bank_card",)),
    ("信用卡4392250012345673还能用吗", "信用卡[银行卡号]还能用吗", ("bank_card",)),
    ("转到622588123456789016这个账户", "转到[银行卡号]这个账户", ("bank_card",)),
    ("卡号６２１７００１２３４５６７８９０１２２", "卡号[银行卡号]", ("bank_card",)),
    # Mobile numbers.
    ("我电话13812345678，有事打给我", "我电话[手机号]，有事打给我", ("phone",)),
    ("联系人：+86 138 1234 5678", "联系人：[手机号]", ("phone",)),
    ("打这个138-1234-5678找王经理", "打这个[手机号]找王经理", ("phone",)),
    ("号码8619912345678是谁的", "号码[手机号]是谁的", ("phone",)),
    # Verification codes.
    ("验证码是 382910", "验证码是 [验证码]", ("verification_code",)),
    ("382910是验证码，你快点", "[验证码]是验证码，你快点", ("verification_code",)),
    ("code: 4821", "code: [验证码]", ("verification_code",)),
    ("您的验证码为：６６８８２１，５分钟内有效", "您的验证码为：[验证码]，５分钟内有效", ("verification_code",)),
    ("Your OTP is 7F3K9A", "Your OTP is [验证码]", ("verification_code",)),
    ("528391 is your verification code", "[验证码] is your verification code", ("verification_code",)),
    ("动态码 83920155 请勿告诉他人", "动态码 [验证码] 请勿告诉他人", ("verification_code",)),
    # Passwords.
    ("密码是abc123", "密码是[密码]", ("password",)),
    ("密码：123456", "密码：[密码]", ("password",)),
    ("我的密码123456", "我的密码[密码]", ("password",)),
    ("password: hunter2", "password: [密码]", ("password",)),
    ("登录密码已经改成了Qw!2024x", "登录密码已经改成了[密码]", ("password",)),
    # Several kinds at once.
    (
        "支付密码是 654321，验证码 9981",
        "支付密码是 [密码]，验证码 [验证码]",
        ("password", "verification_code"),
    ),
    (
        "卡号6222020200001234562，密码888888，验证码是 5521",
        "卡号[银行卡号]，密码[密码]，验证码是 [验证码]",
        ("bank_card", "password", "verification_code"),
    ),
    (
        "身份证110105199003071239，手机13812345678",
        "身份证[身份证号]，手机[手机号]",
        ("id_number", "phone"),
    ),
]

UNCHANGED = [
    "2023年我被骗了20000元，怎么办",
    "被骗了请拨打96110或者110报警",
    "验证码诈骗请拨96110",
    "订单号 1234567890123456 还没发货",
    "身份证号110105199003071238是不是写错了",
    "卡号6222020200001234561",
    "验证码一般是6位数字",
    "验证码有效期 10 分钟",
    "验证码 2023年之前就有了",
    "忘记密码了怎么办",
    "password reset link",
    "腾讯会议号 123 456 789",
    "电话 12345678901 是空号",
    "尾号1234的卡消费了500元",
    "2024-10-01 15:30 到账 3000 元",
    "快递取件码 3-2-1045",
    "密码是[密码]，验证码是[验证码]",
    "流水号20231015123456789012",
]


@pytest.mark.parametrize(("text", "expected", "kinds"), EXAMPLES)
def test_redacts(text: str, expected: str, kinds: tuple[str, ...]) -> None:
    assert redact(text) == Redaction(expected, kinds)


@pytest.mark.parametrize("text", UNCHANGED)
def test_leaves_other_numbers(text: str) -> None:
    assert redact(text) == Redaction(text, ())


def test_example_count() -> None:
    assert len(EXAMPLES) + len(UNCHANGED) >= 30


def test_notice_names_kinds() -> None:
    text = notice(("bank_card",))
    assert text == "为了保护您，我已把消息里的银行卡号隐藏了。银行卡号、密码、验证码请不要发给任何人，包括我。"
    text = notice(("id_number", "phone"))
    assert "身份证号、手机号隐藏了" in text
    assert "身份证号" in text.split("。")[1]
    assert "包括我" in text


def test_notice_empty() -> None:
    assert notice(()) == ""


# Random surrounding text: CJK, punctuation, letters and digits.
CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
OTHER = st.sampled_from("，。！？、：；“”（）【】 -+,.:!?abcXYZ０１２０１２3456789")
SURROUNDING = st.text(st.one_of(CJK, OTHER), max_size=40)
DIGITS = "0123456789"


def _embedded(number: str, prefix: str, suffix: str) -> str:
    # The number must stand on its own: no digits glued to either side.
    assume(not re.search(r"[0-9０-９]$", prefix) and not re.match(r"[0-9０-９]", suffix))
    return prefix + number + suffix


@given(st.text(DIGITS, min_size=17, max_size=17), SURROUNDING, SURROUNDING)
def test_id_numbers_never_survive(first17: str, prefix: str, suffix: str) -> None:
    number = id_number(first17)
    assert number not in redact(_embedded(number, prefix, suffix)).text


@given(
    st.text(DIGITS, min_size=15, max_size=18),
    st.sampled_from(["", " ", "-"]),
    SURROUNDING,
    SURROUNDING,
)
def test_card_numbers_never_survive(body: str, separator: str, prefix: str, suffix: str) -> None:
    number = card_number(body)
    written = separator.join(number[i : i + 4] for i in range(0, len(number), 4))
    assert written not in redact(_embedded(written, prefix, suffix)).text


@given(st.sampled_from("3456789"), st.text(DIGITS, min_size=9, max_size=9), SURROUNDING, SURROUNDING)
def test_mobile_numbers_never_survive(second: str, rest: str, prefix: str, suffix: str) -> None:
    number = "1" + second + rest
    assert number not in redact(_embedded(number, prefix, suffix)).text


@settings(max_examples=200)
@given(st.text())
def test_never_raises(text: str) -> None:
    result = redact(text)
    assert isinstance(result.text, str)
    assert len(set(result.kinds)) == len(result.kinds)


@given(st.text(st.characters(max_codepoint=0x1F), max_size=200))
def test_control_characters(text: str) -> None:
    assert redact(text).text == text


@pytest.mark.parametrize("unit", ["6222 ", "1", "密码", "验证码 1234 ", "a1", "+86 ", "密码是abc"])
def test_very_long_strings(unit: str) -> None:
    text = unit * (100_000 // len(unit))
    assert isinstance(redact(text).text, str)


FRAGMENTS = st.one_of(
    SURROUNDING,
    st.sampled_from(["验证码是 ", "密码", "密码是", "code: ", " is your code", "是验证码", "+86 ", "身份证", "[密码]"]),
    st.text(DIGITS + " -xX", max_size=24),
    st.text(DIGITS, min_size=17, max_size=17).map(id_number),
    st.text(DIGITS, min_size=15, max_size=18).map(card_number),
)


@settings(max_examples=300)
@given(st.lists(FRAGMENTS, max_size=8).map("".join))
def test_idempotent(text: str) -> None:
    once = redact(text).text
    assert redact(once) == Redaction(once, ())


TRIGGERS = re.compile(r"验证码|校验码|动态码|动态密码|短信码|确认码|密码|口令|code|otp|password|passwd|pwd", re.I)


@given(SURROUNDING)
def test_text_without_personal_data_is_unchanged(text: str) -> None:
    # No trigger words and no digit run long enough for an ID, card, phone number or code.
    assume(not TRIGGERS.search(text) and not re.search(r"[0-9０-９]{4}", text))
    assert redact(text) == Redaction(text, ())


WORDS = st.text(CJK, min_size=1, max_size=10)
AMOUNTS = st.one_of(st.integers(0, 10**8).map(lambda n: f"{n}元"), st.integers(1949, 2099).map(lambda y: f"{y}年"))


@given(st.lists(st.tuples(WORDS, AMOUNTS), max_size=6).map(lambda pairs: "".join(w + a for w, a in pairs)))
def test_amounts_and_years_are_unchanged(text: str) -> None:
    assume(not TRIGGERS.search(text))
    assert redact(text) == Redaction(text, ())
