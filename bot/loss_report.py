"""Understand the answers of the lost-money walk-through (pure functions, no Rasa).

Amounts, payment channels and times come from the NLU entities (data/nlu/entities.yml);
this module reads what entities cannot: skipping, stopping and reporting.
"""

from __future__ import annotations

import re
from typing import Optional

from bot.textnorm import to_simplified

NOT_SAID = "未说明"
REPORTED, NOT_REPORTED = "已经报警", "还没报警"

_STOP = re.compile(r"^\s*(算了|不用了|不问了|别问了|停|停止|退出|结束|不想聊了|不说了)")
_SKIP = re.compile(r"不知道|不清楚|不记得|记不清|说不准|不想说|不方便说|跳过|略过|保密|^\s*(不确定|忘了|pass|skip)\s*[。.!！]?\s*$", re.I)
_DAYS = re.compile(r"昨天|前天|几天|[一二两三四五六七八九十\d]+\s*天|上周|上个?星期|礼拜|周[一二三四五六日天]|[一二两三四五六七八九十\d几]+\s*(个)?(月|年)|上个月|去年|很久|好久")
_RECENT = re.compile(r"刚|分钟|小时|今天|上午|下午|中午|早上|晚上|今早|今晚|半天|一会儿?|[零〇\d]+点")
_CHANNELS = (
    ("loss_channel_crypto", "虚拟货币", r"usdt|泰达|虚拟币|虚拟货币|比特币|btc|币安|欧易|数字货币|钱包地址"),
    ("loss_channel_cash", "现金或黄金", r"现金|黄金|金条|金饰|当面|给了他钱|交给"),
    ("loss_channel_credit_card", "信用卡或花呗", r"信用卡|花呗|借呗|白条"),
    ("loss_channel_alipay", "支付宝", r"支付宝|alipay"),
    ("loss_channel_wechat", "微信", r"微信|wechat|vx|零钱"),
    ("loss_channel_bank", "银行转账", r"银行|网银|手机银行|卡|转账|汇款|柜台|atm|云闪付"),
)
_REPORTED_SURE = re.compile(r"报了|报过|已经报|报案了|报警了|去了派出所|打了110|打过110")
_REPORTED_NO = re.compile(r"没|未|还不|不敢|不想|否|不是|no", re.I)
_REPORTED_YES = re.compile(r"是的|对|嗯|有|yes", re.I)
_BARE_AMOUNT = re.compile(
    r"^\s*(?:大概|大约|约|差不多|将近|一共|总共)?\s*[\d一二两三四五六七八九十百千万几半.,]+\s*"
    r"(?:万|千|w|k|元|块钱|块|rmb)*\s*(?:左右|多|吧|的样子)?\s*[。.!！]?\s*$",
    re.I,
)
_REPORT_DENIED = re.compile(r"(?:还没|没有|没|未|还未)(?:去|打)?(?:报警|报案|报了警|110|派出所)")


def is_stop(text: str) -> bool:
    """The user wants to end the walk-through ("算了")."""
    return bool(_STOP.search(to_simplified(text)))


def is_skip(text: str) -> bool:
    """The user does not know or does not want to answer this question."""
    return bool(_SKIP.search(to_simplified(text)))


def time_topic(answer: str) -> str:
    """The guidance topic for when it happened: days ago, or recent (also when unknown)."""
    text = to_simplified(answer)
    if _DAYS.search(text) and not re.search(r"刚|分钟", text):
        return "loss_time_days"
    return "loss_time_recent"


def channel(answer: str) -> tuple[str, str]:
    """(guidance topic, label) for how the money left; unknown ways map to "other"."""
    text = to_simplified(answer).lower()
    for topic, label, pattern in _CHANNELS:
        if re.search(pattern, text):
            return topic, label
    return "loss_channel_other", answer.strip()[:20] or NOT_SAID


def is_bare_amount(text: str) -> bool:
    """The whole message is an amount ("5000", "两万左右"): an answer, whatever the classifier thought."""
    return bool(_BARE_AMOUNT.match(to_simplified(text)))


def said_reported(text: str) -> Optional[str]:
    """REPORTED or NOT_REPORTED when a message volunteers it ("我已经报警了"), else None.

    Stricter than `reported`, which reads a yes/no answer to the question itself:
    "报警有用吗" volunteers nothing.
    """
    text = to_simplified(text)
    if _REPORT_DENIED.search(text):
        return NOT_REPORTED
    if _REPORTED_SURE.search(text):
        return REPORTED
    return None


def reported(answer: str) -> Optional[str]:
    """REPORTED, NOT_REPORTED, or None when the answer says neither."""
    text = to_simplified(answer)
    if _REPORTED_SURE.search(text) and not re.search(r"没|未|还不", text):
        return REPORTED
    if _REPORTED_NO.search(text):
        return NOT_REPORTED
    return REPORTED if _REPORTED_YES.search(text) else None
