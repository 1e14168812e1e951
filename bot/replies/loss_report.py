"""Understand the answers of the lost-money walk-through (pure functions, no Rasa).

Amounts, payment channels and times come from the NLU entities; a free answer is read
with the same vocabulary, from the NLU data itself (data/nlu/entities.yml: the `amount`
regexes, the payment-channel synonyms). This module adds what entities cannot read:
skipping, stopping and reporting.
"""

from __future__ import annotations

import functools
import re

import yaml

from bot import settings
from bot.text.textnorm import to_simplified

NLU_ENTITIES = settings.ROOT / "data" / "nlu" / "entities.yml"

NOT_SAID = "未说明"
REPORTED, NOT_REPORTED = "已经报警", "还没报警"

_STOP = re.compile(r"^\s*(算了|不用了|不问了|别问了|停|停止|退出|结束|不想聊了|不说了)")
_SKIP = re.compile(
    r"不[太大]?(?:知道|清楚|记得)|记不[清住得]|搞不清|弄不清|说不准|不想说|不方便说|跳过|略过|保密"
    r"|^\s*(不确定|忘了|忘记了|pass|skip)\s*[。.!！]?\s*$",
    re.I,
)
_DAYS = re.compile(
    r"昨天|前天|几天|[一二两三四五六七八九十\d]+\s*天|上周|上个?星期|礼拜|周[一二三四五六日天]"
    r"|[一二两三四五六七八九十\d几]+\s*(个)?(月|年)|上个月|去年|很久|好久"
)
_RECENT = re.compile(r"刚|分钟|小时|今天|上午|下午|中午|早上|晚上|今早|今晚|半天|一会儿?|[零〇\d]+点")
_REPORTED_SURE = re.compile(r"报了|报过|已经报|报案了|报警了|去了派出所|打了110|打过110")
_REPORTED_NO = re.compile(r"没|未|还不|不敢|不想|否|不是|no", re.I)
_REPORTED_YES = re.compile(r"是的|对|嗯|有|yes", re.I)
_HEDGE_BEFORE = r"(?:大概|大约|约|差不多|将近|一共|总共)?"
_HEDGE_AFTER = r"(?:左右|多|吧|的样子)?\s*[。.!！]?"
# What the NLU's amount regexes leave out: a number without a currency word ("5000", "两千", "5k").
_NUMBER = r"[\d一二两三四五六七八九十百千万几半.,]+\s*(?:万|千|w|k)*"
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


@functools.cache
def _nlu() -> tuple[dict, ...]:
    with open(NLU_ENTITIES, encoding="utf-8") as f:
        return tuple(yaml.safe_load(f)["nlu"])


def _examples(item: dict) -> list[str]:
    return [line.strip().removeprefix("- ") for line in item["examples"].splitlines() if line.strip()]


@functools.cache
def _channels() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(name, its words) of each payment-channel synonym group, in file order."""
    lookup = {w.lower() for item in _nlu() if item.get("lookup") == "payment_channel" for w in _examples(item)}
    groups = [(item["synonym"], [item["synonym"], *_examples(item)]) for item in _nlu() if "synonym" in item]
    return tuple(
        (name, tuple(dict.fromkeys(w.lower() for w in words)))
        for name, words in groups
        if lookup & {w.lower() for w in words}
    )


@functools.cache
def _bare_amount() -> re.Pattern[str]:
    amounts = [p for item in _nlu() if item.get("regex") == "amount" for p in _examples(item)]
    amount = "|".join(f"(?:{p})" for p in [*amounts, _NUMBER])
    return re.compile(rf"^\s*{_HEDGE_BEFORE}\s*(?:{amount})\s*{_HEDGE_AFTER}\s*$", re.I)


def channel(answer: str) -> str | None:
    """The payment channel a free answer names ("用支付寶轉的" → 支付宝), or None for another way."""
    text = to_simplified(answer).lower()
    return next((name for name, words in _channels() if any(w in text for w in words)), None)


def is_bare_amount(text: str) -> bool:
    """The whole message is an amount ("5000", "两万左右"): an answer, whatever the classifier thought."""
    return bool(_bare_amount().match(to_simplified(text)))


def said_reported(text: str) -> str | None:
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


def reported(answer: str) -> str | None:
    """REPORTED, NOT_REPORTED, or None when the answer says neither."""
    text = to_simplified(answer)
    if _REPORTED_SURE.search(text) and not re.search(r"没|未|还不", text):
        return REPORTED
    if _REPORTED_NO.search(text):
        return NOT_REPORTED
    return REPORTED if _REPORTED_YES.search(text) else None
