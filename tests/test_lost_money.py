"""The lost-money walk-through: answer parsing, the checklist action, and a real conversation."""

from __future__ import annotations

import uuid

import pytest
import yaml
from rasa_sdk.executor import CollectingDispatcher

from actions.lost_money import (
    ActionAnswerLostMoney,
    ActionLostMoneyChecklist,
    ValidateLostMoneyForm,
    checklist,
)
from bot import settings
from bot.replies import loss_report
from tests.support.trackers import tracker_for

pytestmark = pytest.mark.usefixtures("actions_repository")


@pytest.mark.parametrize(
    "answer, topic",
    [
        ("半小时前", "loss_time_recent"),
        ("刚刚", "loss_time_recent"),
        ("今天上午十点", "loss_time_recent"),
        ("昨天晚上", "loss_time_days"),
        ("三天前", "loss_time_days"),
        ("上个月", "loss_time_days"),
        ("不知道", "loss_time_recent"),
    ],
)
def test_time_answers(answer, topic):
    assert loss_report.time_topic(answer) == topic


@pytest.mark.parametrize(
    "answer, label",
    [
        ("支付宝", "支付宝"),
        ("用支付寶轉的", "支付宝"),
        ("微信零钱", "微信"),
        ("手机银行转账", "银行转账"),
        ("买了USDT转给他", "虚拟货币"),
        ("金条当面交给他了", "现金或黄金"),
        ("刷的信用卡", "信用卡或花呗"),
    ],
)
def test_channel_answers(answer, label):
    assert loss_report.channel(answer) == label


@pytest.mark.parametrize(
    "answer, expected",
    [
        ("还没报警", loss_report.NOT_REPORTED),
        ("没有", loss_report.NOT_REPORTED),
        ("已经报警了", loss_report.REPORTED),
        ("打了110了", loss_report.REPORTED),
        ("嗯", loss_report.REPORTED),
        ("哦", None),
    ],
)
def test_reported_answers(answer, expected):
    assert loss_report.reported(answer) == expected


@pytest.mark.parametrize("answer", ["不知道", "不想说", "跳过", "記不清了", "不太清楚，我妈弄的", "记不住了"])
def test_skips(answer):
    assert loss_report.is_skip(answer) and not loss_report.is_stop(answer)


FORM = "lost_money_form"
EMPTY_FORM = {"loss_time": None, "loss_channel": None, "loss_amount": None, "loss_reported": None}


async def extracted(text, intent, entities=None, slots=None, requested=None, loop=FORM) -> dict:
    """What the form's validation action takes from one message, slot by slot."""
    tracker = tracker_for(
        text, intent, entities, {**EMPTY_FORM, **(slots or {}), "requested_slot": requested}, active_loop=loop
    )
    form = ValidateLostMoneyForm()
    found = {}
    for slot in EMPTY_FORM:
        found.update(await getattr(form, f"extract_{slot}")(CollectingDispatcher(), tracker, {}))
    return found


async def test_the_first_message_fills_what_it_says():
    story = "我妈刚接到电话说是公安局的，让她把钱转到安全账户，她已经转了5万了"
    assert await extracted(story, "lost_money", {"amount": "5万"}, loop=None) == {"loss_amount": "5万"}


async def test_an_answer_out_of_order_fills_its_own_slots_and_not_the_one_asked():
    found = await extracted(
        "转了两万，用的银行卡转账",
        "lost_money",
        {"amount": "两万", "payment_channel": "银行转账"},
        requested="loss_time",
    )
    assert found == {"loss_amount": "两万", "loss_channel": "银行转账"}


async def test_a_volunteered_report_fills_the_reported_slot():
    found = await extracted("昨天就报警了", "lost_money", {"when": "昨天"}, requested="loss_channel")
    assert found == {"loss_time": "昨天", "loss_reported": loss_report.REPORTED}


async def test_a_plain_answer_fills_the_slot_asked():
    assert await extracted("朋友帮我转的", "lost_money", requested="loss_channel") == {"loss_channel": "朋友帮我转的"}
    assert await extracted("没有", "deny", requested="loss_reported") == {"loss_reported": "没有"}


async def test_slots_already_filled_are_never_asked_or_overwritten():
    found = await extracted(
        "又转了三千", "lost_money", {"amount": "三千"}, slots={"loss_amount": "两万"}, requested="loss_time"
    )
    assert found == {}


@pytest.mark.parametrize(
    "text, intent, requested",
    [
        ("谢谢", "thank", "loss_amount"),
        ("算了", "stop", "loss_time"),
        ("96110是什么", "ask_hotline", "loss_channel"),
        ("嗯", "affirm", "loss_time"),
        ("算了不说了", "lost_money", "loss_amount"),
    ],
)
async def test_remarks_and_questions_are_not_answers(text, intent, requested):
    assert await extracted(text, intent, requested=requested) == {}


@pytest.mark.parametrize("text", ["5000", "两万左右", "大概3000块", "1.5万"])
async def test_a_bare_amount_answers_the_amount_question_whatever_the_intent(text):
    assert await extracted(text, "ask_statistics", requested="loss_amount") == {"loss_amount": text}


@pytest.mark.parametrize("intent", ["lost_money", "stop", "deny"])
async def test_skipping_marks_the_question_answered_whatever_the_intent(intent):
    assert await extracted("跳过", intent, requested="loss_time") == {"loss_time": loss_report.NOT_SAID}
    assert await extracted("记不清了", intent, requested="loss_time") == {"loss_time": loss_report.NOT_SAID}


def test_checklist_orders_110_first_for_a_recent_unreported_alipay_loss(repository):
    text = checklist(
        {
            "loss_time": "半小时前",
            "loss_channel": "支付宝",
            "loss_amount": "5000",
            "loss_reported": loss_report.NOT_REPORTED,
        }
    )
    steps = [line for line in text.splitlines() if line[:2] in {f"{i}." for i in range(1, 10)}]
    assert "110" in steps[0] and "止付" in steps[0]
    alipay = repository.guidance("loss_channel_alipay").steps
    assert [step.split(". ", 1)[1] for step in steps[1 : 1 + len(alipay)]] == list(alipay)
    assert any("解冻费" in s for s in steps)
    assert "【报案材料清单】" in text and "支付宝" in text and "5000" in text and "还没报警" in text


def test_checklist_for_a_reported_crypto_loss_follows_up_instead(repository):
    text = checklist(
        {
            "loss_time": "三天前",
            "loss_channel": "虚拟货币",
            "loss_amount": "两万",
            "loss_reported": loss_report.REPORTED,
        }
    )
    steps = [line.split(". ", 1)[1] for line in text.splitlines() if line[:2] in {f"{i}." for i in range(1, 10)}]
    parts = ("loss_reported", "loss_channel_crypto", "loss_follow_up")
    assert steps == [step for part in parts for step in repository.guidance(part).steps]
    assert "报案回执" in steps[0] and any("钱包地址" in step for step in steps)


def test_summary_never_repeats_a_card_number():
    text = checklist(
        {
            "loss_time": "刚刚",
            "loss_channel": "银行卡6222021234567890128",
            "loss_amount": "5000",
            "loss_reported": "还没报警",
        }
    )
    assert "6222021234567890128" not in text


async def test_checklist_action_gives_the_channel_steps_and_resets_the_form(repository):
    tracker = tracker_for(
        "还没报警",
        "deny",
        slots={"loss_time": "刚刚", "loss_channel": "微信", "loss_amount": "800", "loss_reported": "还没报警"},
    )
    dispatcher = CollectingDispatcher()
    events = await ActionLostMoneyChecklist().run(dispatcher, tracker, {})
    assert repository.guidance("loss_channel_wechat").steps[0] in dispatcher.messages[0]["text"]
    assert {e["name"] for e in events} == {"loss_time", "loss_channel", "loss_amount", "loss_reported"}
    assert all(e["value"] is None for e in events)


async def test_stopping_midway_gives_the_key_steps_and_keeps_what_was_said(repository):
    tracker = tracker_for(
        "算了", "stop", slots={"loss_time": "昨天", "loss_channel": None, "loss_amount": "两万", "loss_reported": None}
    )
    dispatcher = CollectingDispatcher()
    await ActionLostMoneyChecklist().run(dispatcher, tracker, {})
    text = dispatcher.messages[0]["text"]
    assert text.startswith("好的，先不问了") and repository.guidance("lost_money").steps[0] in text
    assert "发生时间：昨天" in text and "涉及金额：两万" in text and "转账方式：未说明" in text


async def test_a_story_gets_the_urgent_line_with_110_and_evidence(repository):
    dispatcher = CollectingDispatcher()
    events = await ActionAnswerLostMoney().run(dispatcher, tracker_for("我被骗了两万", "lost_money"), {})
    first = dispatcher.messages[0]["text"]
    assert "110" in first and "止付" in first and "截图" in first
    assert f"最要紧的一步：{repository.guidance('lost_money').steps[0]}" in first
    assert events == [{"event": "slot", "timestamp": None, "name": "specific_question", "value": False}]


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("我被骗了两万", True),
        ("/lost_money", True),  # the "已经被骗、转了钱" button
        ("遇到骗子了怎么办", False),  # only the classifier reads a loss into it
    ],
)
async def test_the_reply_takes_a_loss_for_said_only_where_the_person_said_it(repository, text, said):
    guidance = repository.guidance("lost_money")
    dispatcher = CollectingDispatcher()
    await ActionAnswerLostMoney().run(dispatcher, tracker_for(text, "lost_money"), {})
    first = dispatcher.messages[0]["text"]
    assert first.startswith(guidance.intro if said else guidance.intro_unconfirmed)
    assert "如果" in guidance.intro_unconfirmed and "如果" not in guidance.intro
    assert f"最要紧的一步：{guidance.steps[0]}" in first


async def test_a_specific_question_is_answered_first_and_the_walk_through_offered(repository):
    key = "lost_money/evidence_materials"
    tracker = tracker_for("报案要带什么材料", "lost_money", question=(key, 0.9))
    dispatcher = CollectingDispatcher()
    events = await ActionAnswerLostMoney().run(dispatcher, tracker, {})
    assert dispatcher.messages[0]["text"].startswith(repository.question(key).answer[0])
    assert dispatcher.messages[1]["buttons"] == [{"title": "一步步帮我理清", "payload": "/lost_money"}]
    assert events[0]["value"] is True


async def test_an_unsure_question_guess_falls_back_to_the_urgent_line():
    tracker = tracker_for("报案要带什么材料", "lost_money", question=("lost_money/evidence_materials", 0.2))
    dispatcher = CollectingDispatcher()
    events = await ActionAnswerLostMoney().run(dispatcher, tracker, {})
    assert "110" in dispatcher.messages[0]["text"] and events[0]["value"] is False


async def test_a_victim_asking_a_question_still_hears_110_first(repository):
    key = "lost_money/recovery_time"
    tracker = tracker_for("我刚转了两万给骗子，多久能退回来", "lost_money", question=(key, 0.8))
    dispatcher = CollectingDispatcher()
    await ActionAnswerLostMoney().run(dispatcher, tracker, {})
    text = dispatcher.messages[0]["text"]
    assert text.startswith("最要紧的一步") and "110" in text
    assert repository.question(key).answer[0] in text


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
    replies = conversation(chat, "我妈刚被骗了三万", "跳过", "96110是什么", "微信", "不想说")
    assert "怎么转出去" in replies[1]
    assert "96110" in replies[2] and "怎么转出去" in replies[2]
    assert "报警了吗" in replies[3] and "多少钱" not in replies[3]
    assert "【报案材料清单】" in replies[4] and "三万" in replies[4] and "未说明" in replies[4]


def test_walk_through_stops_politely_and_keeps_what_was_said_over_rest(chat):
    replies = conversation(chat, "我被人骗了钱", "今天上午", "算了")
    assert "先不问了" in replies[2] and "110" in replies[2]
    assert "发生时间：今天上午" in replies[2]


def test_the_mothers_story_gets_110_and_the_walk_through_over_rest(chat):
    (reply,) = conversation(chat, "我妈刚接到电话说是公安局的，让她把钱转到安全账户，她已经转了5万了")
    assert "110" in reply and "止付" in reply
    assert "什么时候" in reply and "还有什么我可以帮您" not in reply and "钱还没转出去" not in reply


def test_out_of_order_answers_are_all_kept_over_rest(chat):
    replies = conversation(chat, "我被骗了", "转了两万，用的银行卡转账", "昨天晚上", "已经报警了")
    assert "什么时候" in replies[1] and "怎么转出去" not in replies[1] and "多少钱" not in replies[1]
    assert "报警了吗" in replies[2]
    final = replies[3]
    assert "发生时间：昨天晚上" in final and "转账方式：银行转账" in final and "涉及金额：两万" in final
    assert "是否已报警：已经报警" in final


def test_a_specific_question_is_answered_not_walked_through_over_rest(chat):
    (reply,) = conversation(chat, "被骗的钱报警以后一般多久能退回来")
    assert "什么时候的事" not in reply and "需要的话，我可以一步步帮您理清" in reply


def test_every_payment_channel_of_the_nlu_data_has_its_checklist_part(repository):
    """The channel names come from data/nlu/entities.yml; each selects the guidance part titled with it."""
    with open(settings.ROOT / "data" / "nlu" / "entities.yml", encoding="utf-8") as f:
        names = [item["synonym"] for item in yaml.safe_load(f)["nlu"] if "synonym" in item]
    assert len(names) >= 6
    for name in names:
        assert loss_report.channel(name) == name
        part = repository.payment_guidance(name)
        assert part.title == name and part.topic.startswith("loss_channel_") and part.topic != "loss_channel_other"
    assert repository.payment_guidance(None).topic == "loss_channel_other"
    assert repository.payment_guidance("朋友帮我转的").topic == "loss_channel_other"
