"""Tests for redaction of personal data."""

from __future__ import annotations

import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bot.text.privacy import NAMES, Redaction, notice, redact

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(first17: str) -> str:
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


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
    # A victim's own words: the secret a few words after its keyword, in the same sentence.
    ("对方让我念验证码，我念了：654321", "对方让我念验证码，我念了：[验证码]", ("verification_code",)),
    ("他要我的验证码，我给了他654321", "他要我的验证码，我给了他[验证码]", ("verification_code",)),
    ("支付密码我说了，是147258", "支付密码我说了，是[密码]", ("password",)),
    ("验证码我收到了，是654321", "验证码我收到了，是[验证码]", ("verification_code",)),
    ("code sent, it's 4821", "code sent, it's [验证码]", ("verification_code",)),
    # Traditional script, Chinese numerals, spaced digits.
    ("驗證碼是 382910", "驗證碼是 [验证码]", ("verification_code",)),
    ("我的密碼是147258", "我的密碼是[密码]", ("password",)),
    ("验证码是六五四三二一", "验证码是[验证码]", ("verification_code",)),
    ("验证码 6 5 4 3 2 1", "验证码 [验证码]", ("verification_code",)),
    ("对方要验证码，我念了六五四三二一给他", "对方要验证码，我念了[验证码]给他", ("verification_code",)),
    # Separators inside numbers.
    ("手机138.1234.5678", "手机[手机号]", ("phone",)),
    ("手机138\u20131234\u20135678", "手机[手机号]", ("phone",)),
    ("手机138  1234  5678", "手机[手机号]", ("phone",)),
    ("手机1381\u200b2345678", "手机[手机号]", ("phone",)),
    ("身份证110105/19491231/002X", "身份证[身份证号]", ("id_number",)),
    ("卡号6222\t0212\t3456\t7890\t128", "卡号[银行卡号]", ("bank_card",)),
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
    # Ordinary numbers after a keyword in the same sentence.
    "验证码诈骗请拨96110",
    "验证码的事，我已经打了12381",
    "验证码的事，去年2023年就有",
    "验证码发来后，我转了5000",
    "验证码在2024-10-01 15:30收到",
    "密码忘了，我2023年设的",
    "验证码收到了，尾号1234",
    "密码被改了，我给95588打了电话",
    # Amounts and order numbers that look like phones, cards or IDs.
    "转了13812345678元",
    "订单号 6222021234567890128 还没发货",
    "订单号：110105199003071239",
    "流水号13812345678",
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


AMOUNT_AFTER = re.compile(r"[^\S\n]*(?:元|块|万|亿|美元|人民币)")
REFERENCE_BEFORE = re.compile(r"(?:订单|单号|流水号|交易号|会议号|取件码)[\s:：#是为]{0,4}$")


def _embedded(number: str, prefix: str, suffix: str) -> str:
    # The number must stand on its own: no digits glued to either side, and no context that
    # makes it an amount ("…元") or an order number ("订单号…").
    assume(not re.search(r"[0-9０-９]$", prefix) and not re.match(r"[0-9０-９]", suffix))
    assume(not AMOUNT_AFTER.match(suffix) and not REFERENCE_BEFORE.search(prefix))
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


# Separators people (and their phones) put inside numbers.
SEPARATORS = [" ", "  ", "-", "\u2013", ".", "/", "\t", "\n", "\r\n", "\u00a0", "\u2009", "\u202f", " - "]
ZERO_WIDTH = st.sampled_from(["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"])


@st.composite
def written(draw, number: str, shape: tuple[int, ...]) -> str:
    """`number` cut into `shape` groups with drawn separators, zero-width characters sprinkled in."""
    groups, at = [], 0
    for size in shape:
        groups.append(number[at : at + size])
        at += size
    text = groups[0]
    for group in groups[1:]:
        text += draw(st.sampled_from(SEPARATORS)) + group
    for _ in range(draw(st.integers(0, 2))):
        digits = [i for i in range(1, len(text)) if text[i - 1].isdigit() and text[i].isdigit()]
        if digits:
            i = draw(st.sampled_from(digits))
            text = text[:i] + draw(ZERO_WIDTH) + text[i:]
    return text


@st.composite
def separated_numbers(draw) -> tuple[str, str]:
    """(number as written, its placeholder) for an ID, a bank card or a mobile number."""
    kind = draw(st.sampled_from(["id_number", "bank_card", "phone"]))
    if kind == "id_number":
        number, shape = id_number(draw(st.text(DIGITS, min_size=17, max_size=17))), (6, 8, 4)
    elif kind == "bank_card":
        number = card_number(draw(st.text(DIGITS, min_size=15, max_size=18)))
        shape = (4,) * (len(number) // 4) + ((len(number) % 4,) if len(number) % 4 else ())
    else:
        number = "1" + draw(st.sampled_from("3456789")) + draw(st.text(DIGITS, min_size=9, max_size=9))
        shape = (3, 4, 4)
    return draw(written(number, shape)), f"[{NAMES[kind]}]"


@given(separated_numbers(), SURROUNDING, SURROUNDING)
def test_numbers_with_any_separators_never_survive(number: tuple[str, str], prefix: str, suffix: str) -> None:
    text, placeholder = number
    assume(not re.search(r"[0-9０-９.\-/]$", prefix) and not re.match(r"[0-9０-９.\-/]", suffix))
    result = redact(_embedded(text, prefix, suffix)).text
    assert text not in result and placeholder in result


CN_DIGITS = "零一二三四五六七八九"
CODE_KEYWORDS = ["验证码", "驗證碼", "校验码", "动态码", "短信码", "code", "OTP"]
PASSWORD_KEYWORDS = ["密码", "密碼", "支付密码", "取款密碼", "口令"]
# What victims say between the keyword and the secret.
GAPS = st.sampled_from(
    [
        "",
        "是",
        "：",
        "，我念了：",
        "，我给了他",
        "我说了，是",
        "我收到了，是",
        "，对方让我报，我报了",
        "发过来了，就是",
        "，他让我告诉他，我说",
        " is ",
    ]
)
SAFE_WORDS = st.text(st.sampled_from("我他她的了给念说报收到发过来告诉对方就这个那刚"), max_size=5)


@st.composite
def secrets(draw) -> str:
    """A code or password as digits, spaced digits or Chinese numerals."""
    digits = draw(st.text(DIGITS, min_size=4, max_size=8))
    assume(not re.fullmatch(r"96110|12\d{3}|95\d{3}|100\d{2}", digits))  # hotlines and service numbers stay
    shape = draw(st.sampled_from(["plain", "spaced", "chinese"]))
    if shape == "spaced":
        return " ".join(digits)
    if shape == "chinese":
        return "".join(CN_DIGITS[int(d)] for d in digits)
    return digits


@given(
    st.sampled_from([(k, "[验证码]") for k in CODE_KEYWORDS] + [(k, "[密码]") for k in PASSWORD_KEYWORDS]),
    SAFE_WORDS,
    GAPS,
    secrets(),
    st.sampled_from(["", "。", "，快帮帮我", "了", "!"]),
)
def test_secrets_said_after_their_keyword_never_survive(keyword, words, gap, secret, end) -> None:
    word, placeholder = keyword
    result = redact(f"对方要{word}{words}{gap}{secret}{end}")
    assert secret not in result.text and placeholder in result.text


ORDINARY = st.one_of(
    st.integers(0, 10**8).map(lambda n: f"{n}元"),
    st.integers(1, 9999).map(lambda n: f"{n}块"),
    st.integers(1949, 2099).map(lambda y: f"{y}年"),
    st.sampled_from(["110", "96110", "12381", "120", "95588", "10086"]),
    st.tuples(st.integers(0, 23), st.integers(0, 59)).map(lambda t: f"{t[0]}:{t[1]:02d}"),
    st.tuples(st.integers(2000, 2030), st.integers(1, 12), st.integers(1, 28)).map(
        lambda d: f"{d[0]}-{d[1]:02d}-{d[2]:02d}"
    ),
)


@given(
    st.sampled_from(CODE_KEYWORDS + PASSWORD_KEYWORDS),
    SAFE_WORDS,
    st.sampled_from(["，", "的事，", "诈骗请拨", "的事，我打了", "，我转了", "，在"]),
    ORDINARY,
)
def test_ordinary_numbers_after_a_keyword_are_unchanged(keyword, words, gap, number) -> None:
    text = f"{keyword}{words}{gap}{number}"
    assert redact(text) == Redaction(text, ())


@given(
    st.sampled_from(["订单号", "订单号：", "订单编号 ", "流水号", "交易号是"]),
    st.one_of(
        st.text(DIGITS, min_size=15, max_size=18).map(card_number),
        st.text(DIGITS, min_size=17, max_size=17).map(id_number),
    ),
)
def test_order_numbers_are_unchanged(label: str, number: str) -> None:
    text = f"{label}{number}"
    assert redact(text) == Redaction(text, ())


@given(st.sampled_from("3456789"), st.text(DIGITS, min_size=9, max_size=9), st.sampled_from(["元", " 元", "块", "万"]))
def test_amounts_shaped_like_mobiles_are_unchanged(second: str, rest: str, unit: str) -> None:
    text = f"转了1{second}{rest}{unit}"
    assert redact(text) == Redaction(text, ())


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


TRIGGERS = re.compile(
    r"[验驗][证證][码碼]|校[验驗][码碼]|[动動][态態][码碼]|[动動][态態]密[码碼]|短信[码碼]|[确確][认認][码碼]|密[码碼]|口令"
    r"|code|otp|password|passwd|pwd",
    re.I,
)


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
