"""Whole turns over REST with the trained model and the real action server: what a person gets back."""

from __future__ import annotations

import uuid

import pytest


def reply(chat, message: str) -> str:
    return "\n".join(chat(uuid.uuid4().hex, message))


@pytest.mark.parametrize(
    "message, family",
    [
        ("明天早上到我办公室来一趟，有事找你。", "冒充领导/老板"),
        ("【ETC服务】您的ETC认证已失效，请及时登录 http://etc-rz.cn 重新认证，逾期将停用。", "ETC/车辆认证"),
        ("收到这个：您的贷款已审批通过，请先缴纳保证金2000元才能放款。是真的吗", "虚假贷款"),
    ],
)
def test_a_forwarded_message_gets_its_family_and_signs(chat, message, family):
    text = reply(chat, message)
    assert f"这条消息像【{family}】" in text and "我在消息里看到" in text
    assert "我没有发现明显的诈骗特征" not in text


def test_the_penalty_question_gets_the_statute(chat):
    text = reply(chat, "帮信罪一般判几年啊")
    assert "三年以下有期徒刑或者拘役" in text and "第二百八十七条之二" in text


def test_a_victim_whose_story_reads_like_a_call_still_hears_110(chat):
    text = reply(chat, "有个自称公安的人打电话说我涉嫌洗钱，我把验证码告诉他了")
    assert "110" in text and "止付" in text
