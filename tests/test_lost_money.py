"""The lost-money walk-through: answer parsing, the checklist action, and a real conversation."""

from __future__ import annotations

import uuid

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.lost_money import ActionLostMoneyChecklist, ValidateLostMoneyForm, checklist
from bot import loss_report
from tests.support.trackers import tracker_for


pytestmark = pytest.mark.usefixtures("actions_store")


@pytest.mark.parametrize(
    "answer, topic",
    [("半小时前", "loss_time_recent"), ("刚刚", "loss_time_recent"), ("今天上午十点", "loss_time_recent"),
     ("昨天晚上", "loss_time_days"), ("三天前", "loss_time_days"), ("上个月", "loss_time_days"),
     ("不知道", "loss_time_recent")],
)
def test_time_answers(answer, topic):
    assert loss_report.time_topic(answer) == topic


@pytest.mark.parametrize(
    "answer, label",
    [("支付宝", "支付宝"), ("用支付寶轉的", "支付宝"), ("微信零钱", "微信"), ("手机银行转账", "银行转账"),
     ("买了USDT转给他", "虚拟货币"), ("金条当面交给他了", "现金或黄金"), ("刷的信用卡", "信用卡或花呗")],
)
def test_channel_answers(answer, label):
    assert loss_report.channel(answer)[1] == label


@pytest.mark.parametrize(
    "answer, expected",
    [("还没报警", loss_report.NOT_REPORTED), ("没有", loss_report.NOT_REPORTED),
     ("已经报警了", loss_report.REPORTED), ("打了110了", loss_report.REPORTED), ("嗯", loss_report.REPORTED),
     ("哦", None)],
)
def test_reported_answers(answer, expected):
    assert loss_report.reported(answer) == expected


@pytest.mark.parametrize("answer", ["不知道", "不想说", "跳过", "記不清了"])
def test_skips(answer):
    assert loss_report.is_skip(answer) and not loss_report.is_stop(answer)


def test_stop_ends_the_form_with_every_slot_filled():
    result = ValidateLostMoneyForm().validate_loss_channel("算了", None, None, {})
    assert result["loss_stopped"] is True
    assert all(result[s] == loss_report.NOT_SAID for s in ("loss_time", "loss_channel", "loss_amount", "loss_reported"))


def test_checklist_orders_110_first_for_a_recent_unreported_alipay_loss():
    text = checklist({"loss_time": "半小时前", "loss_channel": "支付宝", "loss_amount": "5000",
                      "loss_reported": loss_report.NOT_REPORTED})
    steps = [line for line in text.splitlines() if line[:2] in {f"{i}." for i in range(1, 10)}]
    assert "110" in steps[0] and "止付" in steps[0]
    assert any("95188" in s or "支付宝" in s for s in steps[1:3])
    assert any("解冻费" in s for s in steps)
    assert "【报案材料清单】" in text and "支付宝" in text and "5000" in text and "还没报警" in text


def test_checklist_for_a_reported_crypto_loss_follows_up_instead():
    text = checklist({"loss_time": "三天前", "loss_channel": "虚拟货币", "loss_amount": "两万",
                      "loss_reported": loss_report.REPORTED})
    assert "报案回执" in text and "钱包地址" in text


def test_summary_never_repeats_a_card_number():
    text = checklist({"loss_time": "刚刚", "loss_channel": "银行卡6222021234567890128",
                      "loss_amount": "5000", "loss_reported": "还没报警"})
    assert "6222021234567890128" not in text


async def test_checklist_action_resets_the_form():
    tracker = tracker_for("还没报警", "inform", slots={"loss_time": "刚刚", "loss_channel": "微信",
                                                     "loss_amount": "800", "loss_reported": "还没报警"})
    dispatcher = CollectingDispatcher()
    events = await ActionLostMoneyChecklist().run(dispatcher, tracker, {})
    assert "95017" in dispatcher.messages[0]["text"] or "微信" in dispatcher.messages[0]["text"]
    assert {e["name"] for e in events} == {"loss_time", "loss_channel", "loss_amount", "loss_reported", "loss_stopped"}
    assert all(e["value"] is None for e in events)


def conversation(chat, *messages: str) -> list[str]:
    user = uuid.uuid4().hex
    return ["\n".join(chat(user, m)) for m in messages]


def test_walk_through_over_rest(chat):
    replies = conversation(chat, "我被骗了", "半小时前", "支付宝", "5000", "还没报警")
    assert "110" in replies[0] and "止付" in replies[0]
    assert "什么时候" in replies[0]
    assert "怎么转出去" in replies[1]
    assert "多少钱" in replies[2]
    assert "报警了吗" in replies[3]
    final = replies[4]
    assert final.index("110") < final.index("95188") < final.index("解冻费")
    assert "【报案材料清单】" in final and "半小时前" in final and "5000" in final


def test_walk_through_skips_and_interruptions_over_rest(chat):
    replies = conversation(chat, "我妈刚被骗了三万", "跳过", "96110是什么", "微信", "不想说", "不知道")
    assert "怎么转出去" in replies[1]
    assert "96110" in replies[2] and "怎么转出去" in replies[2]
    assert "多少钱" in replies[3]
    assert "【报案材料清单】" in replies[5] and "未说明" in replies[5]


def test_walk_through_stops_politely_over_rest(chat):
    replies = conversation(chat, "我被人骗了钱", "今天上午", "算了")
    assert "先不问了" in replies[2] and "110" in replies[2]
    assert "【报案材料清单】" not in replies[2]
